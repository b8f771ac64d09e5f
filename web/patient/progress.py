"""Progress: the goals in the patient's own words, then what they did against the plan (active
minutes and sessions, week by week and over the last 14 days), and the FDI over time.

Everything comes from ``programs.selectors.progress``, which leaves pain out on purpose: the
page leads with what the patient did and can do.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planner.fdi import FDI_ITEM_COUNT, FdiBand, fdi_band
from programs import selectors
from programs.selectors import Progress, WeekProgress
from web.access import WebRequest, patient_page
from web.charts import Band, Chart, Series

FDI_MAX = FDI_ITEM_COUNT * 4  # 15 items answered 0-4


def _band_words() -> dict[FdiBand, str]:
    # Plain words for a teenager; the clinical names are on the therapist's pages.
    return {
        FdiBand.NONE_OR_MINIMAL: _("Little or no difficulty"),
        FdiBand.MODERATE: _("Some difficulty"),
        FdiBand.SEVERE: _("A lot of difficulty"),
    }


def fdi_bands() -> list[Band]:
    """The FDI's bands as shaded ranges, their edges read from planner.fdi's own cut-offs.

    Each band reaches to the next one's first total, so the shading has no gaps; the label
    gives the whole-number totals it holds."""
    words = _band_words()
    groups = [
        (band, list(totals)) for band, totals in itertools.groupby(range(FDI_MAX + 1), key=fdi_band)
    ]
    bands = []
    for index, (band, totals) in enumerate(groups):
        high = groups[index + 1][1][0] if index + 1 < len(groups) else totals[-1]
        label = _("%(words)s (%(low)d-%(high)d)") % {
            "words": words[band],
            "low": totals[0],
            "high": totals[-1],
        }
        bands.append(Band(low=totals[0], high=high, label=label))
    return bands


@dataclass(frozen=True)
class Figure:
    """One headline number on the page: what it counts, and a friendly word about it."""

    label: str
    value: str
    note: str = ""


def _week_label(week: WeekProgress) -> str:
    return _("Week %(number)d") % {"number": week.week}


def _whole(value: float) -> int:
    return round(value)


def _headline_week(progress: Progress) -> tuple[WeekProgress, bool]:
    """The week the page talks about: the last full one, since the current week (the last in
    ``progress.weeks``, which stops at today) has barely begun on most days; the current one
    while it is the only one. True when it is the current week."""
    if len(progress.weeks) >= 2:
        return progress.weeks[-2], False
    return progress.weeks[-1], True


def _planned_against_done(
    weeks: list[WeekProgress],
    *,
    title: str,
    planned: Sequence[float],
    done: Sequence[float],
    unit: str,
    summary: str,
) -> Chart:
    """Week by week, what was planned beside what was done, in ``unit``."""
    return Chart(
        title=title,
        categories=[_week_label(week) for week in weeks],
        series=[
            Series(_("Planned"), planned, tone="planned"),
            Series(_("Done"), done, tone="done"),
        ],
        unit=unit,
        summary=summary,
    )


def minutes_chart(progress: Progress, *, is_self: bool, name: str) -> Chart:
    weeks = progress.weeks
    summary = ""
    if weeks:
        week, this_week = _headline_week(progress)
        values = {
            "done": _whole(week.done_minutes),
            "planned": _whole(week.planned_minutes),
            "name": name,
        }
        if this_week:
            summary = (
                _("This week so far you did %(done)d of %(planned)d planned minutes.")
                if is_self
                else _("This week so far %(name)s did %(done)d of %(planned)d planned minutes.")
            ) % values
        else:
            summary = (
                _("Last week you did %(done)d of %(planned)d planned minutes.")
                if is_self
                else _("Last week %(name)s did %(done)d of %(planned)d planned minutes.")
            ) % values
    return _planned_against_done(
        weeks,
        title=_("Active minutes each week"),
        planned=[week.planned_minutes for week in weeks],
        done=[week.done_minutes for week in weeks],
        unit=_("minutes"),
        summary=summary,
    )


def sessions_chart(progress: Progress) -> Chart:
    weeks = progress.weeks
    done = sum(week.sessions_done for week in weeks)
    planned = sum(week.sessions_planned for week in weeks)
    return _planned_against_done(
        weeks,
        title=_("Sessions done each week"),
        planned=[week.sessions_planned for week in weeks],
        done=[week.sessions_done for week in weeks],
        unit=_("sessions"),
        summary=_("%(done)d of %(planned)d planned sessions done so far.")
        % {"done": done, "planned": planned}
        if planned
        else "",
    )


def fdi_chart(progress: Progress, *, is_self: bool, name: str) -> Chart:
    scores = progress.fdi
    summary = ""
    if scores:
        first, latest = scores[0][1], scores[-1][1]
        values = {"latest": latest, "change": abs(latest - first), "name": name}
        if len(scores) == 1:
            summary = (
                _("Your score is %(latest)d. Each check-in adds a point to this chart.")
                if is_self
                else _("%(name)s's score is %(latest)d. Each check-in adds a point to this chart.")
            ) % values
        elif latest < first:
            summary = (
                _(
                    "Your latest score is %(latest)d, %(change)d lower than your first. "
                    "Lower is better: well done!"
                )
                if is_self
                else _(
                    "%(name)s's latest score is %(latest)d, %(change)d lower than the first. "
                    "Lower is better."
                )
            ) % values
        elif latest > first:
            summary = (
                _(
                    "Your latest score is %(latest)d, %(change)d higher than your first. "
                    "Scores go up and down; keep going."
                )
                if is_self
                else _(
                    "%(name)s's latest score is %(latest)d, %(change)d higher than the first. "
                    "Scores go up and down."
                )
            ) % values
        else:
            summary = (
                _("Your latest score is %(latest)d, the same as your first.")
                if is_self
                else _("%(name)s's latest score is %(latest)d, the same as the first.")
            ) % values
    return Chart(
        title=_("Everyday activities score (lower is better)"),
        categories=[date_format(day, "SHORT_MONTH_DAY_FORMAT") for day, _total in scores],
        series=[
            Series(
                _("Score") if is_self else _("%(name)s's score") % {"name": name},
                [total for _day, total in scores],
                kind="line",
                tone="line",
            )
        ],
        unit=_("points"),
        summary=summary,
        y_min=0,
        y_max=FDI_MAX,
        bands=fdi_bands(),
        lower_is_better=True,
    )


def _recent_note(done: int, planned: int, *, is_self: bool) -> str:
    share = done / planned
    if share >= 0.8:
        return _("Great going: right on plan.")
    if share >= 0.5:
        return _("Good effort. Every session counts.")
    return (
        _("Every session counts. Today is a good day to do the next one.")
        if is_self
        else _("Every session counts. A little encouragement goes a long way.")
    )


def figures(progress: Progress, *, is_self: bool) -> list[Figure]:
    result = []
    if progress.weeks:
        week, this_week = _headline_week(progress)
        result.append(
            Figure(
                _("Active minutes this week so far")
                if this_week
                else _("Active minutes last week"),
                _("%(done)d of %(planned)d")
                % {"done": _whole(week.done_minutes), "planned": _whole(week.planned_minutes)},
                _("planned minutes"),
            )
        )
    planned, done = progress.recent_sessions_planned, progress.recent_sessions_done
    if planned:
        result.append(
            Figure(
                _("Sessions in the last 14 days"),
                _("%(done)d of %(planned)d") % {"done": done, "planned": planned},
                _recent_note(done, planned, is_self=is_self),
            )
        )
    if progress.adherence is not None:
        total = sum(week.sessions_done for week in progress.weeks)
        result.append(
            Figure(
                _("Sessions since the start"),
                ngettext("%(count)d session", "%(count)d sessions", total) % {"count": total},
                _("%(percent)d%% of the plan") % {"percent": _whole(progress.adherence * 100)},
            )
        )
    return result


@patient_page
def progress(request: WebRequest, patient_id: int) -> HttpResponse:
    household = request.household
    patient = household.patient
    data = selectors.progress(patient)
    is_self = household.is_self
    name = patient.first_name
    return render(
        request,
        "web/patient/progress.html",
        {
            "progress": data,
            "figures": figures(data, is_self=is_self),
            "minutes_chart": minutes_chart(data, is_self=is_self, name=name)
            if data.weeks
            else None,
            "sessions_chart": sessions_chart(data) if data.weeks else None,
            "fdi_chart": fdi_chart(data, is_self=is_self, name=name) if data.fdi else None,
        },
    )
