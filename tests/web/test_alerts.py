import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from programs import services
from programs.models import Alert, AuditEvent, Patient, User
from tests.programs import factories

pytestmark = pytest.mark.django_db


def alert(patient: Patient, kind: str, *, minutes_ago: int = 0) -> Alert:
    raised = factories.AlertFactory.create(patient=patient, kind=kind, message=f"{kind} message")
    Alert.objects.filter(pk=raised.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return raised


def staff_with_patient() -> tuple[User, Patient]:
    user = factories.therapist(first_name="Jordan", last_name="Lee")
    return user, factories.patient(clinic=user.memberships.get().clinic)


def listed_ids(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'id="alert-(\d+)"', html)]


def test_it_lists_the_most_serious_first_then_the_newest(client: Client) -> None:
    user, patient = staff_with_patient()
    old_quiet = alert(patient, "no_activity", minutes_ago=30)
    new_quiet = alert(patient, "low_adherence", minutes_ago=5)
    flare = alert(patient, "persistent_flare", minutes_ago=60)
    red = alert(patient, "red_flag", minutes_ago=90)
    client.force_login(user)
    response = client.get("/clinic/alerts/")
    assert response.status_code == 200
    assert listed_ids(response.content.decode()) == [red.pk, flare.pk, new_quiet.pk, old_quiet.pk]
    assert "4 open alerts" in response.content.decode()


def test_it_acknowledges_an_alert_and_says_so(client: Client) -> None:
    user, patient = staff_with_patient()
    raised = alert(patient, "red_flag")
    client.force_login(user)
    response = client.post(f"/clinic/alerts/{raised.pk}/acknowledge/", follow=True)
    raised.refresh_from_db()
    assert raised.acknowledged_by == user
    assert "Alert acknowledged: Red flag for" in response.content.decode()
    assert listed_ids(response.content.decode()) == []


def test_it_shows_acknowledged_alerts_with_who_and_when_on_request(client: Client) -> None:
    user, patient = staff_with_patient()
    raised = alert(patient, "low_adherence")
    services.alert_acknowledge(actor=user, alert=raised)
    client.force_login(user)
    hidden = client.get("/clinic/alerts/").content.decode()
    shown = client.get("/clinic/alerts/?acknowledged=on").content.decode()
    assert listed_ids(hidden) == []
    assert listed_ids(shown) == [raised.pk]
    assert "Acknowledged by Jordan Lee on" in shown


def test_it_shows_the_red_flags_the_check_in_reported(client: Client) -> None:
    user, patient = staff_with_patient()
    services.check_in_submit(
        actor=user, patient=patient, red_flags=["fever", "self_harm"], flare=True
    )
    client.force_login(user)
    body = client.get("/clinic/alerts/").content.decode()
    assert "<li>Fever</li>" in body
    # Thoughts of self-harm have an alert of their own, not a line under the red flag.
    assert "<li>Thoughts of self-harm</li>" not in body
    assert '<span class="badge bad">Thoughts of self-harm</span>' in body


def test_thoughts_of_self_harm_come_first_and_stand_out(client: Client) -> None:
    user, patient = staff_with_patient()
    red = alert(patient, "red_flag", minutes_ago=1)
    harm = alert(factories.patient(clinic=patient.clinic), "self_harm", minutes_ago=90)
    client.force_login(user)

    body = client.get("/clinic/alerts/").content.decode()

    assert listed_ids(body) == [harm.pk, red.pk]
    assert f'class="card alert-item self-harm" id="alert-{harm.pk}"' in body
    assert '<span class="badge urgent">Urgent</span>' in body


def test_a_self_harm_alert_is_not_acknowledged_without_a_note(client: Client) -> None:
    user, patient = staff_with_patient()
    harm = alert(patient, "self_harm")
    client.force_login(user)

    response = client.post(f"/clinic/alerts/{harm.pk}/acknowledge/", {"note": " "})

    body = response.content.decode()
    harm.refresh_from_db()
    assert response.status_code == 400 and harm.is_open
    assert f'id="alert-{harm.pk}-note_error"' in body
    assert "Write what was done before acknowledging" in body
    # The summary at the top of the page links to the note, wherever the alert is listed.
    summary = body.index("data-error-summary")
    assert f'href="#alert-{harm.pk}-note"' in body[summary : summary + 600]


