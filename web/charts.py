"""Server-side SVG charts with a text alternative.

Pages build a ``Chart`` from selector output and render it with ``render_chart`` (or
``{% load charts %}{% chart obj %}`` in a template). The output needs no JavaScript and no
outside resources: a ``<figure class="chart">`` holding a caption, a legend, an inline SVG with
``role="img"`` and an accessible name, and a ``<details>`` table with every number.

Colour is never the only cue: each tone has its own bar pattern and its own line marker and
dash, and the legend shows them. Axis text uses ``currentColor`` and the stylesheet
(``.chart`` in gradus.css) repaints everything in system colours when forced colours are on.

The SVG carries ``width``/``height`` a little larger than its viewBox, so on a laptop it is
drawn at its natural size (text near page size) and on a phone it scales down to fit.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

Tone = Literal["planned", "done", "line", "extra1", "extra2", "extra3"]
Kind = Literal["bar", "line"]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    kind: Kind = "bar"
    tone: Tone = "done"


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Chart:
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str
    summary: str = ""
    y_max: float | None = None
    y_min: float = 0
    bands: Sequence[Band] = ()
    lower_is_better: bool = False

    def __post_init__(self) -> None:
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"Series {series.label!r} has {len(series.values)} values "
                    f"for {len(self.categories)} categories."
                )
        if self.y_max is not None and self.y_max <= self.y_min:
            raise ValueError("y_max must be above y_min.")


@dataclass(frozen=True)
class _ToneStyle:
    pattern: Literal["solid", "hatch", "dots", "stripes", "cross", "backhatch"]
    marker: Literal["circle", "square", "triangle", "diamond"]
    hollow: bool
    dash: str  # stroke-dasharray for lines, "" for solid


# The drawing paints in currentColor; each tone's colour and the wash behind its pattern are
# the design tokens --chart-<tone> and --chart-<tone>-wash (web/static/web/gradus.css), light
# and dark. They have at least 4.5:1 contrast on the page (and 3:1 against their own wash), so
# the bars' outlines and the lines pass the 3:1 rule for graphics. Each tone also differs by
# pattern and by marker, which is what the legend shows.
_TONES: dict[str, _ToneStyle] = {
    "planned": _ToneStyle("hatch", "circle", True, "6 4"),
    "done": _ToneStyle("solid", "square", False, ""),
    "line": _ToneStyle("dots", "circle", False, ""),
    "extra1": _ToneStyle("stripes", "triangle", False, "2 3"),
    "extra2": _ToneStyle("cross", "diamond", False, "8 3 2 3"),
    "extra3": _ToneStyle("backhatch", "square", True, "10 4"),
}
INK = "currentColor"

_FONT = 13  # user units
# The natural display size is the viewBox times this, so axis text is about 15.6 CSS pixels on
# a laptop; a phone narrower than that scales the whole drawing down to fit.
_DISPLAY_SCALE = 1.2
_HEIGHT = 250
_MIN_WIDTH = 340
_MAX_WIDTH = 600
_TOP = _FONT + 14  # room for the unit above the y axis
_BOTTOM = _FONT + 14  # room for the category labels
_RIGHT = 10
_PLOT_HEIGHT = _HEIGHT - _TOP - _BOTTOM
_BAND_FONT = 12
_BAND_CHARS = 12  # band labels wrap onto up to three lines of about this many characters
_CHAR = 0.6  # rough average glyph width, in ems, of a system sans-serif


def render_chart(chart: Chart, *, dom_id: str | None = None) -> SafeString:
    """The chart as HTML. ``dom_id`` prefixes every id; by default it is derived from the
    chart's content, so output is deterministic (the template tag makes repeats unique)."""
    cid = dom_id or chart_id(chart)
    caption = format_html('<figcaption id="{}-caption">{}</figcaption>', cid, chart.title)
    if not chart.categories or not chart.series:
        return format_html(
            '<figure class="chart chart-empty" id="{}">{}<p class="meta">{}</p></figure>',
            cid,
            caption,
            gettext("Nothing to show yet"),
        )
    return format_html(
        '<figure class="chart" id="{}">{}{}{}{}</figure>',
        cid,
        caption,
        _legend(chart, cid),
        _svg(chart, cid),
        _table(chart, cid),
    )


