"""Endpoints for therapists and clinic admins."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add the staff viewsets to the API router."""
