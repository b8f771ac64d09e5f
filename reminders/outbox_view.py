"""The staff's view of the outbox: is anything stuck, late or failing?

One aggregate query over the outbox, shared by ``manage.py outbox`` and the summary above the
admin's reminder list, so both always say the same thing:

- pending: rows not yet taken by a dispatcher, whenever they are due;
- due now: pending rows whose time has come and whose grace window is still open, what the
  next dispatch will send;
- late: rows still unsent (pending, claimed or being sent) more than ``late_after`` past their
  due time, a dispatcher or worker falling behind or down; it includes rows past their grace
  window that the dispatcher has not yet marked expired;
- failed and expired: rows that ended so, among those due in the last ``recent`` hours;
- the oldest due: how long the longest-waiting unsent due row has waited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from reminders.models import Reminder

Status = Reminder.Status
UNSENT = (Status.PENDING, Status.CLAIMED, Status.SENDING)
RECENT_DEFAULT = timedelta(hours=24)


def late_after_default() -> timedelta:
    """Two dispatch intervals: one missed beat is not yet late, two are."""
    return timedelta(seconds=2 * settings.REMINDERS_DISPATCH_SECONDS)


@dataclass(frozen=True)
class OutboxSummary:
    now: datetime
    pending: int
    due_now: int
    late: int
    failed: int
    expired: int
    oldest_due_at: datetime | None
    recent: timedelta
    late_after: timedelta

    @property
    def oldest_due_age(self) -> timedelta | None:
        """How long the oldest unsent due reminder has been due; None when none is."""
        if self.oldest_due_at is None:
            return None
        return max(self.now - self.oldest_due_at, timedelta(0))


def due_now_filter(now: datetime) -> Q:
    return Q(status=Status.PENDING, due_at__lte=now, not_after__gt=now)


def late_filter(now: datetime, late_after: timedelta) -> Q:
    return Q(status__in=UNSENT, due_at__lt=now - late_after)


def outbox_summary(
    *,
    now: datetime | None = None,
    recent: timedelta = RECENT_DEFAULT,
    late_after: timedelta | None = None,
) -> OutboxSummary:
    now = now or timezone.now()
    late_after = late_after if late_after is not None else late_after_default()
    recently_due = Q(due_at__gt=now - recent, due_at__lte=now)
    unsent_due = Q(status__in=UNSENT, due_at__lte=now)
    counts = Reminder.objects.aggregate(
        pending=Count("id", filter=Q(status=Status.PENDING)),
        due_now=Count("id", filter=due_now_filter(now)),
        late=Count("id", filter=late_filter(now, late_after)),
        failed=Count("id", filter=Q(status=Status.FAILED) & recently_due),
        expired=Count("id", filter=Q(status=Status.EXPIRED) & recently_due),
        oldest_due_at=Min("due_at", filter=unsent_due),
    )
    # The aggregate's names are the summary's fields.
    return OutboxSummary(now=now, recent=recent, late_after=late_after, **counts)


def duration(value: timedelta | None) -> str:
    """3 s, 4 min 10 s, 2 h, 3 d 4 h: an age a person reads at a glance (two units at most,
    the smaller left out when it is zero)."""
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")]
    first = next((index for index, (amount, _) in enumerate(units) if amount), len(units) - 1)
    shown = [f"{amount} {unit}" for amount, unit in units[first : first + 2] if amount]
    return " ".join(shown) or "0 s"


def summary_lines(summary: OutboxSummary) -> list[tuple[str, str, str]]:
    """(label, value, note) rows, in the order the command and the admin show them."""
    recent = duration(summary.recent)
    return [
        ("pending", str(summary.pending), "not yet taken by a dispatcher"),
        ("due now", str(summary.due_now), "for the next dispatch"),
        ("late", str(summary.late), f"unsent {duration(summary.late_after)} past due"),
        ("failed", str(summary.failed), f"due in the last {recent}"),
        ("expired", str(summary.expired), f"due in the last {recent}, never sent"),
        ("oldest due", duration(summary.oldest_due_age), "waiting, unsent"),
    ]