def chart_id(chart: Chart) -> str:
    """A stable id from the chart's content (hash() is salted per process; sha1 is not)."""
    digest = hashlib.sha1(repr(chart).encode(), usedforsecurity=False).hexdigest()
    return f"chart-{digest[:10]}"


# Scale ------------------------------------------------------------------------------------


def nice_step(span: float, target_ticks: int = 5) -> float:
    """The round step (1, 2 or 5 times a power of ten) giving at most about ``target_ticks``
    intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude * (1 + 1e-9):
            return float(multiple * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def y_scale(chart: Chart) -> tuple[float, float, list[float]]:
    """(low, high, ticks) of the y axis: ticks are round multiples of one step."""
    low = float(chart.y_min)
    if chart.y_max is not None:
        high = float(chart.y_max)
        step = nice_step(high - low, 5)
    else:
        values = [float(v) for s in chart.series for v in s.values if v is not None]
        top = max(values, default=low)
        if top <= low:  # nothing above the floor yet: a plain 0-10 scale, not 0-0.2
            top = low + 10
        step = nice_step(top - low, 5)
        if step < 1 and all(float(v).is_integer() for v in values):
            step = 1.0  # counts: no half sessions on the axis
        high = max(math.ceil(round(top / step, 9)) * step, low + step)
    first = math.ceil(round(low / step, 9)) * step
    ticks = []
    count = 0
    while first + count * step <= high + step * 1e-9:
        ticks.append(round(first + count * step, 10))
        count += 1
    return low, high, ticks


def format_number(value: float) -> str:
    """Whole numbers without decimals, others with one; localised."""
    value = float(value)  # callers may hand in Decimal or int
    if abs(value - round(value)) < 1e-9:
        return number_format(round(value), 0)
    return number_format(round(value, 1), 1)


def with_unit(value: float, unit: str) -> str:
    number = format_number(value)
    if not unit:
        return number
    if unit == "%":
        return gettext("%(value)s%%") % {"value": number}
    return gettext("%(value)s %(unit)s") % {"value": number, "unit": unit}


def _n(value: float) -> str:
    """A coordinate: plain ASCII digits whatever the locale."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# SVG --------------------------------------------------------------------------------------


