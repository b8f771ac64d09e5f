"""The page a check-in's answer opens on: after thoughts of self-harm the crisis line leads,
said once, with links a phone can tap; other red flags keep "contact your doctor"."""

import re

import pytest
from django.test import Client

from programs.models import CheckIn, Patient
from programs.services import check_in_submit
from tests.programs import factories

pytestmark = pytest.mark.django_db


def answer_page(
    client: Client, patient: Patient, red_flags: list[str], *, by_guardian: bool = False
) -> str:
    factories.active_program(patient=patient, started_weeks_ago=1)
    user = factories.guardian(patient=patient).user if by_guardian else patient.user
    assert user is not None
    result = check_in_submit(flare=False, actor=user, patient=patient, red_flags=red_flags)
    client.force_login(user)
    response = client.get(f"/p/{patient.pk}/check-in/{result.check_in.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def guidance_of(body: str) -> str:
    match = re.search(r'<div class="guidance[^"]*" role="alert">(.*?)\n</div>', body, re.S)
    assert match is not None
    return match.group(1)


def test_thoughts_of_self_harm_lead_with_the_crisis_line_to_call_or_text(client: Client) -> None:
    patient = factories.patient(with_user=True)

    body = answer_page(client, patient, ["self_harm"])

    guidance = guidance_of(body)
    assert body.index('class="guidance crisis-guidance"') < body.index("Your check-in has been")
    assert "<h1>You are not alone</h1>" in guidance
    assert '<a class="button big crisis-call" href="tel:988">Call 988</a>' in guidance
    assert '<a class="button big crisis-text" href="sms:988">Text 988</a>' in guidance
    assert 'call <a href="tel:911">911</a>' in guidance


def test_the_crisis_line_is_said_once_and_without_the_pain_condition(client: Client) -> None:
    patient = factories.patient(with_user=True)

    guidance = guidance_of(answer_page(client, patient, ["self_harm", "fever"]))

    text = re.sub(r"<[^>]+>", "", guidance)
    assert text.count("Suicide &amp; Crisis Lifeline") == 1
    assert "not part of your pain condition" not in text
    assert "please contact your doctor today as well" in text


def test_a_guardian_is_told_how_to_get_help_for_their_child(client: Client) -> None:
    patient = factories.patient(with_user=True)

    guidance = guidance_of(answer_page(client, patient, ["self_harm"], by_guardian=True))

    assert "If your child is thinking about hurting themselves" in guidance
    assert 'If your child is in danger right now, call <a href="tel:911">911</a>.' in guidance


def test_other_red_flags_keep_the_contact_your_doctor_guidance(client: Client) -> None:
    patient = factories.patient(with_user=True)

    guidance = guidance_of(answer_page(client, patient, ["rash"]))

    assert "<h1>Please contact your doctor</h1>" in guidance
    assert "Please contact your doctor today." in guidance
    assert "988" not in guidance
    assert CheckIn.objects.get().red_flags == ["rash"]


def test_a_guardian_is_told_to_contact_their_childs_doctor_in_their_language(
    client: Client,
) -> None:
    patient = factories.patient(with_user=True)

    body = answer_page(client, patient, ["rash"], by_guardian=True)
    assert "Please contact your child’s doctor today." in guidance_of(body)

    parent = patient.guardians.get().user
    assert parent is not None
    parent.language = "es"
    parent.save(update_fields=["language"])
    spanish = client.get(f"/p/{patient.pk}/check-in/{CheckIn.objects.get().pk}/")
    assert "contacte hoy al médico de su hijo o hija" in guidance_of(spanish.content.decode())
