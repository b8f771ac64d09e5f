"""Pages for clinic staff, under /clinic/."""

from django.urls import URLPattern, URLResolver, include, path

from web.staff import alerts, builder, caseload, library, patient

# The actions on a patient's program, each a POST from the patient's page.
program_actions: list[URLPattern] = [
    path("pause/", patient.pause, name="program-pause"),
    path("resume/", patient.resume, name="program-resume"),
    path("discharge/", patient.discharge, name="program-discharge"),
    path("rebaseline/", patient.rebaseline, name="program-rebaseline"),
    path("override/", patient.override, name="dose-override"),
]

# The program builder's pages for one program (a draft until it is activated).
program_pages: list[URLPattern] = [
    path("", builder.program_preview, name="program-preview"),
    path("edit/", builder.program_edit, name="program-edit"),
    path("discard/", builder.program_discard, name="program-discard"),
    path("activate/", builder.program_activate, name="program-activate"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", caseload.caseload, name="caseload"),
    path("alerts/", alerts.inbox, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", alerts.acknowledge, name="acknowledge-alert"),
    path("patients/<int:patient_id>/", patient.patient, name="patient"),
    path("patients/<int:patient_id>/programs/<int:program_id>/", include(program_actions)),
    path("patients/<int:patient_id>/program/new/", builder.program_new, name="program-new"),
    path("programs/<int:program_id>/", include(program_pages)),
    path("library/", library.library, name="library"),
    path("library/<int:activity_id>/", library.activity, name="library-activity"),
    path("library/<int:activity_id>/media/", library.media_upload, name="library-media"),
    path(
        "library/<int:activity_id>/media/remove/",
        library.media_remove,
        name="library-media-remove",
    ),
]