def _svg(chart: Chart, cid: str) -> SafeString:
    low, high, ticks = y_scale(chart)
    tick_labels = [format_number(t) for t in ticks]
    left = max(len(label) for label in tick_labels) * _FONT * _CHAR + 12
    bar_series = [s for s in chart.series if s.kind == "bar"]
    count = len(chart.categories)
    # Narrow slots keep short charts at the minimum width, where a phone shrinks them least.
    slot_need = max(len(bar_series) * 6 + 6, 14)
    right: float = _RIGHT
    if chart.bands:
        longest_band = max(len(line) for b in chart.bands for line in _wrap(b.label, _BAND_CHARS))
        right = longest_band * _BAND_FONT * _CHAR + 10
    width = min(_MAX_WIDTH, max(_MIN_WIDTH, left + right + count * slot_need))
    plot_width = width - left - right
    slot = plot_width / count
    bottom = _TOP + _PLOT_HEIGHT

    def y_of(value: float) -> float:
        fraction = (min(max(float(value), low), high) - low) / (high - low)
        return bottom - fraction * _PLOT_HEIGHT

    def x_centre(index: int) -> float:
        return left + slot * (index + 0.5)

    parts: list[SafeString] = [
        format_html('<title id="{}-title">{}</title>', cid, chart.title),
        format_html('<desc id="{}-desc">{}</desc>', cid, describe(chart)),
        _defs(chart, cid),
    ]

    # Bands first, so everything else is drawn over them; their labels sit in the right margin.
    band_parts: list[SafeString] = []
    band_labels: list[SafeString] = []
    for band in chart.bands:
        band_low, band_high = max(float(band.low), low), min(float(band.high), high)
        if band_high <= band_low:
            continue
        y_top, y_bottom = y_of(band_high), y_of(band_low)
        band_parts.append(
            format_html(
                '<rect class="band" x="{}" y="{}" width="{}" height="{}"/>'
                '<line class="band-edge" x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor" '
                'stroke-dasharray="3 3"/>',
                _n(left),
                _n(y_top),
                _n(plot_width),
                _n(y_bottom - y_top),
                _n(left),
                _n(left + plot_width + 4),
                _n(y_top),
                _n(y_top),
            )
        )
        lines = _wrap(band.label, _BAND_CHARS)
        y_first = (y_top + y_bottom) / 2 - (len(lines) - 1) * _BAND_FONT / 2 + _BAND_FONT * 0.35
        band_labels.append(
            format_html(
                '<text class="band-label" x="{}" y="{}">{}</text>',
                _n(left + plot_width + 6),
                _n(y_first),
                format_html_join(
                    "",
                    '<tspan x="{}" dy="{}">{}</tspan>',
                    (
                        (_n(left + plot_width + 6), 0 if i == 0 else _BAND_FONT, line)
                        for i, line in enumerate(lines)
                    ),
                ),
            )
        )
    if band_parts:
        parts.append(format_html('<g class="bands">{}</g>', mark_safe("".join(band_parts))))

    # Gridlines and y ticks.
    grid = []
    for tick, label in zip(ticks, tick_labels, strict=True):
        y = y_of(tick)
        grid.append(
            format_html(
                '<line class="gridline" x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor"/>'
                '<text class="y-tick" x="{}" y="{}" text-anchor="end" data-value="{}">{}</text>',
                _n(left),
                _n(left + plot_width),
                _n(y),
                _n(y),
                _n(left - 6),
                _n(y + _FONT * 0.35),
                _n(tick),
                label,
            )
        )
    parts.append(
        format_html('<g class="grid" fill="currentColor">{}</g>', mark_safe("".join(grid)))
    )
    parts.append(
        format_html(
            '<text class="unit" x="{}" y="{}" fill="currentColor">{}</text>',
            _n(2),
            _n(_FONT + 2),
            chart.unit,
        )
    )

    # Bars, grouped per category.
    if bar_series:
        group = min(slot * (0.78 if len(bar_series) > 1 else 0.6), 44 * len(bar_series))
        bar = group / len(bar_series)
        gap = 1.5 if len(bar_series) > 1 and bar > 5 else 0
        baseline = y_of(max(low, min(0.0, high)))
        for position, series in enumerate(bar_series):
            style = _TONES[series.tone]
            fill = INK if style.pattern == "solid" else f"url(#{cid}-pat-{series.tone})"
            rects = []
            for index, value in enumerate(series.values):
                if value is None:
                    continue
                x = left + slot * index + (slot - group) / 2 + position * bar
                y = y_of(value)
                top, height = min(y, baseline), abs(baseline - y)
                if height < 1.5:  # zero still shows, unlike nothing recorded
                    top, height = baseline - 1.5, 1.5
                rects.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}"/>',
                        _n(x + gap / 2),
                        _n(top),
                        _n(bar - gap),
                        _n(height),
                    )
                )
            parts.append(
                format_html(
                    '<g class="bars tone-{}{}" fill="{}" stroke="{}" stroke-width="1.5">{}</g>',
                    series.tone,
                    " solid" if style.pattern == "solid" else "",
                    fill,
                    INK,
                    mark_safe("".join(rects)),
                )
            )

    # Axis line over the bars' feet.
    axis_y = y_of(max(low, min(0.0, high)))
    parts.append(
        format_html(
            '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor"/>',
            _n(left),
            _n(left + plot_width),
            _n(axis_y),
            _n(axis_y),
        )
    )

    # Lines with markers; None breaks the line.
    marker_size = 4.5 if count <= 16 else 3.5
    for series in chart.series:
        if series.kind != "line":
            continue
        style = _TONES[series.tone]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(series.values):
            if value is None:
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append((x_centre(index), y_of(value)))
        path = " ".join(
            "M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in run) for run in runs if len(run) > 1
        )
        markers = mark_safe(
            "".join(_marker(style, x, y, marker_size) for run in runs for x, y in run)
        )
        parts.append(
            format_html(
                '<g class="line tone-{}">{}<g class="markers{}" fill="{}" stroke="{}" '
                'stroke-width="2">{}</g></g>',
                series.tone,
                format_html(
                    '<path d="{}" fill="none" stroke="{}" stroke-width="2.5" '
                    'stroke-linejoin="round" stroke-linecap="round"{}/>',
                    path,
                    INK,
                    format_html(' stroke-dasharray="{}"', style.dash) if style.dash else "",
                )
                if path
                else "",
                " hollow" if style.hollow else "",
                "none" if style.hollow else INK,
                INK,
                markers,
            )
        )

    # Category labels, thinned so they do not collide, shortened if one is very long.
    longest = max(len(c) for c in chart.categories)
    every = max(1, math.ceil((longest * _FONT * _CHAR + 8) / slot))
    room = max(3, int(slot * every / (_FONT * _CHAR)) - 1)
    labels = [
        format_html(
            '<text x="{}" y="{}" text-anchor="middle">{}</text>',
            _n(x_centre(index)),
            _n(bottom + _FONT + 6),
            _shorten(category, room),
        )
        for index, category in enumerate(chart.categories)
        if index % every == 0
    ]
    parts.append(
        format_html('<g class="x-labels" fill="currentColor">{}</g>', mark_safe("".join(labels)))
    )
    if band_labels:
        parts.append(
            format_html(
                '<g class="band-labels" fill="currentColor" font-size="{}">{}</g>',
                _BAND_FONT,
                mark_safe("".join(band_labels)),
            )
        )

    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{}-title {}-desc" '
        'viewBox="0 0 {} {}" width="{}" height="{}" font-size="{}" focusable="false">{}</svg>',
        cid,
        cid,
        _n(width),
        _HEIGHT,
        _n(width * _DISPLAY_SCALE),
        _n(_HEIGHT * _DISPLAY_SCALE),
        _FONT,
        mark_safe("".join(parts)),
    )


