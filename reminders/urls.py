"""The reminders' public endpoints, mounted at /reminders/: provider webhooks and the email
unsubscribe link (reminders/unsubscribe.py builds links to it)."""

from django.urls import path

from reminders import webhooks

app_name = "reminders"

urlpatterns = [
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
    path("twilio/status/", webhooks.twilio_status, name="twilio-status"),
    path("unsubscribe/<str:token>/", webhooks.unsubscribe, name="unsubscribe"),
]
