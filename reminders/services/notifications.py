"""The messages beyond the session reminder: rows of the outbox for the dispatcher to send.

- **A nudge the day after a missed session** (``MISSED_NUDGE``), at ``NUDGE_AT`` local. A
  session is missed when its day has passed without a log, or with a log that says missed.
  One nudge per run of missed sessions: after the first of a run, none for the ones that
  follow until a session is done (or partly done) again, so a patient who stops for a week
  gets one kind word, not seven. It goes to the patient's own contact; a minor's guardians
  get it only when the patient has no contact of their own, because copying parents on a
  missed day turns encouragement into supervision. On the day a check-in reminder is due it
  stands in for the nudge: one of these extra messages a day at most.
- **The weekly check-in** (``CHECK_IN_DUE``), at ``CHECK_IN_AT`` local on the last day of each
  program week (the day before the week boundary, so the answers reach that week's review at
  midnight), to the patient and a minor's guardians, unless a check-in was already submitted
  that week. The check-in asks for the FDI every other week; the reminder is the same.
- **A red flag, to the therapists** (``RED_FLAG_STAFF``): at once, by email, to each therapist
  of the patient who works at the patient's clinic (the clinic's admins when no therapist can
  be reached). Started by the ``alert_raised`` signal, repaired by the sweep. Thoughts of
  self-harm (``URGENT_KINDS``) go the same way, with their own, plainer email.
- **A daily digest of open alerts** (``ALERT_DIGEST``), by email at ``DIGEST_AT`` in the
  clinic's time zone, to each therapist with open alerts among their patients.

Every row has a deterministic idempotency key, so the sweep may run any number of times, and
twice at once, without a message made twice. Rows are made when they fall due (not ahead), so
what they say is decided on the freshest records; a pending row whose reason went away before
it was sent (the session logged late, the check-in submitted) is cancelled by the sweep.

A contact gets one message per occasion, on one channel, tried in ``CHANNEL_PREFERENCE`` order:

1. **Push, to each of their devices**, when they have turned notifications on in the app on
   at least one device (consent on record, not paused, endpoint not suppressed) and it is
   outside their quiet hours. Push is what they asked for on the phone they use the app on,
   costs them nothing, and a tap opens the page the message is about. It is sent *instead*
   of a text or an email, not as well: the same words arriving twice on one phone is noise,
   and a nudge is meant to be one kind word.
2. **A text message** when it can take one (verified, consent on record, not suppressed,
   outside quiet hours),
3. **else an email.**

Push is the one channel that can fail without anyone being told: a browser uninstalled or
a subscription expired answers 404 or 410 only when we send, and the dispatcher then removes
the device and fails the row. So push never stands in silently: an occasion whose every push
ended without reaching a device (failed, cancelled, suppressed or expired; an outcome unknown
counts as reached) is open again, and the next sweep (``SWEEP_MINUTES``) writes to the
contact's devices not yet tried, else by text or email, while the message's window lasts.
Any other row of the occasion (a push pending or sent, a text, an email, whatever became of
it) settles it: nothing is sent twice for one occasion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from planner import AlertKind, SessionStatus
from programs.models import (
    Alert,
    CheckIn,
    Clinic,
    Patient,
    PlannedSession,
    Program,
    SessionLog,
    StaffMembership,
    User,
)
from reminders.models import QUIET_CHANNELS, Channel, Contact, PushSubscription, Reminder
from reminders.selectors import (
    channel_state,
    push_subscriptions_of,
    ready_push_subscriptions,
    suppressed_addresses,
    suppressed_endpoints,
)

# Local wall-clock times (defaults; those of texts and pushes move out of a contact's quiet
# hours).
NUDGE_AT = time(16, 0)  # after school, before the usual session time
CHECK_IN_AT = time(18, 0)
DIGEST_AT = time(8, 0)  # the clinic's morning
# A red flag is worth telling the therapist about even after an outage; the digest picks up
# anything older than this.
RED_FLAG_WINDOW = timedelta(hours=24)
# The alerts the therapists are emailed about at once, not only in the morning's digest.
URGENT_KINDS = (AlertKind.SELF_HARM.value, AlertKind.RED_FLAG.value)
# A morning digest read in the afternoon is no use: tomorrow's comes.
DIGEST_WINDOW = timedelta(hours=4)
# How often beat should run ``notifications_sweep``: rows are made when they fall due, so
# this is how late a nudge, a check-in reminder or a digest may go out (plus one dispatch).
SWEEP_MINUTES = 5

# Programs being followed. A paused program (a red flag, or a clinician's pause) gets neither
# nudges nor check-in reminders: its patient waits for the clinician.
FOLLOWED = (Program.Status.ACTIVE, Program.Status.MAINTENANCE, Program.Status.TAPERING)
DONE_STATUSES = (SessionStatus.DONE.value, SessionStatus.PARTIAL.value)
# The order a contact's channels are tried in (see the module's docstring): the app's own
# notifications where the person turned them on, else a text, which a teenager reads, else
# an email.
CHANNEL_PREFERENCE = (Channel.PUSH, Channel.SMS, Channel.EMAIL)
# How a push row's key extends its occasion's: one row per device.
PUSH_KEY_SEP = ":push."
# Push rows that ended without reaching their device: they leave the occasion open.
UNDELIVERED = frozenset(
    {
        Reminder.Status.FAILED,
        Reminder.Status.CANCELLED,
        Reminder.Status.SUPPRESSED,
        Reminder.Status.EXPIRED,
    }
)


@dataclass(frozen=True)
class SweepResult:
    nudges: int = 0
    check_ins: int = 0
    digests: int = 0
    red_flags: int = 0
    cancelled: int = 0


# -- Times --------------------------------------------------------------------------------


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """``at`` on ``day`` in ``zone``, as UTC. Turned per occurrence, so 16:00 stays 16:00
    across a clock change (a wall time in the spring gap lands an hour later, as clocks do)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def in_quiet_hours(at: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def quiet_time(wanted: time, contact: Contact) -> time | None:
    """``wanted``, or the end of the contact's quiet hours when it falls inside them; None
    when they last until the next day. For the channels that keep quiet hours."""
    if not in_quiet_hours(wanted, contact.quiet_start, contact.quiet_end):
        return wanted
    return contact.quiet_end if contact.quiet_end > wanted else None


@dataclass(frozen=True)
class Slot:
    channel: str
    local_time: time
    due_at: datetime
    not_after: datetime


def slot_for(
    contact: Contact, channels: Sequence[str], day: date, wanted: time, zone: str
) -> Slot | None:
    """When and how ``contact`` gets a message meant for ``wanted`` on ``day``: the first
    usable channel that can carry it that day. The grace window ends at the end of the day,
    and for a text message or a push at the start of the quiet hours."""
    grace = timedelta(minutes=settings.REMINDERS_GRACE_MINUTES)
    end_of_day = local_to_utc(day + timedelta(days=1), time(0), zone)
    for channel in channels:
        at = wanted
        if channel in QUIET_CHANNELS:
            moved = quiet_time(wanted, contact)
            if moved is None:
                continue
            at = moved
        due = local_to_utc(day, at, zone)
        not_after = min(due + grace, end_of_day)
        if channel in QUIET_CHANNELS and contact.quiet_start > at:
            not_after = min(not_after, local_to_utc(day, contact.quiet_start, zone))
        if not_after > due:
            return Slot(channel=channel, local_time=at, due_at=due, not_after=not_after)
    return None


# -- Who can be reached -------------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """How a contact can be written to now: their ``channels`` in ``CHANNEL_PREFERENCE``
    order, and the ``devices`` a push goes to (push is among the channels when there is
    one)."""

    channels: tuple[str, ...]
    devices: tuple[PushSubscription, ...] = ()


def usable_channels(contacts: Iterable[Contact]) -> dict[int, Reach]:
    """How each contact can be reached now (the contacts' consents prefetched): the same
    rules as the session reminders', in four queries whatever the number of contacts."""
    contacts = list(contacts)
    devices = push_subscriptions_of(contacts)
    suppressed = suppressed_addresses(contacts) | suppressed_endpoints(
        device for group in devices.values() for device in group
    )
    reach = {}
    for contact in contacts:
        ready = tuple(ready_push_subscriptions(contact, devices.get(contact.pk, []), suppressed))
        channels = tuple(
            channel.value
            for channel in CHANNEL_PREFERENCE
            if (
                bool(ready)
                if channel == Channel.PUSH
                else channel_state(contact, channel, suppressed).ready
            )
        )
        reach[contact.id] = Reach(channels=channels, devices=ready)
    return reach


def _contacts_of(patient_ids: Iterable[int]) -> dict[int, list[Contact]]:
    by_patient: dict[int, list[Contact]] = defaultdict(list)
    rows = (
        Contact.objects.filter(patient_id__in=set(patient_ids))
        .select_related("patient")
        .prefetch_related("consents")
        .order_by("patient_id", "role", "id")
    )
    for contact in rows:
        by_patient[contact.patient_id].append(contact)
    return by_patient


def _reachable(
    contacts: Sequence[Contact], usable: dict[int, Reach], *, minor: bool
) -> tuple[list[Contact], list[Contact]]:
    """The patient's own reachable contact (zero or one) and a minor's reachable guardians."""

    def reachable(contact: Contact) -> bool:
        reach = usable.get(contact.id)
        return reach is not None and bool(reach.channels)

    own = [c for c in contacts if c.role == Contact.Role.PATIENT and reachable(c)]
    guardians = [c for c in contacts if c.role == Contact.Role.GUARDIAN and reachable(c) and minor]
    return own, guardians


# -- Writing rows -------------------------------------------------------------------------


def _store(rows: Sequence[Reminder]) -> int:
    """Insert the rows whose idempotency key is new; how many that was. Two sweeps at once
    may both find a key new: the unique key makes the second insert a no-op."""
    if not rows:
        return 0
    existing = set(
        Reminder.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [row for row in rows if row.idempotency_key not in existing]
    Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _patient_row(
    *,
    kind: str,
    key: str,
    contact: Contact,
    slot: Slot,
    program: Program,
    day: date,
    session_date: date,
    lead: str,
    context: dict[str, object],
    device: PushSubscription | None = None,
) -> Reminder:
    return Reminder(
        kind=kind,
        channel=slot.channel,
        contact=contact,
        push_subscription=device,
        program=program,
        session_date=session_date,
        lead=lead,
        time_zone=program.patient.time_zone,
        local_date=day,
        local_time=slot.local_time,
        due_at=slot.due_at,
        not_after=slot.not_after,
        # One row per device for push, each under the occasion's key and the device's.
        idempotency_key=key if device is None else f"{key}{PUSH_KEY_SEP}{device.pk}",
        context=context,
    )


@dataclass(frozen=True)
class Occasion:
    """One reason to write to a patient's people on the patient's today: a session missed
    yesterday, a week's check-in due. ``key`` gives the message's idempotency key for one
    contact (a push's row adds its device to it)."""

    program: Program
    today: date
    session_date: date
    lead: str
    context: dict[str, object]
    key: Callable[[Contact], str]


@dataclass
class _Earlier:
    """What the rows already made say about occasions, by occasion key: those ``settled``
    (a row that reached, or may reach, its contact) and, for the others, the devices whose
    push ended without reaching them."""

    settled: set[str]
    tried: dict[str, set[int]]

    @classmethod
    def load(cls, kind: str, contact_ids: Iterable[int], days: Iterable[date]) -> _Earlier:
        """In one query: the rows of ``kind`` to ``contact_ids`` due on ``days`` (a row is
        made on the day it is due, so every row of these occasions is among them)."""
        earlier = cls(settled=set(), tried=defaultdict(set))
        rows = Reminder.objects.filter(
            kind=kind, contact_id__in=set(contact_ids), local_date__in=set(days)
        ).values_list("idempotency_key", "channel", "status", "push_subscription_id")
        for key, channel, status, device in rows:
            occasion = key.partition(PUSH_KEY_SEP)[0]
            if channel != Channel.PUSH or status not in UNDELIVERED:
                earlier.settled.add(occasion)
            elif device is not None:
                earlier.tried[occasion].add(device)
        return earlier

    def reach(self, key: str, reach: Reach) -> Reach:
        """``reach`` less the devices this occasion's push already failed to reach (and push
        itself when none is left)."""
        tried = self.tried.get(key, set())
        devices = tuple(device for device in reach.devices if device.pk not in tried)
        channels = tuple(c for c in reach.channels if c != Channel.PUSH or devices)
        return Reach(channels=channels, devices=devices)


def _patient_messages_create(
    *, kind: str, occasions: Sequence[Occasion], at: time, now: datetime, guardians_too: bool
) -> int:
    """Make the rows of ``kind`` for ``occasions`` that are due by ``now``: ``at`` local on
    the patient's today, one message to each recipient on the first channel that can carry
    it then (``slot_for``; by push, one row per device). The recipients are the patient's
    own contact and, while the patient is a minor, the guardians: as well when
    ``guardians_too``, else only when the patient has no reachable contact of their own. A
    recipient whose occasion is settled gets nothing more; one whose every push failed to
    arrive gets it on another device or channel (the module's docstring). How many rows
    were added."""
    contacts = _contacts_of(occasion.program.patient_id for occasion in occasions)
    usable = usable_channels(c for group in contacts.values() for c in group)
    earlier = _Earlier.load(
        kind, (c.id for group in contacts.values() for c in group), (o.today for o in occasions)
    )
    rows = []
    for occasion in occasions:
        program, today = occasion.program, occasion.today
        own, guardians = _reachable(
            contacts.get(program.patient_id, []), usable, minor=program.patient.is_minor_on(today)
        )
        for contact in (own + guardians) if guardians_too else (own or guardians):
            key = occasion.key(contact)
            if key in earlier.settled:
                continue
            reach = earlier.reach(key, usable[contact.id])
            slot = slot_for(contact, reach.channels, today, at, program.patient.time_zone)
            if slot is None or not slot.due_at <= now < slot.not_after:
                continue
            devices: Sequence[PushSubscription | None] = (
                reach.devices if slot.channel == Channel.PUSH else [None]
            )
            rows += [
                _patient_row(
                    kind=kind,
                    key=key,
                    contact=contact,
                    slot=slot,
                    program=program,
                    day=today,
                    session_date=occasion.session_date,
                    lead=occasion.lead,
                    context=occasion.context,
                    device=device,
                )
                for device in devices
            ]
    return _store(rows)


# -- The nudge after a missed session -----------------------------------------------------


def nudge_key(contact: Contact, day: date) -> str:
    """One nudge per contact per day, whatever the channel or the program."""
    return f"missed_nudge:{contact.id}:{day.isoformat()}"


def _local_todays(programs: Iterable[Program], now: datetime) -> dict[int, date]:
    zones: dict[str, date] = {}
    todays = {}
    for program in programs:
        zone = program.patient.time_zone
        if zone not in zones:
            zones[zone] = now.astimezone(ZoneInfo(zone)).date()
        todays[program.id] = zones[zone]
    return todays


def _check_in_day(program: Program, today: date) -> bool:
    """``today`` is the last day of one of the program's weeks."""
    days = (today - program.start_date).days
    on_or_before_discharge = program.discharge_date is None or today <= program.discharge_date
    return days >= 0 and days % 7 == 6 and on_or_before_discharge


def _week_checked_in(program: Program, today: date) -> bool:
    week_start = today - timedelta(days=(today - program.start_date).days % 7)
    return CheckIn.objects.filter(
        patient_id=program.patient_id, date__range=(week_start, today)
    ).exists()


def missed_nudges_create(*, now: datetime, programs: Sequence[Program] | None = None) -> int:
    """Make the nudges due by ``now`` for sessions missed on the patients' yesterday."""
    programs = list(programs) if programs is not None else _followed_programs()
    todays = _local_todays(programs, now)
    by_id = {program.id: program for program in programs}
    previous = PlannedSession.objects.filter(
        program=OuterRef("program"), date__lt=OuterRef("date")
    ).order_by("-date")
    yesterdays = {today - timedelta(days=1) for today in todays.values()}
    sessions = (
        PlannedSession.objects.filter(program_id__in=by_id, date__in=yesterdays)
        .annotate(
            logged=Subquery(SessionLog.objects.filter(session=OuterRef("pk")).values("status")[:1]),
            previous_date=Subquery(previous.values("date")[:1]),
            previous_logged=Subquery(previous.values("log__status")[:1]),
        )
        .values_list("program_id", "date", "logged", "previous_date", "previous_logged")
    )
    missed: list[tuple[Program, date]] = []
    for program_id, day, logged, previous_date, previous_logged in sessions:
        today = todays[program_id]
        if day != today - timedelta(days=1) or logged in DONE_STATUSES:
            continue
        run_goes_on = previous_date is not None and previous_logged not in DONE_STATUSES
        if run_goes_on:
            continue
        program = by_id[program_id]
        if _check_in_day(program, today) and not _week_checked_in(program, today):
            continue  # the check-in reminder stands in for the nudge today
        missed.append((program, day))
    occasions = [
        Occasion(
            program=program,
            today=todays[program.id],
            session_date=day,
            lead="next_day",
            context={"missed_date": day.isoformat()},
            key=partial(nudge_key, day=todays[program.id]),
        )
        for program, day in missed
    ]
    return _patient_messages_create(
        kind=Reminder.Kind.MISSED_NUDGE,
        occasions=occasions,
        at=NUDGE_AT,
        now=now,
        guardians_too=False,
    )


# -- The weekly check-in ------------------------------------------------------------------


def check_in_key(program: Program, week: int, contact: Contact) -> str:
    return f"check_in_due:{program.id}:{week}:{contact.id}"


def check_ins_due_create(*, now: datetime, programs: Sequence[Program] | None = None) -> int:
    """Make the check-in reminders due by ``now``: the last day of a program week without a
    check-in yet."""
    programs = list(programs) if programs is not None else _followed_programs()
    todays = _local_todays(programs, now)
    due = [
        program
        for program in programs
        if _check_in_day(program, todays[program.id])
        and not _week_checked_in(program, todays[program.id])
    ]
    occasions = []
    for program in due:
        today = todays[program.id]
        week = (today - program.start_date).days // 7
        occasions.append(
            Occasion(
                program=program,
                today=today,
                session_date=today,
                lead=f"week_{week + 1}",
                context={"week": week + 1},
                key=partial(check_in_key, program, week),
            )
        )
    return _patient_messages_create(
        kind=Reminder.Kind.CHECK_IN_DUE,
        occasions=occasions,
        at=CHECK_IN_AT,
        now=now,
        guardians_too=True,
    )


# -- Staff: the red flag and the digest ---------------------------------------------------


def _clinic_staff(clinic_id: int) -> set[int]:
    return set(
        StaffMembership.objects.filter(clinic_id=clinic_id).values_list("user_id", flat=True)
    )


def red_flag_recipients(patient: Patient) -> list[User]:
    """The patient's therapists who work at the patient's clinic and have an email address;
    the clinic's admins when there is no such therapist, so a red flag is never unheard."""
    staff = _clinic_staff(patient.clinic_id)
    reachable = User.objects.filter(is_active=True).exclude(email="").order_by("id")
    therapists = list(reachable.filter(id__in=staff, assigned_patients=patient))
    if therapists:
        return therapists
    return list(
        reachable.filter(
            memberships__clinic_id=patient.clinic_id,
            memberships__role=StaffMembership.Role.CLINIC_ADMIN,
        )
    )


def red_flag_key(alert: Alert, user: User) -> str:
    return f"red_flag_staff:{alert.id}:{user.id}"


@transaction.atomic
def red_flag_notify(*, alert_id: int, now: datetime | None = None) -> int:
    """Email the therapists about an open red-flag or self-harm alert (``URGENT_KINDS``), due
    at once; how many emails were added. Safe to call again: each therapist gets one email
    per alert. Nothing once the alert is acknowledged or older than ``RED_FLAG_WINDOW``."""
    now = now or timezone.now()
    alert = (
        Alert.objects.select_related("patient__clinic")
        .filter(pk=alert_id, kind__in=URGENT_KINDS, acknowledged_at__isnull=True)
        .first()
    )
    if alert is None or now >= alert.created_at + RED_FLAG_WINDOW:
        return 0
    zone = alert.patient.clinic.time_zone
    local = alert.created_at.astimezone(ZoneInfo(zone))
    rows = [
        Reminder(
            kind=Reminder.Kind.RED_FLAG_STAFF,
            channel=Channel.EMAIL,
            staff_user=user,
            program=alert.program,
            time_zone=zone,
            local_date=local.date(),
            local_time=local.time().replace(microsecond=0),
            due_at=alert.created_at,
            not_after=alert.created_at + RED_FLAG_WINDOW,
            idempotency_key=red_flag_key(alert, user),
            # The kind too, so the email says the right thing even if the alert is gone.
            context={"alert_id": alert.id, "patient_id": alert.patient_id, "kind": alert.kind},
        )
        for user in red_flag_recipients(alert.patient)
    ]
    return _store(rows)


def digest_key(user_id: int, clinic_id: int, day: date) -> str:
    return f"alert_digest:{user_id}:{clinic_id}:{day.isoformat()}"


def alert_digests_create(*, now: datetime) -> int:
    """Make the day's digest for each therapist with open alerts among their patients, once
    ``DIGEST_AT`` has come in the clinic's time zone (and before ``DIGEST_WINDOW`` ends)."""
    clinics_due: dict[int, tuple[str, date, datetime]] = {}
    for clinic_id, zone in Clinic.objects.values_list("id", "time_zone"):
        day = now.astimezone(ZoneInfo(zone)).date()
        due = local_to_utc(day, DIGEST_AT, zone)
        if due <= now < due + DIGEST_WINDOW:
            clinics_due[clinic_id] = (zone, day, due)
    if not clinics_due:
        return 0
    open_alerts = Alert.objects.filter(
        acknowledged_at__isnull=True, patient__clinic_id__in=clinics_due
    ).values_list("id", "patient_id", "patient__clinic_id")
    alerts_of_patient: dict[int, list[int]] = defaultdict(list)
    clinic_of_patient: dict[int, int] = {}
    for alert_id, patient_id, clinic_id in open_alerts:
        alerts_of_patient[patient_id].append(alert_id)
        clinic_of_patient[patient_id] = clinic_id
    if not alerts_of_patient:
        return 0
    staff = set(
        StaffMembership.objects.filter(clinic_id__in=clinics_due).values_list(
            "user_id", "clinic_id"
        )
    )
    reachable = set(
        User.objects.filter(is_active=True).exclude(email="").values_list("id", flat=True)
    )
    assigned = Patient.therapists.through.objects.filter(
        patient_id__in=alerts_of_patient
    ).values_list("user_id", "patient_id")
    digests: dict[tuple[int, int], list[int]] = defaultdict(list)
    for user_id, patient_id in assigned:
        clinic_id = clinic_of_patient[patient_id]
        if user_id in reachable and (user_id, clinic_id) in staff:
            digests[(user_id, clinic_id)].extend(alerts_of_patient[patient_id])
    rows = []
    for (user_id, clinic_id), alert_ids in sorted(digests.items()):
        zone, day, due = clinics_due[clinic_id]
        rows.append(
            Reminder(
                kind=Reminder.Kind.ALERT_DIGEST,
                channel=Channel.EMAIL,
                staff_user_id=user_id,
                time_zone=zone,
                local_date=day,
                local_time=DIGEST_AT,
                due_at=due,
                not_after=due + DIGEST_WINDOW,
                idempotency_key=digest_key(user_id, clinic_id, day),
                context={"clinic_id": clinic_id, "alert_ids": sorted(alert_ids)},
            )
        )
    return _store(rows)


# -- Cancelling what no longer applies ----------------------------------------------------


def moot_reminders_cancel(*, now: datetime) -> int:
    """Cancel pending nudges whose session was logged done after all, check-in reminders
    whose week got its check-in, and red-flag emails whose alert was acknowledged. A row a
    dispatcher already claimed is left to be sent: the update only touches pending rows."""
    moot: list[int] = []
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING)
    nudges = pending.filter(kind=Reminder.Kind.MISSED_NUDGE).values_list(
        "id", "program_id", "session_date"
    )
    for reminder_id, program_id, day in nudges:
        if (
            day is not None
            and SessionLog.objects.filter(
                session__program_id=program_id, session__date=day, status__in=DONE_STATUSES
            ).exists()
        ):
            moot.append(reminder_id)
    check_ins = pending.filter(kind=Reminder.Kind.CHECK_IN_DUE).select_related("program")
    for reminder in check_ins:
        if (
            reminder.program is not None
            and reminder.session_date is not None
            and _week_checked_in(reminder.program, reminder.session_date)
        ):
            moot.append(reminder.id)
    red_flags = pending.filter(kind=Reminder.Kind.RED_FLAG_STAFF).values_list("id", "context")
    acknowledged = set(
        Alert.objects.filter(
            id__in=[context.get("alert_id") for _, context in red_flags],
            acknowledged_at__isnull=False,
        ).values_list("id", flat=True)
    )
    moot += [rid for rid, context in red_flags if context.get("alert_id") in acknowledged]
    if not moot:
        return 0
    return Reminder.objects.filter(id__in=moot, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, updated_at=now
    )


# -- The sweep ----------------------------------------------------------------------------


def _followed_programs() -> list[Program]:
    return list(
        Program.objects.filter(status__in=FOLLOWED)
        .exclude(patient__status__in=(Patient.Status.DISCHARGED, Patient.Status.ARCHIVED))
        .select_related("patient")
        .order_by("id")
    )


def notifications_sweep(now: datetime | None = None) -> SweepResult:
    """Make every nudge, check-in reminder and digest due by ``now``, repair red-flag emails
    a lost signal left unmade, and cancel what no longer applies. Idempotent: run it every
    few minutes (``SWEEP_MINUTES``); a second run, or two at once, add nothing."""
    now = now or timezone.now()
    programs = _followed_programs()
    recent_red_flags = Alert.objects.filter(
        kind__in=URGENT_KINDS,
        acknowledged_at__isnull=True,
        created_at__gt=now - RED_FLAG_WINDOW,
    ).values_list("id", flat=True)
    red_flags = sum(red_flag_notify(alert_id=alert_id, now=now) for alert_id in recent_red_flags)
    return SweepResult(
        nudges=missed_nudges_create(now=now, programs=programs),
        check_ins=check_ins_due_create(now=now, programs=programs),
        digests=alert_digests_create(now=now),
        red_flags=red_flags,
        cancelled=moot_reminders_cancel(now=now),
    )
