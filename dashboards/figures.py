"""The dashboards' figures: each chart with the data table printed under it and offered as CSV.

Pure functions from the selectors' dataclasses to `Figure`s (no queries here): the page, the
SVG download and the CSV download of a chart are all made from the same Figure, so what is
drawn, what is tabulated and what is downloaded cannot disagree.
"""

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.utils.safestring import SafeString, mark_safe

from dashboards import charts
from dashboards.selectors import GRADES, Oncology, Overview, Safety, SubjectCourse
from labs.shift import BASELINE_ROWS, WORST_COLUMNS
from trial.spreadsheet import csv_writer

RESPONSE_NAMES = {"cr": "CR", "pr": "PR", "sd": "SD", "pd": "PD", "ne": "NE"}
OFF_STUDY_NAMES = {
    "death": "Died",
    "withdrawal": "Withdrew consent",
    "lost_to_follow_up": "Lost to follow-up",
    "end_of_study": "Completed the study",
}
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")
GRADE_SERIES = tuple(charts.Series(f"Grade {g}", charts.GRADE_COLOURS[g]) for g in GRADES)


@dataclass(frozen=True)
class Table:
    """A data table: the first cell of each row is its row header (th scope="row")."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]

    @property
    def numeric(self) -> tuple[bool, ...]:
        """For each column, whether it holds only numbers (right-aligned on the page)."""
        return tuple(
            bool(self.rows) and all(_is_number(row[i]) for row in self.rows)
            for i in range(len(self.columns))
        )

    @property
    def css(self) -> tuple[str, ...]:
        """Per column: numbers right-aligned; one-word cells (ids, dates) never broken."""
        return tuple(
            " ".join(
                c
                for c, wanted in (
                    ("text-end", numeric),
                    ("text-nowrap", all(" " not in str(row[i]) for row in self.rows)),
                )
                if wanted
            )
            for i, numeric in enumerate(self.numeric)
        )

    @property
    def header(self) -> tuple[tuple[str, str], ...]:
        """(column, css class): headers of number columns are right-aligned like their cells."""
        return tuple(
            (column, "text-end" if numeric and i else "")
            for i, (column, numeric) in enumerate(zip(self.columns, self.numeric, strict=True))
        )

    @property
    def body(self) -> tuple[tuple[tuple[object, str], ...], ...]:
        css = self.css
        return tuple(tuple(zip(row, css, strict=True)) for row in self.rows)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def _is_number(value) -> bool:
    if isinstance(value, int | float | Decimal):
        return True
    return isinstance(value, str) and bool(NUMBER.fullmatch(value))


@dataclass(frozen=True)
class Figure:
    slug: str
    title: str
    svg: str
    table: Table
    notes: tuple[str, ...] = field(default=())
    wide: bool = False
    # On the page, a figure of one row per subject shows one page of them (issue 22: the
    # oncology page drew 2,400 bars, 3.9 MB); the downloads are whole (page None).
    page: Page | None = None
    page_query: str = ""  # the other parameters of the request, for the pager's links

    @property
    def inline_svg(self) -> SafeString:
        # Built by ElementTree, which escapes every text and attribute value.
        return mark_safe(self.svg)


def _month_label(month: date) -> str:
    return month.strftime("%b %Y")


def _months(start: date, end: date) -> list[date]:
    months, month = [], date(start.year, start.month, 1)
    while month <= end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def _scope_note(all_sites: bool, site_codes: Sequence[str]) -> str:
    if all_sites:
        return "All sites."
    if not site_codes:
        return "You have no site: nothing to count."
    return "Your sites only: " + ", ".join(site_codes) + "."


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "–"


# --- study overview ------------------------------------------------------------------------


def overview_figures(data: Overview) -> list[Figure]:
    return [
        enrollment_figure(data),
        funnel_figure(data),
        screen_failure_figure(data),
        dose_level_figure(data),
        site_figure(data),
    ]


def enrollment_figure(data: Overview) -> Figure:
    cumulative, total = [], 0
    for day, n in data.enrollments:
        total += n
        cumulative.append((day, total))
    start = data.enrollments[0][0] if data.enrollments else data.today
    by_month: dict[date, int] = {}
    for day, n in data.enrollments:
        month = date(day.year, day.month, 1)
        by_month[month] = by_month.get(month, 0) + n
    rows, running = [], 0
    for month in _months(start, data.today) if data.enrollments else []:
        running += by_month.get(month, 0)
        rows.append((_month_label(month), by_month.get(month, 0), running, data.target_enrollment))
    title = "Enrollment over time"
    desc = (
        f"Cumulative number of subjects enrolled, {total} so far against the study target of "
        f"{data.target_enrollment}. The table below gives the numbers by month."
    )
    return Figure(
        slug="enrollment",
        title=title,
        svg=charts.cumulative_chart(
            slug="enrollment",
            title=title,
            desc=desc,
            points=cumulative,
            start=min(start, data.today),
            end=data.today,
            target=data.target_enrollment,
            target_label="Study target",
            width=1240,
            height=300,
        ),
        table=Table(
            caption=f"Subjects enrolled by month ({total} in total; study target "
            f"{data.target_enrollment})",
            columns=("Month", "Enrolled in the month", "Enrolled in total", "Study target"),
            rows=tuple(rows),
        ),
        notes=()
        if data.all_sites
        else ("The target is the whole study's, on this page restricted to your sites.",),
        wide=True,
    )


def funnel_figure(data: Overview) -> Figure:
    f = data.funnel
    stages = (("Screened", f.screened), ("Eligible", f.eligible), ("Enrolled", f.enrolled))
    title = "Screening funnel"
    desc = (
        f"{f.screened} subjects screened, {f.eligible} eligible, {f.enrolled} enrolled; "
        f"{f.screen_failed} screen failures and {f.in_screening} still in screening."
    )
    return Figure(
        slug="funnel",
        title=title,
        svg=charts.bar_chart(
            slug="funnel",
            title=title,
            desc=desc,
            categories=[label for label, _n in stages],
            series=[charts.Series("Subjects", charts.OKABE_ITO[0])],
            values=[[n] for _label, n in stages],
            value_axis="Subjects",
        ),
        table=Table(
            caption="Subjects at each stage of screening",
            columns=("Stage", "Subjects", "% of screened"),
            rows=tuple((label, n, _pct(n, f.screened)) for label, n in stages),
        ),
        notes=(
            "Screened: informed consent signed. Eligible: the eligibility CRF computes "
            "eligible (confirmed by the investigator or not yet).",
            f"Registered: {f.registered} (of whom {f.registered - f.screened} without consent "
            f"yet). Still in screening: {f.in_screening}. Screen failures: {f.screen_failed}.",
        ),
    )


def screen_failure_figure(data: Overview) -> Figure:
    rows = [(f"{c.code} {c.title}", c.subjects) for c in data.screen_failure_criteria]
    if data.screen_failed_without_failed_criterion:
        rows.append(("No failed criterion recorded", data.screen_failed_without_failed_criterion))
    title = "Screen failures by criterion"
    failures = data.funnel.screen_failed
    desc = (
        f"The eligibility criteria failed by the {failures} screen failures, most frequent "
        "first; a subject failing several criteria counts under each."
    )
    return Figure(
        slug="screen-failures",
        title=title,
        svg=charts.bar_chart(
            slug="screen-failures",
            title=title,
            desc=desc,
            categories=[label for label, _n in rows],
            series=[charts.Series("Screen failures", charts.OKABE_ITO[5])],
            values=[[n] for _label, n in rows],
            value_axis="Screen failures failing the criterion",
            empty_text="No screen failure",
            label_width=220,
        ),
        table=Table(
            caption=f"Criteria failed by the {failures} screen failures (protocol synopsis)",
            columns=("Criterion", "Screen failures", "% of screen failures"),
            rows=tuple((label, n, _pct(n, failures)) for label, n in rows),
        ),
        notes=("Criteria codes: IN = inclusion, EX = exclusion, numbered as in the synopsis.",),
    )


def dose_level_figure(data: Overview) -> Figure:
    title = "Subjects per dose level, with DLTs"
    enrolled = sum(r.enrolled for r in data.dose_levels)
    dlts = sum(r.with_dlt for r in data.dose_levels)
    desc = (
        f"{enrolled} subjects enrolled across {len(data.dose_levels)} dose levels, "
        f"{dlts} with a dose-limiting toxicity."
    )
    return Figure(
        slug="dose-levels",
        title=title,
        svg=charts.bar_chart(
            slug="dose-levels",
            title=title,
            desc=desc,
            categories=[f"{r.code} ({r.dose})" for r in data.dose_levels],
            series=[
                charts.Series("No DLT", charts.DOSE_LEVEL_COLOURS[0]),
                charts.Series("DLT", charts.OKABE_ITO[5]),
            ],
            values=[[r.enrolled - r.with_dlt, r.with_dlt] for r in data.dose_levels],
            stacked=True,
            value_axis="Subjects enrolled",
            empty_text="No subject enrolled yet",
        ),
        table=Table(
            caption="Subjects enrolled at each dose level and subjects with a DLT",
            columns=("Dose level", "Dose per injection", "Enrolled", "With a DLT"),
            rows=tuple((r.code, r.dose, r.enrolled, r.with_dlt) for r in data.dose_levels),
        ),
        notes=("The dose-escalation decisions are on the Escalation page.",),
    )


def site_figure(data: Overview) -> Figure:
    title = "Open queries and overdue visits per site"
    open_queries = sum(s.open_queries for s in data.sites)
    overdue = sum(s.overdue_visits for s in data.sites)
    desc = (
        f"{open_queries} open queries and {overdue} overdue visits across {len(data.sites)} sites."
    )
    return Figure(
        slug="sites",
        title=title,
        svg=charts.bar_chart(
            slug="sites",
            title=title,
            desc=desc,
            categories=[s.code for s in data.sites],
            series=[
                charts.Series("Open queries", charts.OKABE_ITO[1]),
                charts.Series("Overdue visits", charts.OKABE_ITO[5]),
            ],
            values=[[s.open_queries, s.overdue_visits] for s in data.sites],
            value_axis="Number",
            empty_text="No open query and no overdue visit",
        ),
        table=Table(
            caption=f"Open queries and overdue visits per site on {data.today.isoformat()}",
            columns=(
                "Site",
                "Subjects enrolled",
                "Open queries",
                "Answered queries (to close)",
                "Overdue visits",
            ),
            rows=tuple(
                (
                    f"{s.code} {s.name}",
                    s.enrolled,
                    s.open_queries,
                    s.answered_queries,
                    s.overdue_visits,
                )
                for s in data.sites
            ),
        ),
        notes=(
            "Overdue: the visit window closed before today and the visit is neither done, "
            "recorded as missed nor not applicable.",
        ),
    )


# --- safety --------------------------------------------------------------------------------


def safety_figures(data: Safety) -> list[Figure]:
    return [soc_figure(data), sae_figure(data), relationship_figure(data), lab_shift_figure(data)]


def _graded_columns(first: str) -> tuple[str, ...]:
    return (first, *(f"Grade {g}" for g in GRADES), "Total")


def soc_figure(data: Safety) -> Figure:
    kind = "serious adverse events" if data.serious_only else "adverse events"
    title = f"{kind.capitalize()} by system organ class and worst grade"
    desc = (
        f"Heat map of {data.totals.events} {kind} in {len(data.by_soc)} MedDRA system organ "
        "classes by worst CTCAE grade; darker cells hold more events."
    )
    return Figure(
        slug="soc-grade",
        title=title,
        svg=charts.heatmap(
            slug="soc-grade",
            title=title,
            desc=desc,
            rows=[r.label for r in data.by_soc],
            columns=[f"Grade {g}" for g in GRADES],
            counts=[r.by_grade for r in data.by_soc],
            width=980,
        ),
        table=Table(
            caption=f"Number of {kind} by system organ class (SOC) and worst CTCAE v5.0 grade",
            columns=(*_graded_columns("System organ class"), "Subjects"),
            rows=tuple((r.label, *r.by_grade, r.total, r.subjects) for r in data.by_soc),
        ),
        wide=True,
    )


def sae_figure(data: Safety) -> Figure:
    title = "Serious adverse events over time"
    total = sum(sum(g) for _m, g in data.sae_by_month)
    desc = (
        f"{total} SAEs by month of onset"
        + (f", from {_month_label(data.sae_by_month[0][0])}" if data.sae_by_month else "")
        + ", stacked by worst CTCAE grade."
    )
    return Figure(
        slug="sae-months",
        title=title,
        svg=charts.column_chart(
            slug="sae-months",
            title=title,
            desc=desc,
            categories=[m.strftime("%b %y") for m, _g in data.sae_by_month],
            series=GRADE_SERIES,
            values=[grades for _m, grades in data.sae_by_month],
            value_axis="SAEs",
            category_axis="Month of onset",
            empty_text="No serious adverse event",
        ),
        table=Table(
            caption="Serious adverse events by month of onset and worst grade",
            columns=_graded_columns("Month of onset"),
            rows=tuple((_month_label(m), *grades, sum(grades)) for m, grades in data.sae_by_month),
        ),
    )


def relationship_figure(data: Safety) -> Figure:
    kind = "SAEs" if data.serious_only else "AEs"
    product = data.product
    title = f"{kind} related and not related to {product}"
    related, unrelated, pending = (r.total for r in data.by_relationship)
    desc = (
        f"{related} {kind} related to {product}, {unrelated} not related and {pending} not "
        "yet assessed by the investigator, stacked by worst grade."
    )
    return Figure(
        slug="relationship",
        title=title,
        svg=charts.bar_chart(
            slug="relationship",
            title=title,
            desc=desc,
            categories=[r.label for r in data.by_relationship],
            series=GRADE_SERIES,
            values=[r.by_grade for r in data.by_relationship],
            stacked=True,
            value_axis=kind,
            empty_text="No adverse event",
        ),
        table=Table(
            caption=f"{kind} by the investigator's causality assessment and worst grade",
            columns=_graded_columns(f"Relationship to {product}"),
            rows=tuple((r.label, *r.by_grade, r.total) for r in data.by_relationship),
        ),
        notes=(
            "Related: possibly, probably or definitely related. Not related: not related or "
            "unlikely (unlikely counts as not related, as for SUSARs and DLTs).",
        ),
    )


def _grade_label(grade) -> str:
    return f"Grade {grade}" if isinstance(grade, int) else grade.capitalize()


def lab_shift_figure(data: Safety) -> Figure:
    """Subjects by baseline grade and worst post-baseline grade, per graded lab test; only the
    baseline rows that hold a subject are drawn."""
    title = "Lab shift table: baseline to worst CTCAE grade after the first dose"
    rows = [
        (shift, baseline, shift.counts[b])
        for shift in data.lab_shifts
        for b, baseline in enumerate(BASELINE_ROWS)
        if any(shift.counts[b])
    ]
    subjects = sum(s.subjects for s in data.lab_shifts)
    worsened = sum(s.worsened for s in data.lab_shifts)
    desc = (
        f"{len(data.lab_shifts)} graded lab tests; {subjects} subject-test pairs with a result "
        f"after the first dose, {worsened} of them at a worse grade than at baseline. Rows: "
        "test and baseline grade; columns: worst grade after the first dose."
    )
    columns = [_grade_label(w) for w in WORST_COLUMNS]
    return Figure(
        slug="lab-shift",
        title=title,
        svg=charts.heatmap(
            slug="lab-shift",
            title=title,
            desc=desc,
            rows=[f"{shift.term}, baseline {_grade_label(b).lower()}" for shift, b, _c in rows],
            columns=columns,
            counts=[counts for _s, _b, counts in rows],
            width=980,
            empty_text="No graded lab result after a first dose",
        ),
        table=Table(
            caption="Subjects by CTCAE v5.0 grade at baseline and worst grade after the first dose",
            columns=("Test", "Baseline", *(f"Worst: {c.lower()}" for c in columns), "Subjects"),
            rows=tuple(
                (shift.term, _grade_label(b), *counts, sum(counts)) for shift, b, counts in rows
            ),
        ),
        notes=(
            "Baseline: the last result on or before the first-dose day; after: every result "
            "collected after that day, its worst grade. Missing: no baseline result; not "
            "graded: no normal range in force at the site for the result. Subjects never "
            "dosed, voided results and voided subjects are not counted.",
        ),
        wide=True,
    )


# --- oncology ------------------------------------------------------------------------------


ONCOLOGY_PAGE_SIZE = 50


def oncology_figures(data: Oncology, pages: Mapping[str, str] | None = None) -> list[Figure]:
    """Whole figures (the downloads), or with `pages` ({figure slug: page number}, as in the
    page's query string) one page of ONCOLOGY_PAGE_SIZE subjects per figure, in its order."""
    return [swimmer_figure(data, pages=pages), waterfall_figure(data, pages=pages)]


def _page(items: list, slug: str, pages: Mapping[str, str] | None) -> tuple[list, Page | None]:
    if pages is None:
        return items, None
    page = Paginator(items, ONCOLOGY_PAGE_SIZE).get_page(pages.get(slug))
    return list(page), page


def _of_page(page: Page | None, noun: str) -> str:
    if page is None or not page.has_other_pages():
        return ""
    return (
        f" Shown here: {noun} {page.start_index()}–{page.end_index()} of "
        f"{page.paginator.count}; the downloads hold them all."
    )


def _day(course: SubjectCourse, on: date) -> int:
    """Days since C1D1 (C1D1 = day 0)."""
    assert course.first_dose is not None
    return (on - course.first_dose).days


def swimmer_lane(course: SubjectCourse, *, today: date) -> charts.SwimmerLane:
    """The swimmer bar of a dosed subject: C1D1 to off study, or to today if still on it."""
    end = course.off_study or today
    treatment_end = course.treatment_end or today
    markers = [
        charts.SwimmerMarker(
            _day(course, p.assessed_on),
            p.response,
            f"{RESPONSE_NAMES[p.response]} on {p.assessed_on} (day {_day(course, p.assessed_on)})"
            + (f", {p.change_pct:+}% from baseline" if p.change_pct is not None else ""),
        )
        for p in course.time_points
        if p.response
    ]
    markers += [
        charts.SwimmerMarker(_day(course, d), "sae", f"SAE onset {d} (day {_day(course, d)})")
        for d in course.sae_onsets
    ]
    markers += [
        charts.SwimmerMarker(_day(course, d), "dlt", f"DLT onset {d} (day {_day(course, d)})")
        for d in course.dlt_onsets
    ]
    if course.end_of_treatment:
        d = course.end_of_treatment
        tip = f"End of treatment {d} (day {_day(course, d)})"
        markers.append(charts.SwimmerMarker(_day(course, d), "eot", tip))
    if course.death:
        d = course.death
        markers.append(charts.SwimmerMarker(_day(course, d), "death", f"Died {d}"))
    status = (
        f"{OFF_STUDY_NAMES[course.off_study_kind]} on {course.off_study}"
        if course.off_study
        else "still on study"
    )
    return charts.SwimmerLane(
        label=f"{course.label} · {course.dose_level}",
        group=course.dose_level,
        treatment_end_day=_day(course, treatment_end),
        end_day=_day(course, end),
        ongoing=course.off_study is None,
        markers=tuple(markers),
        detail=f"{course.label} ({course.dose_level}, site {course.site_code}): C1D1 "
        f"{course.first_dose}, {course.doses_given} doses, {status}",
    )


def _days_on_study(course: SubjectCourse, today: date) -> int:
    """A swimmer bar's length (its lane's end_day), without building the lane."""
    return _day(course, course.off_study or today)


def swimmer_figure(data: Oncology, *, pages: Mapping[str, str] | None = None) -> Figure:
    # Sorted by the bars' lengths; the lanes (markers and texts) built for the page only.
    courses = sorted(data.dosed, key=lambda c: (-_days_on_study(c, data.today), c.label))
    title = "Swimmer plot: time on study per subject"
    ongoing = sum(1 for c in courses if c.off_study is None)
    desc = (
        f"One bar per dosed subject ({len(courses)}, {ongoing} still on study) from the first "
        "dose, coloured by dose level, full height while on treatment, with markers for tumour "
        "responses, SAEs, DLTs, end of treatment and death. Longest first."
    )
    courses, page = _page(courses, "swimmer", pages)
    desc += _of_page(page, "subjects")
    pairs = [(c, swimmer_lane(c, today=data.today)) for c in courses]
    lanes = [lane for _c, lane in pairs]
    rows = []
    for c, lane in pairs:
        rows.append(
            (
                c.label,
                c.site_code,
                c.dose_level,
                c.first_dose.isoformat(),
                c.last_dose.isoformat() if c.last_dose else "",
                c.doses_given,
                c.end_of_treatment.isoformat() if c.end_of_treatment else "",
                f"{OFF_STUDY_NAMES[c.off_study_kind]} {c.off_study.isoformat()}"
                if c.off_study
                else "On study",
                lane.end_day,
                "; ".join(
                    f"day {_day(c, p.assessed_on)} {RESPONSE_NAMES[p.response]}"
                    for p in c.time_points
                    if p.response
                ),
                RESPONSE_NAMES.get(c.best_response or "", ""),
                ", ".join(str(_day(c, d)) for d in c.sae_onsets),
                ", ".join(str(_day(c, d)) for d in c.dlt_onsets),
            )
        )
    notes = [
        "Day 0 is C1D1. The full-height part of a bar is the time on treatment (to the end of "
        "treatment, or to today while on treatment), the thin part follow-up after it.",
    ]
    if data.not_dosed:
        names = ", ".join(c.label for c in data.not_dosed[:30])
        more = f" and {len(data.not_dosed) - 30} more" if len(data.not_dosed) > 30 else ""
        notes.append(f"Enrolled but not dosed yet (no bar): {names}{more}.")
    if page is not None and page.has_other_pages():
        notes.append(_of_page(page, "subjects").strip())
    return Figure(
        slug="swimmer",
        title=title,
        svg=charts.swimmer_chart(
            slug="swimmer",
            title=title,
            desc=desc,
            lanes=lanes,
            groups=data.dose_levels,
        ),
        table=Table(
            caption="Time on study per dosed subject, with responses, SAEs and DLTs (days "
            "since C1D1)",
            columns=(
                "Subject",
                "Site",
                "Dose level",
                "C1D1",
                "Last dose",
                "Doses given",
                "End of treatment",
                "Off study",
                "Days on study",
                "Responses",
                "Best overall response",
                "SAE onset (day)",
                "DLT onset (day)",
            ),
            rows=tuple(rows),
        ),
        notes=tuple(notes),
        wide=True,
        page=page,
    )


def waterfall_bar(course: SubjectCourse) -> charts.WaterfallBar | None:
    """The subject's waterfall bar, or None without a follow-up sum of diameters."""
    if course.best_change_pct is None:
        return None
    best = course.best_response or ""
    return charts.WaterfallBar(
        label=course.label,
        pct=float(course.best_change_pct),
        category=best,
        detail=f"{course.label} ({course.dose_level}): best change {course.best_change_pct:+}%, "
        f"best overall response {RESPONSE_NAMES.get(best, 'not yet')}",
    )


def waterfall_figure(data: Oncology, *, pages: Mapping[str, str] | None = None) -> Figure:
    measured = [(c, waterfall_bar(c)) for c in data.courses]
    bars = [(c, bar) for c, bar in measured if bar is not None]
    bars.sort(key=lambda item: -item[1].pct)
    missing = [c for c, bar in measured if bar is None and c.first_dose is not None]
    title = "Waterfall plot: best change in tumour size"
    responders = sum(1 for c, _b in bars if c.best_response in ("cr", "pr"))
    desc = (
        f"Best percentage change from baseline in the sum of target lesion diameters for "
        f"{len(bars)} subjects, largest increase first, coloured by best overall response "
        f"(RECIST 1.1, unconfirmed); {responders} with CR or PR. Dashed lines at +20% "
        "(progression) and −30% (partial response)."
    )
    notes = [
        "Best overall response counts SD only from 42 days after the first dose; PD by a "
        "new lesion or non-target progression can go with a shrinking sum. Bars above +100% "
        "are cut at +100% (their value is in the table).",
    ]
    if missing:
        names = ", ".join(c.label for c in missing[:30]) + ("…" if len(missing) > 30 else "")
        notes.append(
            f"Dosed subjects without a measured follow-up assessment (not shown): "
            f"{len(missing)} ({names})."
        )
    bars, page = _page(bars, "waterfall", pages)
    desc += _of_page(page, "bars")
    if page is not None and page.has_other_pages():
        notes.append(_of_page(page, "bars").strip())
    return Figure(
        slug="waterfall",
        title=title,
        svg=charts.waterfall_chart(
            slug="waterfall", title=title, desc=desc, bars=[bar for _c, bar in bars]
        ),
        table=Table(
            caption="Best % change from baseline in the sum of diameters, per subject",
            columns=(
                "Subject",
                "Dose level",
                "Best % change",
                "Best overall response",
                "Follow-up assessments",
            ),
            rows=tuple(
                (
                    c.label,
                    c.dose_level,
                    _signed(c.best_change_pct),
                    RESPONSE_NAMES.get(c.best_response or "", "Not yet"),
                    len(c.time_points),
                )
                for c, _bar in bars
            ),
        ),
        notes=tuple(notes),
        wide=True,
        page=page,
    )


def _signed(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+}"


# --- key figures above the charts ----------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: int | str
    note: str = ""


def overview_kpis(data: Overview) -> list[Kpi]:
    f = data.funnel
    return [
        Kpi("enrolled", "Enrolled", f.enrolled, f"of {data.target_enrollment} (study target)"),
        Kpi("screened", "Screened", f.screened),
        Kpi("screen-failed", "Screen failures", f.screen_failed),
        Kpi("in-screening", "Still in screening", f.in_screening),
        Kpi("open-queries", "Open queries", sum(s.open_queries for s in data.sites)),
        Kpi("overdue-visits", "Overdue visits", sum(s.overdue_visits for s in data.sites)),
    ]


def safety_kpis(data: Safety) -> list[Kpi]:
    t = data.totals
    kind = "SAEs" if data.serious_only else "Adverse events"
    return [
        Kpi("events", kind, t.events),
        Kpi("subjects", "Subjects with one", t.subjects),
        Kpi("serious", "Serious (SAEs)", t.serious),
        Kpi("related", "Related", t.related),
        Kpi("fatal", "Fatal (grade 5)", t.fatal),
        Kpi("dlts", "DLTs", t.dlts),
    ]


def oncology_kpis(data: Oncology) -> list[Kpi]:
    dosed = data.dosed
    best = [c.best_response for c in dosed]
    evaluable = [b for b in best if b]
    responders = sum(1 for b in best if b in ("cr", "pr"))
    return [
        Kpi("dosed", "Dosed", len(dosed)),
        Kpi("on-study", "Still on study", sum(1 for c in dosed if c.off_study is None)),
        Kpi("on-treatment", "On treatment", sum(1 for c in dosed if c.treatment_end is None)),
        Kpi("with-response", "With a response assessed", len(evaluable)),
        Kpi(
            "responders",
            "CR or PR (best)",
            responders,
            f"of {len(evaluable)} assessed" if evaluable else "",
        ),
        Kpi("pd", "PD as best response", sum(1 for b in best if b == "pd")),
    ]
