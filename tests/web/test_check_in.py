from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from programs.models import Alert, CheckIn, Patient, Program
from tests.programs import factories

pytestmark = pytest.mark.django_db


def signed_in(client: Client, patient: Patient) -> None:
    assert patient.user is not None
    client.force_login(patient.user)


def url(patient: Patient) -> str:
    return f"/p/{patient.pk}/check-in/"


def submission_key(client: Client, patient: Patient) -> str:
    """The one-time key the check-in form carries, which makes sending it twice save once."""
    page = client.get(url(patient), follow=True).content.decode()
    return page.split('name="submission" value="')[1].split('"')[0]


def fdi(*answers: int) -> dict[str, Any]:
    return {f"fdi_{index + 1}": answer for index, answer in enumerate(answers)}


@pytest.fixture
def patient(client: Client, maya: Patient) -> Patient:
    """A patient one week into a program, signed in; a test that needs another makes its own."""
    signed_in(client, maya)
    return maya


def test_it_asks_the_fdi_in_friendly_words(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.get(url(patient), follow=True).content.decode()
    assert "<h1>Check-in</h1>" in body
    assert "<legend>Walking up stairs</legend>" in body
    assert body.count("<span>No trouble</span>") == 15
    assert body.count("<span>Impossible</span>") == 15
    assert "Thoughts of hurting yourself" in body


def test_it_saves_a_check_in_and_shows_the_fdi_band_kindly(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    data = {
        **fdi(*[1] * 15),
        "sleep_hours": "8.5",
        "sleep_quality": "4",
        "mood": "3",
        "school_days_scheduled": "5",
        "school_days_attended": "4",
        "flare": "no",
        "red_flags": ["none"],
    }
    response = client.post(url(patient), data, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Check-in sent</h1>" in body
    assert "Some everyday activities are still hard." in body
    assert "Score: 15 out of 60" in body
    check_in = CheckIn.objects.get(patient=patient)
    assert (check_in.fdi_total, check_in.school_days_attended, check_in.flare) == (15, 4, False)
    assert str(check_in.sleep_hours) == "8.5"


def test_it_takes_a_check_in_without_the_fdi(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    response = client.post(
        url(patient), {"flare": "yes", "mood": "2", "red_flags": ["none"]}, follow=True
    )
    assert response.status_code == 200
    check_in = CheckIn.objects.get(patient=patient)
    assert (check_in.fdi_answers, check_in.flare, check_in.mood) == (None, True, 2)


def test_it_shows_the_doctor_guidance_at_once_after_a_red_flag(
    client: Client, patient: Patient
) -> None:
    response = client.post(url(patient), {"flare": "no", "red_flags": ["fever"]}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<div class="guidance" role="alert">' in body
    assert "Please contact your doctor today." in body
    assert "the program is paused until they have looked at it" in body
    assert "988" not in body.split("guidance")[1].split("</div>")[0]


def test_it_sends_the_browser_to_the_result_so_a_reload_sends_nothing_twice(
    client: Client,
    patient: Patient,
) -> None:
    response = client.post(url(patient), {"flare": "no", "red_flags": ["fever"]})
    check_in = CheckIn.objects.get(patient=patient)
    assert response["Location"] == f"/p/{patient.pk}/check-in/{check_in.pk}/"
    reloaded = client.get(response["Location"])
    assert "Please contact your doctor today." in reloaded.content.decode()
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_it_hides_another_patients_check_in_result(client: Client) -> None:
    other = factories.patient(with_user=True)
    signed_in(client, other)
    client.post(url(other), {"flare": "no", "red_flags": ["none"]})
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    check_in = CheckIn.objects.get(patient=other)
    response = client.get(f"/p/{patient.pk}/check-in/{check_in.pk}/")
    assert response.status_code == 404


def test_it_pauses_the_program_and_alerts_the_therapist(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient, started_weeks_ago=1)
    signed_in(client, patient)
    client.post(url(patient), {"flare": "no", "red_flags": ["joint_swelling"]})
    program.refresh_from_db()
    assert program.status == Program.Status.PAUSED
    assert Alert.objects.filter(patient=patient, kind="red_flag").count() == 1


def test_it_shows_the_crisis_line_for_thoughts_of_self_harm(client: Client) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient)
    signed_in(client, patient)
    response = client.post(url(patient), {"flare": "no", "red_flags": ["self_harm"]}, follow=True)
    body = response.content.decode()
    assert '<p class="crisis">' in body
    assert 'href="tel:988">Call 988</a>' in body and 'href="sms:988">Text 988</a>' in body
    assert "Suicide &amp; Crisis Lifeline" in body


def test_it_tells_a_guardian_where_to_get_help_for_their_child_at_once(client: Client) -> None:
    child = factories.patient()
    link = factories.guardian(patient=child)
    factories.active_program(patient=child)
    assert link.user is not None
    client.force_login(link.user)
    page = client.get(url(child), follow=True).content.decode()
    assert "Has your child had any of these this week?" in page
    response = client.post(url(child), {"flare": "no", "red_flags": ["self_harm"]}, follow=True)
    body = response.content.decode()
    assert "<h1>You are not alone</h1>" in body
    assert "If your child is thinking about hurting themselves" in body


def test_it_asks_for_the_rest_of_a_half_answered_fdi_in_one_message(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    data = {**fdi(2, 2, 2), "flare": "no", "mood": "4", "red_flags": ["none"]}
    body = client.post(url(patient), data).content.decode()
    summary = body.split('<div class="error-summary"')[1].split("</div>")[0]
    assert summary.count("<li>") == 1
    assert (
        '<a href="#id_fdi_4">Everyday activities: Please answer all 15 questions about '
        "everyday activities (12 are missing).</a>" in summary
    )
    assert body.count("Not answered yet.") == 11  # the other unanswered ones are marked
    assert 'value="4" id="id_mood_3" checked' in body
    assert not CheckIn.objects.exists()


def test_it_names_the_field_the_service_refuses(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    response = client.post(
        url(patient),
        {
            "flare": "no",
            "red_flags": ["none"],
            "school_days_scheduled": "3",
            "school_days_attended": "5",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Days you went to school: Cannot be more than the 3 school days this week." in body
    assert 'name="school_days_scheduled" value="3"' in body
    assert not CheckIn.objects.exists()


def test_it_preselects_no_answer(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.get(url(patient), follow=True).content.decode()
    assert " checked" not in body
    assert "<span>None of these</span>" in body


def test_it_refuses_an_empty_check_in_and_asks_for_the_two_answers_it_needs(
    client: Client,
) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.post(url(patient), {}).content.decode()
    assert (
        '<a href="#id_flare">Did you have a flare-up this week?: Please answer yes or no.</a>'
        in (body)
    )
    assert (
        '<a href="#id_red_flags">Have you had any of these this week?: Please say which of '
        "these happened, or that none of them did.</a>" in body
    )
    assert not CheckIn.objects.exists()


def test_it_takes_none_of_these_as_the_answer_to_the_red_flag_questions(
    client: Client, patient: Patient
) -> None:
    client.post(url(patient), {"flare": "no", "red_flags": ["none"]})
    check_in = CheckIn.objects.get(patient=patient)
    assert (check_in.flare, check_in.red_flags) == (False, [])
    assert not Alert.objects.exists()


def test_it_refuses_none_of_these_together_with_a_sign(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.post(url(patient), {"flare": "no", "red_flags": ["none", "rash"]})
    assert "please choose one or the other" in body.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"school_days_scheduled": "8", "school_days_attended": "8"},
            "School days this week: Enter a number of days from 0 to 7.",
        ),
        (
            {"school_days_scheduled": "0", "school_days_attended": "6"},
            "Days you went to school: Cannot be more than the 0 school days this week.",
        ),
        (
            {"school_days_attended": "3"},
            "School days this week: Please say how many school days there were this week too.",
        ),
        (
            {"sleep_hours": "25"},
            "this week?: Enter the hours from 0 to 24, in half hours (for example 7.5).",
        ),
        (
            {"sleep_hours": "7.3"},
            "this week?: Enter the hours from 0 to 24, in half hours (for example 7.5).",
        ),
        (
            {"sleep_hours": "lots"},
            "this week?: Enter the hours from 0 to 24, in half hours (for example 7.5).",
        ),
    ],
)
def test_it_refuses_an_answer_out_of_its_range_in_its_own_words(
    client: Client, answers: dict[str, str], message: str
) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.post(url(patient), {"flare": "no", "red_flags": ["none"], **answers})
    assert message in body.content.decode()
    assert "Ensure this value" not in body.content.decode()
    assert not CheckIn.objects.exists()


def test_it_says_when_this_weeks_check_in_is_already_in(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    client.post(url(patient), {"flare": "no", "mood": "4", "red_flags": ["none"]})
    body = client.get(url(patient), follow=True).content.decode()
    assert "This week\u2019s check-in is already in" in body


def test_it_hides_another_familys_check_in(client: Client) -> None:
    patient = factories.patient(with_user=True)
    stranger = factories.patient(with_user=True)
    signed_in(client, stranger)
    response = client.post(url(patient), {"flare": "no", "red_flags": ["fever"]}, follow=True)
    assert response.status_code == 404
    assert not CheckIn.objects.exists()


def test_it_links_each_error_to_its_question(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    data = {**fdi(1), "flare": "no", "red_flags": ["none"], "school_days_scheduled": "9"}
    body = client.post(url(patient), data).content.decode()
    assert '<a href="#id_fdi_2">Everyday activities: Please answer all 15 questions' in body
    assert '<fieldset class="choice-group has-error fdi-item" id="id_fdi_2"' in body
    assert '<a href="#id_school_days_scheduled">School days this week: Enter a number' in body


def test_it_saves_a_double_tapped_check_in_once(client: Client, patient: Patient) -> None:
    key = submission_key(client, patient)
    data = {"flare": "no", "red_flags": ["fever"], "submission": key}

    first = client.post(url(patient), data)
    second = client.post(url(patient), data)

    assert first["Location"] == second["Location"]
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_it_saves_two_check_ins_from_two_forms(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    keys = [client.get(url(patient))["Location"].split("?form=")[1] for _ in range(2)]
    for key in keys:
        client.post(url(patient), {"flare": "no", "red_flags": ["none"], "submission": key})
    assert CheckIn.objects.count() == 2


def test_it_sends_back_and_send_to_the_first_check_ins_result_however_late(
    client: Client,
    patient: Patient,
) -> None:
    key = submission_key(client, patient)
    answers = {"flare": "no", "red_flags": ["fever"], "submission": key}
    first = client.post(url(patient), answers)

    # Back and Send the same answers, an hour later: the form was sent already.
    with time_machine.travel(timedelta(hours=1)):
        second = client.post(url(patient), answers, follow=True)

    assert second.redirect_chain[0][0] == first["Location"]
    assert "This check-in was already sent, so it was not sent again." in second.content.decode()
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_a_form_sent_again_with_a_new_red_flag_is_a_check_in_of_its_own(
    client: Client,
    patient: Patient,
) -> None:
    # Back, "thoughts of hurting myself" ticked, and Send: never swallowed as a repeat.
    key = submission_key(client, patient)
    client.post(url(patient), {"flare": "no", "red_flags": ["none"], "submission": key})

    again = {"flare": "no", "red_flags": ["self_harm"], "submission": key}
    second = client.post(url(patient), again, follow=True)

    assert CheckIn.objects.count() == 2
    assert Alert.objects.filter(kind="self_harm").count() == 1
    assert "988" in second.content.decode()


def test_it_gives_each_form_its_key_in_its_address(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    response = client.get(url(patient))
    key = response["Location"].split("?form=")[1]
    page = client.get(response["Location"]).content.decode()
    assert f'name="submission" value="{key}"' in page
    reloaded = client.get(response["Location"]).content.decode()
    assert f'name="submission" value="{key}"' in reloaded  # a reload shows the same form


def test_it_says_a_form_came_back_to_was_sent_already(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    form_url = client.get(url(patient))["Location"]
    key = form_url.split("?form=")[1]
    client.post(form_url, {"flare": "no", "red_flags": ["none"], "submission": key})
    body = client.get(form_url).content.decode()
    assert "Sending the same answers again changes nothing" in body
    assert "Start a new check-in" in body


def test_a_red_flag_is_passed_on_at_once_when_another_answer_needs_fixing(
    client: Client,
) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient)
    signed_in(client, patient)
    data = {**fdi(2, 2, 2), "flare": "", "mood": "9", "red_flags": ["fever"]}

    response = client.post(url(patient), data, follow=True)

    body = response.content.decode()
    check_in = CheckIn.objects.get(patient=patient)
    assert check_in.red_flags == ["fever"] and check_in.fdi_answers is None
    assert "Please contact your doctor today." in body
    assert "Some other answers had a problem and were not saved" in body
    assert Alert.objects.filter(patient=patient, kind="red_flag").exists()
