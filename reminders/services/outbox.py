"""The outbox of session reminders, kept in step with the programs.

``outbox_sync_program`` makes a program's pending session reminders match its sessions for
the rolling horizon (``REMINDERS_HORIZON_DAYS`` from the patient's today): one row per
(program, session date, contact, channel, lead) for every contact whose channel is ready
(enabled, verified, consented, not suppressed, contact not paused). Rows no longer wanted
are cancelled; rows a dispatcher already claimed, is sending or sent are never touched.
``outbox_sweep`` runs the same for every program that may need it: it repairs whatever a
missed signal left, and rolls the horizon forward a day at a time.

Times: a session starts at its date and ``Program.session_time`` in the patient's zone. The
evening-before lead is the previous local date at the lead's wall time; "N minutes before"
is the start minus N minutes. Each row keeps the zone and the local wall time, and
``due_at`` is that wall time in UTC for that one date, so 17:00 stays 17:00 across a clock
change. A wall time that does not exist (02:30 on a spring-forward day) moves forward to
the first time that does (03:00); an ambiguous one (01:30 on a fall-back day) is the first
of the two (fold=0). A text message due in the contact's quiet hours moves to their end, or
is not sent at all when that is not before the session starts. ``not_after`` ends the grace
window and is never after the session's start.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import Patient, PlannedSession, Program
from programs.services.common import local_today
from reminders.messages import clock
from reminders.models import QUIET_CHANNELS, Channel, Contact, PushSubscription, Reminder
from reminders.selectors import (
    push_subscriptions_of,
    ready_channels,
    ready_push_subscriptions,
    suppressed_addresses,
    suppressed_endpoints,
    with_details,
)
from reminders.services.contacts import clean_lead_times, lead_label

logger = logging.getLogger(__name__)

# Programs whose sessions are reminded: a paused program (a clinician holds it, often after
# a red flag) and a draft or discharged one are not.
REMINDED_STATUSES = (
    Program.Status.ACTIVE,
    Program.Status.MAINTENANCE,
    Program.Status.TAPERING,
)
# Programs the sweep visits even with no pending reminder: they may gain or lose some.
SWEPT_STATUSES = (*REMINDED_STATUSES, Program.Status.PAUSED)
CLOSED_PATIENT_STATUSES = (Patient.Status.DISCHARGED, Patient.Status.ARCHIVED)
SWEEP_BATCH = 200

# The row fields that follow from the program, the contact and the clock.
TIME_FIELDS = (
    "time_zone",
    "local_date",
    "local_time",
    "due_at",
    "not_after",
    "session_starts_at",
)


# ---------------------------------------------------------------------------------------------
# Wall-clock arithmetic


def _exists(moment: datetime) -> bool:
    """Whether an aware local ``moment`` names a wall time that happens in its zone."""
    zone = moment.tzinfo
    assert zone is not None
    back = moment.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def wall_clock(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``wall`` in ``zone``, as an aware datetime in that zone.

    Ambiguous wall times (clocks going back) are the first occurrence (fold=0). A wall time
    in a gap (clocks going forward) becomes the first valid time after it: 02:30 on the
    spring-forward day in New York is 03:00 EDT.
    """
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    local = naive.replace(tzinfo=zone, fold=0)
    if _exists(local):
        return local
    # Inside the gap, fold=1 reads the wall time with the offset after the change (an instant
    # before the change) and fold=0 with the offset before it (an instant after the change):
    # the change lies between. Search whole minutes for the first instant whose wall time
    # has reached ``naive``.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = local.astimezone(UTC)
    lo, hi = 0, int((high - low).total_seconds() // 60)
    while lo < hi:
        middle = (lo + hi) // 2
        if (low + timedelta(minutes=middle)).astimezone(zone).replace(tzinfo=None) >= naive:
            hi = middle
        else:
            lo = middle + 1
    return (low + timedelta(minutes=lo)).astimezone(zone)


def in_quiet_hours(wall: time, start: time, end: time) -> bool:
    """Whether ``wall`` falls in the quiet hours from ``start`` to ``end`` (which may span
    midnight); equal start and end mean no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def quiet_hours_end(local: datetime, start: time, end: time) -> datetime:
    """The end of the quiet hours that ``local`` falls in, as an aware local datetime."""
    zone = local.tzinfo
    assert isinstance(zone, ZoneInfo)
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)
    return wall_clock(day, end, zone)


@dataclass(frozen=True)
class Timing:
    """When one reminder is due, in the recipient's zone and in UTC."""

    time_zone: str
    local_date: date
    local_time: time
    due_at: datetime
    not_after: datetime
    session_starts_at: datetime

    def as_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TIME_FIELDS}


