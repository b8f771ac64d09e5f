"""The services, through their public functions: what a clinician or patient would notice."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from planner import Code, Reason
from programs.models import (
    Alert,
    AuditEvent,
    PlannedSession,
    Program,
    SessionLog,
    WeeklyReview,
)
from programs.services import (
    ResultInput,
    alert_acknowledge,
    check_in_submit,
    dose_override,
    program_activate,
    program_complete,
    program_discharge,
    program_pause,
    program_resume,
    session_log,
    weekly_review_run,
)
from programs.services.common import local_today
from tests.clock import NOW
from tests.programs.factories import (
    ActivityFactory,
    TemplateActivityFactory,
    active_program,
    activity_choice,
    clinician_of,
    draft_program,
    log_session,
    log_week,
    patient,
    quiet_check_in,
    sessions_of_week,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def doses_from(program: Program, first: date) -> dict[date, list[tuple[int, int]]]:
    """Every stored dose from ``first`` on, by date, as (program activity id, amount)."""
    sessions = PlannedSession.objects.filter(program=program, date__gte=first)
    return {
        session.date: [(dose.program_activity_id, dose.amount) for dose in session.doses.all()]
        for session in sessions.prefetch_related("doses").order_by("date")
    }


def amounts_from(program: Program, first: date) -> list[int]:
    return [amount for doses in doses_from(program, first).values() for _, amount in doses]


def doses_before(program: Program, day: date) -> dict[date, list[tuple[int, int]]]:
    return {d: doses for d, doses in doses_from(program, date.min).items() if d < day}


# program_create


def test_it_starts_each_activity_at_70_percent_of_the_mean_of_its_trials() -> None:
    sit_to_stand = ActivityFactory.create(kind="functional", unit="repetitions")
    program = draft_program(
        activities=[
            activity_choice(baseline_trials=[10, 12, 14]),
            activity_choice(sit_to_stand, baseline_trials=[45], goal_quota=60),
        ]
    )

    quotas = list(program.activities.order_by("order").values_list("start_quota", flat=True))
    assert quotas == [8, 32]  # 0.7 x 12 = 8.4; 0.7 x 45 = 31.5, rounded half up
    assert program.status == Program.Status.DRAFT


def test_it_uses_the_start_fraction_the_clinician_chose() -> None:
    program = draft_program(activities=[activity_choice(baseline_trials=[20], start_fraction=0.5)])

    assert program.activities.get().start_quota == 10


def test_it_refuses_a_goal_below_the_start_quota() -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(activities=[activity_choice(baseline_trials=[20], goal_quota=5)])

    assert "activities[0].start_quota" in errors_of(excinfo)
    assert not Program.objects.exists()


def test_it_refuses_a_goal_date_before_the_start_date() -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(start_date=date(2026, 3, 11), goal_date=date(2026, 3, 1))

    assert "goal_date" in errors_of(excinfo)
    assert not Program.objects.exists()


def test_it_refuses_a_program_without_activities() -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(activities=[])

    assert "activities" in errors_of(excinfo)


@pytest.mark.parametrize(
    ("trials", "field"),
    [
        ([], "activities[0].baseline_trials"),
        ([10, -2], "activities[0].baseline_trials[1]"),
        ([0, 0], "activities[0].baseline_trials[0]"),
        ([10, 10, 10, 10], "activities[0].baseline_trials"),
    ],
)
def test_it_refuses_bad_baseline_trials(trials: list[float], field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(activities=[activity_choice(baseline_trials=trials)])

    assert field in errors_of(excinfo)
    assert not Program.objects.exists()


def test_it_names_the_start_fraction_when_it_is_out_of_range() -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(activities=[activity_choice(start_fraction=0.95)])

    assert "activities[0].start_fraction" in errors_of(excinfo)


def test_it_refuses_a_goal_quota_of_zero_rather_than_taking_the_templates() -> None:
    entry = TemplateActivityFactory.create(goal_quota=30)

    with pytest.raises(ValidationError) as excinfo:
        draft_program(
            template=entry.template, activities=[activity_choice(entry.activity, goal_quota=0)]
        )

    assert "activities[0].goal_quota" in errors_of(excinfo)


def test_it_refuses_an_unknown_parameter() -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(parameters={"impact_weekly_cap": 0.1, "pain_limit": 5})

    assert "pain_limit" in errors_of(excinfo)["parameters"][0]
    assert not Program.objects.exists()


def test_it_refuses_an_activity_of_another_clinic() -> None:
    other_clinics = ActivityFactory.create(clinic=patient().clinic)

    with pytest.raises(ValidationError) as excinfo:
        draft_program(activities=[activity_choice(other_clinics)])

    assert "activities[0].activity" in errors_of(excinfo)


# program_activate


@pytest.mark.parametrize(
    ("draft_of", "me_cfs_considered", "field"),
    [
        pytest.param(draft_program, False, "me_cfs_considered", id="without_me_cfs_confirmation"),
        pytest.param(
            lambda: draft_program(patient=active_program().patient),
            True,
            "patient",
            id="a_second_running_program_for_one_patient",
        ),
    ],
)
def test_it_refuses_to_activate(
    draft_of: Callable[[], Program], me_cfs_considered: bool, field: str
) -> None:
    draft = draft_of()

    with pytest.raises(ValidationError) as excinfo:
        program_activate(
            actor=clinician_of(draft), program=draft, me_cfs_considered=me_cfs_considered
        )

    draft.refresh_from_db()
    assert field in errors_of(excinfo)
    assert draft.status == Program.Status.DRAFT and not draft.sessions.exists()


def test_it_stores_the_sessions_and_who_confirmed_on_activation() -> None:
    program = draft_program(weeks=8)
    actor = clinician_of(program)

    program = program_activate(actor=actor, program=program, me_cfs_considered=True)

    assert program.status == Program.Status.ACTIVE
    assert program.me_cfs_confirmed_by == actor and program.me_cfs_confirmed_at is not None
    assert program.sessions.filter(date=program.start_date).get().doses.get().amount == 7


def test_it_activates_a_new_program_once_the_old_one_is_discharged() -> None:
    running = active_program()
    program_discharge(actor=clinician_of(running), program=running, reason="Goals met")
    draft = draft_program(patient=running.patient)

    program = program_activate(actor=clinician_of(draft), program=draft, me_cfs_considered=True)

    assert program.status == Program.Status.ACTIVE


# session_log


def test_it_refuses_to_log_a_session_before_its_day() -> None:
    program = active_program()
    tomorrow = program.sessions.get(date=local_today(program.patient) + timedelta(days=1))

    with pytest.raises(ValidationError) as excinfo:
        log_session(tomorrow)

    assert "session" in errors_of(excinfo)
    assert not SessionLog.objects.exists()


def test_it_refuses_an_exertion_off_the_0_to_10_scale() -> None:
    program = active_program()
    session = program.sessions.get(date=program.start_date)
    dose = session.doses.get()

    with pytest.raises(ValidationError) as excinfo:
        session_log(
            actor=clinician_of(program),
            session=session,
            status="done",
            results=[
                ResultInput(program_activity_id=dose.program_activity_id, amount=7, exertion=11)
            ],
        )

    assert "results[0].exertion" in errors_of(excinfo)
    assert not SessionLog.objects.exists()


def test_it_corrects_an_existing_log_instead_of_adding_one() -> None:
    program = active_program()
    session = program.sessions.get(date=program.start_date)
    activity_id = session.doses.get().program_activity_id

    log_session(session, status="missed")
    log = log_session(session, status="partial", amounts={activity_id: 4})

    assert SessionLog.objects.filter(session=session).count() == 1
    assert log.status == "partial"
    assert list(log.results.values_list("amount", flat=True)) == [4]


# check_in_submit


def test_it_pauses_the_program_and_alerts_the_clinician_once_on_a_red_flag() -> None:
    program = active_program(started_weeks_ago=1)

    result = check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["fever"], flare=False
    )

    program.refresh_from_db()
    assert program.status == Program.Status.PAUSED
    assert Alert.objects.filter(patient=program.patient, kind="red_flag").count() == 1
    assert result.guidance == Reason(Code.GUIDANCE_CONTACT_DOCTOR)


def test_it_shows_the_crisis_line_for_thoughts_of_self_harm() -> None:
    program = active_program()

    result = check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["self_harm"], flare=False
    )

    assert result.guidance == Reason(Code.GUIDANCE_CRISIS)


def test_thoughts_of_self_harm_raise_their_own_alert_the_most_urgent_of_all() -> None:
    program = active_program(started_weeks_ago=1)

    check_in_submit(
        flare=False,
        actor=clinician_of(program),
        patient=program.patient,
        red_flags=["self_harm", "rash"],
    )

    alerts = list(Alert.objects.filter(patient=program.patient))
    assert [(alert.kind, alert.severity) for alert in alerts] == [("self_harm", 4), ("red_flag", 3)]
    assert "self-harm" in alerts[0].message and "self" not in alerts[1].message
    assert max(Alert.SEVERITY.values()) == Alert.SEVERITY["self_harm"]


def test_it_pauses_on_a_red_flag_before_the_first_session() -> None:
    program = active_program(
        activities=[activity_choice(weekdays=[(NOW.weekday() + 2) % 7])]  # first session later
    )

    result = check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["rash"], flare=False
    )

    program.refresh_from_db()
    assert program.status == Program.Status.PAUSED
    assert result.check_in.red_flags == ["rash"]
    assert Alert.objects.filter(kind="red_flag").count() == 1


def test_it_pauses_on_a_red_flag_before_the_program_starts() -> None:
    program = active_program(started_days_ago=-5)

    check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["limp"], flare=False
    )

    program.refresh_from_db()
    assert program.status == Program.Status.PAUSED
    assert not program.sessions.filter(phase="build").exists()


def test_it_refuses_an_unknown_red_flag_and_stores_nothing() -> None:
    program = active_program()

    with pytest.raises(ValidationError) as excinfo:
        check_in_submit(
            actor=clinician_of(program), patient=program.patient, red_flags=["tired"], flare=False
        )

    assert "red_flags[0]" in errors_of(excinfo)
    assert not program.patient.check_ins.exists()


# weekly_review_run


def test_it_progresses_after_a_week_done_in_full() -> None:
    program = active_program(started_weeks_ago=1)
    log_week(program, week=0)

    review = weekly_review_run(program=program)

    assert review is not None and review.decision == "progress"
    assert (review.week, review.next_step) == (0, 1)
    assert sessions_of_week(program, 1)[0].doses.get().amount > 7


def test_it_holds_the_doses_when_fewer_than_80_percent_of_sessions_were_done() -> None:
    program = active_program(started_weeks_ago=1)
    week_0 = sessions_of_week(program, 0)
    for session in week_0[:2]:
        log_session(session, status="missed")
    for session in week_0[2:]:
        log_session(session)

    review = weekly_review_run(program=program)

    assert review is not None and review.decision == "hold"
    assert review.sessions_done == 5 and review.sessions_planned == 7
    assert {s.doses.get().amount for s in sessions_of_week(program, 1)} == {7}


def test_it_steps_back_a_week_after_seven_days_without_activity() -> None:
    program = active_program(started_weeks_ago=3)
    log_week(program, week=0)
    log_week(program, week=1)

    review = weekly_review_run(program=program)

    assert review is not None and review.decision == "step_back"
    assert (review.week, review.next_step) == (2, 0)
    assert Alert.objects.filter(kind="no_activity").count() == 1


def test_it_stores_one_review_of_a_week_however_often_it_runs() -> None:
    program = active_program(started_weeks_ago=1)
    log_week(program, week=0, days=3)

    first = weekly_review_run(program=program)
    revisions = program.revisions.count()
    second = weekly_review_run(program=program)

    assert first is not None and second is not None and first.pk == second.pk
    assert WeeklyReview.objects.filter(program=program).count() == 1
    assert program.revisions.count() == revisions


def test_it_never_changes_a_past_session_in_a_review() -> None:
    program = active_program(started_weeks_ago=1)
    log_week(program, week=0, days=4)
    today = local_today(program.patient)
    before = doses_before(program, today)

    review = weekly_review_run(program=program)

    assert review is not None and review.decision == "hold"
    assert doses_before(program, today) == before
    assert SessionLog.objects.filter(session__program=program).count() == 4


def test_it_leaves_the_days_already_gone_alone_when_a_review_runs_late() -> None:
    program = active_program(started_weeks_ago=1, started_days_ago=3)
    log_week(program, week=0, days=4)
    today = local_today(program.patient)
    before = doses_before(program, today)

    review = weekly_review_run(program=program)

    assert review is not None and (review.week, review.decision) == (0, "hold")
    assert doses_before(program, today) == before


def test_it_never_changes_anything_because_of_pain() -> None:
    clinic = patient().clinic
    in_pain = active_program(patient=patient(clinic=clinic), started_weeks_ago=1)
    calm = active_program(patient=patient(clinic=clinic), started_weeks_ago=1)
    for program in (in_pain, calm):
        log_week(program, week=0)
    for day in range(7):
        with time_machine.travel(NOW - timedelta(days=7 - day), tick=False):
            quiet_check_in(actor=clinician_of(in_pain), patient=in_pain.patient, pain=10)

    hurting = weekly_review_run(program=in_pain)
    fine = weekly_review_run(program=calm)

    assert hurting is not None and fine is not None
    assert (hurting.decision, hurting.next_step) == (fine.decision, fine.next_step)
    assert hurting.decision == "progress"
    assert amounts_from(in_pain, NOW.date()) == amounts_from(calm, NOW.date())


def short_program(*, started_weeks_ago: int) -> Program:
    """7 to 8 minutes in one step, no maintain or taper weeks: two weeks, then discharge.
    Made on its start date: a program already over is refused on the day it is made."""
    with time_machine.travel(NOW - timedelta(weeks=started_weeks_ago), tick=False):
        program = active_program(
            weeks=1,
            activities=[activity_choice(goal_quota=8)],
            parameters={"maintain_weeks": 0, "taper_weeks": 0},
        )
    assert program.discharge_date == program.start_date + timedelta(weeks=2)
    return program


def test_it_reviews_the_last_week_when_it_runs_after_the_discharge_date() -> None:
    program = short_program(started_weeks_ago=3)
    log_week(program, week=0)
    log_week(program, week=1)

    review = weekly_review_run(program=program)

    assert review is not None and (review.week, review.decision) == (1, "progress")
    assert not program.sessions.filter(date__gte=program.discharge_date).exists()
    assert not Alert.objects.filter(kind="no_activity").exists()


# program_complete


def test_it_discharges_a_program_whose_last_week_is_over() -> None:
    program = short_program(started_weeks_ago=2)

    program = program_complete(program=program)

    revision = program.revisions.order_by("-number").first()
    assert program.status == Program.Status.DISCHARGED and program.discharged_at == NOW
    assert program.patient.status == "relapse_watch"
    assert revision is not None and revision.actor is None and revision.actor_label == "system"


def test_it_completes_nothing_before_the_discharge_date_or_twice() -> None:
    running = short_program(started_weeks_ago=1)
    done = program_complete(program=short_program(started_weeks_ago=2))
    revisions = done.revisions.count()

    assert program_complete(program=running).status == Program.Status.ACTIVE
    assert program_complete(program=done).discharged_at == NOW
    assert done.revisions.count() == revisions


# program_pause, program_resume, program_discharge


def test_it_pauses_and_records_who_paused_and_why() -> None:
    program = active_program(started_weeks_ago=1)
    clinician = clinician_of(program)

    program = program_pause(actor=clinician, program=program, reason="Seeing the GP about a rash")

    revision = program.revisions.order_by("-number").first()
    assert program.status == Program.Status.PAUSED
    assert revision is not None and revision.actor == clinician
    assert "Seeing the GP about a rash" in revision.reason


def test_it_pauses_a_program_that_has_not_started_yet() -> None:
    program = active_program(started_days_ago=-5)

    program = program_pause(
        actor=clinician_of(program), program=program, reason="Waiting for bloods"
    )

    assert program.status == Program.Status.PAUSED
    assert set(program.sessions.values_list("phase", flat=True)) == {"paused"}


def test_it_resumes_a_paused_program_and_records_the_clinician() -> None:
    program = active_program(started_weeks_ago=1)
    clinician = clinician_of(program)
    program_pause(actor=clinician, program=program, reason="Fever")

    program = program_resume(actor=clinician, program=program, reason="All clear from the GP")

    revision = program.revisions.order_by("-number").first()
    assert program.status == Program.Status.ACTIVE and program.paused_reason == ""
    assert revision is not None and revision.actor == clinician
    assert "All clear from the GP" in revision.reason


def test_it_discharges_and_puts_the_patient_on_relapse_watch() -> None:
    program = active_program(started_weeks_ago=2)
    clinician = clinician_of(program)
    tomorrow = local_today(program.patient) + timedelta(days=1)

    program = program_discharge(actor=clinician, program=program, reason="Goals met early")

    revision = program.revisions.order_by("-number").first()
    assert program.status == Program.Status.DISCHARGED
    assert program.patient.status == "relapse_watch"
    assert not program.sessions.filter(date__gte=tomorrow).exists()
    assert revision is not None and revision.actor == clinician
    assert "Goals met early" in revision.reason


def test_it_refuses_to_resume_a_program_that_is_not_paused() -> None:
    program = active_program()

    with pytest.raises(ValidationError) as excinfo:
        program_resume(actor=clinician_of(program), program=program)

    assert "status" in errors_of(excinfo)


# dose_override


@pytest.mark.parametrize("days_from_today", [-1, 0])
def test_it_refuses_to_override_a_dose_that_is_not_in_the_future(days_from_today: int) -> None:
    program = active_program(started_weeks_ago=1)
    day = local_today(program.patient) + timedelta(days=days_from_today)
    dose = program.sessions.get(date=day).doses.get()

    with pytest.raises(ValidationError) as excinfo:
        dose_override(actor=clinician_of(program), dose=dose, amount=3, reason="Sore knee")

    dose.refresh_from_db()
    assert "session" in errors_of(excinfo)
    assert dose.override_reason == ""


def test_it_overrides_a_future_dose_with_a_reason_and_a_revision() -> None:
    program = active_program()
    dose = program.sessions.get(date=local_today(program.patient) + timedelta(days=2)).doses.get()

    dose = dose_override(actor=clinician_of(program), dose=dose, amount=5, reason="School trip")

    revision = program.revisions.order_by("-number").first()
    assert (dose.amount, dose.override_reason) == (5, "School trip")
    assert revision is not None and "7 to 5" in revision.reason


def test_it_keeps_a_clinicians_override_through_the_weekly_review() -> None:
    program = active_program(started_weeks_ago=1)
    log_week(program, week=0)
    later = local_today(program.patient) + timedelta(days=9)
    dose = program.sessions.get(date=later).doses.get()
    dose_override(actor=clinician_of(program), dose=dose, amount=4, reason="Exam week")

    weekly_review_run(program=program)

    kept = program.sessions.get(date=later).doses.get()
    assert (kept.amount, kept.override_reason) == (4, "Exam week")


def test_it_never_lets_an_override_raise_a_dose_while_the_program_is_paused() -> None:
    program = active_program(started_weeks_ago=1)
    later = local_today(program.patient) + timedelta(days=9)
    dose = program.sessions.get(date=later).doses.get()
    raised = dose.amount + 1  # as far as the weekly cap allows over the day before
    dose_override(actor=clinician_of(program), dose=dose, amount=raised, reason="Camp")

    check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["fever"], flare=False
    )

    held = program.sessions.get(date=later).doses.get()
    assert held.amount < raised
    assert held.override_reason == "Camp"


# alert_acknowledge


def test_it_records_who_acknowledged_an_alert_and_when() -> None:
    program = active_program()
    check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["fever"], flare=False
    )
    alert = Alert.objects.get()

    alert = alert_acknowledge(actor=clinician_of(program), alert=alert)

    assert alert.acknowledged_by == clinician_of(program)
    assert alert.acknowledged_at == NOW


def test_a_self_harm_alert_is_acknowledged_only_with_a_note_of_what_was_done() -> None:
    program = active_program()
    check_in_submit(
        flare=False, actor=clinician_of(program), patient=program.patient, red_flags=["self_harm"]
    )
    alert = Alert.objects.get()

    with pytest.raises(ValidationError) as refused:
        alert_acknowledge(actor=clinician_of(program), alert=alert, note="   ")
    untouched = Alert.objects.get()
    alert = alert_acknowledge(
        actor=clinician_of(program), alert=alert, note="Called her mother; safety plan agreed."
    )

    assert list(errors_of(refused)) == ["note"]
    assert untouched.acknowledged_at is None
    assert alert.acknowledgement_note == "Called her mother; safety plan agreed."
    event = AuditEvent.objects.get(action="change", what__contains="acknowledged")
    assert (event.actor, event.detail) == (clinician_of(program), alert.acknowledgement_note)


def test_other_alerts_take_an_optional_note() -> None:
    program = active_program()
    check_in_submit(
        flare=False, actor=clinician_of(program), patient=program.patient, red_flags=["fever"]
    )

    alert = alert_acknowledge(actor=clinician_of(program), alert=Alert.objects.get())

    assert (alert.is_open, alert.acknowledgement_note) == (False, "")


def test_it_refuses_a_note_longer_than_2000_characters() -> None:
    program = active_program()
    check_in_submit(
        flare=False, actor=clinician_of(program), patient=program.patient, red_flags=["self_harm"]
    )

    with pytest.raises(ValidationError) as refused:
        alert_acknowledge(actor=clinician_of(program), alert=Alert.objects.get(), note="x" * 2001)

    assert list(errors_of(refused)) == ["note"]
    assert Alert.objects.get().is_open


def test_it_keeps_the_first_acknowledgement() -> None:
    program = active_program()
    check_in_submit(
        actor=clinician_of(program), patient=program.patient, red_flags=["fever"], flare=False
    )
    first = alert_acknowledge(actor=clinician_of(program), alert=Alert.objects.get())
    colleague = therapist(clinic=program.patient.clinic)

    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        second = alert_acknowledge(actor=colleague, alert=first)

    assert second.acknowledged_by == clinician_of(program)
    assert second.acknowledged_at == NOW