def _wrap(text: str, width: int) -> list[str]:
    """At most three lines of about ``width`` characters, split at spaces."""
    words, lines = text.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width and len(lines) < 3:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return [_shorten(line, width + 2) for line in lines]


def _shorten(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(1, room - 1)].rstrip() + "…"


def _marker(style: _ToneStyle, x: float, y: float, size: float) -> SafeString:
    if style.marker == "circle":
        return format_html('<circle cx="{}" cy="{}" r="{}"/>', _n(x), _n(y), _n(size))
    if style.marker == "square":
        side = size * 1.7
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}"/>',
            _n(x - side / 2),
            _n(y - side / 2),
            _n(side),
            _n(side),
        )
    if style.marker == "triangle":
        s = size * 1.2
        points = f"{_n(x)},{_n(y - s)} {_n(x + s)},{_n(y + s * 0.8)} {_n(x - s)},{_n(y + s * 0.8)}"
    else:
        s = size * 1.3
        points = f"{_n(x)},{_n(y - s)} {_n(x + s)},{_n(y)} {_n(x)},{_n(y + s)} {_n(x - s)},{_n(y)}"
    return format_html('<polygon points="{}"/>', points)


def _defs(chart: Chart, cid: str) -> SafeString:
    patterns = []
    tones = sorted({s.tone for s in chart.series if s.kind == "bar"}, key=list(_TONES).index)
    for tone in tones:
        style = _TONES[tone]
        if style.pattern == "solid":
            continue
        ink = {
            "hatch": '<path class="pat-ink" d="M0 0V6" stroke-width="2.2"/>',
            "backhatch": '<path class="pat-ink" d="M0 0V6" stroke-width="2.2"/>',
            "stripes": '<path class="pat-ink" d="M0 3H6" stroke-width="2"/>',
            "cross": '<path class="pat-ink" d="M0 0V6M0 0H6" stroke-width="1.6"/>',
            "dots": '<circle class="pat-ink pat-dot" cx="3" cy="3" r="1.4" stroke="none"/>',
        }[style.pattern]
        rotate = {"hatch": 45, "backhatch": -45, "cross": 45}.get(style.pattern, 0)
        patterns.append(
            format_html(
                '<pattern class="tone-{}" id="{}-pat-{}" patternUnits="userSpaceOnUse" width="6" '
                'height="6"{}><rect class="pat-bg" width="6" height="6"/>'
                '<g stroke="currentColor" fill="currentColor">{}</g></pattern>',
                tone,
                cid,
                tone,
                format_html(' patternTransform="rotate({})"', rotate) if rotate else "",
                mark_safe(ink),
            )
        )
    return format_html("<defs>{}</defs>", mark_safe("".join(patterns)))


# Legend and text alternative ---------------------------------------------------------------


