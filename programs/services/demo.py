"""The demo clinic behind `manage.py seed_demo`: people, library, templates and programs with
weeks of history, built only through the services so the demo obeys every rule the app does.

Everything is relative to the patients' today, so the demo stays fresh, and the random choices
come from a fixed seed, so two fresh databases get the same story.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from planner import ActivityKind, SessionStatus
from programs.models import (
    Activity,
    Clinic,
    Guardian,
    Patient,
    PlannedSession,
    Program,
    ProgramTemplate,
    StaffMembership,
    User,
)
from programs.services import (
    ActivityChoice,
    ResultInput,
    TemplateEntry,
    activity_create,
    activity_media_attach,
    check_in_submit,
    clinic_create,
    guardian_create,
    patient_create,
    program_activate,
    program_create,
    session_log,
    staff_add,
    template_create,
    weekly_review_run,
)
from programs.services.common import local_today

DEMO_CLINIC_NAME = "Riverside Pediatric Pain Clinic"
DEMO_TIME_ZONE = "America/New_York"
# Local demo accounts only: the command refuses to run in production.
DEMO_PASSWORD = "gradus-demo"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "gradus-admin"
RANDOM_SEED = 20240917

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
MON_WED_FRI = (0, 2, 4)
TUE_THU_SAT = (1, 3, 5)


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    who: str


# -- The activity library -------------------------------------------------------------------


@dataclass(frozen=True)
class ActivitySpec:
    name: str
    kind: ActivityKind
    unit: str
    instructions: str
    impact: bool = False
    # How long one repetition takes, when it is far from the 5-second default.
    seconds_per_repetition: float | None = None


LIBRARY = (
    ActivitySpec(
        "Walking", ActivityKind.AEROBIC, "minutes",
        "Walk at a steady pace you could keep up while talking in short sentences. Outside, "
        "in a mall or on a treadmill all count. Keep going for the whole time on the plan.",
    ),
    ActivitySpec(
        "Cycling (stationary bike)", ActivityKind.AEROBIC, "minutes",
        "Pedal at an even pace with light resistance. Sit so your knee is only slightly bent "
        "at the bottom of the pedal stroke.",
    ),
    ActivitySpec(
        "Swimming", ActivityKind.AEROBIC, "minutes",
        "Swim easy lengths in any stroke, resting at the wall only briefly. Count the time "
        "from your first length to your last.",
    ),
    ActivitySpec(
        "Running", ActivityKind.AEROBIC, "minutes",
        "Jog at an easy pace on a flat path or track. Land softly, and walk the first and "
        "last two minutes to warm up and cool down.", impact=True,
    ),
    ActivitySpec(
        "Dancing", ActivityKind.AEROBIC, "minutes",
        "Put on music you like and dance without stopping. Any style counts, as long as you "
        "keep moving for the whole time.",
    ),
    ActivitySpec(
        "Stairs", ActivityKind.FUNCTIONAL, "repetitions",
        "One repetition is one flight up and back down. Use the rail for balance only, and "
        "step normally, one foot per step.", seconds_per_repetition=30,
    ),
    ActivitySpec(
        "Sit-to-stand", ActivityKind.FUNCTIONAL, "repetitions",
        "Sit on a firm chair, feet flat. Stand all the way up without using your hands, then "
        "sit back down slowly. That is one repetition.",
    ),
    ActivitySpec(
        "Jumping jacks", ActivityKind.FUNCTIONAL, "repetitions",
        "Jump your feet apart while raising your arms overhead, then jump back together. "
        "Land softly on the balls of your feet.", impact=True,
    ),
    ActivitySpec(
        "Carrying", ActivityKind.FUNCTIONAL, "metres",
        "Carry a bag or basket with some weight in it (books, groceries) for the distance on "
        "the plan. Switch hands halfway.",
    ),
    ActivitySpec(
        "Desensitization (textures)", ActivityKind.DESENSITIZATION, "seconds",
        "Rub a texture over the sensitive skin for the time on the plan, several times a day. "
        "Work through the textures in order: feather, cotton, silk, velvet, towel, Velcro. "
        "Move on to the next one when the current one feels fine.",
    ),
    ActivitySpec(
        "Mirror therapy", ActivityKind.MOTOR_IMAGERY, "minutes",
        "Sit with the mirror box between your arms (or legs), the sore limb hidden behind the "
        "mirror. Move the other limb slowly and watch its reflection as if it were the sore "
        "one.",
    ),
    ActivitySpec(
        "Left/right recognition", ActivityKind.MOTOR_IMAGERY, "minutes",
        "Look at the pictures of hands or feet and decide, as quickly as you can, whether "
        "each is a left or a right one. Speed matters more than being perfect.",
    ),
    ActivitySpec(
        "Imagined movements", ActivityKind.MOTOR_IMAGERY, "minutes",
        "Look at each picture and imagine moving your own limb into that position, slowly, "
        "without actually moving it.",
    ),
    ActivitySpec(
        "Stretching", ActivityKind.FLEXIBILITY, "minutes",
        "Stretch calves, thighs, hips, back and shoulders. Hold each stretch for about 30 "
        "seconds, breathing slowly; a stretch should feel firm, not sharp.",
    ),
)  # fmt: skip


# Our own drawings of some activities (programs/demo_media/), each with its alt text, so the
# pages show pictures after `make run`.
DEMO_MEDIA_DIR = Path(__file__).resolve().parent.parent / "demo_media"
PICTURES = {
    "Walking": ("walking.svg", "A person walking at an easy pace."),
    "Stairs": ("stairs.svg", "A person stepping up a flight of stairs."),
    "Sit-to-stand": ("sit-to-stand.svg", "A person rising from a chair to standing."),
    "Desensitization (textures)": ("towel.svg", "A hand stroking a folded towel."),
    "Stretching": ("stretching.svg", "A person standing tall with both arms stretched up."),
}


# -- The templates --------------------------------------------------------------------------


@dataclass(frozen=True)
class EntrySpec:
    activity: str
    goal_quota: int
    weekdays: Sequence[int] = EVERY_DAY
    times_per_day: int = 1


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    description: str
    default_weeks: int
    entries: tuple[EntrySpec, ...]


TEMPLATES = (
    TemplateSpec(
        "AMPS home program",
        "The daily home program after intensive treatment: aerobic and functional exercise "
        "with desensitization, about 45 minutes a day.",
        8,
        (
            EntrySpec("Walking", 30),
            EntrySpec("Stairs", 10, MON_WED_FRI),
            EntrySpec("Sit-to-stand", 30),
            EntrySpec("Jumping jacks", 40, TUE_THU_SAT),
            EntrySpec("Desensitization (textures)", 300, times_per_day=3),
        ),
    ),
    TemplateSpec(
        "CRPS graded motor imagery",
        "Graded motor imagery for complex regional pain syndrome: left/right recognition, "
        "imagined movements and mirror therapy, with desensitization of the affected limb.",
        6,
        (
            EntrySpec("Left/right recognition", 10),
            EntrySpec("Imagined movements", 10),
            EntrySpec("Mirror therapy", 8, times_per_day=3),
            EntrySpec("Desensitization (textures)", 240, times_per_day=3),
        ),
    ),
    TemplateSpec(
        "Walk-run",
        "A gradual return to running: walking on most days, short runs on the others.",
        10,
        (
            EntrySpec("Walking", 30, (0, 2, 4, 6)),
            EntrySpec("Running", 20, TUE_THU_SAT),
        ),
    ),
)


# -- The people -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    title: str


STAFF = (
    StaffSpec("priya.shah", "Priya", "Shah", StaffMembership.Role.CLINIC_ADMIN, "clinic admin"),
    StaffSpec("jordan.lee", "Jordan", "Lee", StaffMembership.Role.THERAPIST, "therapist (PT)"),
    StaffSpec("amara.okafor", "Amara", "Okafor", StaffMembership.Role.THERAPIST, "therapist (OT)"),
)


@dataclass(frozen=True)
class GuardianSpec:
    username: str
    first_name: str
    last_name: str
    relation: str


@dataclass(frozen=True)
class ChoiceSpec:
    activity: str
    baseline_trials: tuple[float, ...]
    goal_quota: int | None = None
    weekdays: Sequence[int] | None = None


class Story:
    """How a patient's weeks went, which decides what the weekly reviews conclude."""

    STEADY = "steady"
    FLARE_IN_WEEK_2 = "flare in week 2"
    LOW_ADHERENCE = "low adherence in the last two weeks"
    RED_FLAG_TODAY = "red flag today"


