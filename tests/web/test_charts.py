import math
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.template import Context, Template
from django.test import RequestFactory

from web.charts import Band, Chart, Series, nice_step, render_chart, y_scale

SVG = "{http://www.w3.org/2000/svg}"


def weekly_minutes(**overrides: object) -> Chart:
    fields: dict[str, object] = {
        "title": "Active minutes per week",
        "categories": ["Week 1", "Week 2", "Week 3"],
        "series": [
            Series("Planned", [20, 25, 30], tone="planned"),
            Series("Done", [18, None, 31.5], tone="done"),
        ],
        "unit": "minutes",
        "summary": "You did about what was planned.",
    }
    fields.update(overrides)
    return Chart(**fields)  # type: ignore[arg-type]


def svg_of(html: str) -> ET.Element:
    match = re.search(r"<svg xmlns.*?</svg>", html, re.S)
    assert match is not None
    return ET.fromstring(match.group(0))


def test_it_draws_a_well_formed_svg_named_by_its_title() -> None:
    svg = svg_of(render_chart(weekly_minutes()))
    assert svg.get("role") == "img"
    title_id, desc_id = (svg.get("aria-labelledby") or "").split()
    named = {element.get("id"): element.text for element in svg.iter() if element.get("id")}
    assert named[title_id] == "Active minutes per week"
    assert "You did about what was planned." in (named[desc_id] or "")


def test_it_puts_every_value_in_the_table_and_says_when_nothing_was_recorded() -> None:
    html = render_chart(weekly_minutes())
    table = html[html.index("<table") :]
    for text in ("20 minutes", "25 minutes", "30 minutes", "18 minutes", "31.5 minutes"):
        assert text in table
    assert table.count("not recorded") == 1
    assert '<th scope="row">Week 2</th>' in table
    assert '<th scope="col" class="number">Done</th>' in table
    assert "<caption>Active minutes per week</caption>" in table
    assert "Show the numbers as a table" in html


def test_it_draws_one_bar_per_recorded_value_and_a_gap_for_none() -> None:
    svg = svg_of(render_chart(weekly_minutes()))
    groups = {g.get("class"): g for g in svg.iter(f"{SVG}g")}
    assert len(groups["bars tone-planned"].findall(f"{SVG}rect")) == 3
    assert len(groups["bars tone-done solid"].findall(f"{SVG}rect")) == 2


def test_it_breaks_a_line_where_nothing_was_recorded() -> None:
    chart = weekly_minutes(
        categories=["a", "b", "c", "d", "e"],
        series=[Series("FDI", [30, 25, None, 20, 18], kind="line", tone="line")],
    )
    svg = svg_of(render_chart(chart))
    path = next(svg.iter(f"{SVG}path"))
    assert (path.get("d") or "").count("M") == 2
    assert len(list(svg.iter(f"{SVG}circle"))) == 4


def test_it_escapes_labels_from_user_data() -> None:
    hostile = "<script>alert(1)</script>"
    chart = weekly_minutes(
        title=hostile,
        categories=[hostile, "Week 2", "Week 3"],
        series=[Series(hostile, [1, 2, 3]), Series("x", [1, 2, 3], kind="line", tone="line")],
        summary=hostile,
        bands=[Band(0, 1, hostile)],
    )
    html = render_chart(chart)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    svg_of(html)  # still well-formed


def test_two_charts_on_one_page_have_distinct_ids() -> None:
    template = Template("{% load charts %}{% chart first %}{% chart second %}{% chart first %}")
    request = RequestFactory().get("/")
    html = template.render(
        Context(
            {
                "first": weekly_minutes(),
                "second": weekly_minutes(title="Another"),
                "request": request,
            }
        )
    )
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert html.count("<figure") == 3
    for labelledby in re.findall(r'aria-labelledby="([^"]+)"', html):
        for target in labelledby.split():
            assert target in ids


def test_it_renders_the_same_chart_the_same_way_twice() -> None:
    assert render_chart(weekly_minutes()) == render_chart(weekly_minutes())


def test_it_says_nothing_to_show_when_there_are_no_categories() -> None:
    html = render_chart(weekly_minutes(categories=[], series=[]))
    assert "Nothing to show yet" in html
    assert "<svg" not in html
    assert "Active minutes per week" in html


def test_it_labels_the_y_axis_with_round_numbers() -> None:
    chart = weekly_minutes(series=[Series("Done", [7, 23, 41])])
    svg = svg_of(render_chart(chart))
    ticks = [
        float(t.get("data-value") or "nan")
        for t in svg.iter(f"{SVG}text")
        if t.get("class") == "y-tick"
    ]
    assert ticks == [0, 10, 20, 30, 40, 50]


def test_round_ticks_hold_for_awkward_ranges() -> None:
    for top in (0.3, 1, 7, 13, 99, 101, 240, 1234):
        _low, high, ticks = y_scale(weekly_minutes(series=[Series("x", [0, top, None])]))
        step = ticks[1] - ticks[0]
        assert high >= top
        assert 2 <= len(ticks) <= 7
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1, 2, 5)
    assert nice_step(60, 5) == 20
    assert y_scale(weekly_minutes(y_max=60))[2] == [0, 20, 40, 60]


def test_it_shades_bands_and_names_them() -> None:
    chart = weekly_minutes(
        series=[Series("FDI", [34, 22, 12], kind="line", tone="line")],
        unit="points",
        y_max=60,
        bands=[Band(0, 12, "None to minimal"), Band(13, 29, "Mild"), Band(30, 60, "Moderate")],
        lower_is_better=True,
        summary="",
    )
    html = render_chart(chart)
    svg = svg_of(html)
    assert len([r for r in svg.iter(f"{SVG}rect") if r.get("class") == "band"]) == 3
    labels = "".join(t.text or "" for t in svg.iter(f"{SVG}tspan"))
    assert "Mild" in labels and "Moderate" in labels
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None
    assert "Lower numbers are better." in desc.text
    assert "from 34 points in Week 1 to 12 points in Week 3" in desc.text


def test_it_shows_each_series_in_the_legend_with_its_own_key() -> None:
    html = render_chart(weekly_minutes())
    legend = html[html.index('<ul class="legend">') : html.index("</ul>")]
    assert legend.count("<li>") == 2
    assert 'aria-hidden="true"' in legend
    assert "Planned" in legend and "Done" in legend


def test_it_accepts_decimals_and_whole_numbers_from_the_database() -> None:
    # The types ask for floats, but a Decimal straight from the database must not break a page.
    chart = weekly_minutes(series=[Series("Done", [Decimal("12.5"), 30, None])])  # type: ignore[list-item]
    html = render_chart(chart)
    assert "12.5 minutes" in html
    svg_of(html)