def reminder_timing(
    *,
    session_date: date,
    session_time: time,
    zone_name: str,
    lead: Mapping[str, Any],
    channel: str,
    quiet_start: time,
    quiet_end: time,
    grace: timedelta,
) -> Timing | None:
    """When the reminder of ``lead`` for a session is due; None when it would not come
    before the session starts (a text message pushed past the start by quiet hours)."""
    zone = ZoneInfo(zone_name)
    starts = wall_clock(session_date, session_time, zone)
    if lead["kind"] == "evening_before":
        due = wall_clock(session_date - timedelta(days=1), time.fromisoformat(lead["at"]), zone)
    else:
        due = (starts.astimezone(UTC) - timedelta(minutes=int(lead["minutes"]))).astimezone(zone)
    if channel in QUIET_CHANNELS and in_quiet_hours(due.time(), quiet_start, quiet_end):
        due = quiet_hours_end(due, quiet_start, quiet_end)
    starts_utc = starts.astimezone(UTC)
    due_utc = due.astimezone(UTC)
    if due_utc >= starts_utc:
        return None
    return Timing(
        time_zone=zone_name,
        local_date=due.date(),
        local_time=due.time().replace(tzinfo=None),
        due_at=due_utc,
        not_after=min(due_utc + grace, starts_utc),
        session_starts_at=starts_utc,
    )


def idempotency_key(
    *,
    program_id: int,
    session_date: date,
    contact_id: int,
    channel: str,
    lead: str,
    device: int | None = None,
) -> str:
    """The same for the same reminder however often it is planned: the outbox's unique key
    and the key passed to the provider. A push reminder names its device (subscription)."""
    where = channel if device is None else f"{channel}.{device}"
    return f"s:{program_id}:{session_date.isoformat()}:{contact_id}:{where}:{lead}"


# ---------------------------------------------------------------------------------------------
# The sync


@dataclass
class SyncResult:
    """What a sync changed: rows created (attempted; a concurrent sync may have won some),
    re-timed, revived from cancelled, and cancelled."""

    created: int = 0
    updated: int = 0
    revived: int = 0
    cancelled: int = 0
    programs: int = 0

    def __iadd__(self, other: SyncResult) -> SyncResult:
        self.created += other.created
        self.updated += other.updated
        self.revived += other.revived
        self.cancelled += other.cancelled
        self.programs += other.programs
        return self


@dataclass(frozen=True)
class _Wanted:
    program_id: int
    session_date: date
    contact_id: int
    channel: str
    lead: str
    timing: Timing
    late: bool
    device: int | None = None  # push: the subscription's id

    @property
    def key(self) -> str:
        return idempotency_key(
            program_id=self.program_id,
            session_date=self.session_date,
            contact_id=self.contact_id,
            channel=self.channel,
            lead=self.lead,
            device=self.device,
        )


@dataclass
class _Window:
    program: Program
    first: date
    horizon_end: date  # exclusive: rows are created for session dates before it
    reminded: bool
    last: date = field(init=False)  # exclusive: existing rows are checked up to it

    def __post_init__(self) -> None:
        self.last = self.horizon_end


def _window(program: Program, from_date: date | None, now: datetime) -> _Window:
    patient = program.patient
    today = local_today(patient, now)
    reminded = program.status in REMINDED_STATUSES and patient.status not in CLOSED_PATIENT_STATUSES
    # A program no longer reminded loses every pending reminder from today, whatever date
    # the change was announced from.
    first = today if from_date is None or not reminded else max(today, from_date)
    horizon_end = today + timedelta(days=settings.REMINDERS_HORIZON_DAYS)
    return _Window(program=program, first=first, horizon_end=horizon_end, reminded=reminded)


