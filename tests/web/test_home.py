import pytest
from django.test import Client

from tests.programs import factories

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_it_sends_staff_to_their_caseload(client: Client) -> None:
    client.force_login(factories.therapist())
    response = client.get("/")
    assert response["Location"] == "/clinic/"


def test_it_sends_a_patient_to_their_today(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    client.force_login(patient.user)
    response = client.get("/")
    assert response["Location"] == f"/p/{patient.pk}/today/"


def test_it_keeps_a_guardian_on_the_child_they_chose_last(client: Client) -> None:
    first = factories.patient()
    second = factories.patient(clinic=first.clinic)
    link = factories.guardian(patient=first)
    factories.guardian(patient=second, user=link.user)
    assert link.user is not None
    client.force_login(link.user)
    client.get(f"/p/{second.pk}/today/")
    response = client.get("/")
    assert response["Location"] == f"/p/{second.pk}/today/"


def test_it_ignores_a_remembered_child_it_cannot_read(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    client.force_login(patient.user)
    client.cookies["gradus_patient"] = "\u00b2"  # a digit to str.isdigit, not to int()
    home = client.get("/")
    today = client.get(f"/p/{patient.pk}/today/")
    assert home["Location"] == f"/p/{patient.pk}/today/"
    assert today.status_code == 200


def test_it_hides_another_familys_patient(client: Client) -> None:
    patient = factories.patient(with_user=True)
    stranger = factories.patient(with_user=True)
    assert stranger.user is not None
    client.force_login(stranger.user)
    response = client.get(f"/p/{patient.pk}/today/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_it_refuses_a_patient_on_clinic_pages(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    client.force_login(patient.user)
    response = client.get("/clinic/")
    assert response.status_code == 403


def test_it_serves_the_stylesheet_itself(client: Client) -> None:
    response = client.get("/static/web/gradus.css")
    assert response.status_code == 200
    assert b"--brand" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