@dataclass(frozen=True)
class PatientSpec:
    username: str
    first_name: str
    last_name: str
    age: int
    birthday: tuple[int, int]  # month, day
    diagnosis: str
    resting_heart_rate: int
    therapists: tuple[str, ...]
    guardians: tuple[GuardianSpec, ...]
    template: str
    choices: tuple[ChoiceSpec, ...]
    goals: str
    weeks_ago: int
    goal_weeks: int
    fdi_at_start: int
    fdi_gain_per_week: float
    check_in_every_weeks: int
    story: str = Story.STEADY
    in_school: bool = True
    check_ins_by_guardian: bool = False
    notes: tuple[str, ...] = field(default=())


FATHER_OF_SISTERS = GuardianSpec("daniel.chen", "Daniel", "Chen", Guardian.Relation.FATHER)

PATIENTS = (
    PatientSpec(
        "maya.thompson", "Maya", "Thompson", 14, (3, 12),
        Patient.Diagnosis.JUVENILE_FIBROMYALGIA, 72, ("jordan.lee",),
        (GuardianSpec("laura.thompson", "Laura", "Thompson", Guardian.Relation.MOTHER),),
        "AMPS home program",
        (
            ChoiceSpec("Walking", (15, 18, 17), goal_quota=25),
            ChoiceSpec("Stairs", (4, 5, 5), goal_quota=8),
            ChoiceSpec("Sit-to-stand", (15, 18, 20), goal_quota=25),
            ChoiceSpec("Jumping jacks", (15, 20, 18), goal_quota=18),
            ChoiceSpec("Desensitization (textures)", (240, 200, 220)),
        ),
        "Walk to school with my friends every day, and stay for the whole school day.",
        weeks_ago=10, goal_weeks=6, fdi_at_start=31, fdi_gain_per_week=2.0,
        check_in_every_weeks=1,
        notes=("Walked the dog with Mom.", "Did stairs at school.", "Felt strong today!"),
    ),
    PatientSpec(
        "ava.chen", "Ava", "Chen", 16, (7, 2),
        Patient.Diagnosis.DIFFUSE_IDIOPATHIC_PAIN, 64, ("jordan.lee", "amara.okafor"),
        (FATHER_OF_SISTERS, GuardianSpec("grace.chen", "Grace", "Chen", Guardian.Relation.MOTHER)),
        "Walk-run",
        (
            ChoiceSpec("Walking", (20, 25, 22)),
            ChoiceSpec("Running", (5, 6, 5), goal_quota=15),
        ),
        "Get back on the cross-country team and run the 5K with my friends in the spring.",
        weeks_ago=8, goal_weeks=10, fdi_at_start=24, fdi_gain_per_week=1.5,
        check_in_every_weeks=2, story=Story.RED_FLAG_TODAY,
        notes=("Ran the whole loop in the park.", "Walked home from school."),
    ),
    PatientSpec(
        "lily.chen", "Lily", "Chen", 12, (11, 23),
        Patient.Diagnosis.JUVENILE_FIBROMYALGIA, 80, ("jordan.lee",),
        (FATHER_OF_SISTERS,),
        "AMPS home program",
        (
            ChoiceSpec("Cycling (stationary bike)", (10, 12, 14), goal_quota=30),
            ChoiceSpec("Sit-to-stand", (10, 12, 11)),
            ChoiceSpec("Jumping jacks", (10, 12, 10), goal_quota=25),
            ChoiceSpec("Desensitization (textures)", (45, 60, 50)),
        ),
        "Get back to dance class on Saturdays and sleep over at my friend Zoe's house.",
        weeks_ago=3, goal_weeks=10, fdi_at_start=36, fdi_gain_per_week=2.0,
        check_in_every_weeks=1, check_ins_by_guardian=True,
        notes=("Watched a show while cycling.", "Used the silk today."),
    ),
    PatientSpec(
        "sofia.ramirez", "Sofia", "Ramirez", 13, (5, 30),
        Patient.Diagnosis.CRPS, 76, ("amara.okafor",),
        (
            GuardianSpec("elena.ramirez", "Elena", "Ramirez", Guardian.Relation.MOTHER),
            GuardianSpec("diego.ramirez", "Diego", "Ramirez", Guardian.Relation.FATHER),
        ),
        "CRPS graded motor imagery",
        (
            ChoiceSpec("Left/right recognition", (6, 8, 7)),
            ChoiceSpec("Imagined movements", (5, 6, 6)),
            ChoiceSpec("Mirror therapy", (4, 5, 5)),
            ChoiceSpec("Desensitization (textures)", (30, 45, 40)),
        ),
        "Wear my sneakers again and walk around the mall with my mom.",
        weeks_ago=5, goal_weeks=6, fdi_at_start=34, fdi_gain_per_week=1.5,
        check_in_every_weeks=1, story=Story.FLARE_IN_WEEK_2,
        notes=("Got faster at the foot pictures.", "Cotton felt OK today."),
    ),
    PatientSpec(
        "ethan.brooks", "Ethan", "Brooks", 15, (1, 19),
        Patient.Diagnosis.CRPS, 70, ("amara.okafor",),
        (GuardianSpec("karen.brooks", "Karen", "Brooks", Guardian.Relation.GRANDPARENT),),
        "CRPS graded motor imagery",
        (
            ChoiceSpec("Left/right recognition", (8, 10, 9)),
            ChoiceSpec("Imagined movements", (6, 8, 7)),
            ChoiceSpec("Mirror therapy", (5, 5, 6)),
            ChoiceSpec("Desensitization (textures)", (20, 30, 25)),
        ),
        "Play basketball with my team again and write my own notes in class.",
        weeks_ago=1, goal_weeks=6, fdi_at_start=27, fdi_gain_per_week=1.0,
        check_in_every_weeks=1,
        notes=("Did the mirror before practice.",),
    ),
    PatientSpec(
        "hannah.novak", "Hannah", "Novak", 24, (9, 8),
        Patient.Diagnosis.DIFFUSE_IDIOPATHIC_PAIN, 66, ("jordan.lee",),
        (),
        "AMPS home program",
        (
            ChoiceSpec("Walking", (12, 15, 14)),
            ChoiceSpec("Stairs", (3, 4, 4)),
            ChoiceSpec("Carrying", (100, 150, 120), goal_quota=400, weekdays=MON_WED_FRI),
            ChoiceSpec("Desensitization (textures)", (60, 90, 80)),
        ),
        "Walk to work again and carry my own groceries up to my apartment.",
        weeks_ago=6, goal_weeks=10, fdi_at_start=26, fdi_gain_per_week=1.0,
        check_in_every_weeks=2, story=Story.LOW_ADHERENCE, in_school=False,
        notes=("Walked at lunch.",),
    ),
)  # fmt: skip


