"""The people and programs the end-to-end tests start from, built with the factories and the
services in the live server's database.

A few rows per test keep each one fast: the demo clinic (programs/services/demo.py) takes about 15
seconds to build, far too long to build before every test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from programs.models import Activity, Clinic, Patient, Program, ProgramTemplate, User
from programs.services import check_in_submit, invitation_create
from programs.services.common import local_today
from tests.programs import factories

THERAPIST = "jordan.lee"
# Answers to the 15 FDI items (0 no trouble ... 4 impossible): a total of 21, moderate.
FDI_ANSWERS = [1, 2, 1, 2, 0, 2, 1, 3, 3, 1, 0, 2, 3, 1, 1]


@dataclass(frozen=True)
class Clinic_:
    clinic: Clinic
    therapist: User
    walking: Activity
    squats: Activity
    template: ProgramTemplate


def clinic() -> Clinic_:
    """A clinic with one therapist (username jordan.lee) and a template of walking (aerobic,
    minutes) and wall squats (strength, repetitions)."""
    place = factories.ClinicFactory.create(name="Riverside Clinic")
    therapist = factories.therapist(
        clinic=place, username=THERAPIST, first_name="Jordan", last_name="Lee"
    )
    walking = factories.ActivityFactory.create(
        name="Walking",
        instructions="Walk at an easy pace on flat ground. Stop when the time is up.",
    )
    squats = factories.ActivityFactory.create(
        name="Wall squats",
        kind="strengthening",
        unit="repetitions",
        instructions="Lean on a wall and bend your knees a little, then stand up again.",
    )
    template = factories.ProgramTemplateFactory.create(
        name="Home walking and strength", default_weeks=12
    )
    factories.TemplateActivityFactory.create(template=template, activity=walking, goal_quota=30)
    factories.TemplateActivityFactory.create(template=template, activity=squats, goal_quota=15)
    return Clinic_(
        clinic=place, therapist=therapist, walking=walking, squats=squats, template=template
    )


def new_patient(place: Clinic_, *, first_name: str, with_user: bool = True) -> Patient:
    return factories.patient(
        clinic=place.clinic,
        therapists=[place.therapist],
        with_user=with_user,
        first_name=first_name,
        last_name="Thompson",
        **(
            {"user": factories.UserFactory.create(username=first_name.lower())} if with_user else {}
        ),
    )


def program_for(place: Clinic_, patient: Patient, *, started_weeks_ago: int = 2) -> Program:
    """An active program of walking and wall squats, with its first weeks logged (one session
    missed) and a check-in at the end of each finished week."""
    program = factories.active_program(
        patient=patient,
        started_weeks_ago=started_weeks_ago,
        actor=place.therapist,
        template=place.template,
        goals="Walk to school with my friends and go to the school dance.",
        activities=[
            factories.activity_choice(place.walking, baseline_trials=[10, 12, 11], goal_quota=30),
            factories.activity_choice(place.squats, baseline_trials=[6, 8, 7], goal_quota=15),
        ],
    )
    today = local_today(patient)
    for week in range(started_weeks_ago):
        sessions = factories.sessions_of_week(program, week)
        for number, session in enumerate(sessions):
            if session.date < today:
                factories.log_session(session, status="missed" if number == 3 else "done")
        check_in_submit(
            actor=place.therapist,
            patient=patient,
            fdi_answers=[max(0, answer - week) for answer in FDI_ANSWERS],
            sleep_hours=None,
            mood=4,
            today=today - timedelta(weeks=started_weeks_ago - week - 1, days=1),
            flare=False,
            red_flags=[],
            no_red_flags=True,
        )
    return program


def red_flag(patient: Patient, actor: User) -> None:
    """A check-in reporting a fever: it pauses the program and alerts the therapist."""
    check_in_submit(actor=actor, patient=patient, red_flags=["fever"], flare=False)


def guardian_invitation(place: Clinic_, patient: Patient, *, first_name: str, relation: str) -> str:
    """The token of the therapist's invitation to ``patient``'s parent ``first_name``
    Thompson (``relation``: "mother", "father", ...)."""
    _, token = invitation_create(
        actor=place.therapist,
        patient=patient,
        role="guardian",
        guardian_first_name=first_name,
        guardian_last_name="Thompson",
        relation=relation,
    )
    return token
