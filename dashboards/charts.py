"""Server-side SVG charts for the dashboards: pure functions from plain data to SVG text.

No ORM, no request, no clock. Each builder takes rows (sequences or the small dataclasses
below) and returns a standalone SVG document as a string: role="img", a <title> and a <desc>
named by aria-labelledby, explicit sizes and a white background, so the same text is inlined
in the page and served as the download. Elements are built with ElementTree, which escapes
every label. Colours come from colour-blind safe palettes (Okabe-Ito, ColorBrewer) and are
never the only carrier of meaning: each chart has a data table under it on the page, bars
and markers carry a <title> tooltip, and the swimmer markers differ in shape.
"""

import math
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 12
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
AXIS = "#495057"

# Okabe-Ito, for categories without an order.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
# Dose levels are ordered: lightness falls with the dose (light blue .. near black), and the
# hue turns from blue to purple so that neighbours differ in two ways (ColorBrewer "Paired").
DOSE_LEVEL_COLOURS = ("#a6cee3", "#1f78b4", "#6a3d9a", "#2d004b", "#b15928", "#33a02c")
# ColorBrewer "YlOrRd" for CTCAE grades 1..5 (grade 5, death, darkest).
GRADE_COLOURS = {1: "#fed976", 2: "#feb24c", 3: "#fd8d3c", 4: "#e31a1c", 5: "#800026"}
# RECIST 1.1 responses, Okabe-Ito hues; "" = no response yet.
RESPONSE_COLOURS = {
    "cr": "#0072B2",
    "pr": "#009E73",
    "sd": "#E69F00",
    "pd": "#D55E00",
    "ne": "#999999",
    "": "#cccccc",
}
RESPONSE_LABELS = {
    "cr": "Complete response (CR)",
    "pr": "Partial response (PR)",
    "sd": "Stable disease (SD)",
    "pd": "Progressive disease (PD)",
    "ne": "Not evaluable (NE)",
    "": "No response yet",
}
HEAT_SCALE = ("#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603", "#7f2704")


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: its name (legend, tooltips) and colour."""

    name: str
    colour: str


@dataclass(frozen=True)
class SwimmerMarker:
    """An event on a subject's lane, `day` days after C1D1.

    kind: a RECIST response ("cr", "pr", "sd", "pd", "ne"), "sae", "dlt", "eot" or "death".
    """

    day: int
    kind: str
    label: str = ""


@dataclass(frozen=True)
class SwimmerLane:
    """One subject: a bar from C1D1 (day 0) to `end_day`, full height while on treatment."""

    label: str
    group: str  # dose level code, for the colour
    treatment_end_day: int
    end_day: int
    ongoing: bool  # still on study: the bar ends with an arrow
    markers: tuple[SwimmerMarker, ...] = ()
    detail: str = ""  # tooltip of the bar


@dataclass(frozen=True)
class WaterfallBar:
    """One subject's best % change in the sum of diameters, coloured by `category`."""

    label: str
    pct: float
    category: str  # a RESPONSE_COLOURS key
    detail: str = ""


SWIMMER_MARKERS = {
    "cr": "Response: CR",
    "pr": "Response: PR",
    "sd": "Response: SD",
    "pd": "Response: PD",
    "ne": "Response: NE",
    "sae": "SAE onset",
    "dlt": "DLT onset",
    "eot": "End of treatment",
    "death": "Death",
}


# --- building blocks -------------------------------------------------------------------------


