"""Pages for a patient, or a guardian acting for them, under /p/<patient id>/."""

from django.urls import URLPattern, path

from web.patient import checkin, progress, reminders, today

urlpatterns: list[URLPattern] = [
    path("today/", today.today, name="today"),
    path("week/", today.week, name="week"),
    path("sessions/<int:session_id>/log/", today.log, name="log"),
    path("check-in/", checkin.check_in, name="check-in"),
    path("progress/", progress.progress, name="progress"),
    path("reminders/", reminders.settings, name="reminders"),
]