def _usable_leads(contact: Contact) -> list[dict[str, Any]]:
    """The contact's lead times as the services store them. Lead times saved some other way
    (an operator's edit in the admin) that do not check out are left out, and logged, rather
    than stopping every other reminder of the program."""
    try:
        return clean_lead_times(contact.lead_times)
    except ValidationError as error:
        logger.warning("contact %s has lead times we cannot use: %s", contact.pk, error)
        return []


def _wanted(
    windows: Iterable[_Window],
    sessions: Mapping[int, list[date]],
    contacts: Mapping[int, list[Contact]],
    suppressed: set[tuple[str, str]],
    devices: Mapping[int, list[PushSubscription]],
    now: datetime,
) -> dict[str, _Wanted]:
    grace = timedelta(minutes=settings.REMINDERS_GRACE_MINUTES)
    wanted: dict[str, _Wanted] = {}
    for window in windows:
        if not window.reminded:
            continue
        program = window.program
        patient = program.patient
        recipients: list[tuple[Contact, str, int | None]] = [
            (contact, channel, None)
            for contact in contacts.get(patient.id, [])
            for channel in ready_channels(contact, suppressed)
        ]
        recipients += [
            (contact, Channel.PUSH, device.pk)
            for contact in contacts.get(patient.id, [])
            for device in ready_push_subscriptions(contact, devices.get(contact.pk, []), suppressed)
        ]
        for session_date in sessions.get(program.id, []):
            minor = patient.is_minor_on(session_date)
            for contact, channel, device in recipients:
                # Guardians are reminded while the patient is a minor; an adult's own.
                if contact.role == Contact.Role.GUARDIAN and not minor:
                    continue
                # Two leads pushed to the same moment by quiet hours make one message.
                due_times: set[datetime] = set()
                for lead in _usable_leads(contact):
                    timing = reminder_timing(
                        session_date=session_date,
                        session_time=program.session_time,
                        zone_name=patient.time_zone,
                        lead=lead,
                        channel=channel,
                        quiet_start=contact.quiet_start,
                        quiet_end=contact.quiet_end,
                        grace=grace,
                    )
                    if timing is None or timing.due_at in due_times:
                        continue
                    due_times.add(timing.due_at)
                    item = _Wanted(
                        program_id=program.id,
                        session_date=session_date,
                        contact_id=contact.id,
                        channel=channel,
                        lead=lead_label(lead),
                        timing=timing,
                        late=timing.not_after <= now,
                        device=device,
                    )
                    wanted[item.key] = item
    return wanted


