"""The program builder: choose a template, enter baseline trials and goals, preview, activate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils.formats import date_format

from programs import selectors
from programs.models import AuditEvent, Clinic, Patient, Program, ProgramTemplate, User
from programs.services.common import local_today
from tests.programs import factories

pytestmark = pytest.mark.django_db

EVERY_DAY = [str(day) for day in range(7)]


@pytest.fixture
def therapist() -> User:
    return factories.therapist(clinic=factories.ClinicFactory.create())


@pytest.fixture
def patient(therapist: User) -> Patient:
    return factories.patient(clinic=therapist.memberships.get().clinic, therapists=[therapist])


@pytest.fixture
def client(therapist: User) -> Client:
    """Every page here is the therapist's: the client is signed in as them."""
    client = Client()
    client.force_login(therapist)
    return client


def _template(clinic: Clinic | None = None, name: str = "Outpatient AMPS") -> ProgramTemplate:
    """Walking, 30 minutes at goal, and sit-to-stand, 20 repetitions at goal."""
    template = factories.ProgramTemplateFactory.create(clinic=clinic, name=name)
    factories.TemplateActivityFactory.create(
        template=template,
        activity=factories.ActivityFactory.create(name=f"Walking ({name})"),
        goal_quota=30,
    )
    factories.TemplateActivityFactory.create(
        template=template,
        activity=factories.ActivityFactory.create(
            name=f"Sit to stand ({name})", kind="functional", unit="repetitions"
        ),
        goal_quota=20,
    )
    return template


def _form_data(start: date, *, weeks: int = 12, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "goals": "Walk to school with my friends.",
        "start_date": start.isoformat(),
        "goal_date": (start + timedelta(weeks=weeks)).isoformat(),
        "session_time": "16:30",
        "daily_minutes_cap": "60",
        "non_impact_weekly_cap": "20",
        "impact_weekly_cap": "10",
        "maintain_weeks": "3",
        "taper_weeks": "3",
        "max_hr_method": "tanaka",
        "measured_max_hr": "",
    }
    for index, trials, goal in ((0, "10, 12, 11", "30"), (1, "8, 9", "20")):
        data.update(
            {
                f"activity-{index}-include": "on",
                f"activity-{index}-baseline_trials": trials,
                f"activity-{index}-goal_quota": goal,
                f"activity-{index}-start_percent": "70",
                f"activity-{index}-times_per_day": "1",
                f"activity-{index}-weekdays": EVERY_DAY,
            }
        )
    data["activity-0-goal_intensity"] = "moderate"
    data.update(changes)
    return data


def _new_url(patient: Patient, template: ProgramTemplate) -> str:
    return f"/clinic/patients/{patient.pk}/program/new/?template={template.pk}"


def _draft_through_the_page(client: Client, patient: Patient, **changes: Any) -> Program:
    template = _template()
    response = client.post(_new_url(patient, template), _form_data(local_today(patient), **changes))
    assert response.status_code == 302, response.content.decode()
    program = Program.objects.filter(patient=patient, status=Program.Status.DRAFT).get()
    assert response["Location"] == f"/clinic/programs/{program.pk}/"
    return program


# Step 1: the template


def test_it_lists_only_the_clinics_and_the_shared_templates(
    client: Client, patient: Patient
) -> None:
    _template(clinic=patient.clinic, name="Our protocol")
    _template(name="Shared protocol")
    _template(clinic=factories.ClinicFactory.create(), name="Another clinic's protocol")
    response = client.get(f"/clinic/patients/{patient.pk}/program/new/")
    assert response.status_code == 200
    assert b"Our protocol" in response.content
    assert b"Shared protocol" in response.content
    assert b"Another clinic" not in response.content