# -- Building it ----------------------------------------------------------------------------


def demo_exists() -> bool:
    return Clinic.objects.filter(name=DEMO_CLINIC_NAME).exists()


def demo_logins() -> list[Login]:
    """Every demo account, in the order the command prints them."""
    logins = [Login(ADMIN_USERNAME, ADMIN_PASSWORD, "operator: the admin site (superuser)")]
    logins += [Login(staff.username, DEMO_PASSWORD, staff.title) for staff in STAFF]
    logins += [Login(spec.username, DEMO_PASSWORD, _patient_label(spec)) for spec in PATIENTS]
    children: dict[GuardianSpec, list[str]] = {}
    for spec in PATIENTS:
        for guardian in spec.guardians:
            children.setdefault(guardian, []).append(spec.first_name)
    logins += [
        Login(guardian.username, DEMO_PASSWORD, f"{guardian.relation} of {' and '.join(names)}")
        for guardian, names in children.items()
    ]
    return logins


def _patient_label(spec: PatientSpec) -> str:
    label = f"patient, {spec.age}: {spec.template}, week {spec.weeks_ago + 1}"
    return label if spec.story == Story.STEADY else f"{label}, {spec.story}"


class _Accounts:
    """Creates the demo logins, hashing each distinct password once (hashing is slow on
    purpose, and the demo has a score of accounts)."""

    def __init__(self) -> None:
        self._hashes: dict[str, str] = {}
        self.by_username: dict[str, User] = {}

    def create(
        self, username: str, password: str, first_name: str, last_name: str, **extra: bool
    ) -> User:
        if username in self.by_username:
            return self.by_username[username]
        user = User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=None,
            first_name=first_name,
            last_name=last_name,
            **extra,
        )
        if password not in self._hashes:
            self._hashes[password] = make_password(password)
        user.password = self._hashes[password]
        user.save(update_fields=["password"])
        self.by_username[username] = user
        return user


