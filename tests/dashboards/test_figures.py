"""From the selectors' data to figures and tables, without a database."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

from dashboards import figures
from dashboards.selectors import (
    CriterionCount,
    DoseLevelRow,
    Funnel,
    GradedRow,
    Oncology,
    Overview,
    Safety,
    SafetyTotals,
    SiteRow,
    SubjectCourse,
    TimePoint,
)
from labs.shift import ShiftRow, shift_table

TODAY = date(2026, 11, 20)
C1D1 = date(2026, 9, 1)


def overview(**changes) -> Overview:
    values = {
        "today": TODAY,
        "target_enrollment": 24,
        "all_sites": True,
        "site_codes": ("CN01", "FR01", "FR02"),
        "enrollments": ((date(2026, 9, 3), 2), (date(2026, 9, 20), 1), (date(2026, 11, 2), 1)),
        "funnel": Funnel(
            registered=10, screened=8, eligible=5, enrolled=4, screen_failed=3, in_screening=1
        ),
        "screen_failure_criteria": (
            CriterionCount("IN3", "ECOG performance status", 2),
            CriterionCount("EX5", "Active infection", 1),
        ),
        "screen_failed_without_failed_criterion": 1,
        "dose_levels": (DoseLevelRow("DL1", "25 µg", 3, 1), DoseLevelRow("DL2", "50 µg", 1, 0)),
        "sites": (SiteRow("FR01", "Lyon", 4, 2, 1, 3),),
    }
    return Overview(**(values | changes))


def course(label="FR01-001", **changes) -> SubjectCourse:
    values = {
        "subject_id": 1,
        "label": label,
        "site_code": "FR01",
        "dose_level": "DL1",
        "status": "on_treatment",
        "dlt": False,
        "first_dose": C1D1,
        "last_dose": C1D1 + timedelta(days=42),
        "doses_given": 3,
        "end_of_treatment": None,
        "off_study": None,
        "off_study_kind": "",
        "time_points": (),
        "best_response": None,
        "best_change_pct": None,
        "sae_onsets": (),
        "dlt_onsets": (),
    }
    return SubjectCourse(**(values | changes))


def test_enrollment_table_has_every_month_to_today_with_running_totals():
    figure = figures.enrollment_figure(overview())

    assert figure.table.rows == (
        ("Sep 2026", 3, 3, 24),
        ("Oct 2026", 0, 3, 24),
        ("Nov 2026", 1, 4, 24),
    )
    ET.fromstring(figure.svg)


def test_funnel_gives_each_stage_as_a_share_of_the_screened():
    figure = figures.funnel_figure(overview())

    assert figure.table.rows == (
        ("Screened", 8, "100%"),
        ("Eligible", 5, "62%"),
        ("Enrolled", 4, "50%"),
    )


def test_screen_failures_without_a_failed_criterion_have_their_own_row():
    rows = figures.screen_failure_figure(overview()).table.rows

    assert rows == (
        ("IN3 ECOG performance status", 2, "67%"),
        ("EX5 Active infection", 1, "33%"),
        ("No failed criterion recorded", 1, "33%"),
    )


def test_the_overview_restricted_to_sites_says_the_target_is_the_studys():
    figure = figures.enrollment_figure(overview(all_sites=False, site_codes=("FR01",)))

    assert any("whole study" in note for note in figure.notes)


def test_table_csv_has_the_header_then_the_rows():
    table = figures.site_figure(overview()).table

    rows = list(csv.reader(io.StringIO(table.csv())))

    assert rows == [list(table.columns), ["FR01 Lyon", "4", "2", "1", "3"]]


def test_table_csv_neutralises_formulas_and_keeps_changes_as_numbers():
    table = figures.Table(
        "c",
        ("Site", "Best % change", "Change"),
        (('=HYPERLINK("http://x","open")', "-30.0", -4), ("@SUM(A1)", "-12 %", Decimal("-2.5"))),
    )

    rows = list(csv.reader(io.StringIO(table.csv())))

    assert rows[1:] == [
        ['\'=HYPERLINK("http://x","open")', "-30.0", "-4"],
        ["'@SUM(A1)", "-12 %", "-2.5"],
    ]


def test_numbers_are_right_aligned_and_one_word_cells_not_broken():
    table = figures.Table(
        "c",
        ("Subject", "Best % change", "Off study"),
        (("FR01-001", "+30.0", "On study"), ("FR01-002", "-4", "Died 2026-10-01")),
    )

    assert table.numeric == (False, True, False)
    assert table.css == ("text-nowrap", "text-end text-nowrap", "")
    assert table.header == (("Subject", ""), ("Best % change", "text-end"), ("Off study", ""))


def test_safety_figures_say_saes_when_the_reader_sees_saes_only():
    data = Safety(
        today=TODAY,
        serious_only=True,
        all_sites=True,
        totals=SafetyTotals(events=2, subjects=2, serious=2, related=1, fatal=0, dlts=0),
        by_soc=(GradedRow("Investigations", (0, 0, 2, 0, 0), 2),),
        sae_by_month=((date(2026, 11, 1), (0, 0, 2, 0, 0)),),
        by_relationship=(
            GradedRow("Related", (0, 0, 1, 0, 0)),
            GradedRow("Not related", (0, 0, 0, 0, 0)),
            GradedRow("Not yet assessed", (0, 0, 1, 0, 0)),
        ),
    )

    soc, sae, relationship, _lab_shift = figures.safety_figures(data)

    assert soc.title.startswith("Serious adverse events by system organ class")
    assert soc.table.rows == (("Investigations", 0, 0, 2, 0, 0, 2, 2),)
    assert sae.table.rows == (("Nov 2026", 0, 0, 2, 0, 0, 2),)
    assert relationship.title.startswith("SAEs")
    assert [k.label for k in figures.safety_kpis(data)][0] == "SAEs"


def test_a_subject_who_died_has_a_death_marker_and_no_arrow():
    died = course(
        end_of_treatment=C1D1 + timedelta(days=50),
        off_study=C1D1 + timedelta(days=80),
        off_study_kind="death",
    )

    lane = figures.swimmer_lane(died, today=TODAY)

    assert (lane.treatment_end_day, lane.end_day, lane.ongoing) == (50, 80, False)
    assert [(m.kind, m.day) for m in lane.markers] == [("eot", 50), ("death", 80)]


def test_a_subject_who_withdrew_on_treatment_has_treatment_up_to_the_withdrawal():
    withdrew = course(off_study=C1D1 + timedelta(days=30), off_study_kind="withdrawal")

    lane = figures.swimmer_lane(withdrew, today=TODAY)

    assert (lane.treatment_end_day, lane.end_day, lane.ongoing, lane.markers) == (
        30,
        30,
        False,
        (),
    )


def test_oncology_figures_list_the_enrolled_subjects_not_dosed_yet():
    data = Oncology(
        today=TODAY,
        all_sites=True,
        dose_levels=("DL1", "DL2"),
        courses=(
            course(),
            course(
                "FR01-002",
                subject_id=2,
                time_points=(TimePoint(C1D1 + timedelta(days=42), "sd", Decimal("-12.5")),),
                best_response="sd",
                best_change_pct=Decimal("-12.5"),
            ),
            course("FR02-001", subject_id=3, first_dose=None, last_dose=None, doses_given=0),
        ),
    )

    swimmer, waterfall = figures.oncology_figures(data)

    assert [row[0] for row in swimmer.table.rows] == ["FR01-001", "FR01-002"]
    assert any("FR02-001" in note for note in swimmer.notes)
    assert waterfall.table.rows == (("FR01-002", "DL1", "-12.5", "SD", 1),)
    assert any("FR01-001" in note for note in waterfall.notes)
    kpis = {k.key: k.value for k in figures.oncology_kpis(data)}
    assert (kpis["dosed"], kpis["on-study"], kpis["with-response"]) == (2, 2, 1)


def test_the_lab_shift_figure_draws_the_baseline_rows_that_hold_subjects():
    data = Safety(
        today=TODAY,
        serious_only=False,
        all_sites=True,
        totals=SafetyTotals(events=0, subjects=0, serious=0, related=0, fatal=0, dlts=0),
        by_soc=(),
        sae_by_month=(),
        by_relationship=(GradedRow("Related", (0,) * 5),) * 3,
        lab_shifts=shift_table(
            [ShiftRow("NEUT", True, 0, 3, 2), ShiftRow("NEUT", False, None, 1, 1)]
        ),
    )

    figure = figures.lab_shift_figure(data)

    assert figure.table.rows == (
        ("Neutrophil count decreased", "Grade 0", 0, 0, 0, 2, 0, 0, 2),
        ("Neutrophil count decreased", "Missing", 0, 1, 0, 0, 0, 0, 1),
    )
    assert figure.table.columns[2] == "Worst: grade 0"
    assert "3 subject-test pairs" in figure.svg and "3 of them at a worse grade" in figure.svg


def test_the_swimmer_is_longest_first_and_a_page_is_that_slice_of_the_whole():
    courses = tuple(
        course(
            f"FR01-{n:03d}",
            subject_id=n,
            first_dose=C1D1 + timedelta(days=n % 7),
            off_study=C1D1 + timedelta(days=20 + n) if n % 3 == 0 else None,
            off_study_kind="withdrawal" if n % 3 == 0 else "",
        )
        for n in range(1, 121)
    )
    data = Oncology(today=TODAY, all_sites=True, dose_levels=("DL1",), courses=courses)
    whole = figures.swimmer_figure(data).table.rows
    days = [row[8] for row in whole]  # "Days on study": each lane's end_day
    assert days == sorted(days, reverse=True) and len(set(days)) > 2
    assert [(row[8], row[0]) for row in whole] == sorted(
        ((row[8], row[0]) for row in whole), key=lambda pair: (-pair[0], pair[1])
    )
    pages = [figures.swimmer_figure(data, pages={"swimmer": str(n)}) for n in (1, 2, 3)]
    size = figures.ONCOLOGY_PAGE_SIZE
    for n, page in enumerate(pages):
        assert page.table.rows == whole[n * size : (n + 1) * size]
    assert sum(len(page.table.rows) for page in pages) == len(whole) == 120
    assert "40 still on study" not in pages[0].svg and "80 still on study" in pages[0].svg