def _num(value: float) -> str:
    """Coordinates with at most one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _el(parent: ET.Element, tag: str, tooltip: str = "", **attrs) -> ET.Element:
    attrs = {k.rstrip("_").replace("_", "-"): _attr(v) for k, v in attrs.items() if v is not None}
    element = ET.SubElement(parent, tag, attrs)
    if tooltip:
        ET.SubElement(element, "title").text = tooltip
    return element


def _attr(value) -> str:
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _text(parent, x, y, text, *, anchor="start", size=None, fill=TEXT, weight=None, **attrs):
    element = _el(
        parent,
        "text",
        x=float(x),
        y=float(y),
        text_anchor=anchor,
        font_size=size,
        fill=fill,
        font_weight=weight,
        **attrs,
    )
    element.text = text
    return element


def _svg(slug: str, title: str, desc: str, width: float, height: float) -> ET.Element:
    width, height = math.ceil(width), math.ceil(height)
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-labelledby": f"{slug}-title {slug}-desc",
            "font-family": FONT,
            "font-size": str(FONT_SIZE),
            "style": "max-width: 100%; height: auto",
        },
    )
    ET.SubElement(root, "title", id=f"{slug}-title").text = title
    ET.SubElement(root, "desc", id=f"{slug}-desc").text = desc
    _el(root, "rect", width=width, height=height, fill="#ffffff")
    return root


def _finish(root: ET.Element) -> str:
    return ET.tostring(root, encoding="unicode")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the rendered width of `text` (sans-serif averages ~0.56 em)."""
    return len(text) * size * 0.56