@transaction.atomic
def demo_build() -> None:
    """Build the demo clinic. Call only when ``demo_exists()`` is False."""
    rng = random.Random(RANDOM_SEED)
    accounts = _Accounts()
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        accounts.create(
            ADMIN_USERNAME, ADMIN_PASSWORD, "Demo", "Operator", is_staff=True, is_superuser=True
        )
    clinic = clinic_create(
        name=DEMO_CLINIC_NAME, short_name="Riverside Clinic", time_zone=DEMO_TIME_ZONE
    )
    for staff in STAFF:
        user = accounts.create(staff.username, DEMO_PASSWORD, staff.first_name, staff.last_name)
        staff_add(user=user, clinic=clinic, role=staff.role)
    library = _library()
    templates = _templates(library)
    clinic_admin = accounts.by_username[STAFF[0].username]
    for spec in PATIENTS:
        patient = _patient(spec, clinic, clinic_admin, accounts)
        _program_with_history(spec, patient, library, templates[spec.template], accounts, rng)


def _library() -> dict[str, Activity]:
    """The global library; activities someone already added by the same name are reused."""
    library: dict[str, Activity] = {}
    for spec in LIBRARY:
        existing = Activity.objects.filter(clinic=None, name__iexact=spec.name).first()
        library[spec.name] = existing or activity_create(
            clinic=None,
            name=spec.name,
            kind=spec.kind.value,
            unit=spec.unit,
            impact=spec.impact,
            instructions=spec.instructions,
            seconds_per_repetition=spec.seconds_per_repetition,
        )
    for name, (file_name, alt) in PICTURES.items():
        activity = library[name]
        if not activity.media_file:
            with (DEMO_MEDIA_DIR / file_name).open("rb") as handle:
                activity_media_attach(
                    activity=activity,
                    upload=File(handle, name=file_name),
                    text=alt,
                    allow_global=True,
                )
    return library


