"""Issue 11: the weekly check-in asks only what is due. The 15 FDI questions at the program's
baseline and every ``fdi_every_weeks`` weeks after (2 by default), the short questions every
week; nothing preselected; a guardian is asked about their child by name."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from programs.models import CheckIn, Patient
from programs.services.common import local_today
from tests.programs import factories

pytestmark = pytest.mark.django_db

FDI_QUESTION = "<legend>Walking up stairs</legend>"


def page(client: Client, patient: Patient) -> str:
    return client.get(f"/p/{patient.pk}/check-in/", follow=True).content.decode()


def on_program(client: Client, *, weeks_ago: int, **options: Any) -> Patient:
    patient = factories.maya_on_program(started_weeks_ago=weeks_ago, **options)
    assert patient.user is not None
    client.force_login(patient.user)
    return patient


def fdi_answered(patient: Patient, *, weeks_after_start: int) -> None:
    """A check-in with the whole FDI, sent in that week of the program."""
    program = patient.programs.get()
    factories.fdi_check_in(
        patient, today=program.start_date + timedelta(weeks=weeks_after_start, days=2)
    )


def test_the_first_check_in_asks_the_fdi_as_its_baseline(client: Client) -> None:
    patient = on_program(client, weeks_ago=0)
    body = page(client, patient)
    assert FDI_QUESTION in body
    assert body.count("<span>No trouble</span>") == 15


def test_the_week_after_an_fdi_asks_only_the_short_questions(client: Client) -> None:
    patient = on_program(client, weeks_ago=1)
    fdi_answered(patient, weeks_after_start=0)
    body = page(client, patient)
    assert FDI_QUESTION not in body and "Everyday activities" not in body
    assert "How has your mood been this week?" in body
    assert "Did you have a flare-up this week?" in body
    assert "<span>None of these</span>" in body


def test_two_weeks_after_an_fdi_it_is_asked_again(client: Client) -> None:
    patient = on_program(client, weeks_ago=2)
    fdi_answered(patient, weeks_after_start=0)
    assert FDI_QUESTION in page(client, patient)


def test_the_programs_own_interval_decides(client: Client) -> None:
    patient = on_program(client, weeks_ago=2, fdi_every_weeks=3)
    fdi_answered(patient, weeks_after_start=0)
    assert FDI_QUESTION not in page(client, patient)

    every_week = on_program(client, weeks_ago=1, fdi_every_weeks=1)
    fdi_answered(every_week, weeks_after_start=0)
    assert FDI_QUESTION in page(client, every_week)


def test_an_fdi_skipped_when_due_is_asked_again_next_time(client: Client) -> None:
    patient = on_program(client, weeks_ago=0)
    client.post(f"/p/{patient.pk}/check-in/", {"flare": "no", "red_flags": ["none"]})
    assert CheckIn.objects.get(patient=patient).fdi_total is None
    assert FDI_QUESTION in page(client, patient)


def test_a_check_in_without_the_fdi_due_is_saved_without_it(client: Client) -> None:
    patient = on_program(client, weeks_ago=1)
    fdi_answered(patient, weeks_after_start=0)
    response = client.post(
        f"/p/{patient.pk}/check-in/", {"flare": "no", "mood": "4", "red_flags": ["none"]}
    )
    assert response.status_code == 302
    latest = CheckIn.objects.filter(patient=patient).latest("id")
    assert (latest.fdi_answers, latest.mood, latest.date) == (None, 4, local_today(patient))


def test_fdi_answers_sent_when_not_due_are_kept(client: Client) -> None:
    """A form shown while the FDI was due, sent after another check-in answered it: the
    service accepts FDI answers whenever they come, so nothing typed is lost."""
    patient = on_program(client, weeks_ago=1)
    fdi_answered(patient, weeks_after_start=0)
    data = {f"fdi_{index}": "2" for index in range(1, 16)}
    client.post(f"/p/{patient.pk}/check-in/", {**data, "flare": "no", "red_flags": ["none"]})
    assert CheckIn.objects.filter(patient=patient).latest("id").fdi_total == 30


def test_half_an_fdi_sent_when_not_due_is_refused_like_any_other(client: Client) -> None:
    patient = on_program(client, weeks_ago=1)
    fdi_answered(patient, weeks_after_start=0)
    before = CheckIn.objects.count()
    body = client.post(
        f"/p/{patient.pk}/check-in/", {"fdi_1": "2", "flare": "no", "red_flags": ["none"]}
    ).content.decode()
    assert body.count("data-error-summary") == 1
    assert "(14 are missing)" in body
    assert CheckIn.objects.count() == before


def test_fdi_answers_sent_long_after_it_was_asked_are_refused_and_the_form_left_without_it(
    client: Client,
) -> None:
    """The service's rule (tests/programs/test_fdi_schedule.py): not due, and none answered in
    the week before. The form comes back without the FDI (a radio button cannot be cleared),
    keeping what else was typed, so it can be sent as it is."""
    patient = on_program(client, weeks_ago=1, started_days_ago=6)
    fdi_answered(patient, weeks_after_start=0)  # 11 days ago: not due again before week 2
    data = {f"fdi_{index}": "2" for index in range(1, 16)}
    before = CheckIn.objects.count()

    body = client.post(
        f"/p/{patient.pk}/check-in/", {**data, "mood": "4", "flare": "no", "red_flags": ["none"]}
    ).content.decode()

    assert body.count("data-error-summary") == 1
    assert "The questions about everyday activities are not asked this week." in body
    assert FDI_QUESTION not in body
    assert 'value="4" id="id_mood_3" checked' in body
    assert CheckIn.objects.count() == before
    sent = client.post(
        f"/p/{patient.pk}/check-in/", {"mood": "4", "flare": "no", "red_flags": ["none"]}
    )
    assert sent.status_code == 302 and CheckIn.objects.count() == before + 1


@pytest.mark.parametrize("weeks_ago", [0, 1])
def test_nothing_is_preselected_with_or_without_the_fdi(client: Client, weeks_ago: int) -> None:
    patient = on_program(client, weeks_ago=weeks_ago)
    if weeks_ago:
        fdi_answered(patient, weeks_after_start=0)
    body = page(client, patient)
    assert 'type="radio"' in body and 'type="checkbox"' in body
    assert " checked" not in body


def test_an_empty_check_in_is_refused_with_one_summary_that_keeps_what_was_typed(
    client: Client,
) -> None:
    patient = on_program(client, weeks_ago=0)
    body = client.post(
        f"/p/{patient.pk}/check-in/", {"mood": "4", "sleep_hours": "8"}
    ).content.decode()
    assert body.count("data-error-summary") == 1
    summary = body.split("data-error-summary>")[1].split("</div>")[0]
    assert summary.count("<li>") == 2
    assert '<a href="#id_flare">' in summary and '<a href="#id_red_flags">' in summary
    assert 'value="4" id="id_mood_3" checked' in body
    assert 'name="sleep_hours" value="8"' in body
    assert body.index("data-error-summary") < body.index('id="id_mood"')
    assert not CheckIn.objects.filter(patient=patient).exists()


def test_a_guardian_is_asked_about_their_child_by_name(client: Client) -> None:
    child = factories.maya_on_program(started_weeks_ago=0)
    mum = factories.guardian(patient=child, relation="mother")
    assert mum.user is not None
    client.force_login(mum.user)
    body = page(client, child)
    assert "How was Maya\u2019s week?" in body
    assert "Send Maya\u2019s check-in" in body
    assert "Send my check-in" not in body
    assert "In the last few days, how much trouble did your child have" in body
    response = client.post(
        f"/p/{child.pk}/check-in/", {"flare": "no", "red_flags": ["none"]}, follow=True
    )
    assert "Maya\u2019s check-in has been saved and their therapist can see it." in (
        response.content.decode()
    )