def _wrap(text: str, width: float, size: float = FONT_SIZE, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of about `width` px; the last one shortened with "…"."""
    chars = max(4, int(width / (size * 0.56)))
    wrapped = textwrap.wrap(text, chars) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: chars - 1].rstrip() + "…"
    return wrapped


def _multiline(parent, x, y, lines, *, anchor="end", line_height=14, **attrs):
    """Lines of text vertically centred on y."""
    top = y - (len(lines) - 1) * line_height / 2
    element = _text(parent, x, top, "", anchor=anchor, **attrs)
    element.text = None
    for i, line in enumerate(lines):
        # A tspan's dy replaces the text's own: the first line carries the centring shift.
        span = _el(element, "tspan", x=float(x), dy="0.35em" if i == 0 else f"{line_height}")
        span.text = line
    return element


def nice_ticks(maximum: float, count: int = 5, *, integer: bool = True) -> list[float]:
    """Round tick values from 0 to at least `maximum` (steps of 1, 2 or 5 x 10^k)."""
    if maximum <= 0:
        return [0, 1] if integer else [0.0, 1.0]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, round(step))
    top = math.ceil(maximum / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)]


def _legend(parent, x, y, items, *, max_width) -> float:
    """Swatches in a row, wrapping; returns the height used. items: (label, draw(parent,cx,cy))."""
    cursor_x, cursor_y = x, y
    for label, draw in items:
        width = 16 + text_width(label) + 18
        if cursor_x > x and cursor_x + width > x + max_width:
            cursor_x, cursor_y = x, cursor_y + 18
        draw(parent, cursor_x + 6, cursor_y)
        _text(parent, cursor_x + 16, cursor_y, label, dy="0.35em", fill=TEXT)
        cursor_x += width
    return cursor_y - y + 18


def _swatch(colour: str, stroke: str | None = None):
    def draw(parent, cx, cy):
        _el(
            parent,
            "rect",
            x=cx - 6.0,
            y=cy - 6.0,
            width=12,
            height=12,
            fill=colour,
            stroke=stroke or colour,
        )

    return draw


def _line_swatch(colour: str, dash: str | None = None):
    def draw(parent, cx, cy):
        _el(
            parent,
            "line",
            x1=cx - 7.0,
            x2=cx + 7.0,
            y1=float(cy),
            y2=float(cy),
            stroke=colour,
            stroke_width=2,
            stroke_dasharray=dash,
        )

    return draw


def _empty_message(root, x, y, text):
    _text(root, x, y, text, anchor="middle", fill=MUTED, size=14)


# --- bar charts ------------------------------------------------------------------------------


def bar_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    stacked: bool = False,
    value_axis: str = "Number",
    width: int = 620,
    label_width: int | None = None,
    empty_text: str = "No data yet",
) -> str:
    """Horizontal bars, one row per category; several series side by side or stacked.

    values[i][j] is the value of category i in series j.
    """
    if len(values) != len(categories) or any(len(row) != len(series) for row in values):
        raise ValueError("values must have one row per category and one value per series")
    bar_h = 18
    per_row = bar_h if stacked or len(series) == 1 else bar_h * len(series)
    row_gap = 10
    if label_width is None:
        longest = max((text_width(c) for c in categories), default=0)
        label_width = int(min(max(longest + 8, 60), width * 0.42))
    left, right = label_width + 12, 40
    plot_w = width - left - right
    root = _svg(slug, title, desc, width, 0)
    top = 8
    if len(series) > 1:
        top += _legend(
            root,
            left,
            top + 8,
            [(s.name, _swatch(s.colour)) for s in series],
            max_width=plot_w,
        )
    row_h = per_row + row_gap
    plot_h = max(len(categories), 1) * row_h
    totals = [sum(row) if stacked else max(row, default=0) for row in values]
    ticks = nice_ticks(max(totals, default=0))
    scale = plot_w / ticks[-1]
    grid = _el(root, "g", class_="grid")
    for tick in ticks:
        x = left + tick * scale
        _el(grid, "line", x1=x, x2=x, y1=float(top), y2=top + plot_h, stroke=GRID)
        _text(root, x, top + plot_h + 16, _fmt(tick), anchor="middle", fill=MUTED)
    _text(root, left + plot_w / 2, top + plot_h + 34, value_axis, anchor="middle", fill=AXIS)
    bars = _el(root, "g", class_="bars")
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        y0 = top + i * row_h + row_gap / 2
        label_lines = _wrap(category, label_width, lines=2)
        label = _multiline(root, left - 8, y0 + per_row / 2, label_lines, fill=TEXT)
        if " ".join(label_lines) != category:
            ET.SubElement(label, "title").text = category
        x = float(left)
        for j, (s, value) in enumerate(zip(series, row, strict=True)):
            w = value * scale
            y = y0 if stacked or len(series) == 1 else y0 + j * bar_h
            if value > 0:
                _el(
                    bars,
                    "rect",
                    tooltip=f"{category}: {s.name} {_fmt(value)}",
                    x=x,
                    y=float(y),
                    width=max(w, 1.0),
                    height=bar_h - (0 if stacked or len(series) == 1 else 2),
                    fill=s.colour,
                    class_="bar",
                )
            if not stacked:
                _text(root, left + w + 4, y + bar_h / 2, _fmt(value), dy="0.35em", fill=TEXT)
            else:
                x += w
        if stacked:
            _text(root, x + 4, y0 + bar_h / 2, _fmt(sum(row)), dy="0.35em", fill=TEXT)
    _el(root, "line", x1=float(left), x2=float(left), y1=float(top), y2=top + plot_h, stroke=AXIS)
    if not categories or not any(totals):
        _empty_message(root, left + plot_w / 2, top + plot_h / 2, empty_text)
    return _resize(root, width, top + plot_h + 44)


def column_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    value_axis: str = "Number",
    category_axis: str = "",
    width: int = 620,
    height: int = 280,
    empty_text: str = "No data yet",
) -> str:
    """Vertical stacked columns, one per category (e.g. per month)."""
    if len(values) != len(categories) or any(len(row) != len(series) for row in values):
        raise ValueError("values must have one row per category and one value per series")
    left, right, bottom = 44, 16, 56
    root = _svg(slug, title, desc, width, height)
    top = 8
    if len(series) > 1:
        top += _legend(
            root, left, top + 8, [(s.name, _swatch(s.colour)) for s in series], max_width=width
        )
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(row) for row in values]
    # Headroom above the tallest column for its total.
    ticks = nice_ticks(max(totals, default=0) * 1.15, 4)
    scale = plot_h / ticks[-1]
    base = top + plot_h
    for tick in ticks:
        y = base - tick * scale
        _el(root, "line", x1=float(left), x2=float(left + plot_w), y1=y, y2=y, stroke=GRID)
        _text(root, left - 6, y, _fmt(tick), anchor="end", dy="0.35em", fill=MUTED)
    _text(
        root,
        12,
        top + plot_h / 2,
        value_axis,
        anchor="middle",
        fill=AXIS,
        transform=f"rotate(-90 12 {_num(top + plot_h / 2)})",
    )
    n = max(len(categories), 1)
    slot = plot_w / n
    col_w = min(slot * 0.7, 36)
    label_every = max(1, math.ceil(n * 40 / plot_w))
    bars = _el(root, "g", class_="bars")
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        cx = left + slot * (i + 0.5)
        y = float(base)
        for s, value in zip(series, row, strict=True):
            if value <= 0:
                continue
            h = value * scale
            y -= h
            _el(
                bars,
                "rect",
                tooltip=f"{category}: {s.name} {_fmt(value)}",
                x=cx - col_w / 2,
                y=y,
                width=col_w,
                height=h,
                fill=s.colour,
                stroke="#ffffff",
                stroke_width=0.5,
                class_="bar",
            )
        if totals[i]:
            _text(root, cx, y - 4, _fmt(totals[i]), anchor="middle", fill=TEXT)
        if i % label_every == 0:
            _text(root, cx, base + 16, category, anchor="middle", fill=MUTED)
    _el(root, "line", x1=float(left), x2=float(left + plot_w), y1=base, y2=base, stroke=AXIS)
    if category_axis:
        _text(root, left + plot_w / 2, base + 40, category_axis, anchor="middle", fill=AXIS)
    if not any(totals):
        _empty_message(root, left + plot_w / 2, top + plot_h / 2, empty_text)
    return _finish(root)


def _resize(root: ET.Element, width: float, height: float) -> str:
    width, height = math.ceil(width), math.ceil(height)
    root.set("viewBox", f"0 0 {width} {height}")
    root.set("height", str(height))
    background = root.find("rect")
    if background is not None:
        background.set("height", str(height))
    return _finish(root)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# --- enrollment over time --------------------------------------------------------------------


def cumulative_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    points: Sequence[tuple[date, int]],
    start: date,
    end: date,
    target: int | None = None,
    target_label: str = "Target",
    series_label: str = "Enrolled",
    width: int = 620,
    height: int = 280,
    empty_text: str = "No subject enrolled yet",
) -> str:
    """A cumulative count over time as a step line, with a horizontal target line.

    points: (day, cumulative count after that day), in date order.
    """
    left, right, bottom = 44, 24, 44
    root = _svg(slug, title, desc, width, height)
    top = 8
    items = [(series_label, _line_swatch(OKABE_ITO[0]))]
    if target:
        items.append((f"{target_label} ({target})", _line_swatch(OKABE_ITO[5], "6 4")))
    top += _legend(root, left, top + 8, items, max_width=width)
    plot_w, plot_h = width - left - right, height - top - bottom
    end = max(end, start + timedelta(days=1))
    span = (end - start).days
    last = points[-1][1] if points else 0
    ticks = nice_ticks(max(last, target or 0) * 1.05, 5)
    y_scale = plot_h / ticks[-1]
    base = top + plot_h

    def x_of(day: date) -> float:
        return left + (day - start).days / span * plot_w

    def y_of(count: float) -> float:
        return base - count * y_scale

    for tick in ticks:
        y = y_of(tick)
        _el(root, "line", x1=float(left), x2=float(left + plot_w), y1=y, y2=y, stroke=GRID)
        _text(root, left - 6, y, _fmt(tick), anchor="end", dy="0.35em", fill=MUTED)
    for tick_day, label in _month_ticks(start, end, max_ticks=max(2, int(plot_w // 70))):
        x = x_of(tick_day)
        _el(root, "line", x1=x, x2=x, y1=float(base), y2=base + 4.0, stroke=AXIS)
        _text(root, x, base + 18, label, anchor="middle", fill=MUTED)
    _el(root, "line", x1=float(left), x2=float(left + plot_w), y1=base, y2=base, stroke=AXIS)
    if target:
        y = y_of(target)
        _el(
            root,
            "line",
            tooltip=f"{target_label}: {target}",
            x1=float(left),
            x2=float(left + plot_w),
            y1=y,
            y2=y,
            stroke=OKABE_ITO[5],
            stroke_width=2,
            stroke_dasharray="6 4",
            class_="target",
        )
    if points:
        path = [f"M{_num(x_of(start))},{_num(y_of(0))}"]
        for day, count in points:
            path.append(f"H{_num(x_of(day))}V{_num(y_of(count))}")
        path.append(f"H{_num(x_of(end))}")
        _el(
            root,
            "path",
            d="".join(path),
            fill="none",
            stroke=OKABE_ITO[0],
            stroke_width=2.5,
            class_="series",
        )
        dots = _el(root, "g", class_="points")
        for day, count in points:
            _el(
                dots,
                "circle",
                tooltip=f"{day.isoformat()}: {count} {series_label.lower()} in total",
                cx=x_of(day),
                cy=y_of(count),
                r=3,
                fill=OKABE_ITO[0],
            )
        _text(
            root,
            x_of(end) - 4,
            y_of(last) - 8,
            f"{last}" + (f" of {target}" if target else ""),
            anchor="end",
            weight="600",
        )
    else:
        _empty_message(root, left + plot_w / 2, top + plot_h / 2, empty_text)
    return _finish(root)


def _month_ticks(start: date, end: date, *, max_ticks: int) -> list[tuple[date, str]]:
    """First days of months between start and end, thinned to at most `max_ticks`."""
    months = []
    day = date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    if not months:
        return [(start, start.strftime("%d %b %Y")), (end, end.strftime("%d %b %Y"))]
    step = max(1, math.ceil(len(months) / max_ticks))
    shown = months[::step]
    return [
        (m, m.strftime("%b %Y") if i == 0 or m.month == 1 else m.strftime("%b"))
        for i, m in enumerate(shown)
    ]


# --- heat map --------------------------------------------------------------------------------


def heatmap(
    *,
    slug: str,
    title: str,
    desc: str,
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    total_label: str = "Total",
    width: int = 620,
    empty_text: str = "No adverse event recorded",
) -> str:
    """Counts in a grid (rows x columns), darker for more, each cell labelled with its count."""
    if len(counts) != len(rows) or any(len(r) != len(columns) for r in counts):
        raise ValueError("counts must have one row per row label and one value per column")
    cell_h = 30
    total_w = 50
    label_w = int(min(max((text_width(r) for r in rows), default=60) + 8, width * 0.45))
    left = label_w + 12
    cell_w = (width - left - total_w - 8) / max(len(columns), 1)
    top = 34
    root = _svg(slug, title, desc, width, 0)
    for j, column in enumerate(columns):
        _text(root, left + (j + 0.5) * cell_w, top - 12, column, anchor="middle", weight="600")
    _text(root, left + len(columns) * cell_w + total_w / 2, top - 12, total_label, anchor="middle")
    peak = max((c for r in counts for c in r), default=0)
    cells = _el(root, "g", class_="cells")
    for i, (row, row_counts) in enumerate(zip(rows, counts, strict=True)):
        y = top + i * cell_h
        lines = _wrap(row, label_w, size=11, lines=2)
        label = _multiline(root, left - 8, y + cell_h / 2, lines, size=11, line_height=12)
        if " ".join(lines) != row:
            ET.SubElement(label, "title").text = row
        for j, (column, count) in enumerate(zip(columns, row_counts, strict=True)):
            colour = _heat(count, peak)
            x = left + j * cell_w
            _el(
                cells,
                "rect",
                tooltip=f"{row}, {column}: {count}",
                x=x,
                y=float(y),
                width=cell_w,
                height=float(cell_h),
                fill=colour,
                stroke="#ffffff",
                stroke_width=2,
                class_="cell",
            )
            if count:
                _text(
                    root,
                    x + cell_w / 2,
                    y + cell_h / 2,
                    str(count),
                    anchor="middle",
                    dy="0.35em",
                    fill=_ink_on(colour),
                    weight="600",
                )
        _text(
            root,
            left + len(columns) * cell_w + total_w / 2,
            y + cell_h / 2,
            str(sum(row_counts)),
            anchor="middle",
            dy="0.35em",
        )
    height = top + max(len(rows), 1) * cell_h + 10
    if not rows:
        _empty_message(root, width / 2, top + cell_h / 2, empty_text)
    return _resize(root, width, height)


def _heat(count: int, peak: int) -> str:
    if count <= 0 or peak <= 0:
        return "#f8f9fa"
    step = math.ceil(count / peak * (len(HEAT_SCALE) - 1))
    return HEAT_SCALE[max(1, min(step, len(HEAT_SCALE) - 1))]


def _ink_on(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (WCAG relative luminance)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


# --- swimmer plot ----------------------------------------------------------------------------


def swimmer_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    lanes: Sequence[SwimmerLane],
    groups: Sequence[str],
    tick_every: int = 21,
    width: int = 1200,
    empty_text: str = "No subject dosed yet",
) -> str:
    """One horizontal bar per subject from C1D1 (day 0), coloured by dose level.

    The part of the bar while on treatment is solid, follow-up after it lighter; an arrow
    means still on study. Markers: responses (circles in the response colour), SAE onsets
    (triangles), DLT onsets (diamonds), end of treatment (bar), death (cross).
    """
    colours = {g: DOSE_LEVEL_COLOURS[i % len(DOSE_LEVEL_COLOURS)] for i, g in enumerate(groups)}
    lane_h, bar_h = 22, 12
    label_w = int(max((text_width(lane.label) for lane in lanes), default=40) + 8)
    left, right = label_w + 14, 30
    plot_w = width - left - right
    root = _svg(slug, title, desc, width, 0)
    top = 8
    legend = [(f"{g}", _swatch(colours[g])) for g in groups]
    legend.append(("Follow-up after treatment (thin bar)", _thin_swatch))
    legend.append(("Still on study", _arrow_swatch))
    top += _legend(root, left, top + 8, legend, max_width=plot_w)
    marker_items = [
        (SWIMMER_MARKERS[kind], _marker_swatch(kind))
        for kind in ("cr", "pr", "sd", "pd", "ne", "sae", "dlt", "eot", "death")
    ]
    top += _legend(root, left, top + 8, marker_items, max_width=plot_w) + 8

    max_day = max(
        (max([lane.end_day, *(m.day for m in lane.markers)]) for lane in lanes), default=0
    )
    max_day = max(max_day, tick_every)
    step = tick_every * max(1, math.ceil(max_day / tick_every / 16))
    axis_end = math.ceil(max_day / step) * step
    scale = plot_w / axis_end
    plot_h = max(len(lanes), 1) * lane_h

    def x_of(day: float) -> float:
        return left + max(day, 0) * scale

    for tick in range(0, axis_end + 1, step):
        x = x_of(tick)
        _el(root, "line", x1=x, x2=x, y1=float(top), y2=top + plot_h, stroke=GRID)
        _text(root, x, top + plot_h + 16, str(tick), anchor="middle", fill=MUTED)
    _text(
        root,
        left + plot_w / 2,
        top + plot_h + 34,
        f"Days since first dose (C1D1 = day 0; grid every {step} days)",
        anchor="middle",
        fill=AXIS,
    )
    bars = _el(root, "g", class_="lanes")
    markers = _el(root, "g", class_="markers")
    for i, lane in enumerate(lanes):
        cy = top + i * lane_h + lane_h / 2
        _text(root, left - 8, cy, lane.label, anchor="end", dy="0.35em")
        colour = colours.get(lane.group, "#999999")
        treatment = max(min(lane.treatment_end_day, lane.end_day), 0)
        tooltip = lane.detail or f"{lane.label} ({lane.group}): day 0 to {lane.end_day}"
        _el(
            bars,
            "rect",
            tooltip=tooltip,
            x=float(left),
            y=cy - bar_h / 2,
            width=max(treatment * scale, 2.0),
            height=float(bar_h),
            fill=colour,
            class_="lane",
        )
        if lane.end_day > treatment:
            _el(
                bars,
                "rect",
                tooltip=f"{lane.label}: follow-up, day {treatment} to {lane.end_day}",
                x=x_of(treatment),
                y=cy - 2.0,
                width=(lane.end_day - treatment) * scale,
                height=4.0,
                fill=colour,
                class_="follow-up",
            )
        if lane.ongoing:
            x = x_of(lane.end_day)
            _el(
                markers,
                "path",
                tooltip=f"{lane.label}: still on study",
                d=f"M{_num(x + 2)},{_num(cy - 6)}L{_num(x + 11)},{_num(cy)}L{_num(x + 2)},"
                f"{_num(cy + 6)}Z",
                fill=AXIS,
                class_="marker marker-ongoing",
            )
        for marker in sorted(lane.markers, key=lambda m: _MARKER_ORDER.get(m.kind, 9)):
            name = SWIMMER_MARKERS.get(marker.kind, marker.kind)
            tip = marker.label or f"{name}, day {marker.day}"
            _marker(markers, marker.kind, x_of(marker.day), cy, tip)
    _el(root, "line", x1=float(left), x2=float(left), y1=float(top), y2=top + plot_h, stroke=AXIS)
    if not lanes:
        _empty_message(root, left + plot_w / 2, top + plot_h / 2, empty_text)
    return _resize(root, width, top + plot_h + 44)


# Drawn in this order, so the shapes that matter most stay on top.
_MARKER_ORDER = {"eot": 0, "ne": 1, "sd": 2, "pr": 3, "cr": 4, "pd": 5, "sae": 6, "dlt": 7}


def _marker(parent, kind: str, x: float, cy: float, tooltip: str) -> None:
    css = f"marker marker-{kind}"
    if kind in RESPONSE_COLOURS and kind:
        _el(
            parent,
            "circle",
            tooltip=tooltip,
            cx=x,
            cy=cy,
            r=5.5,
            fill=RESPONSE_COLOURS[kind],
            stroke="#000000",
            stroke_width=1,
            class_=css,
        )
    elif kind == "sae":
        y = cy - 7  # above the bar's centre, so a response on the same day stays visible
        _el(
            parent,
            "path",
            tooltip=tooltip,
            d=f"M{_num(x)},{_num(y - 6)}L{_num(x + 6)},{_num(y + 5)}L{_num(x - 6)},{_num(y + 5)}Z",
            fill="#000000",
            stroke="#ffffff",
            stroke_width=1,
            class_=css,
        )
    elif kind == "dlt":
        y = cy + 7
        _el(
            parent,
            "path",
            tooltip=tooltip,
            d=f"M{_num(x)},{_num(y - 6)}L{_num(x + 6)},{_num(y)}L{_num(x)},{_num(y + 6)}"
            f"L{_num(x - 6)},{_num(y)}Z",
            fill="#CC79A7",
            stroke="#000000",
            stroke_width=1,
            class_=css,
        )
    elif kind == "eot":
        _el(
            parent,
            "rect",
            tooltip=tooltip,
            x=x - 1.5,
            y=cy - 9,
            width=3,
            height=18,
            fill="#000000",
            class_=css,
        )
    elif kind == "death":
        _el(
            parent,
            "path",
            tooltip=tooltip,
            d=f"M{_num(x - 5)},{_num(cy - 5)}L{_num(x + 5)},{_num(cy + 5)}"
            f"M{_num(x + 5)},{_num(cy - 5)}L{_num(x - 5)},{_num(cy + 5)}",
            stroke="#000000",
            stroke_width=3,
            class_=css,
        )
    else:
        raise ValueError(f"unknown swimmer marker {kind!r}")


def _marker_swatch(kind: str):
    def draw(parent, cx, cy):
        offset = {"sae": 7, "dlt": -7}.get(kind, 0)  # centre the shape on the legend line
        _marker(parent, kind, float(cx), cy + offset, SWIMMER_MARKERS[kind])

    return draw


def _thin_swatch(parent, cx, cy):
    _el(parent, "rect", x=cx - 6.0, y=cy - 2.0, width=12, height=4, fill=AXIS)


def _arrow_swatch(parent, cx, cy):
    _el(
        parent,
        "path",
        d=f"M{_num(cx - 4)},{_num(cy - 6)}L{_num(cx + 5)},{_num(cy)}"
        f"L{_num(cx - 4)},{_num(cy + 6)}Z",
        fill=AXIS,
    )


# --- waterfall plot --------------------------------------------------------------------------


def waterfall_chart(
    *,
    slug: str,
    title: str,
    desc: str,
    bars: Sequence[WaterfallBar],
    categories: Sequence[str] = ("cr", "pr", "sd", "pd", "ne", ""),
    reference_lines: Sequence[tuple[float, str]] = (
        (20, "+20%: progression"),
        (-30, "−30%: partial response"),
    ),
    width: int = 1200,
    height: int = 420,
    y_max_cap: float = 100,
    empty_text: str = "No follow-up tumour assessment yet",
) -> str:
    """Vertical bars of best % change from baseline, largest increase on the left.

    Bars above `y_max_cap` are cut at the top and labelled with their value.
    """
    ordered = sorted(bars, key=lambda b: -b.pct)
    left, right = 56, 16
    label_rows = len(ordered) <= 60
    bottom = 70 if label_rows else 30
    root = _svg(slug, title, desc, width, height)
    top = 8
    used = [c for c in categories if any(b.category == c for b in ordered)] or ["cr", "pr", "sd"]
    items = [
        (RESPONSE_LABELS[c], _swatch(RESPONSE_COLOURS[c], "#000000" if c == "" else None))
        for c in used
    ]
    top += _legend(root, left, top + 8, items, max_width=width - left - right) + 6
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((b.pct for b in ordered), default=0)
    y_max = min(max(40.0, math.ceil((highest + 5) / 20) * 20), y_max_cap)
    y_min = -100.0
    scale = plot_h / (y_max - y_min)

    def y_of(pct: float) -> float:
        return top + (y_max - max(min(pct, y_max), y_min)) * scale

    tick = -100
    while tick <= y_max:
        y = y_of(tick)
        _el(root, "line", x1=float(left), x2=float(left + plot_w), y1=y, y2=y, stroke=GRID)
        _text(root, left - 6, y, f"{tick:+d}%" if tick else "0%", anchor="end", dy="0.35em")
        tick += 20
    _text(
        root,
        14,
        top + plot_h / 2,
        "Best change in sum of diameters from baseline (%)",
        anchor="middle",
        fill=AXIS,
        transform=f"rotate(-90 14 {_num(top + plot_h / 2)})",
    )
    n = max(len(ordered), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.8, 40)
    zero = y_of(0)
    group = _el(root, "g", class_="bars")
    for i, bar in enumerate(ordered):
        cx = left + slot * (i + 0.5)
        y = y_of(bar.pct)
        h = abs(y - zero)
        _el(
            group,
            "rect",
            tooltip=bar.detail or f"{bar.label}: {bar.pct:+.1f}%",
            x=cx - bar_w / 2,
            y=min(y, zero) if h >= 1.5 else zero - 0.75,
            width=bar_w,
            height=max(h, 1.5),
            fill=RESPONSE_COLOURS.get(bar.category, "#cccccc"),
            stroke="#000000" if bar.category == "" else None,
            stroke_width=0.5 if bar.category == "" else None,
            class_="bar",
        )
        if bar.pct > y_max and slot >= 28:  # narrower: the value is in the tooltip and table
            _text(root, cx, y_of(y_max) + 12, f"{bar.pct:+.0f}%", anchor="middle", size=10)
        if label_rows:
            _text(
                root,
                cx,
                top + plot_h + 8,
                bar.label,
                anchor="end",
                size=10,
                fill=MUTED,
                transform=f"rotate(-60 {_num(cx)} {_num(top + plot_h + 8)})",
            )
    _el(root, "line", x1=float(left), x2=float(left + plot_w), y1=zero, y2=zero, stroke=AXIS)
    for value, label in reference_lines:
        if not y_min <= value <= y_max:
            continue
        y = y_of(value)
        _el(
            root,
            "line",
            tooltip=label,
            x1=float(left),
            x2=float(left + plot_w),
            y1=y,
            y2=y,
            stroke="#000000",
            stroke_width=1.5,
            stroke_dasharray="6 4",
            class_="reference",
        )
        # Bars are sorted high to low: above zero the right end is clear, below it the left.
        if value >= 0:
            _text(root, left + plot_w - 4, y - 5, label, anchor="end", size=11, weight="600")
        else:
            _text(root, left + 4, y + 14, label, size=11, weight="600")
    if not ordered:
        # Between the zero line and the nearest reference line above it, never across the
        # -30 % line that sits at the middle of an empty plot.
        above = [y_of(v) for v, _label in reference_lines if 0 < v <= y_max]
        ceiling = max(above) if above else top
        _empty_message(root, left + plot_w / 2, (zero + ceiling) / 2 + 5, empty_text)
    return _finish(root)