def _templates(library: dict[str, Activity]) -> dict[str, ProgramTemplate]:
    templates: dict[str, ProgramTemplate] = {}
    for spec in TEMPLATES:
        existing = ProgramTemplate.objects.filter(clinic=None, name__iexact=spec.name).first()
        templates[spec.name] = existing or template_create(
            clinic=None,
            name=spec.name,
            description=spec.description,
            default_weeks=spec.default_weeks,
            entries=[
                TemplateEntry(
                    activity=library[entry.activity],
                    goal_quota=entry.goal_quota,
                    weekdays=entry.weekdays,
                    times_per_day=entry.times_per_day,
                )
                for entry in spec.entries
            ],
        )
    return templates


def _birth_date(spec: PatientSpec, today: date) -> date:
    month, day = spec.birthday
    had_birthday = (today.month, today.day) >= (month, day)
    return date(today.year - spec.age - (0 if had_birthday else 1), month, day)


def _patient(spec: PatientSpec, clinic: Clinic, actor: User, accounts: _Accounts) -> Patient:
    user = accounts.create(spec.username, DEMO_PASSWORD, spec.first_name, spec.last_name)
    therapists = [accounts.by_username[username] for username in spec.therapists]
    clinic_today = timezone.now().astimezone(ZoneInfo(clinic.time_zone)).date()
    patient = patient_create(
        actor=actor,
        clinic=clinic,
        first_name=spec.first_name,
        last_name=spec.last_name,
        date_of_birth=_birth_date(spec, clinic_today),
        diagnosis=spec.diagnosis,
        resting_heart_rate=spec.resting_heart_rate,
        therapists=therapists,
        user=user,
    )
    for guardian in spec.guardians:
        guardian_user = accounts.create(
            guardian.username, DEMO_PASSWORD, guardian.first_name, guardian.last_name
        )
        guardian_create(
            actor=actor,
            patient=patient,
            first_name=guardian.first_name,
            last_name=guardian.last_name,
            relation=guardian.relation,
            user=guardian_user,
        )
    return patient