def _sync(programs: list[Program], from_dates: Mapping[int, date | None]) -> SyncResult:
    """Make the session reminders of ``programs`` (locked by the caller) match them."""
    result = SyncResult(programs=len(programs))
    if not programs:
        return result
    now = timezone.now()
    windows = {p.id: _window(p, from_dates.get(p.id), now) for p in programs}

    existing_by_program: dict[int, list[Any]] = defaultdict(list)
    for row in Reminder.objects.filter(
        kind=Reminder.Kind.SESSION,
        program_id__in=windows,
        session_date__gte=min(w.first for w in windows.values()),
    ).values_list("id", "program_id", "session_date", "status", "idempotency_key", *TIME_FIELDS):
        window = windows[row[1]]
        if row[2] >= window.first:
            existing_by_program[row[1]].append(row)
            if row[3] == Reminder.Status.PENDING and row[2] >= window.last:
                # A pending row past the horizon (a horizon since shortened) is checked too.
                window.last = row[2] + timedelta(days=1)

    reminded = [w for w in windows.values() if w.reminded]
    sessions: dict[int, list[date]] = defaultdict(list)
    contacts: dict[int, list[Contact]] = defaultdict(list)
    if reminded:
        session_filter = Q()
        for window in reminded:
            session_filter |= Q(program_id=window.program.id, date__gte=window.first) & Q(
                date__lt=window.last
            )
        for program_id, session_date in (
            PlannedSession.objects.filter(session_filter)
            .order_by("program_id", "date")
            .values_list("program_id", "date")
        ):
            sessions[program_id].append(session_date)
        patient_ids = {window.program.patient_id for window in reminded}
        found = list(with_details(Contact.objects.filter(patient_id__in=patient_ids)))
        for contact in found:
            contacts[contact.patient_id].append(contact)
        devices = push_subscriptions_of(found)
        suppressed = suppressed_addresses(found) | suppressed_endpoints(
            device for group in devices.values() for device in group
        )
    else:
        suppressed, devices = set(), {}
    wanted = _wanted(reminded, sessions, contacts, suppressed, devices, now)

    to_create: list[Reminder] = []
    to_cancel: list[int] = []
    seen: set[str] = set()
    for program_id, rows in existing_by_program.items():
        horizon_end = windows[program_id].horizon_end
        for row in rows:
            row_id, _program, session_date, status, key = row[:5]
            current = dict(zip(TIME_FIELDS, row[5:], strict=True))
            seen.add(key)
            item = wanted.get(key)
            if status == Reminder.Status.PENDING:
                if item is None:
                    to_cancel.append(row_id)
                elif current != item.timing.as_fields():
                    result.updated += Reminder.objects.filter(
                        pk=row_id, status=Reminder.Status.PENDING
                    ).update(**item.timing.as_fields(), updated_at=now)
            elif (
                status == Reminder.Status.CANCELLED
                and item is not None
                and not item.late
                and session_date < horizon_end
            ):
                # Wanted again (a contact resumed, a session came back): the row is revived,
                # since the unique constraint allows one row per reminder.
                result.revived += Reminder.objects.filter(
                    pk=row_id, status=Reminder.Status.CANCELLED
                ).update(
                    **item.timing.as_fields(),
                    status=Reminder.Status.PENDING,
                    attempts=0,
                    lease_expires_at=None,
                    last_error="",
                    updated_at=now,
                )
    for key, item in wanted.items():
        if key in seen or item.late or item.session_date >= windows[item.program_id].horizon_end:
            continue
        to_create.append(
            Reminder(
                kind=Reminder.Kind.SESSION,
                channel=item.channel,
                contact_id=item.contact_id,
                program_id=item.program_id,
                session_date=item.session_date,
                lead=item.lead,
                push_subscription_id=item.device,
                idempotency_key=key,
                **item.timing.as_fields(),
            )
        )
    if to_create:
        Reminder.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=1000)
        result.created = len(to_create)
    if to_cancel:
        result.cancelled = Reminder.objects.filter(
            pk__in=to_cancel, status=Reminder.Status.PENDING
        ).update(status=Reminder.Status.CANCELLED, lease_expires_at=None, updated_at=now)
    return result


def _locked_programs(ids: Iterable[int], *, skip_locked: bool = False) -> list[Program]:
    return list(
        Program.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("patient")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )


def outbox_sync_program(program_id: int, from_date: date | None = None) -> SyncResult:
    """Make the outbox match program ``program_id`` from ``from_date`` (the patient's today
    when None or earlier) to the end of the horizon. Safe to run any number of times, at
    the same time as others: the program row is locked while it runs."""
    with transaction.atomic():
        return _sync(_locked_programs([program_id]), {program_id: from_date})


def _programs_to_visit(patient_id: int | None = None) -> list[int]:
    """Programs that may need their reminders changed: those reminded or paused, and any
    other that still has a pending session reminder (a discharge whose signal was lost)."""
    programs = Program.objects.all()
    pending = Reminder.objects.filter(kind=Reminder.Kind.SESSION, status=Reminder.Status.PENDING)
    if patient_id is not None:
        programs = programs.filter(patient_id=patient_id)
        pending = pending.filter(program__patient_id=patient_id)
    swept = set(programs.filter(status__in=SWEPT_STATUSES).values_list("id", flat=True))
    stale = set(
        pending.exclude(program__status__in=SWEPT_STATUSES)
        .exclude(program__isnull=True)
        .values_list("program_id", flat=True)
        .distinct()
    )
    return sorted(swept | {program_id for program_id in stale if program_id is not None})


def outbox_sync_patient(patient_id: int) -> SyncResult:
    """Sync every program of a patient that may need it: after a change to their contacts,
    consents, preferences, suppressions, time zone or date of birth."""
    result = SyncResult()
    for program_id in _programs_to_visit(patient_id):
        result += outbox_sync_program(program_id)
    return result


