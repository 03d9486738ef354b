"""The SVG builders, without a database: valid SVG, accessible, one mark per datum."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from dashboards import charts

NS = {"svg": charts.SVG_NS}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    return root


def by_class(root: ET.Element, css: str) -> list[ET.Element]:
    return [e for e in root.iter() if css in (e.get("class") or "").split()]


def assert_accessible(root: ET.Element, slug: str, title: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{slug}-title {slug}-desc"
    assert root.find("svg:title", NS).get("id") == f"{slug}-title"
    assert root.find("svg:title", NS).text == title
    assert root.find("svg:desc", NS).get("id") == f"{slug}-desc"
    assert root.find("svg:desc", NS).text
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert (root.get("width"), root.get("height")) == (f"{width:g}", f"{height:g}")


# nice_ticks


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (24, [0, 5, 10, 15, 20, 25]),
        (26, [0, 10, 20, 30]),
        (200, [0, 50, 100, 150, 200]),
    ],
)
def test_nice_ticks_are_round_and_reach_the_maximum(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


# bar charts


def test_bar_chart_draws_one_bar_per_non_zero_value_with_a_tooltip():
    svg = charts.bar_chart(
        slug="funnel",
        title="Screening funnel",
        desc="3 stages",
        categories=["Screened", "Eligible", "Enrolled"],
        series=[charts.Series("Subjects", "#0072B2")],
        values=[[10], [6], [0]],
    )
    root = parse(svg)
    assert_accessible(root, "funnel", "Screening funnel")
    bars = by_class(root, "bar")
    assert len(bars) == 2
    assert [b.find("svg:title", NS).text for b in bars] == [
        "Screened: Subjects 10",
        "Eligible: Subjects 6",
    ]
    assert float(bars[0].get("width")) > float(bars[1].get("width"))


def test_stacked_bars_put_the_series_end_to_end():
    root = parse(
        charts.bar_chart(
            slug="dl",
            title="Dose levels",
            desc="d",
            categories=["DL1", "DL2"],
            series=[charts.Series("No DLT", "#aaa"), charts.Series("DLT", "#d55e00")],
            values=[[2, 1], [3, 0]],
            stacked=True,
        )
    )
    dl1_no_dlt, dl1_dlt, dl2_no_dlt = by_class(root, "bar")
    assert float(dl1_dlt.get("x")) == pytest.approx(
        float(dl1_no_dlt.get("x")) + float(dl1_no_dlt.get("width"))
    )
    # Same scale: 3 subjects are as long as 2 + 1.
    assert float(dl2_no_dlt.get("width")) == pytest.approx(
        float(dl1_no_dlt.get("width")) + float(dl1_dlt.get("width"))
    )


def test_bar_chart_refuses_values_that_do_not_match_the_categories():
    with pytest.raises(ValueError, match="one row per category"):
        charts.bar_chart(
            slug="x",
            title="x",
            desc="x",
            categories=["a", "b"],
            series=[charts.Series("s", "#000")],
            values=[[1]],
        )


def test_labels_are_escaped_and_the_empty_chart_says_so():
    svg = charts.bar_chart(
        slug="x",
        title="<Sites & queries>",
        desc="none",
        categories=["A&B <site>"],
        series=[charts.Series("Open", "#000")],
        values=[[0]],
        empty_text="No open query",
    )
    root = parse(svg)
    assert "&lt;Sites &amp; queries&gt;" in svg
    assert by_class(root, "bar") == []
    assert "No open query" in "".join(root.itertext())


def test_column_chart_stacks_the_grades_of_each_month():
    root = parse(
        charts.column_chart(
            slug="sae",
            title="SAEs",
            desc="d",
            categories=["Oct 26", "Nov 26", "Dec 26"],
            series=[charts.Series(f"Grade {g}", c) for g, c in charts.GRADE_COLOURS.items()],
            values=[[0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 1, 2, 0, 1]],
        )
    )
    assert_accessible(root, "sae", "SAEs")
    assert len(by_class(root, "bar")) == 4


# enrollment over time


def test_cumulative_chart_has_the_step_line_a_point_per_day_and_the_target():
    root = parse(
        charts.cumulative_chart(
            slug="enrollment",
            title="Enrollment",
            desc="d",
            points=[(date(2026, 3, 2), 1), (date(2026, 3, 9), 3), (date(2026, 5, 1), 4)],
            start=date(2026, 3, 2),
            end=date(2026, 11, 20),
            target=24,
        )
    )
    assert_accessible(root, "enrollment", "Enrollment")
    assert len(by_class(root, "series")) == 1
    assert len(by_class(root, "points")[0]) == 3
    (target,) = by_class(root, "target")
    assert target.find("svg:title", NS).text == "Target: 24"
    assert "4 of 24" in "".join(root.itertext())


def test_cumulative_chart_without_enrollment_shows_the_target_and_a_message():
    root = parse(
        charts.cumulative_chart(
            slug="e",
            title="E",
            desc="d",
            points=[],
            start=date(2026, 11, 20),
            end=date(2026, 11, 20),
            target=24,
        )
    )
    assert by_class(root, "series") == []
    assert len(by_class(root, "target")) == 1
    assert "No subject enrolled yet" in "".join(root.itertext())


# heat map


def test_heatmap_has_a_cell_per_soc_and_grade_labelled_when_not_zero():
    root = parse(
        charts.heatmap(
            slug="soc",
            title="AEs by SOC",
            desc="d",
            rows=["General disorders and administration site conditions", "Investigations"],
            columns=[f"Grade {g}" for g in range(1, 6)],
            counts=[[3, 1, 0, 0, 0], [0, 0, 2, 0, 0]],
        )
    )
    assert_accessible(root, "soc", "AEs by SOC")
    cells = by_class(root, "cell")
    assert len(cells) == 10
    assert cells[0].find("svg:title", NS).text == (
        "General disorders and administration site conditions, Grade 1: 3"
    )
    # The most frequent cell is the darkest; an empty cell is not coloured.
    assert cells[0].get("fill") == charts.HEAT_SCALE[-1]
    assert cells[2].get("fill") == "#f8f9fa"


def test_ink_on_a_colour_is_the_more_readable_of_black_and_white():
    assert charts._ink_on("#fff5eb") == "#000000"
    assert charts._ink_on("#7f2704") == "#ffffff"


# swimmer


def lanes():
    return [
        charts.SwimmerLane(
            label="FR01-001",
            group="DL1",
            treatment_end_day=45,
            end_day=120,
            ongoing=False,
            markers=(
                charts.SwimmerMarker(42, "pr"),
                charts.SwimmerMarker(84, "pd"),
                charts.SwimmerMarker(10, "sae"),
                charts.SwimmerMarker(12, "dlt"),
                charts.SwimmerMarker(45, "eot"),
                charts.SwimmerMarker(120, "death"),
            ),
        ),
        charts.SwimmerLane(
            label="FR02-001",
            group="DL2",
            treatment_end_day=63,
            end_day=63,
            ongoing=True,
            markers=(charts.SwimmerMarker(42, "sd"),),
        ),
        charts.SwimmerLane("FR01-002", "DL2", 2, 2, ongoing=True),
    ]


def test_swimmer_has_a_bar_per_subject_and_a_marker_per_event():
    root = parse(
        charts.swimmer_chart(
            slug="swimmer", title="Swimmer", desc="d", lanes=lanes(), groups=["DL1", "DL2"]
        )
    )
    assert_accessible(root, "swimmer", "Swimmer")
    plotted = root.find("svg:g[@class='markers']", NS)
    count = {
        kind: len(by_class(plotted, f"marker-{kind}"))
        for kind in ("pr", "pd", "sd", "sae", "dlt", "eot", "death", "ongoing")
    }
    assert len(by_class(root, "lane")) == 3
    assert count == {
        "pr": 1,
        "pd": 1,
        "sd": 1,
        "sae": 1,
        "dlt": 1,
        "eot": 1,
        "death": 1,
        "ongoing": 2,
    }
    # Follow-up after treatment only where the subject stayed on study after it.
    assert len(by_class(root, "follow-up")) == 1


def test_swimmer_bars_are_coloured_by_dose_level_and_scaled_by_days():
    root = parse(
        charts.swimmer_chart(
            slug="s", title="S", desc="d", lanes=lanes()[:2], groups=["DL1", "DL2"]
        )
    )
    first, second = by_class(root, "lane")
    assert first.get("fill") == charts.DOSE_LEVEL_COLOURS[0]
    assert second.get("fill") == charts.DOSE_LEVEL_COLOURS[1]
    assert float(first.get("width")) / float(second.get("width")) == pytest.approx(
        45 / 63, rel=1e-3
    )


def test_swimmer_without_subjects_says_so():
    root = parse(charts.swimmer_chart(slug="s", title="S", desc="d", lanes=[], groups=["DL1"]))
    assert by_class(root, "lane") == []
    assert "No subject dosed yet" in "".join(root.itertext())


def test_swimmer_refuses_an_unknown_marker():
    lane = charts.SwimmerLane("X", "DL1", 5, 5, True, (charts.SwimmerMarker(3, "oops"),))
    with pytest.raises(ValueError, match="unknown swimmer marker"):
        charts.swimmer_chart(slug="s", title="S", desc="d", lanes=[lane], groups=["DL1"])


# waterfall


def bars():
    return [
        charts.WaterfallBar("A", -45.0, "pr"),
        charts.WaterfallBar("B", 25.0, "pd"),
        charts.WaterfallBar("C", 0.0, "sd"),
        charts.WaterfallBar("D", -100.0, "cr"),
        charts.WaterfallBar("E", 180.0, "pd"),
    ]


def test_waterfall_sorts_the_bars_from_largest_increase_to_largest_decrease():
    root = parse(charts.waterfall_chart(slug="wf", title="Waterfall", desc="d", bars=bars()))
    assert_accessible(root, "wf", "Waterfall")
    drawn = by_class(root, "bar")
    assert len(drawn) == 5
    tooltips = [b.find("svg:title", NS).text for b in drawn]
    assert tooltips == ["E: +180.0%", "B: +25.0%", "C: +0.0%", "A: -45.0%", "D: -100.0%"]
    xs = [float(b.get("x")) for b in drawn]
    assert xs == sorted(xs)
    assert [b.get("fill") for b in drawn] == [
        charts.RESPONSE_COLOURS[c] for c in ("pd", "pd", "sd", "pr", "cr")
    ]


def test_waterfall_has_the_minus_30_and_plus_20_reference_lines():
    root = parse(charts.waterfall_chart(slug="wf", title="W", desc="d", bars=bars()))
    lines = by_class(root, "reference")
    assert [line.find("svg:title", NS).text for line in lines] == [
        "+20%: progression",
        "−30%: partial response",
    ]
    plus_20, minus_30 = (float(line.get("y1")) for line in lines)
    zero = [b for b in by_class(root, "bar") if b.find("svg:title", NS).text == "C: +0.0%"][0]
    # y grows downwards: +20% above the zero line, -30% below it, 50 points apart.
    assert plus_20 < float(zero.get("y")) < minus_30


def test_waterfall_cuts_a_bar_above_the_axis_and_prints_its_value():
    root = parse(charts.waterfall_chart(slug="wf", title="W", desc="d", bars=bars()))
    assert "+180%" in "".join(root.itertext())


def test_waterfall_without_assessment_says_so():
    root = parse(charts.waterfall_chart(slug="wf", title="W", desc="d", bars=[]))
    assert by_class(root, "bar") == []
    assert "No follow-up tumour assessment yet" in "".join(root.itertext())


def test_waterfall_empty_text_is_clear_of_the_reference_lines():
    """Issue 13: the empty-state text was written over the -30 % line."""
    root = parse(charts.waterfall_chart(slug="wf", title="W", desc="d", bars=[]))
    [text] = [
        t for t in root.iter("{http://www.w3.org/2000/svg}text") if "No follow-up" in (t.text or "")
    ]
    baseline = float(text.get("y"))
    for line in by_class(root, "reference"):
        y = float(line.get("y1"))
        # 14 px text: its box runs from about baseline - 11 to baseline + 3.
        assert not baseline - 14 <= y <= baseline + 6, (baseline, y)
