"""The Twilio channel, against a local server that answers as Twilio's API does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from reminders.channels import (
    LookupUnavailable,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
    backend_for,
)
from reminders.channels.twilio import TwilioSms
from tests.reminders.factories import outgoing_message
from tests.reminders.fake_twilio import FROM_NUMBER, FakeTwilio
from tests.test_settings import manage


def test_it_sends_a_message_through_the_messages_api(twilio: FakeTwilio) -> None:
    result = backend_for("sms").send(outgoing_message("sms"))

    (call,) = twilio.calls
    assert result.provider_message_id == call.sid and call.sid.startswith("SM")
    assert call.authorized and call.form["To"] == "+14155550123"
    assert call.form["From"] == FROM_NUMBER and call.form["Body"].startswith("Reminder from")


def test_it_asks_for_delivery_reports_naming_the_reminder(twilio: FakeTwilio) -> None:
    backend_for("sms").send(outgoing_message("sms", idempotency_key="s:1:2026-05-04:7:sms:60m"))

    (call,) = twilio.calls
    assert call.form["StatusCallback"] == (
        f"{settings.PUBLIC_BASE_URL}/reminders/twilio/status/?key=s%3A1%3A2026-05-04%3A7%3Asms%3A60m"
    )
    assert twilio.sent_per_key == {"s:1:2026-05-04:7:sms:60m": 1}


def test_it_says_the_provider_cannot_refuse_a_second_send_but_can_be_asked() -> None:
    assert TwilioSms.supports_idempotency is False
    assert TwilioSms.supports_lookup is True


@pytest.mark.parametrize("code", [21610, 21211, 21614])
def test_it_fails_permanently_when_the_number_cannot_be_texted(
    twilio: FakeTwilio, code: int
) -> None:
    twilio.fail_next(code)

    with pytest.raises(PermanentFailure) as failure:
        backend_for("sms").send(outgoing_message("sms"))

    assert failure.value.code == str(code)
    assert twilio.sent_per_key == {}


def test_it_fails_permanently_for_a_number_twilio_calls_invalid(twilio: FakeTwilio) -> None:
    with pytest.raises(PermanentFailure) as failure:
        backend_for("sms").send(outgoing_message("sms", to="415-555-0123"))

    assert failure.value.code == "21211"


@pytest.mark.parametrize(("code", "status"), [(20429, 429), (20500, 500), (20503, 503)])
def test_it_fails_temporarily_when_twilio_is_busy_or_broken(
    twilio: FakeTwilio, code: int, status: int
) -> None:
    twilio.fail_next(code)

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("sms").send(outgoing_message("sms"))

    assert failure.value.code == str(code)
    assert twilio.calls[0].status == status


def test_it_succeeds_once_twilio_recovers(twilio: FakeTwilio) -> None:
    twilio.fail_next(20500)
    with pytest.raises(TemporaryFailure):
        backend_for("sms").send(outgoing_message("sms"))

    backend_for("sms").send(outgoing_message("sms"))

    assert [call.status for call in twilio.calls] == [500, 201]
    assert twilio.calls_per_key == {"s:1:2026-05-04:7:sms:60m": 2}


@pytest.mark.parametrize("code", [21606, 20003])
def test_it_never_blames_the_number_for_our_own_configuration(
    twilio: FakeTwilio, code: int
) -> None:
    twilio.fail_next(code)

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("sms").send(outgoing_message("sms"))

    assert not isinstance(failure.value, PermanentFailure)
    assert failure.value.code == str(code)


def test_a_wrong_auth_token_is_refused_as_twilio_refuses_it() -> None:
    with FakeTwilio() as server, server.settings(TWILIO_AUTH_TOKEN="not-the-token"):
        with pytest.raises(TemporaryFailure) as failure:
            backend_for("sms").send(outgoing_message("sms"))

        assert failure.value.code == "20003"
        assert server.calls[0].authorized is False


def test_a_slow_answer_times_out_and_says_the_message_may_have_gone(twilio: FakeTwilio) -> None:
    twilio.hang_next(3)

    with twilio.settings(TWILIO_TIMEOUT_SECONDS=0.3), pytest.raises(TemporaryFailure) as failure:
        backend_for("sms").send(outgoing_message("sms"))

    assert failure.value.code == "timeout"
    assert "may have been sent" in failure.value.message
    assert twilio.sent_per_key == {"s:1:2026-05-04:7:sms:60m": 1}


def test_a_dropped_connection_fails_temporarily(twilio: FakeTwilio) -> None:
    twilio.drop_next()

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("sms").send(outgoing_message("sms"))

    assert failure.value.code == "connection_lost"


def test_no_answer_at_all_fails_temporarily_as_unreachable(
    twilio: FakeTwilio, closed_port: int
) -> None:
    with (
        twilio.settings(TWILIO_API_BASE=f"http://127.0.0.1:{closed_port}"),
        pytest.raises(TemporaryFailure) as failure,
    ):
        backend_for("sms").send(outgoing_message("sms"))

    assert failure.value.code == "unreachable"
    assert twilio.calls == []


def test_it_refuses_to_start_the_twilio_backend_without_credentials() -> None:
    result = manage(
        "check",
        env={
            "REMINDERS_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": "",
            "TWILIO_AUTH_TOKEN": "",
            "TWILIO_FROM_NUMBER": "",
        },
    )

    assert result.returncode != 0
    assert "TWILIO_ACCOUNT_SID must be set" in result.stderr


def test_it_refuses_a_sending_number_that_is_not_e164() -> None:
    result = manage(
        "check",
        env={
            "REMINDERS_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_FROM_NUMBER": "(415) 555-0100",
        },
    )

    assert result.returncode != 0
    assert "TWILIO_FROM_NUMBER must be the sending number in E.164" in result.stderr


# Asking Twilio what it sent: how a send whose outcome is unknown is settled.


def test_it_finds_the_message_it_sent_by_number_and_text(twilio: FakeTwilio) -> None:
    began = timezone.now()
    sent = backend_for("sms").send(outgoing_message("sms"))
    backend_for("sms").send(outgoing_message("sms", to="+14155550999"))
    backend_for("sms").send(
        OutgoingMessage(channel="sms", to="+14155550123", body="Another text", idempotency_key="k")
    )

    found = backend_for("sms").find_sent(outgoing_message("sms"), since=began)

    assert [f.provider_message_id for f in found] == [sent.provider_message_id]
    assert abs(found[0].created_at - began) < timedelta(seconds=5)


def test_it_finds_nothing_sent_before_the_call_began(twilio: FakeTwilio) -> None:
    backend_for("sms").send(outgoing_message("sms"))

    later = timezone.now() + timedelta(minutes=5)

    assert backend_for("sms").find_sent(outgoing_message("sms"), since=later) == []


def test_it_reads_past_the_first_page_of_a_busy_number(twilio: FakeTwilio) -> None:
    began = timezone.now()
    first = backend_for("sms").send(outgoing_message("sms"))
    for n in range(60):
        backend_for("sms").send(
            OutgoingMessage(channel="sms", to="+14155550123", body=f"n{n}", idempotency_key="k")
        )

    found = backend_for("sms").find_sent(outgoing_message("sms"), since=began)

    assert [f.provider_message_id for f in found] == [first.provider_message_id]
    assert twilio.lookups == 2


def test_it_says_so_when_twilio_cannot_be_asked(twilio: FakeTwilio) -> None:
    twilio.fail_lookups(20500)

    with pytest.raises(LookupUnavailable):
        backend_for("sms").find_sent(outgoing_message("sms"), since=timezone.now())