def test_a_self_harm_alert_is_acknowledged_with_its_note_kept(client: Client) -> None:
    user, patient = staff_with_patient()
    harm = alert(patient, "self_harm")
    client.force_login(user)
    note = "Phoned Maya's mother; she is safe tonight; crisis team appointment tomorrow."

    client.post(f"/clinic/alerts/{harm.pk}/acknowledge/", {"note": note})

    harm.refresh_from_db()
    shown = client.get("/clinic/alerts/?acknowledged=on").content.decode()
    assert (harm.acknowledged_by, harm.acknowledgement_note) == (user, note)
    assert "Phoned Maya&#x27;s mother" in shown
    assert AuditEvent.objects.filter(patient=patient, action="change", detail=note).exists()


def test_only_a_self_harm_alert_asks_for_a_note(client: Client) -> None:
    user, patient = staff_with_patient()
    harm = alert(patient, "self_harm")
    quiet = alert(patient, "no_activity")
    client.force_login(user)

    body = client.get("/clinic/alerts/").content.decode()

    assert f'id="alert-{harm.pk}-note"' in body
    assert f'id="alert-{quiet.pk}-note"' not in body


def test_a_link_to_an_alert_opens_the_page_that_holds_it(client: Client) -> None:
    user, patient = staff_with_patient()
    last = alert(patient, "no_activity", minutes_ago=500)
    for index in range(55):
        alert(factories.patient(clinic=patient.clinic), "low_adherence", minutes_ago=index)
    client.force_login(user)

    body = client.get(f"/clinic/alerts/?alert={last.pk}").content.decode()

    assert last.pk in listed_ids(body)
    assert "Page 2 of 2" in body and "linked" in body


def test_a_link_to_an_acknowledged_alert_still_finds_it(client: Client) -> None:
    user, patient = staff_with_patient()
    seen = alert(patient, "red_flag")
    services.alert_acknowledge(actor=user, alert=seen)
    client.force_login(user)

    body = client.get(f"/clinic/alerts/?alert={seen.pk}").content.decode()

    assert listed_ids(body) == [seen.pk]
    assert "Acknowledged by Jordan Lee" in body


def test_the_inbox_audits_each_patient_it_shows(client: Client) -> None:
    user, patient = staff_with_patient()
    other = factories.patient(clinic=patient.clinic)
    alert(patient, "red_flag")
    alert(patient, "no_activity")
    alert(other, "low_adherence")
    client.force_login(user)

    client.get("/clinic/alerts/")

    reads = AuditEvent.objects.filter(actor=user, action="read", what="alerts page")
    assert sorted(reads.values_list("patient_id", flat=True)) == sorted([patient.pk, other.pk])


def test_it_goes_back_to_the_patient_page_when_asked(client: Client) -> None:
    user, patient = staff_with_patient()
    raised = alert(patient, "no_activity")
    client.force_login(user)
    back = f"/clinic/patients/{patient.pk}/"
    response = client.post(f"/clinic/alerts/{raised.pk}/acknowledge/", {"next": back})
    assert response["Location"] == back


def test_it_never_redirects_elsewhere(client: Client) -> None:
    user, patient = staff_with_patient()
    raised = alert(patient, "no_activity")
    client.force_login(user)
    response = client.post(
        f"/clinic/alerts/{raised.pk}/acknowledge/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/clinic/alerts/"


def test_it_hides_another_clinics_alerts(client: Client) -> None:
    user, _ = staff_with_patient()
    elsewhere = alert(factories.patient(), "red_flag")
    client.force_login(user)
    assert listed_ids(client.get("/clinic/alerts/").content.decode()) == []
    response = client.post(f"/clinic/alerts/{elsewhere.pk}/acknowledge/")
    elsewhere.refresh_from_db()
    assert response.status_code == 404
    assert elsewhere.acknowledged_at is None


def test_it_acknowledges_only_by_post(client: Client) -> None:
    user, patient = staff_with_patient()
    raised = alert(patient, "no_activity")
    client.force_login(user)
    assert client.get(f"/clinic/alerts/{raised.pk}/acknowledge/").status_code == 405


def test_it_refuses_patients(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    client.force_login(patient.user)
    assert client.get("/clinic/alerts/").status_code == 403


def test_it_lists_alerts_in_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: object
) -> None:
    user, first = staff_with_patient()
    for index in range(30):
        patient = factories.patient(clinic=first.clinic)
        alert(patient, "red_flag" if index % 3 == 0 else "no_activity")
    client.force_login(user)
    with django_assert_max_num_queries(9):  # type: ignore[operator]
        response = client.get("/clinic/alerts/?acknowledged=on")
    assert len(listed_ids(response.content.decode())) == 30
