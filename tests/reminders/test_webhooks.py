"""Twilio's webhooks: text messages received (STOP, START, HELP) and delivery reports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from programs.models import Clinic
from reminders.channels import OutgoingMessage, backend_for
from reminders.messages import GSM7
from reminders.models import Contact, InboundMessage, Reminder, Suppression
from tests.reminders.factories import contact_row, due_reminder, fresh_number
from tests.reminders.fake_twilio import AUTH_TOKEN, FakeTwilio

pytestmark = pytest.mark.django_db

INBOUND = "/reminders/twilio/inbound/"
STATUS = "/reminders/twilio/status/"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
_sids = iter(range(1, 1_000_000))


@pytest.fixture(autouse=True)
def _auth_token(settings: Any) -> None:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


def signed_post(client: Client, path: str, form: dict[str, str], *, token: str = AUTH_TOKEN) -> Any:
    """POST ``form`` as Twilio does: urlencoded, signed over PUBLIC_BASE_URL + path."""
    url = f"{settings.PUBLIC_BASE_URL}{path}"
    signature = RequestValidator(token).compute_signature(url, form)
    return client.post(
        path,
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def text_from(number: str, body: str, sid: str = "") -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{next(_sids):032x}",
        "AccountSid": "AC" + "f" * 32,
        "From": number,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


def reply_of(response: Any) -> str:
    content: bytes = response.content
    return content.decode()


# Signatures.


def test_it_refuses_a_text_without_a_signature(client: Client) -> None:
    response = client.post(INBOUND, text_from(fresh_number(), "STOP"))

    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not Suppression.objects.exists()


def test_it_refuses_a_text_signed_with_another_token(client: Client) -> None:
    response = signed_post(client, INBOUND, text_from(fresh_number(), "STOP"), token="guess")

    assert response.status_code == 403
    assert not Suppression.objects.exists()


def test_it_refuses_a_signature_made_for_other_form_values(client: Client) -> None:
    form = text_from(fresh_number(), "HELP")
    url = f"{settings.PUBLIC_BASE_URL}{INBOUND}"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)

    response = client.post(INBOUND, {**form, "Body": "STOP"}, HTTP_X_TWILIO_SIGNATURE=signature)

    assert response.status_code == 403
    assert not Suppression.objects.exists()


def test_it_refuses_every_webhook_when_no_auth_token_is_set(client: Client, settings: Any) -> None:
    form = text_from(fresh_number(), "STOP")
    settings.TWILIO_AUTH_TOKEN = ""

    response = signed_post(client, INBOUND, form, token="")

    assert response.status_code == 403


def test_it_refuses_a_delivery_report_without_a_signature(client: Client) -> None:
    reminder = due_reminder(contact_row(), status=Reminder.Status.SENT)

    response = client.post(
        f"{STATUS}?key={reminder.idempotency_key}",
        {"MessageSid": "SM1", "MessageStatus": "delivered"},
    )

    assert response.status_code == 403
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT


def test_a_signed_webhook_needs_no_csrf_token() -> None:
    contact = contact_row()

    response = signed_post(
        Client(enforce_csrf_checks=True), INBOUND, text_from(contact.phone, "STOP")
    )

    assert response.status_code == 200
    assert Suppression.objects.filter(address=contact.phone).exists()


def test_a_webhook_takes_only_posts(client: Client) -> None:
    assert client.get(INBOUND).status_code == 405
    assert client.get(STATUS).status_code == 405


# STOP, START, HELP.


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", "  Stop \n", "STOPALL", "unsubscribe", "Cancel", "END", "quit", "Stop."],
)
def test_a_stop_word_suppresses_the_number_at_once(client: Client, body: str) -> None:
    contact = contact_row()

    response = signed_post(client, INBOUND, text_from(contact.phone, body))

    assert response.status_code == 200 and reply_of(response) == EMPTY_TWIML
    suppression = Suppression.objects.get(channel="sms", address=contact.phone)
    assert suppression.reason == Suppression.Reason.STOP_KEYWORD


def test_stop_suppresses_every_unsent_text_to_that_number(client: Client) -> None:
    contact = contact_row()
    pending = due_reminder(contact)
    claimed = due_reminder(contact, status=Reminder.Status.CLAIMED)
    email = due_reminder(contact, channel="email")
    someone_else = due_reminder(contact_row())

    signed_post(client, INBOUND, text_from(contact.phone, "STOP"))

    statuses = {row.pk: row.status for row in Reminder.objects.all()}
    assert statuses[pending.pk] == statuses[claimed.pk] == Reminder.Status.SUPPRESSED
    assert statuses[email.pk] == statuses[someone_else.pk] == Reminder.Status.PENDING


def test_start_lifts_the_stop_and_resumes_what_can_still_go_out(client: Client) -> None:
    contact = contact_row()
    reminder = due_reminder(contact)
    signed_post(client, INBOUND, text_from(contact.phone, "STOP"))

    response = signed_post(client, INBOUND, text_from(contact.phone, "start"))

    assert response.status_code == 200 and reply_of(response) == EMPTY_TWIML
    assert not Suppression.objects.filter(address=contact.phone).exists()
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.PENDING


def test_unstop_lifts_the_stop_too(client: Client) -> None:
    contact = contact_row()
    signed_post(client, INBOUND, text_from(contact.phone, "STOP"))

    signed_post(client, INBOUND, text_from(contact.phone, "UNSTOP"))

    assert not Suppression.objects.exists()


@pytest.mark.parametrize(("body", "opt_out_type"), [("ARRET", "STOP"), ("Alto", "STOP")])
def test_it_follows_twilios_reading_of_a_keyword_it_knows_and_we_do_not(
    client: Client, body: str, opt_out_type: str
) -> None:
    contact = contact_row()

    signed_post(client, INBOUND, {**text_from(contact.phone, body), "OptOutType": opt_out_type})

    assert Suppression.objects.get().address == contact.phone
    assert InboundMessage.objects.get().keyword == "STOP"


def test_help_answers_with_the_clinic_and_how_to_stop(client: Client) -> None:
    contact = contact_row()
    Clinic.objects.filter(pk=contact.patient.clinic_id).update(short_name="Riverside Kids")

    response = signed_post(client, INBOUND, text_from(contact.phone, "help"))

    reply = reply_of(response)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert reply.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert "Reminders from Riverside Kids. Reply STOP to stop them" in reply


def test_help_from_a_number_we_do_not_know_names_gradus(client: Client) -> None:
    response = signed_post(client, INBOUND, text_from(fresh_number(), "HELP"))

    assert "<Message>Reminders from gradus. Reply STOP" in reply_of(response)


def test_help_fits_one_gsm7_text_with_the_longest_clinic_name(client: Client) -> None:
    contact = contact_row()
    Clinic.objects.filter(pk=contact.patient.clinic_id).update(
        short_name="Ñúñez Łódź Kids Clinic 🌟"[:24]
    )

    response = signed_post(client, INBOUND, text_from(contact.phone, "HELP"))

    reply = reply_of(response).split("<Message>")[1].split("</Message>")[0]
    assert len(reply) <= 160 and set(reply) <= GSM7


def test_any_other_text_is_recorded_and_answered_with_nothing(client: Client) -> None:
    contact = contact_row()

    response = signed_post(client, INBOUND, text_from(contact.phone, "Stop texting me pls"))

    assert reply_of(response) == EMPTY_TWIML
    message = InboundMessage.objects.get()
    assert message.body == "Stop texting me pls" and message.keyword == ""
    assert not Suppression.objects.exists()


def test_a_text_delivered_twice_acts_once(client: Client) -> None:
    contact = contact_row()
    stop = text_from(contact.phone, "STOP")
    signed_post(client, INBOUND, stop)
    signed_post(client, INBOUND, text_from(contact.phone, "START"))

    response = signed_post(client, INBOUND, stop)  # Twilio retrying the first webhook

    assert response.status_code == 200
    assert InboundMessage.objects.count() == 2
    assert not Suppression.objects.exists()


def test_a_stop_keeps_the_message_it_came_in(client: Client) -> None:
    contact = contact_row()

    signed_post(client, INBOUND, text_from(contact.phone, "STOPALL", sid="SMabc"))

    message = InboundMessage.objects.get(provider_message_id="SMabc")
    assert (message.from_number, message.keyword) == (contact.phone, "STOPALL")


# Delivery reports.


def report(
    reminder: Reminder, status: str, *, sid: str = "SMreport1", error_code: str = ""
) -> dict[str, str]:
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": reminder.address,
        "From": "+15005550006",
        "AccountSid": "AC" + "f" * 32,
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


def post_report(client: Client, reminder: Reminder, status: str, **options: Any) -> Any:
    path = f"{STATUS}?{urlencode({'key': reminder.idempotency_key})}"
    return signed_post(client, path, report(reminder, status, **options))


def test_delivered_marks_the_reminder_delivered(client: Client) -> None:
    reminder = due_reminder(contact_row(), status=Reminder.Status.SENT)

    response = post_report(client, reminder, "delivered", sid="SMd1")

    assert response.status_code == 204
    reminder.refresh_from_db()
    assert (reminder.status, reminder.provider_message_id) == (Reminder.Status.DELIVERED, "SMd1")


def test_a_report_finds_its_reminder_by_message_sid_without_the_key(client: Client) -> None:
    reminder = due_reminder(
        contact_row(), status=Reminder.Status.SENT, provider_message_id="SMknown"
    )

    signed_post(client, STATUS, report(reminder, "delivered", sid="SMknown"))

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DELIVERED


def test_a_report_can_come_before_the_send_has_recorded_its_answer(client: Client) -> None:
    reminder = due_reminder(contact_row(), status=Reminder.Status.SENDING)

    post_report(client, reminder, "delivered", sid="SMfast")

    reminder.refresh_from_db()
    assert (reminder.status, reminder.provider_message_id) == (Reminder.Status.DELIVERED, "SMfast")
    assert reminder.sent_at is not None


def test_reports_out_of_order_never_undo_delivered(client: Client) -> None:
    reminder = due_reminder(contact_row(), status=Reminder.Status.SENT)
    post_report(client, reminder, "delivered")

    post_report(client, reminder, "sent")
    post_report(client, reminder, "delivered")

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DELIVERED


@pytest.mark.parametrize("code", ["21610", "21211", "21614"])
@pytest.mark.parametrize("status", ["failed", "undelivered"])
def test_a_permanent_failure_suppresses_the_number_and_its_other_texts(
    client: Client, status: str, code: str
) -> None:
    contact = contact_row()
    reminder = due_reminder(contact, status=Reminder.Status.SENT)
    later = due_reminder(contact)

    post_report(client, reminder, status, error_code=code)

    suppression = Suppression.objects.get(channel="sms", address=contact.phone)
    assert suppression.reason == Suppression.Reason.PERMANENT_FAILURE and code in suppression.detail
    reminder.refresh_from_db()
    later.refresh_from_db()
    assert (reminder.status, later.status) == (Reminder.Status.FAILED, Reminder.Status.SUPPRESSED)


def test_another_failure_is_recorded_without_suppressing_anyone(client: Client) -> None:
    contact = contact_row()
    reminder = due_reminder(contact, status=Reminder.Status.SENT)
    later = due_reminder(contact)

    post_report(client, reminder, "undelivered", error_code="30003")

    reminder.refresh_from_db()
    later.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (
        Reminder.Status.FAILED,
        "Twilio undelivered 30003",
    )
    assert later.status == Reminder.Status.PENDING and not Suppression.objects.exists()


def test_a_report_for_a_message_we_do_not_know_is_accepted_and_ignored(client: Client) -> None:
    form = {"MessageSid": "SMnobody", "MessageStatus": "delivered", "To": fresh_number()}

    response = signed_post(client, STATUS, form)

    assert response.status_code == 204


# The whole round trip: our channel sends to the fake Twilio, which reports back.


def test_a_text_sent_through_twilio_is_marked_delivered_by_its_report(
    client: Client, twilio: FakeTwilio
) -> None:
    reminder = due_reminder(contact_row(), status=Reminder.Status.SENDING)
    result = backend_for("sms").send(
        OutgoingMessage(
            channel="sms",
            to=reminder.address,
            body="Reminder from Clinic: your session is today at 5 pm. Reply STOP to opt out.",
            idempotency_key=reminder.idempotency_key,
        )
    )
    url, form, signature = twilio.status_request(result.provider_message_id, "delivered")

    response = client.post(
        url.removeprefix(settings.PUBLIC_BASE_URL), form, HTTP_X_TWILIO_SIGNATURE=signature
    )

    assert response.status_code == 204
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DELIVERED
    assert reminder.provider_message_id == result.provider_message_id


def test_a_guardian_sharing_the_number_is_suppressed_with_it(client: Client) -> None:
    contact = contact_row()
    guardian = contact_row(
        patient=contact.patient, role=Contact.Role.GUARDIAN, phone=contact.phone, name="Sam"
    )
    theirs = due_reminder(guardian)

    signed_post(client, INBOUND, text_from(contact.phone, "STOP"))

    theirs.refresh_from_db()
    assert theirs.status == Reminder.Status.SUPPRESSED