def test_it_hides_another_clinics_patient(client: Client, patient: Patient) -> None:
    stranger = factories.patient()
    assert client.get(f"/clinic/patients/{stranger.pk}/program/new/").status_code == 404
    program = factories.draft_program(patient=stranger)
    assert client.get(f"/clinic/programs/{program.pk}/").status_code == 404
    response = client.post(f"/clinic/programs/{program.pk}/activate/", {"me_cfs_considered": "on"})
    assert response.status_code == 404


def test_it_refuses_another_clinics_template(client: Client, patient: Patient) -> None:
    theirs = _template(clinic=factories.ClinicFactory.create(), name="Theirs")
    assert client.get(_new_url(patient, theirs)).status_code == 404


# Step 2: the form


def test_it_prefills_the_form_from_the_template(client: Client, patient: Patient) -> None:
    template = _template()
    response = client.get(_new_url(patient, template))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="activity-0-goal_quota" value="30"' in body
    assert 'name="activity-1-goal_quota" value="20"' in body
    assert 'name="activity-0-start_percent" value="70"' in body
    assert f'name="start_date" value="{local_today(patient).isoformat()}"' in body
    assert "Baseline trials (minutes)" in body
    assert "Baseline trials (repetitions)" in body


def test_it_creates_a_draft_and_shows_its_schedule(client: Client, patient: Patient) -> None:
    program = _draft_through_the_page(client, patient)
    assert program.status == Program.Status.DRAFT
    assert program.goals == "Walk to school with my friends."
    assert [row.baseline_trials for row in program.activities.order_by("order")] == [
        [10, 12, 11],
        [8, 9],
    ]
    response = client.get(f"/clinic/programs/{program.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Week by week" in body and "Planned dose per session each week</caption>" in body
    assert body.count('<figure class="chart"') == 3  # two activities and the minutes
    assert "Every goal is reached by the goal date" in body
    assert "Maintain" in body and "Taper" in body


def test_it_shows_the_engines_message_when_the_goal_date_cannot_be_reached(
    client: Client,
    patient: Patient,
) -> None:
    program = _draft_through_the_page(client, patient, weeks=2)
    body = client.get(f"/clinic/programs/{program.pk}/").content.decode()
    assert 'class="notice warn"' in body
    assert "is not reachable within the caps" in body
    assert "The earliest feasible date is" in body


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("0", "every trial is 0"),
        ("ten, twelve", "Enter the trials as numbers"),
        ("10, 12, 11, 14", "Enter from 1 to 3 trials"),
        ("", "Enter the baseline trials"),
    ],
)
def test_it_names_the_baseline_field_and_keeps_what_was_typed(
    client: Client, patient: Patient, typed: str, problem: str
) -> None:
    template = _template()
    data = _form_data(local_today(patient)) | {"activity-0-baseline_trials": typed}
    response = client.post(_new_url(patient, template), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert not Program.objects.filter(patient=patient).exists()
    error_at = body.index('id="id_activity-0-baseline_trials_error_1"')
    assert problem in body[error_at : error_at + 300]
    assert f'name="activity-0-baseline_trials" value="{typed}"' in body or typed == ""
    assert 'name="activity-1-baseline_trials" value="8, 9"' in body


def test_it_puts_the_engines_objection_on_the_activity(client: Client, patient: Patient) -> None:
    template = _template()
    # Trials of 50 minutes start at 35, above the goal of 30: the engine refuses the plan.
    data = _form_data(local_today(patient)) | {"activity-0-baseline_trials": "50"}
    body = client.post(_new_url(patient, template), data).content.decode()
    error_at = body.index('id="id_activity-0-baseline_trials_error_1"')
    assert "above the goal quota" in body[error_at : error_at + 300]
    assert not Program.objects.filter(patient=patient).exists()


def test_it_puts_the_daily_cap_problem_on_the_cap(client: Client, patient: Patient) -> None:
    template = _template()
    # Walking's goal of 30 minutes a day does not fit a daily cap of 20 minutes.
    data = _form_data(local_today(patient), daily_minutes_cap="20")
    body = client.post(_new_url(patient, template), data).content.decode()
    error_at = body.index('id="id_daily_minutes_cap_error"')
    assert "daily cap of 20 minutes" in body[error_at : error_at + 300]
    assert '<details class="builder-more" open>' in body
    assert not Program.objects.filter(patient=patient).exists()


def test_it_asks_for_a_weekday_and_the_goals(client: Client, patient: Patient) -> None:
    template = _template()
    data = _form_data(local_today(patient), goals="  ")
    data.pop("activity-1-weekdays")
    body = client.post(_new_url(patient, template), data).content.decode()
    assert 'id="id_goals_error"' in body
    assert not Program.objects.filter(patient=patient).exists()
    data = _form_data(local_today(patient))
    data.pop("activity-1-weekdays")
    body = client.post(_new_url(patient, template), data).content.decode()
    weekdays_at = body.index("Sit to stand (Outpatient AMPS): </span>Days")
    assert 'class="field-error"' in body[weekdays_at : weekdays_at + 300]


def test_it_builds_a_program_without_the_activities_left_out(
    client: Client, patient: Patient
) -> None:
    changes = {"activity-1-include": "", "activity-1-baseline_trials": ""}
    program = _draft_through_the_page(client, patient, **changes)
    assert [row.unit for row in program.activities.all()] == ["minutes"]


def test_it_edits_a_draft_from_what_it_holds(client: Client, patient: Patient) -> None:
    program = _draft_through_the_page(client, patient)
    response = client.get(f"/clinic/programs/{program.pk}/edit/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="activity-0-baseline_trials" value="10, 12, 11"' in body
    assert "Walk to school with my friends." in body


def test_the_old_edit_link_opens_the_draft_itself(client: Client, patient: Patient) -> None:
    program = _draft_through_the_page(client, patient)
    response = client.get(f"/clinic/patients/{patient.pk}/program/new/?from={program.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/clinic/programs/{program.pk}/edit/"


def test_editing_a_draft_changes_that_draft_and_leaves_a_revision(
    client: Client, patient: Patient
) -> None:
    program = _draft_through_the_page(client, patient)
    data = _form_data(local_today(patient), weeks=10) | {
        "goals": "Walk to school and back.",
        "activity-0-baseline_trials": "20",
        "activity-1-include": "",
    }
    response = client.post(f"/clinic/programs/{program.pk}/edit/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/clinic/programs/{program.pk}/"
    program.refresh_from_db()
    assert list(Program.objects.filter(patient=patient)) == [program]
    assert program.goals == "Walk to school and back."
    assert program.goal_date == local_today(patient) + timedelta(weeks=10)
    assert [(row.baseline_trials, row.start_quota) for row in program.activities.all()] == [
        ([20], 14)
    ]
    assert program.revisions.order_by("-number").first().reason == "Draft changed."  # type: ignore[union-attr]


def test_a_refused_edit_keeps_the_draft_as_it_was(client: Client, patient: Patient) -> None:
    program = _draft_through_the_page(client, patient)
    # Trials of 50 minutes start at 35, above the goal of 30: the engine refuses the plan.
    data = _form_data(local_today(patient)) | {"activity-0-baseline_trials": "50"}
    body = client.post(f"/clinic/programs/{program.pk}/edit/", data).content.decode()
    error_at = body.index('id="id_activity-0-baseline_trials_error_1"')
    assert "above the goal quota" in body[error_at : error_at + 300]
    program.refresh_from_db()
    assert [row.baseline_trials for row in program.activities.order_by("order")] == [
        [10, 12, 11],
        [8, 9],
    ]
    assert list(Program.objects.filter(patient=patient)) == [program]


def test_a_started_program_cannot_be_edited_in_the_builder(
    client: Client, therapist: User, patient: Patient
) -> None:
    program = factories.active_program(patient=patient, actor=therapist)
    assert client.get(f"/clinic/programs/{program.pk}/edit/").status_code == 404
    stranger = factories.draft_program(patient=factories.patient())
    assert client.get(f"/clinic/programs/{stranger.pk}/edit/").status_code == 404


def test_step_one_offers_the_patients_drafts(client: Client, patient: Patient) -> None:
    program = _draft_through_the_page(client, patient)
    body = client.get(f"/clinic/patients/{patient.pk}/program/new/").content.decode()
    assert "Continue a draft" in body
    assert f'href="/clinic/programs/{program.pk}/edit/"' in body


# Discarding a draft


def test_discarding_a_draft_asks_first_then_deletes_it_and_says_so(
    client: Client, therapist: User, patient: Patient
) -> None:
    program = _draft_through_the_page(client, patient)
    asked = client.get(f"/clinic/programs/{program.pk}/discard/")
    assert asked.status_code == 200
    assert "Discard the draft for" in asked.content.decode()
    assert Program.objects.filter(pk=program.pk).exists()
    response = client.post(f"/clinic/programs/{program.pk}/discard/", follow=True)
    assert response.redirect_chain == [(f"/clinic/patients/{patient.pk}/", 302)]
    assert "The draft for" in response.content.decode()
    assert not Program.objects.filter(pk=program.pk).exists()
    assert AuditEvent.objects.filter(
        patient=patient, actor=therapist, action="change", what__contains="discarded"
    ).exists()


def test_only_a_draft_of_ones_own_clinic_can_be_discarded(
    client: Client, therapist: User, patient: Patient
) -> None:
    running = factories.active_program(patient=patient, actor=therapist)
    stranger = factories.draft_program(patient=factories.patient())
    assert client.post(f"/clinic/programs/{running.pk}/discard/").status_code == 404
    assert client.post(f"/clinic/programs/{stranger.pk}/discard/").status_code == 404
    assert Program.objects.filter(pk__in=[running.pk, stranger.pk]).count() == 2


# A program already running


def test_the_builder_says_at_the_start_that_a_program_is_running_and_what_to_do(
    client: Client,
    therapist: User,
    patient: Patient,
) -> None:
    factories.active_program(patient=patient, actor=therapist, started_weeks_ago=1)
    template = _template()
    started = date_format(local_today(patient) - timedelta(weeks=1), "F j, Y")
    for url in (f"/clinic/patients/{patient.pk}/program/new/", _new_url(patient, template)):
        body = client.get(url).content.decode()
        assert f"{patient.first_name} already follows a program (active since {started})" in body
        assert "discharge that program on" in body
        assert f'href="/clinic/patients/{patient.pk}/#program-heading"' in body


# Activation


def test_it_will_not_activate_without_the_me_cfs_confirmation(
    client: Client, patient: Patient
) -> None:
    program = _draft_through_the_page(client, patient)
    response = client.post(f"/clinic/programs/{program.pk}/activate/", {})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_me_cfs_considered_error_1"' in body
    assert "considered ME/CFS" in body
    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT


def test_it_activates_and_the_patient_has_a_session_today(
    client: Client, therapist: User, patient: Patient
) -> None:
    program = _draft_through_the_page(client, patient)
    response = client.post(f"/clinic/programs/{program.pk}/activate/", {"me_cfs_considered": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/clinic/patients/{patient.pk}/"
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE
    assert program.me_cfs_confirmed_by == therapist
    session = selectors.today_session(patient)
    assert session is not None and session.program_id == program.pk


def test_it_warns_when_the_patient_already_follows_a_program(
    client: Client, therapist: User, patient: Patient
) -> None:
    running = factories.active_program(patient=patient, actor=therapist)
    program = _draft_through_the_page(client, patient)
    body = client.get(f"/clinic/programs/{program.pk}/").content.decode()
    assert "already follows a program (active since" in body
    response = client.post(
        f"/clinic/programs/{program.pk}/activate/", {"me_cfs_considered": "on"}, follow=True
    )
    body = response.content.decode()
    started = date_format(local_today(patient), "F j, Y")
    assert (
        f"{patient.first_name} already follows a program (active since {started}). "
        "Discharge it before starting this one."
    ) in body
    assert f"(#{running.pk})" not in body and "a active program" not in body
    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT


def test_it_says_so_when_the_program_is_not_a_draft(
    client: Client, therapist: User, patient: Patient
) -> None:
    program = factories.active_program(patient=patient, actor=therapist)
    response = client.post(
        f"/clinic/programs/{program.pk}/activate/", {"me_cfs_considered": "on"}, follow=True
    )
    assert response.status_code == 200
    assert b"not a draft, so it cannot be activated" in response.content
    assert b"Activate program" not in response.content


def test_it_previews_a_running_program_and_not_a_discharged_one(
    client: Client, therapist: User, patient: Patient
) -> None:
    program = factories.active_program(patient=patient, actor=therapist, started_weeks_ago=1)
    assert b"Week by week" in client.get(f"/clinic/programs/{program.pk}/").content
    program.status = Program.Status.DISCHARGED
    program.save(update_fields=["status"])
    response = client.get(f"/clinic/programs/{program.pk}/")
    assert response.status_code == 200
    assert b"no schedule to preview" in response.content


@pytest.mark.parametrize("weeks", [4, 40])
def test_it_previews_in_a_few_queries_however_long_the_program(
    client: Client,
    therapist: User,
    patient: Patient,
    django_assert_max_num_queries: Any,
    weeks: int,
) -> None:
    activities = [
        factories.activity_choice(),
        factories.activity_choice(
            factories.ActivityFactory.create(kind="functional", unit="repetitions"),
            goal_quota=20,
        ),
    ]
    program = factories.draft_program(
        patient=patient, actor=therapist, weeks=weeks, activities=activities
    )
    running = factories.active_program(
        patient=factories.patient(clinic=patient.clinic),
        actor=therapist,
        weeks=weeks,
        started_weeks_ago=1,
    )
    # Measured: 6 for a draft (its schedule is computed), 7 for a running program (stored).
    with django_assert_max_num_queries(7):
        response = client.get(f"/clinic/programs/{program.pk}/")
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        response = client.get(f"/clinic/programs/{running.pk}/")
    assert response.status_code == 200


# The day of the trials, and a counted activity's pace


def test_the_day_of_the_trials_and_a_pace_are_kept_with_the_draft(
    client: Client, patient: Patient
) -> None:
    day = local_today(patient) - timedelta(days=2)

    program = _draft_through_the_page(
        client,
        patient,
        **{"activity-0-trials_day": day.isoformat(), "activity-1-pace": "4"},
    )

    walking, sit_to_stand = program.activities.order_by("order")
    assert walking.baseline_dates == [day.isoformat()] * 3
    assert sit_to_stand.seconds_per_repetition == 4


def test_trials_done_too_long_ago_are_refused_at_their_day(
    client: Client, patient: Patient
) -> None:
    template = _template()
    old = local_today(patient) - timedelta(days=60)
    data = _form_data(local_today(patient)) | {"activity-0-trials_day": old.isoformat()}

    response = client.post(_new_url(patient, template), data)

    assert response.status_code == 200
    errors = response.context["forms"].activities[0].errors
    assert "trials_day" in errors
    assert not Program.objects.filter(patient=patient).exists()


def test_a_pace_is_offered_only_for_distances_and_repetitions(
    client: Client, patient: Patient
) -> None:

    body = client.get(_new_url(patient, _template())).content.decode()

    assert 'name="activity-1-pace"' in body
    assert 'name="activity-0-pace"' not in body


def test_a_clinician_may_start_aerobic_work_light(client: Client, patient: Patient) -> None:

    program = _draft_through_the_page(client, patient, **{"activity-0-start_intensity": "light"})

    assert program.activities.order_by("order")[0].start_intensity == "light"
