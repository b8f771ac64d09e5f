"""The API benchmark's data: one clinic, a therapist and 200 patients with active programs.

Run as ``python -m bench.data`` with DATABASE_URL pointing at the bench database (never the
developer's: it refuses any database but ``gradus_bench`` or ``var/bench.sqlite3``). It
prints one JSON line: the tokens and the patient to request, and whether the data was built
or reused. Everything is written through the services, as the app itself would; a database
whose data is stale (older than a week, or no session today) is flushed and built again.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

BENCH_DATABASE_NAME = "gradus_bench"
BENCH_SQLITE_FILE = "bench.sqlite3"
CLINIC_NAME = "Bench clinic"
THERAPIST_USERNAME = "bench-therapist"
PATIENT_USERNAME = "bench-patient"
PATIENTS = 200
# The program started this long ago, so the caseload's 14-day window is full of history.
WEEKS_AGO = 4
GOAL_WEEKS = 12
# Data older than this is rebuilt, so the history stays in the caseload's window.
REUSE_DAYS = 7
SEED = 20261121


@dataclass(frozen=True)
class BenchData:
    built: bool
    seconds: float
    patients: int
    patient_id: int
    patient_token: str
    therapist_token: str
    today: str


def _check_database() -> None:
    """Refuse to touch any database but the bench one: setup flushes it."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "postgresql" and name == BENCH_DATABASE_NAME:
        return
    if connection.vendor == "sqlite" and Path(name).name == BENCH_SQLITE_FILE:
        return
    raise SystemExit(
        f"bench.data writes only to the {BENCH_DATABASE_NAME} PostgreSQL database or "
        f"var/{BENCH_SQLITE_FILE}, not {connection.vendor} {name!r}"
    )


def reusable(patients: int = PATIENTS) -> bool:
    from django.utils import timezone

    from programs.models import Clinic, Patient, PlannedSession
    from programs.selectors import RUNNING_STATUSES
    from programs.services.common import local_today

    clinic = Clinic.objects.filter(name=CLINIC_NAME).first()
    if clinic is None or clinic.created_at < timezone.now() - timedelta(days=REUSE_DAYS):
        return False
    running = Patient.objects.filter(
        clinic=clinic, programs__status__in=RUNNING_STATUSES
    ).distinct()
    patient = Patient.objects.filter(clinic=clinic, user__username=PATIENT_USERNAME).first()
    return (
        running.count() == patients
        and Patient.objects.filter(clinic=clinic).count() == patients
        and patient is not None
        and PlannedSession.objects.filter(
            program__patient=patient,
            program__status__in=RUNNING_STATUSES,
            date=local_today(patient),
        ).exists()
    )


def _fdi_answers(total: int, rng: random.Random) -> list[int]:
    answers = [0] * 15
    for _ in range(max(0, min(total, 60))):
        answers[rng.choice([i for i, answer in enumerate(answers) if answer < 4])] += 1
    return answers