def _legend(chart: Chart, cid: str) -> SafeString:
    items = []
    for series in chart.series:
        style = _TONES[series.tone]
        if series.kind == "bar":
            fill = INK if style.pattern == "solid" else f"url(#{cid}-pat-{series.tone})"
            key = format_html(
                '<g class="bars tone-{}{}" fill="{}" stroke="{}" stroke-width="1.5">'
                '<rect x="1" y="1" width="16" height="14"/></g>',
                series.tone,
                " solid" if style.pattern == "solid" else "",
                fill,
                INK,
            )
        else:
            key = format_html(
                '<path d="M1 8H27" fill="none" stroke="{}" stroke-width="2.5"{}/>'
                '<g class="markers{}" fill="{}" stroke="{}" stroke-width="2">{}</g>',
                INK,
                format_html(' stroke-dasharray="{}"', style.dash) if style.dash else "",
                " hollow" if style.hollow else "",
                "none" if style.hollow else INK,
                INK,
                _marker(style, 14, 8, 4.5),
            )
            key = format_html('<g class="line tone-{}">{}</g>', series.tone, key)
        items.append(
            format_html(
                '<li><svg class="key" aria-hidden="true" focusable="false" width="28" '
                'height="16" viewBox="0 0 28 16">{}</svg>{}</li>',
                key,
                series.label,
            )
        )
    return format_html('<ul class="legend">{}</ul>', mark_safe("".join(items)))


def describe(chart: Chart) -> str:
    """The sentence(s) for <desc>: the caller's summary, or first and last values per
    series; then the bands and which direction is better."""
    sentences = []
    if chart.summary:
        sentences.append(chart.summary)
    else:
        for series in chart.series:
            recorded = [
                (category, value)
                for category, value in zip(chart.categories, series.values, strict=True)
                if value is not None
            ]
            if not recorded:
                sentences.append(
                    gettext("%(series)s: nothing recorded.") % {"series": series.label}
                )
            elif len(recorded) == 1:
                category, value = recorded[0]
                sentences.append(
                    gettext("%(series)s: %(value)s in %(category)s.")
                    % {
                        "series": series.label,
                        "value": with_unit(value, chart.unit),
                        "category": category,
                    }
                )
            else:
                (first_category, first), (last_category, last) = recorded[0], recorded[-1]
                sentences.append(
                    gettext(
                        "%(series)s: from %(first)s in %(first_category)s "
                        "to %(last)s in %(last_category)s."
                    )
                    % {
                        "series": series.label,
                        "first": with_unit(first, chart.unit),
                        "first_category": first_category,
                        "last": with_unit(last, chart.unit),
                        "last_category": last_category,
                    }
                )
    sentences.extend(_band_sentences(chart))
    if chart.lower_is_better:
        sentences.append(gettext("Lower numbers are better."))
    return " ".join(sentences)


def _band_sentences(chart: Chart) -> list[str]:
    return [
        gettext("Shaded band “%(band)s”: %(low)s to %(high)s.")
        % {
            "band": band.label,
            "low": format_number(band.low),
            "high": with_unit(band.high, chart.unit),
        }
        for band in chart.bands
    ]


def _table(chart: Chart, cid: str) -> SafeString:
    not_recorded = gettext("not recorded")
    head = format_html_join(
        "", '<th scope="col" class="number">{}</th>', ((s.label,) for s in chart.series)
    )
    rows = []
    for index, category in enumerate(chart.categories):
        cells = []
        for series in chart.series:
            value = series.values[index]
            if value is None:
                cells.append(format_html('<td class="number not-recorded">{}</td>', not_recorded))
            else:
                cells.append(
                    format_html('<td class="number">{}</td>', with_unit(value, chart.unit))
                )
        rows.append(
            format_html('<tr><th scope="row">{}</th>{}</tr>', category, mark_safe("".join(cells)))
        )
    notes = [chart.summary] if chart.summary else []
    notes.extend(_band_sentences(chart))
    if chart.lower_is_better:
        notes.append(gettext("Lower numbers are better."))
    return format_html(
        "<details><summary>{}</summary>{}"
        '<div class="table-wrap"><table id="{}-table"><caption>{}</caption>'
        "<thead><tr><td></td>{}</tr></thead><tbody>{}</tbody></table></div></details>",
        gettext("Show the numbers as a table"),
        format_html('<p class="meta">{}</p>', " ".join(notes)) if notes else "",
        cid,
        chart.title,
        head,
        mark_safe("".join(rows)),
    )
