import html
from datetime import timedelta

import pytest
from django.test import Client

from programs import services
from programs.models import Alert, AuditEvent, PlannedDose, Program, User
from programs.services.common import local_today
from tests.programs import factories
from web.labels import DECISIONS

pytestmark = pytest.mark.django_db


def running(weeks_ago: int = 2) -> tuple[User, Program]:
    user = factories.therapist(first_name="Jordan", last_name="Lee")
    child = factories.patient(
        clinic=user.memberships.get().clinic, therapists=[user], first_name="Maya"
    )
    factories.guardian(patient=child, first_name="Daniel", last_name="Chen", relation="father")
    program = factories.active_program(
        patient=child, started_weeks_ago=weeks_ago, actor=user, goals="Dance at the recital."
    )
    return user, program


def page(client: Client, program: Program) -> str:
    response = client.get(f"/clinic/patients/{program.patient_id}/")
    assert response.status_code == 200
    return response.content.decode()


def action_url(program: Program, action: str) -> str:
    return f"/clinic/patients/{program.patient_id}/programs/{program.pk}/{action}/"


def test_it_shows_the_patient_and_their_program(client: Client) -> None:
    user, program = running()
    client.force_login(user)
    body = page(client, program)
    assert "Age 14" in body
    assert "Jordan Lee" in body
    assert "Daniel Chen (Father)" in body
    assert "Goals in Maya\u2019s words" in body
    assert "Dance at the recital." in body
    assert "Build, week 3" in body


def test_it_hides_another_clinics_patient(client: Client) -> None:
    user, _ = running()
    stranger = factories.patient()
    client.force_login(user)
    response = client.get(f"/clinic/patients/{stranger.pk}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(patient=stranger).exists()


def test_it_records_one_read_per_page_view(client: Client) -> None:
    user, program = running()
    client.force_login(user)
    page(client, program)
    # (The program's drafting and activation by the same therapist are changes, audited too.)
    events = AuditEvent.objects.filter(patient_id=program.patient_id, actor=user, action="read")
    assert [(event.action, event.what) for event in events] == [("read", "patient page")]


def test_it_charts_each_activity_planned_against_done_by_week(client: Client) -> None:
    user, program = running()
    factories.log_week(program, week=0)
    client.force_login(user)
    body = page(client, program)
    name = program.activities.get().name
    assert f"{name}: planned and done per week" in body
    assert body.count('<figure class="chart"') == 1
    # Week 1 was planned at 7 minutes a day and all of it was done.
    assert "Up to week 3: 49 of" in body


def test_it_lists_logs_check_ins_reviews_and_revisions(client: Client) -> None:
    user, program = running()
    factories.log_week(program, week=0)
    services.weekly_review_run(program=program)
    factories.quiet_check_in(actor=user, patient=program.patient, sleep_hours=None, mood=4)
    client.force_login(user)
    body = page(client, program)
    assert "(exertion 4 of 10)" in body
    assert "4 of 5" in body  # the mood
    review = program.reviews.get()
    assert f"<td>{DECISIONS[review.decision]}</td>" in body
    assert review.reason in body
    assert "Program drafted." in body


def test_it_shows_open_alerts_with_an_acknowledge_button_that_comes_back(client: Client) -> None:
    user, program = running()
    services.check_in_submit(actor=user, patient=program.patient, red_flags=["fever"], flare=False)
    client.force_login(user)
    body = page(client, program)
    alert = Alert.objects.get(patient_id=program.patient_id)
    assert f'action="/clinic/alerts/{alert.pk}/acknowledge/"' in body
    assert '<span class="badge bad">Fever</span>' in body  # in the check-ins table
    response = client.post(
        f"/clinic/alerts/{alert.pk}/acknowledge/",
        {"next": f"/clinic/patients/{program.patient_id}/"},
    )
    assert response["Location"] == f"/clinic/patients/{program.patient_id}/"


def test_a_self_harm_alert_is_acknowledged_with_a_note_on_the_alerts_page(
    client: Client,
) -> None:
    user, program = running()
    services.check_in_submit(
        flare=False, actor=user, patient=program.patient, red_flags=["self_harm"]
    )
    client.force_login(user)
    body = page(client, program)
    alert = Alert.objects.get(patient_id=program.patient_id)
    assert f'href="/clinic/alerts/?alert={alert.pk}#alert-{alert.pk}"' in body
    assert f'action="/clinic/alerts/{alert.pk}/acknowledge/"' not in body
    assert '<span class="badge urgent">Urgent</span>' in body


def test_it_pauses_with_a_reason(client: Client) -> None:
    user, program = running()
    client.force_login(user)
    response = client.post(
        action_url(program, "pause"), {"pause-reason": "Knee surgery next week."}, follow=True
    )
    program.refresh_from_db()
    assert program.status == Program.Status.PAUSED
    assert "Program paused." in response.content.decode()
    assert "Paused: Knee surgery next week." in response.content.decode()


def test_it_asks_why_before_pausing(client: Client) -> None:
    user, program = running()
    client.force_login(user)
    response = client.post(action_url(program, "pause"), {"pause-reason": " "})
    program.refresh_from_db()
    assert response.status_code == 400
    assert program.status == Program.Status.ACTIVE
    assert "Please check the form" in response.content.decode()


def test_it_resumes_at_a_chosen_step(client: Client) -> None:
    user, program = running()
    services.program_pause(actor=user, program=program, reason="Flu.")
    client.force_login(user)
    body = page(client, program)
    assert "Held at step" in body
    response = client.post(
        action_url(program, "resume"), {"resume-reason": "Better now.", "resume-step": "0"}
    )
    program.refresh_from_db()
    assert response.status_code == 302
    assert program.status == Program.Status.ACTIVE


def test_it_refuses_to_resume_beyond_the_held_step_and_says_so_at_the_field(
    client: Client,
) -> None:
    user, program = running()
    services.program_pause(actor=user, program=program, reason="Flu.")
    client.force_login(user)

    response = client.post(
        action_url(program, "resume"), {"resume-reason": "Better now.", "resume-step": "99"}
    )

    program.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_resume-step_error"' in body and "the step the program is held at" in body
    assert program.status == Program.Status.PAUSED


def test_it_discharges_only_once_confirmed(client: Client) -> None:
    user, program = running()
    client.force_login(user)
    refused = client.post(action_url(program, "discharge"), {"discharge-reason": "Goals met."})
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE
    assert "Tick the box to confirm the discharge." in refused.content.decode()
    client.post(
        action_url(program, "discharge"),
        {"discharge-reason": "Goals met.", "discharge-confirm": "on"},
    )
    program.refresh_from_db()
    assert program.status == Program.Status.DISCHARGED


def upcoming_dose(program: Program) -> PlannedDose:
    tomorrow = local_today(program.patient) + timedelta(days=1)
    return PlannedDose.objects.get(session__program=program, session__date=tomorrow)


def test_it_overrides_an_upcoming_dose_with_a_reason(client: Client) -> None:
    user, program = running()
    dose = upcoming_dose(program)
    client.force_login(user)
    response = client.post(
        action_url(program, "override"),
        {"override-dose": dose.pk, "override-amount": "5", "override-reason": "Exams week."},
        follow=True,
    )
    dose.refresh_from_db()
    assert dose.amount == 5
    assert dose.override_reason == "Exams week."
    assert "Dose changed:" in response.content.decode()


def test_it_shows_the_services_refusal_on_the_field(client: Client) -> None:
    user, program = running()
    dose = upcoming_dose(program)
    before = dose.amount
    client.force_login(user)
    response = client.post(
        action_url(program, "override"),
        {"override-dose": dose.pk, "override-amount": "500", "override-reason": "Typo test."},
    )
    dose.refresh_from_db()
    assert response.status_code == 400
    assert "must be from 1 to 240 minutes" in response.content.decode()
    assert dose.amount == before


def test_it_refuses_a_dose_that_is_not_upcoming(client: Client) -> None:
    user, program = running()
    past = PlannedDose.objects.filter(session__program=program).order_by("session__date").first()
    assert past is not None
    client.force_login(user)
    response = client.post(
        action_url(program, "override"),
        {"override-dose": past.pk, "override-amount": "5", "override-reason": "Backdating."},
    )
    assert response.status_code == 400
    past.refresh_from_db()
    assert past.override_reason == ""


def test_it_refuses_actions_on_another_clinics_program(client: Client) -> None:
    user, _ = running()
    _, other = running()
    client.force_login(user)
    response = client.post(action_url(other, "pause"), {"pause-reason": "Not mine."})
    other.refresh_from_db()
    assert response.status_code == 404
    assert other.status == Program.Status.ACTIVE


def test_it_reads_the_page_in_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: object
) -> None:
    short_user, short = running(weeks_ago=1)
    long_user, long = running(weeks_ago=6)
    for week in range(6):
        factories.log_week(long, week=week)
    services.check_in_submit(actor=long_user, patient=long.patient, red_flags=["rash"], flare=False)
    for user, program in ((short_user, short), (long_user, long)):
        client.force_login(user)
        with django_assert_max_num_queries(20):  # type: ignore[operator]
            page(client, program)


