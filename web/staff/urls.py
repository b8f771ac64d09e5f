"""Pages for clinic staff, under /clinic/."""

from django.urls import URLPattern, path

from web.staff import alerts, caseload

urlpatterns: list[URLPattern] = [
    path("", caseload.caseload, name="caseload"),
    path("alerts/", alerts.inbox, name="alerts"),
]