def _program_with_history(
    spec: PatientSpec,
    patient: Patient,
    library: dict[str, Activity],
    template: ProgramTemplate,
    accounts: _Accounts,
    rng: random.Random,
) -> None:
    today = local_today(patient)
    start = today - timedelta(weeks=spec.weeks_ago)
    therapist = accounts.by_username[spec.therapists[0]]
    program = program_create(
        actor=therapist,
        patient=patient,
        template=template,
        start_date=start,
        goal_date=start + timedelta(weeks=spec.goal_weeks),
        goals=spec.goals,
        activities=[
            ActivityChoice(
                activity_id=library[choice.activity].id,
                baseline_trials=choice.baseline_trials,
                goal_quota=choice.goal_quota,
                weekdays=choice.weekdays,
            )
            for choice in spec.choices
        ],
    )
    program = program_activate(actor=therapist, program=program, me_cfs_considered=True)
    logger = patient.user or therapist
    reporter = logger
    if spec.check_ins_by_guardian and spec.guardians:
        reporter = accounts.by_username[spec.guardians[0].username]
    _check_in(spec, patient, reporter, week=0, day=start, rng=rng, with_fdi=True)
    for week in range(spec.weeks_ago):
        first = start + timedelta(weeks=week)
        _log_week(spec, program, logger, week, first, rng)
        if week % spec.check_in_every_weeks == spec.check_in_every_weeks - 1:
            with_fdi = spec.check_in_every_weeks == 2 or week % 2 == 1
            _check_in(
                spec, patient, reporter, week=week + 1, day=first + timedelta(days=6), rng=rng,
                with_fdi=with_fdi,
            )  # fmt: skip
        if spec.story == Story.FLARE_IN_WEEK_2 and week == 2:
            check_in_submit(
                actor=reporter,
                patient=patient,
                flare=True,
                today=first,
                red_flags=[],
                no_red_flags=True,
            )
        weekly_review_run(program=program, today=first + timedelta(days=7))
    if spec.story == Story.RED_FLAG_TODAY:
        check_in_submit(
            actor=reporter,
            patient=patient,
            red_flags=["joint_swelling"],
            mood=3,
            sleep_hours=Decimal("7.0"),
            flare=False,
        )


def _log_week(
    spec: PatientSpec, program: Program, actor: User, week: int, first: date, rng: random.Random
) -> None:
    sessions = list(
        PlannedSession.objects.filter(
            program=program, date__range=(first, first + timedelta(days=6))
        )
        .select_related("program__patient")
        .prefetch_related("doses")
        .order_by("date")
    )
    kinds = dict(program.activities.values_list("id", "kind"))
    statuses = _week_statuses(spec, week, len(sessions))
    for session, status in zip(sessions, statuses, strict=True):
        _log_session(spec, session, kinds, actor, status, rng)


