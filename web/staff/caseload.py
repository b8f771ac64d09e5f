"""The caseload: every patient the user manages, one row each from ``selectors.caseload`` (a
fixed number of queries however many patients), sortable and filterable by GET parameters so
it works without JavaScript. Patients with an open alert for thoughts of self-harm come first
whatever the sort. Every patient shown leaves an audit event (one insert for them all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planner import AlertKind
from programs import selectors
from programs.models import Alert, Patient
from programs.selectors import CaseloadRow
from programs.services.common import audit_reads
from web.access import WebRequest, staff_page
from web.labels import ALERT_KINDS, PATIENT_STATUSES, PHASES, PROGRAM_STATUSES, word
from web.staff.forms import CaseloadFilterForm


def _by_name(row: CaseloadRow) -> tuple[str, str, int]:
    return (row.patient.last_name.lower(), row.patient.first_name.lower(), row.patient.pk)


# The value each column sorts by, and the direction a first click sorts in: the rows that
# need a look first (low adherence, longest without activity, FDI getting worse, most alerts).
SORT_KEYS: dict[str, Callable[[CaseloadRow], Any]] = {
    "name": _by_name,
    "adherence": lambda row: row.adherence,
    "last_activity": lambda row: row.last_activity,
    "fdi_change": lambda row: row.fdi_change,
    "open_alerts": lambda row: row.open_alerts,
}
FIRST_DESCENDING = {"fdi_change", "open_alerts"}


def sorted_rows(rows: list[CaseloadRow], sort: str) -> list[CaseloadRow]:
    """Rows by ``sort`` ("name", "-adherence", ...); rows without a value come last, by name."""
    descending = sort.startswith("-")
    key = SORT_KEYS[sort.removeprefix("-")]
    known = sorted((row for row in rows if key(row) is not None), key=_by_name)
    known.sort(key=key, reverse=descending)
    unknown = sorted((row for row in rows if key(row) is None), key=_by_name)
    return known + unknown


def _status_matches(row: CaseloadRow, status: str) -> bool:
    if not status:
        return True
    if status == "none":
        return row.program is None
    return row.program is not None and row.program.status == status


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool
    aria_sort: str  # "ascending", "descending" or "" when the table is not sorted by it
    url: str
    next_direction: str


@dataclass(frozen=True)
class Row:
    row: CaseloadRow
    phase: str
    status: str
    patient_status: str  # "Relapse watch after discharge", or "" for a patient in treatment
    adherence_percent: int | None
    fdi_direction: str  # "better", "worse", "same" or ""
    fdi_words: str
    alert_kinds: list[tuple[str, str]]  # (kind, words), the most serious first
    has_red_flag: bool
    has_self_harm: bool
    url: str
    week: str  # "week 3", or "" before the first session
    sessions: str  # "(13 of 14)"


def _fdi_words(change: int | None) -> tuple[str, str]:
    # Lower FDI is better: a fall is an improvement.
    if change is None:
        return "", ""
    if change < 0:
        return "better", ngettext(
            "%(points)d point lower (better)", "%(points)d points lower (better)", -change
        ) % {"points": -change}
    if change > 0:
        return "worse", ngettext(
            "%(points)d point higher (worse)", "%(points)d points higher (worse)", change
        ) % {"points": change}
    return "same", _("no change")


def _shown(row: CaseloadRow) -> Row:
    direction, words = _fdi_words(row.fdi_change)
    kinds = sorted(row.open_alert_kinds, key=lambda kind: -Alert.SEVERITY.get(kind, 0))
    return Row(
        row=row,
        phase=word(PHASES, row.phase),
        status=word(PROGRAM_STATUSES, row.program.status) if row.program else "",
        patient_status=(
            word(PATIENT_STATUSES, row.patient.status)
            if row.patient.status != Patient.Status.ACTIVE
            else ""
        ),
        adherence_percent=round(row.adherence * 100) if row.adherence is not None else None,
        fdi_direction=direction,
        fdi_words=words,
        alert_kinds=[(kind, word(ALERT_KINDS, kind)) for kind in kinds],
        has_red_flag=AlertKind.RED_FLAG.value in row.open_alert_kinds,
        has_self_harm=AlertKind.SELF_HARM.value in row.open_alert_kinds,
        url=reverse("web:patient", kwargs={"patient_id": row.patient.pk}),
        week=_("week %(number)d") % {"number": row.week} if row.week else "",
        sessions=_("(%(done)d of %(planned)d)")
        % {"done": row.sessions_done, "planned": row.sessions_planned},
    )


def _columns(chosen: dict[str, Any], sort: str) -> list[Column]:
    labels = {
        "name": _("Patient"),
        "adherence": _("Adherence (14 days)"),
        "last_activity": _("Last activity"),
        "fdi_change": _("FDI change"),
        "open_alerts": _("Open alerts"),
    }
    params = {name: value for name, value in chosen.items() if value and name != "sort"}
    if params.get("alerts"):
        params["alerts"] = "on"
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    columns = []
    for key, label in labels.items():
        if key == current:
            aria = "descending" if descending else "ascending"
            flip = not descending
        else:
            aria = ""
            flip = key in FIRST_DESCENDING
        query = urlencode({**params, "sort": f"-{key}" if flip else key})
        columns.append(
            Column(
                key=key,
                label=label,
                numeric=key in {"adherence", "fdi_change", "open_alerts"},
                aria_sort=aria,
                url=f"?{query}",
                next_direction=_("descending") if flip else _("ascending"),
            )
        )
    return columns


@staff_page
def caseload(request: WebRequest) -> HttpResponse:
    form = CaseloadFilterForm(request.GET)
    chosen = form.chosen()
    sort = chosen.get("sort") or "name"
    patients = selectors.caseload_patients(
        request.user,
        search=chosen.get("q") or "",
        mine=chosen.get("scope") == "mine",
        with_open_alerts=bool(chosen.get("alerts")),
    )
    rows = selectors.caseload(request.user, patients)
    status = chosen.get("status") or ""
    rows = [row for row in rows if _status_matches(row, status)]
    rows = selectors.self_harm_first(sorted_rows(rows, sort))
    audit_reads(actor=request.user, patients=[row.patient for row in rows], what="caseload page")
    filtered = any(chosen.get(name) for name in ("q", "alerts", "status")) or (
        chosen.get("scope") == "mine"
    )
    return render(
        request,
        "web/staff/caseload.html",
        {
            "form": form,
            "rows": [_shown(row) for row in rows],
            "any_self_harm": any(AlertKind.SELF_HARM.value in row.open_alert_kinds for row in rows),
            "columns": _columns(chosen, sort),
            "sort": sort,
            "filtered": filtered,
        },
    )
