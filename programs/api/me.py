"""Endpoints for patients and guardians, under /api/v1/me/."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