def test_it_shows_a_patient_without_a_program(client: Client) -> None:
    user = factories.therapist()
    child = factories.patient(clinic=user.memberships.get().clinic)
    client.force_login(user)
    response = client.get(f"/clinic/patients/{child.pk}/")
    body = response.content.decode()
    assert "No program yet." in body
    assert f'href="/clinic/patients/{child.pk}/program/new/"' in body
    assert f'href="/clinic/invite/?patient={child.pk}"' in body


def test_a_patient_discharged_and_started_again_shows_one_status(client: Client) -> None:
    user, first = running(weeks_ago=4)
    services.program_discharge(actor=user, program=first, reason="Goals met")
    client.force_login(user)
    assert "Relapse watch after discharge" in page(client, first)
    second = factories.active_program(patient=first.patient, actor=user)
    body = page(client, second)
    assert "Relapse watch" not in body
    assert "Build, week 1" in body


def test_it_lists_the_drafts_with_links_to_continue_them(client: Client) -> None:
    user, program = running()
    draft = factories.draft_program(patient=program.patient, actor=user)
    client.force_login(user)
    body = page(client, program)
    assert "1 draft not yet activated" in body
    assert f'href="/clinic/programs/{draft.pk}/edit/"' in body
    assert f'href="/clinic/programs/{draft.pk}/"' in body
    assert f'href="/clinic/programs/{draft.pk}/discard/"' in body


def test_a_spanish_reader_reads_the_reviews_reason_and_the_pause_in_spanish(
    client: Client,
) -> None:
    user, program = running(weeks_ago=1)
    factories.log_week(program, week=0, days=4)
    services.weekly_review_run(program=program)
    services.check_in_submit(actor=user, patient=program.patient, red_flags=["rash"], flare=False)
    user.language = "es"  # a Spanish-speaking therapist
    user.save(update_fields=["language"])
    client.force_login(user)

    body = html.unescape(page(client, program))

    review = program.reviews.get(trigger="scheduled")
    assert review.reason_codes[0]["code"] == "review.low_adherence"
    assert "4 de 7 sesiones hechas (57%), por debajo del 80% necesario para avanzar" in body
    assert review.reason not in body
    assert "Señal de alarma informada el" in body and "Erupción en la piel" in body
