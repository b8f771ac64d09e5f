"""Times on the web pages, in the zone of the people they are for.

Times are stored in UTC. Staff pages show them in the clinic's zone: ``staff_page`` activates
it for the whole request (``django.utils.timezone.override``), so every ``|date`` and every
``{% when %}`` follows it without each template having to remember, and the page says which
zone it is. How a date or a time is written is the clinic's locale's (web.locale,
config/formats/): templates and code name a format ("WEEKDAY_DATE_FORMAT", "TIME_FORMAT"),
never its letters. A time about what the patient did (a session logged, a check-in sent) is shown in
the patient's own zone, and named when it differs from the page's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from programs.models import StaffMembership
from web.locale import page_locale

DEFAULT_ZONE = "America/New_York"


def zone_place(zone: str) -> str:
    """The place a zone is named after: "America/New_York" is "New York"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def staff_zone(memberships: list[StaffMembership]) -> str:
    """The zone a staff member's pages are shown in: their clinic's, or for someone at several
    clinics, the one they joined first (pages about one patient use that patient's clinic's)."""
    if not memberships:
        return DEFAULT_ZONE
    return min(memberships, key=lambda membership: membership.pk).clinic.time_zone


def staff_locale(memberships: list[StaffMembership]) -> str:
    """The locale a staff member's pages are written in: that same clinic's; "" for none."""
    if not memberships:
        return ""
    return min(memberships, key=lambda membership: membership.pk).clinic.locale


@contextmanager
def shown_in(zone: str, locale: str = "") -> Iterator[None]:
    """Render what runs inside in ``zone``, and written as ``locale`` (a clinic's) writes when
    given, in the request's words (web.locale.page_locale); else in the request's locale."""
    language = translation.override(page_locale(locale)) if locale else nullcontext()
    with timezone.override(ZoneInfo(zone)), language:
        yield


def when_text(value: datetime, zone: str = "") -> str:
    """``value`` as "Mar 4, 2026, 4:30 PM" (en-gb: "4 Mar 2026, 16:30") in the page's zone, or
    in ``zone`` when given, with the place added when that differs from the page's:
    "Mar 4, 2026, 3:30 PM (Chicago time)"."""
    page_zone = timezone.get_current_timezone_name()
    local = timezone.localtime(value, ZoneInfo(zone or page_zone))
    text = date_format(local, "DATETIME_FORMAT")
    if zone and zone != page_zone:
        text = _("%(when)s (%(place)s time)") % {"when": text, "place": zone_place(zone)}
    return text
