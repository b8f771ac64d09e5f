"""Pages for a patient, or a guardian acting for them, under /p/<patient id>/."""

from django.urls import URLPattern, path

from web.patient import checkin, progress, reminders, today

urlpatterns: list[URLPattern] = [
    path("today/", today.today, name="today"),
    path("week/", today.week, name="week"),
    path("sessions/<int:session_id>/log/", today.log, name="log"),
    path("check-in/", checkin.check_in, name="check-in"),
    path("check-in/<int:check_in_id>/", checkin.check_in_done, name="check-in-done"),
    path("progress/", progress.progress, name="progress"),
    path("reminders/", reminders.settings, name="reminders"),
    path("reminders/add/", reminders.add, name="reminders-add"),
    path("reminders/<int:contact_id>/", reminders.contact_page, name="reminders-contact"),
    path("reminders/<int:contact_id>/verify/", reminders.verify, name="reminders-verify"),
    path("reminders/<int:contact_id>/send/", reminders.send_verification, name="reminders-send"),
    path("reminders/<int:contact_id>/stop/", reminders.stop, name="reminders-stop"),
    path("reminders/<int:contact_id>/start/", reminders.start, name="reminders-start"),
]
