"""The time zones a person may choose: real places, by their IANA names, and UTC.

``zoneinfo.available_timezones()`` also offers names that are not places: ``localtime`` (the
server's own zone), ``Factory`` (a placeholder with no offset), the POSIX-style rules
(``EST5EDT``, ``CST6CDT``, ``EST``, ``MST``, ``HST``), the ``Etc/GMT+5`` offsets with their
inverted signs, and old aliases (``US/Eastern``, ``Asia/Calcutta``). Each would plan a
child's sessions on the wrong day or the wrong hour somewhere, some of them only after a
clock change. So a zone is accepted only when tzdata lists it for a country (zone.tab and
zone1970.tab, read from the locked ``tzdata`` package so every server agrees), or is UTC.
An old alias is answered with the name it stands for.
"""

from __future__ import annotations

import functools
from importlib.resources import files

from django.utils.translation import gettext as _

UTC_NAME = "UTC"
EXAMPLE = "America/New_York"


def _tzdata_text(name: str) -> str:
    return files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@functools.cache
def place_zones() -> frozenset[str]:
    """Every zone tzdata lists for a country, and UTC."""
    names = {UTC_NAME}
    for table in ("zone.tab", "zone1970.tab"):
        for line in _tzdata_text(table).splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    return frozenset(names)


@functools.cache
def _links() -> dict[str, str]:
    """Old or alternative names (tzdata's links, "L TARGET NAME") to what they stand for."""
    links: dict[str, str] = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            links[name] = target
    return links


@functools.cache
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in place_zones()}


def suggested_zone(value: str) -> str | None:
    """The accepted name someone typing ``value`` most likely meant, if there is one."""
    typed = value.strip()
    # Only a place-like alias (Area/Location) is answered with its target: "EST" is a link
    # to America/Panama, which is not what anyone typing EST means.
    target = _links().get(typed, typed) if "/" in typed else None
    if target == "Etc/UTC":
        return UTC_NAME
    if target in place_zones():
        return target
    return _by_folded_name().get(typed.casefold())


def time_zone_problem(value: object) -> str | None:
    """Why ``value`` is not a time zone we accept, in words for the person who typed it."""
    if isinstance(value, str) and value in place_zones():
        return None
    shown = value if isinstance(value, str) else ""
    suggestion = suggested_zone(shown) if shown else None
    if suggestion is not None:
        return _("“%(value)s” is an old or differently written name: use %(suggestion)s.") % {
            "value": shown,
            "suggestion": suggestion,
        }
    return _(
        "Choose the time zone of a place, by its IANA name, such as %(example)s or "
        "Europe/London (or UTC)."
    ) % {"example": EXAMPLE}
