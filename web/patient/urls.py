"""Pages for a patient, or a guardian acting for them, under /p/<patient id>/."""

from django.urls import URLPattern, URLResolver, include, path

from web.patient import checkin, guided, progress, reminders, today

# One reminder contact's page and the actions on it.
contact_pages: list[URLPattern] = [
    path("", reminders.contact_page, name="reminders-contact"),
    path("verify/", reminders.verify, name="reminders-verify"),
    path("send/", reminders.send_verification, name="reminders-send"),
    path("stop/", reminders.stop, name="reminders-stop"),
    path("start/", reminders.start, name="reminders-start"),
    path("push/", reminders.push_subscribe, name="reminders-push"),
    path(
        "push/<int:subscription_id>/remove/",
        reminders.push_unsubscribe,
        name="reminders-push-remove",
    ),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("today/", today.today, name="today"),
    path("week/", today.week, name="week"),
    path("sessions/<int:session_id>/log/", today.log, name="log"),
    path("sessions/<int:session_id>/guide/", guided.guide, name="guide"),
    path("sessions/<int:session_id>/guide/<int:step>/", guided.guide_step, name="guide-step"),
    path("sessions/<int:session_id>/guide/done/", guided.guide_finish, name="guide-finish"),
    path("check-in/", checkin.check_in, name="check-in"),
    path("check-in/<int:check_in_id>/", checkin.check_in_done, name="check-in-done"),
    path("progress/", progress.progress, name="progress"),
    path("reminders/", reminders.settings, name="reminders"),
    path("reminders/add/", reminders.add, name="reminders-add"),
    path("reminders/<int:contact_id>/", include(contact_pages)),
]
