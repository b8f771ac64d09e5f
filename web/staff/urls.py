"""Pages for clinic staff, under /clinic/."""

from django.urls import URLPattern, path

from web.staff import alerts, builder, caseload, patient

urlpatterns: list[URLPattern] = [
    path("", caseload.caseload, name="caseload"),
    path("alerts/", alerts.inbox, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", alerts.acknowledge, name="acknowledge-alert"),
    path("patients/<int:patient_id>/", patient.patient, name="patient"),
    path(
        "patients/<int:patient_id>/programs/<int:program_id>/pause/",
        patient.pause,
        name="program-pause",
    ),
    path(
        "patients/<int:patient_id>/programs/<int:program_id>/resume/",
        patient.resume,
        name="program-resume",
    ),
    path(
        "patients/<int:patient_id>/programs/<int:program_id>/discharge/",
        patient.discharge,
        name="program-discharge",
    ),
    path(
        "patients/<int:patient_id>/programs/<int:program_id>/rebaseline/",
        patient.rebaseline,
        name="program-rebaseline",
    ),
    path(
        "patients/<int:patient_id>/programs/<int:program_id>/override/",
        patient.override,
        name="dose-override",
    ),
    path("patients/<int:patient_id>/program/new/", builder.program_new, name="program-new"),
    path("programs/<int:program_id>/", builder.program_preview, name="program-preview"),
    path("programs/<int:program_id>/edit/", builder.program_edit, name="program-edit"),
    path("programs/<int:program_id>/discard/", builder.program_discard, name="program-discard"),
    path(
        "programs/<int:program_id>/activate/",
        builder.program_activate,
        name="program-activate",
    ),
]