def _week_statuses(spec: PatientSpec, week: int, count: int) -> list[SessionStatus]:
    """How each session of the week went. The draws depend only on the patient and the week
    (not on today's weekday), so every fresh demo tells the same story."""
    if spec.story == Story.LOW_ADHERENCE and week >= spec.weeks_ago - 2:
        # Two sessions a week, never a week apart: the review sees low adherence, not a gap.
        return [
            SessionStatus.DONE if index in (week % 2, 4) else SessionStatus.MISSED
            for index in range(count)
        ]
    draws = random.Random(f"{RANDOM_SEED}:{spec.username}:{week}")
    statuses: list[SessionStatus] = []
    for index in range(count):
        # The last three sessions of a week decide whether the quota was met, so the bad days
        # of a steady week fall early in it and the weekly review lets the patient progress.
        roll = 1.0 if index >= count - 3 else draws.random()
        if roll < 0.12 and SessionStatus.MISSED not in statuses:
            statuses.append(SessionStatus.MISSED)
        elif roll < 0.35:
            statuses.append(SessionStatus.PARTIAL)
        else:
            statuses.append(SessionStatus.DONE)
    return statuses


def _log_session(
    spec: PatientSpec,
    session: PlannedSession,
    kinds: dict[int, str],
    actor: User,
    status: SessionStatus,
    rng: random.Random,
) -> None:
    results = []
    if status is not SessionStatus.MISSED:
        for dose in session.doses.all():
            done = dose.amount
            if status is SessionStatus.PARTIAL and rng.random() < 0.6:
                done = max(1, round(dose.amount * rng.uniform(0.5, 0.85)))
            exertion = None
            if kinds[dose.program_activity_id] in (ActivityKind.AEROBIC, ActivityKind.FUNCTIONAL):
                exertion = rng.randint(3, 6) if done < dose.amount else rng.randint(3, 5)
            results.append(
                ResultInput(program_activity_id=dose.program_activity_id, amount=done,
                            exertion=exertion)
            )  # fmt: skip
    note = ""
    if status is SessionStatus.DONE and spec.notes and rng.random() < 0.15:
        note = rng.choice(spec.notes)
    elif status is SessionStatus.MISSED:
        note = rng.choice(("Busy with homework.", "Family visit.", "Forgot.", ""))
    session_log(actor=actor, session=session, status=status.value, results=results, note=note)


def _fdi_answers(total: int, rng: random.Random) -> list[int]:
    """Fifteen answers, 0-4 each, adding up to ``total`` and spread a little unevenly."""
    answers = [0] * 15
    for _ in range(max(0, min(total, 60))):
        open_items = [index for index, answer in enumerate(answers) if answer < 4]
        answers[rng.choice(open_items)] += 1
    return answers


def _check_in(
    spec: PatientSpec,
    patient: Patient,
    actor: User,
    *,
    week: int,
    day: date,
    rng: random.Random,
    with_fdi: bool,
) -> None:
    # Gains stall, and sleep and mood slip back, once a patient stops doing the program.
    struggling = spec.story == Story.LOW_ADHERENCE and week >= spec.weeks_ago - 1
    effective_week = week - 2 if struggling else week
    gain = spec.fdi_gain_per_week * effective_week
    progress = min(1.0, effective_week / 8)
    check_in_submit(
        actor=actor,
        patient=patient,
        today=day,
        fdi_answers=_fdi_answers(round(spec.fdi_at_start - gain), rng) if with_fdi else None,
        # In half hours, as check-ins take them.
        sleep_hours=Decimal(f"{round(2 * (6.0 + 2.0 * progress + rng.choice((0, 0.5)))) / 2:.1f}"),
        sleep_quality=2 + round(2 * progress),
        mood=min(5, 2 + round(2 * progress) + rng.choice((0, 0, 1))),
        school_days_attended=min(5, 2 + round(3 * progress)) if spec.in_school else None,
        school_days_scheduled=5 if spec.in_school else None,
        flare=False,
        red_flags=[],
        no_red_flags=True,
    )