def outbox_sweep(*, batch_size: int = SWEEP_BATCH) -> SyncResult:
    """Sync every program that may need it, a batch at a time (a handful of queries per
    batch). A program locked by a change in progress is skipped: that change announces
    itself when it commits. For a periodic task: safe to run at any time, and twice."""
    result = SyncResult()
    ids = _programs_to_visit()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        with transaction.atomic():
            programs = _locked_programs(chunk, skip_locked=True)
            result += _sync(programs, {})
    logger.info(
        "outbox sweep: %d programs, %d created, %d re-timed, %d revived, %d cancelled",
        result.programs,
        result.created,
        result.updated,
        result.revived,
        result.cancelled,
    )
    return result


# ---------------------------------------------------------------------------------------------
# What quiet hours do to a contact's reminder times


@dataclass(frozen=True)
class QuietHoursNotice:
    """A text message that the contact's quiet hours move: when it is asked for (``due``,
    local), when it really comes (``arrives``, local; None: not at all, since that would be
    after the session starts), and a sentence that says so."""

    lead: str
    due: time
    arrives: time | None
    next_day: bool
    message: str


def _session_time_of(patient: Patient) -> time | None:
    program = (
        Program.objects.filter(patient=patient, status__in=SWEPT_STATUSES)
        .order_by("-id")
        .values_list("session_time", flat=True)
        .first()
    )
    return program


def quiet_hours_notices(contact: Contact, *, now: datetime | None = None) -> list[QuietHoursNotice]:
    """Which of ``contact``'s text reminders quiet hours move, and to when: the same
    arithmetic the outbox plans with (``reminder_timing``), for the patient's next day, at
    their program's session time. The dispatcher sends a row at its due time and never
    inside quiet hours, so what the outbox plans is when the text arrives.

    Only texts: email ignores quiet hours. A "before the session" lead needs the session's
    time, so without a program only the evening lead is told about (and then never as "not
    sent", which depends on when the session is)."""
    if not contact.phone or not contact.sms_enabled or contact.paused:
        return []
    start, end = contact.quiet_start, contact.quiet_end
    if start == end:
        return []
    patient = contact.patient
    session_time = _session_time_of(patient)
    day = local_today(patient, now) + timedelta(days=1)
    grace = timedelta(minutes=settings.REMINDERS_GRACE_MINUTES)
    hours = {"start": clock(start), "end": clock(end)}
    notices: list[QuietHoursNotice] = []
    due_times: set[datetime] = set()
    for lead in _usable_leads(contact):
        if session_time is None and lead["kind"] != "evening_before":
            continue
        timing = partial(
            reminder_timing,
            session_date=day,
            # Without a program, the latest session time: never claims a text will not come.
            session_time=session_time or time(23, 59),
            zone_name=patient.time_zone,
            lead=lead,
            channel=Channel.SMS,
            grace=grace,
        )
        asked = timing(quiet_start=start, quiet_end=start)  # as if there were no quiet hours
        planned = timing(quiet_start=start, quiet_end=end)
        if asked is None:
            continue
        wanted = asked.local_time
        values = {**hours, "due": clock(wanted)}
        if planned is None:
            starts = asked.session_starts_at.astimezone(ZoneInfo(patient.time_zone)).time()
            values["session"] = clock(starts)
            text = _(
                "Quiet hours are %(start)s to %(end)s: the text due at %(due)s would come "
                "after the session starts (%(session)s), so it will not be sent."
            )
            notices.append(QuietHoursNotice(lead_label(lead), wanted, None, False, text % values))
            continue
        moved = planned.due_at != asked.due_at
        merged = planned.due_at in due_times
        due_times.add(planned.due_at)
        if not moved:
            continue
        next_day = planned.local_date > asked.local_date
        values["arrives"] = clock(planned.local_time)
        if merged:
            text = _(
                "Quiet hours are %(start)s to %(end)s: the text due at %(due)s moves to "
                "%(arrives)s, when another one comes, so you get one text then."
            )
        elif next_day:
            text = _(
                "Quiet hours are %(start)s to %(end)s: the text due at %(due)s will arrive at "
                "%(arrives)s the next day instead."
            )
        else:
            text = _(
                "Quiet hours are %(start)s to %(end)s: the text due at %(due)s will arrive at "
                "%(arrives)s instead."
            )
        notices.append(
            QuietHoursNotice(lead_label(lead), wanted, planned.local_time, next_day, text % values)
        )
    return notices
