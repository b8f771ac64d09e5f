from typing import Any

import pytest
from django.test import Client

from programs.models import Alert, CheckIn, Patient, Program
from tests.programs import factories

pytestmark = pytest.mark.django_db


def signed_in(client: Client, patient: Patient) -> None:
    assert patient.user is not None
    client.force_login(patient.user)


def url(patient: Patient) -> str:
    return f"/p/{patient.pk}/check-in/"


def fdi(*answers: int) -> dict[str, Any]:
    return {f"fdi_{index + 1}": answer for index, answer in enumerate(answers)}


def test_it_asks_the_fdi_in_friendly_words(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.get(url(patient)).content.decode()
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
    response = client.post(url(patient), {"flare": "yes", "mood": "2"}, follow=True)
    assert response.status_code == 200
    check_in = CheckIn.objects.get(patient=patient)
    assert (check_in.fdi_answers, check_in.flare, check_in.mood) == (None, True, 2)


def test_it_shows_the_doctor_guidance_at_once_after_a_red_flag(client: Client) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient, started_weeks_ago=1)
    signed_in(client, patient)
    response = client.post(url(patient), {"flare": "no", "red_flags": ["fever"]}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<div class="guidance" role="alert">' in body
    assert "Please contact your doctor today." in body
    assert "the program is paused until they have looked at it" in body
    assert "988" not in body.split("guidance")[1].split("</div>")[0]


def test_it_sends_the_browser_to_the_result_so_a_reload_sends_nothing_twice(
    client: Client,
) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient, started_weeks_ago=1)
    signed_in(client, patient)
    response = client.post(url(patient), {"flare": "no", "red_flags": ["fever"]})
    check_in = CheckIn.objects.get(patient=patient)
    assert response["Location"] == f"/p/{patient.pk}/check-in/{check_in.pk}/"
    reloaded = client.get(response["Location"])
    assert "Please contact your doctor today." in reloaded.content.decode()
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_it_hides_another_patients_check_in_result(client: Client) -> None:
    other = factories.patient(with_user=True)
    signed_in(client, other)
    client.post(url(other), {"flare": "no"})
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
    page = client.get(url(child)).content.decode()
    assert "Has your child had any of these this week?" in page
    response = client.post(url(child), {"flare": "no", "red_flags": ["self_harm"]}, follow=True)
    body = response.content.decode()
    assert "<h1>You are not alone</h1>" in body
    assert "If your child is thinking about hurting themselves" in body


def test_it_asks_for_the_rest_of_a_half_answered_fdi(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    response = client.post(url(patient), {**fdi(2, 2, 2), "flare": "no", "mood": "4"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Being at school all day: Please answer this one too" in body
    assert 'value="4" id="id_mood_3" checked' in body
    assert not CheckIn.objects.exists()


def test_it_names_the_field_the_service_refuses(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    response = client.post(
        url(patient), {"flare": "no", "school_days_scheduled": "3", "school_days_attended": "5"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Days you went to school: cannot be more than the school days scheduled" in body
    assert 'name="school_days_scheduled" value="3"' in body
    assert not CheckIn.objects.exists()


def test_it_says_when_this_weeks_check_in_is_already_in(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    client.post(url(patient), {"flare": "no", "mood": "4"})
    body = client.get(url(patient)).content.decode()
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
    body = client.post(url(patient), {**fdi(1), "flare": "no"}).content.decode()
    assert '<a href="#id_fdi_2">Walking up stairs: Please answer this one too' in body
    assert '<fieldset class="choice-group has-error fdi-item" id="id_fdi_2"' in body


def test_it_saves_a_double_tapped_check_in_once(client: Client) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient, started_weeks_ago=1)
    signed_in(client, patient)
    page = client.get(url(patient)).content.decode()
    key = page.split('name="submission" value="')[1].split('"')[0]
    data = {"flare": "no", "red_flags": ["fever"], "submission": key}

    first = client.post(url(patient), data)
    second = client.post(url(patient), data)

    assert first["Location"] == second["Location"]
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_it_saves_two_check_ins_from_two_forms(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    keys = [
        client.get(url(patient)).content.decode().split('name="submission" value="')[1][:32]
        for _ in range(2)
    ]
    for key in keys:
        client.post(url(patient), {"flare": "no", "submission": key})
    assert CheckIn.objects.count() == 2