def build(patients: int = PATIENTS) -> None:
    """One clinic, one therapist, ``patients`` patients, each with an active program started four
    weeks ago: logged sessions up to yesterday (mostly done), two check-ins with the FDI,
    and a low-adherence alert for one patient in ten."""
    from django.db import transaction

    from planner import AlertKind, SessionStatus
    from programs.models import PlannedSession, User
    from programs.services import (
        ActivityChoice,
        ResultInput,
        TemplateEntry,
        activity_create,
        alert_raise,
        check_in_submit,
        clinic_create,
        patient_create,
        program_activate,
        program_create,
        session_log,
        staff_add,
        template_create,
    )
    from programs.services.common import local_today

    rng = random.Random(SEED)
    with transaction.atomic():
        clinic = clinic_create(name=CLINIC_NAME)
        therapist = User.objects.create_user(
            username=THERAPIST_USERNAME, first_name="Bench", last_name="Therapist"
        )
        staff_add(user=therapist, clinic=clinic, role="therapist")
        library = [
            activity_create(clinic=clinic, name="Walking", kind="aerobic", unit="minutes"),
            activity_create(clinic=clinic, name="Stairs", kind="functional", unit="repetitions"),
            activity_create(
                clinic=clinic, name="Sit to stand", kind="functional", unit="repetitions"
            ),
            activity_create(
                clinic=clinic,
                name="Jumping jacks",
                kind="functional",
                unit="repetitions",
                impact=True,
            ),
            activity_create(
                clinic=clinic, name="Desensitization", kind="desensitization", unit="seconds"
            ),
        ]
        goals = (30, 80, 40, 60, 300)
        trials = ((10.0, 12.0, 11.0), (20.0, 24.0), (10.0, 12.0), (10.0, 8.0), (60.0, 90.0))
        template = template_create(
            clinic=clinic,
            name="Bench home program",
            entries=[
                TemplateEntry(
                    activity=activity,
                    goal_quota=goal,
                    times_per_day=2 if activity.kind == "desensitization" else 1,
                )
                for activity, goal in zip(library, goals, strict=True)
            ],
        )
        for number in range(patients):
            user = None
            if number == 0:
                user = User.objects.create_user(
                    username=PATIENT_USERNAME, first_name="Bench", last_name="Patient"
                )
            patient = patient_create(
                actor=therapist,
                clinic=clinic,
                first_name=f"Patient{number:03d}",
                last_name=rng.choice(("Ahmed", "Brown", "Garcia", "Kim", "Novak", "Okafor")),
                date_of_birth=date(2010 + number % 6, 1 + number % 12, 1 + number % 28),
                diagnosis=rng.choice(("juvenile_fibromyalgia", "crps", "diffuse_idiopathic_pain")),
                resting_heart_rate=rng.randint(60, 85),
                therapists=[therapist],
                user=user,
            )
            today = local_today(patient)
            start = today - timedelta(weeks=WEEKS_AGO)
            program = program_create(
                actor=therapist,
                patient=patient,
                template=template,
                start_date=start,
                goal_date=start + timedelta(weeks=GOAL_WEEKS),
                goals="Walk to school and back, and get through a whole school day.",
                activities=[
                    ActivityChoice(activity_id=activity.id, baseline_trials=trial)
                    for activity, trial in zip(library, trials, strict=True)
                ],
            )
            program_activate(actor=therapist, program=program, me_cfs_considered=True)
            adherence = 0.3 if number % 10 == 9 else 0.85
            sessions = (
                PlannedSession.objects.filter(program=program, date__lt=today)
                .select_related("program__patient")
                .prefetch_related("doses")
                .order_by("date")
            )
            for session in sessions:
                done = rng.random() < adherence
                session_log(
                    actor=user or therapist,
                    session=session,
                    status=(SessionStatus.DONE if done else SessionStatus.MISSED).value,
                    results=[
                        ResultInput(
                            program_activity_id=dose.program_activity_id,
                            amount=dose.amount,
                            exertion=rng.randint(3, 6),
                        )
                        for dose in session.doses.all()
                    ]
                    if done
                    else [],
                )
            for weeks_before, fdi in ((WEEKS_AGO, 28), (1, 20 + number % 7)):
                check_in_submit(
                    actor=user or therapist,
                    patient=patient,
                    today=today - timedelta(weeks=weeks_before),
                    fdi_answers=_fdi_answers(fdi, rng),
                    sleep_hours=Decimal("7.5"),
                    sleep_quality=3,
                    mood=3,
                    flare=False,
                    red_flags=[],
                    no_red_flags=True,
                )
            if number % 10 == 9:
                alert_raise(
                    patient=patient,
                    program=program,
                    kind=AlertKind.LOW_ADHERENCE,
                    message="Fewer than half of last week's sessions were done.",
                )


def prepare() -> BenchData:
    """Build the data, or reuse it, and return what the benchmark requests with."""
    from django.core.management import call_command

    _check_database()
    started = time.perf_counter()
    built = not reusable()
    if built:
        call_command("flush", interactive=False, verbosity=0)
        build()
    return describe(built=built, seconds=time.perf_counter() - started)


def describe(*, built: bool, seconds: float) -> BenchData:
    """The patient to request and the tokens to request with (created if missing)."""
    from rest_framework.authtoken.models import Token

    from programs.models import Patient, User
    from programs.services.common import local_today

    patient = Patient.objects.select_related("user").get(user__username=PATIENT_USERNAME)
    therapist = User.objects.get(username=THERAPIST_USERNAME)
    assert patient.user is not None
    return BenchData(
        built=built,
        seconds=round(seconds, 1),
        patients=Patient.objects.filter(clinic=patient.clinic_id).count(),
        patient_id=patient.id,
        patient_token=Token.objects.get_or_create(user=patient.user)[0].key,
        therapist_token=Token.objects.get_or_create(user=therapist)[0].key,
        today=local_today(patient).isoformat(),
    )


def main() -> int:
    import django

    django.setup()
    print(json.dumps(asdict(prepare())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
