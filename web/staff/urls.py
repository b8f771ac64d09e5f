"""Pages for clinic staff, under /clinic/."""

from django.urls import URLPattern, path

from web.staff import alerts, builder, caseload

urlpatterns: list[URLPattern] = [
    path("", caseload.caseload, name="caseload"),
    path("alerts/", alerts.inbox, name="alerts"),
    path("patients/<int:patient_id>/program/new/", builder.program_new, name="program-new"),
]
