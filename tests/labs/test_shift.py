"""The lab shift table: the pure counting (table-driven) and its one query on real results."""

from datetime import timedelta
from decimal import Decimal

import pytest

from labs.selectors import lab_results_for, shift_rows
from labs.services import lab_result_void
from labs.shift import MISSING, NOT_GRADED, ShiftRow, shift_table
from tests.labs.factories import RECORDED_AT, add_ranges, dipstick, record_result
from tests.screening.factories import PLANNED_C1D1

# --- the pure table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "baseline", "worst"),
    [
        (ShiftRow("ALT", True, 0, 0, 1), 0, 0),
        (ShiftRow("ALT", True, 0, 3, 1), 0, 3),
        (ShiftRow("ALT", True, 2, 1, 1), 2, 1),  # improved
        (ShiftRow("ALT", True, 4, 4, 1), 4, 4),
        (ShiftRow("ALT", True, None, 2, 1), NOT_GRADED, 2),  # a baseline without a range
        (ShiftRow("ALT", True, 1, None, 1), 1, NOT_GRADED),  # no post-baseline range
        (ShiftRow("ALT", False, None, 2, 1), MISSING, 2),  # no baseline result at all
    ],
)
def test_each_row_lands_in_the_cell_of_its_baseline_and_worst_grade(row, baseline, worst):
    (table,) = shift_table([row])
    assert table.cell(baseline, worst) == 1
    assert table.subjects == 1


def test_cells_add_up_per_test_and_tests_keep_the_ctcae_order():
    tables = shift_table(
        [
            ShiftRow("PLAT", True, 0, 3, 2),
            ShiftRow("NEUT", True, 0, 0, 5),
            ShiftRow("NEUT", True, 0, 0, 1),
            ShiftRow("NEUT", True, 1, 2, 1),
        ]
    )
    assert [t.test for t in tables] == ["NEUT", "PLAT"]  # labs.grading.CTCAE_TERMS order
    neut, plat = tables
    assert (neut.cell(0, 0), neut.cell(1, 2), neut.subjects) == (6, 1, 7)
    assert neut.term == "Neutrophil count decreased"
    assert (plat.cell(0, 3), plat.subjects) == (2, 2)


@pytest.mark.parametrize(
    ("rows", "worsened"),
    [
        ([ShiftRow("ALT", True, 0, 0, 3)], 0),
        ([ShiftRow("ALT", True, 0, 1, 3)], 3),
        ([ShiftRow("ALT", True, 2, 2, 1)], 0),  # same grade: not worse
        ([ShiftRow("ALT", True, 2, 1, 1)], 0),
        ([ShiftRow("ALT", True, 2, 3, 1)], 1),
        ([ShiftRow("ALT", False, None, 1, 1)], 1),  # a missing baseline reads as grade 0
        ([ShiftRow("ALT", False, None, 0, 1)], 0),
        ([ShiftRow("ALT", True, None, 3, 1)], 0),  # an ungraded baseline: cannot say
        ([ShiftRow("ALT", True, 0, None, 1)], 0),
    ],
)
def test_worsened_counts_only_a_worst_grade_above_a_known_baseline(rows, worsened):
    (table,) = shift_table(rows)
    assert table.worsened == worsened


@pytest.mark.parametrize(
    "row",
    [
        ShiftRow("GLUC", True, 0, 1, 1),
        ShiftRow("ALT", True, 0, 5, 1),
        ShiftRow("ALT", True, -1, 0, 1),
    ],
)
def test_an_ungraded_test_or_a_grade_outside_0_to_4_is_refused(row):
    with pytest.raises(ValueError):
        shift_table([row])


def test_no_rows_no_tables():
    assert shift_table([]) == ()


# --- the query ---------------------------------------------------------------------------

DAY_AFTER = PLANNED_C1D1 + timedelta(days=1)


def _cells(user):
    return {
        (t.test, b, w): t.cell(b, w)
        for t in shift_table(shift_rows(lab_results_for(user)))
        for b in (0, 1, 2, 3, 4, NOT_GRADED, MISSING)
        for w in (0, 1, 2, 3, 4, NOT_GRADED)
        if t.cell(b, w)
    }


def test_the_last_result_on_the_first_dose_day_is_the_baseline_and_later_ones_count_after(
    subject, coordinator_a
):
    # ULN 40: 30 is grade 0 and 130 (> 3 x ULN) grade 2; the baseline (130) is abnormal, so
    # 250 after the dose is graded against it: > 1.5 - 3.0 x baseline, grade 1.
    record_result(
        subject,
        coordinator_a,
        "SCR",
        collected_on=PLANNED_C1D1 - timedelta(days=5),
        value=Decimal(30),
    )
    record_result(subject, coordinator_a, "C1D1", collected_on=PLANNED_C1D1, value=Decimal(130))
    record_result(subject, coordinator_a, "C1D8", collected_on=DAY_AFTER, value=Decimal(250))
    assert _cells(coordinator_a) == {("ALT", 2, 1): 1}


def test_the_worst_post_baseline_grade_counts_and_a_voided_result_does_not(subject, coordinator_a):
    record_result(subject, coordinator_a, "C1D1", collected_on=PLANNED_C1D1, value=Decimal(30))
    record_result(subject, coordinator_a, "C1D8", value=Decimal(50))
    worst = record_result(
        subject, coordinator_a, "C1D8", collected_on=DAY_AFTER, value=Decimal(250)
    )  # > 5 x ULN: grade 3
    assert _cells(coordinator_a) == {("ALT", 0, 3): 1}
    lab_result_void(
        record=worst,
        by=coordinator_a,
        reason="Entered in error",
        expected_version=worst.version,
        now=RECORDED_AT,
    )
    assert _cells(coordinator_a) == {("ALT", 0, 1): 1}


def test_a_dipstick_without_a_value_shifts_by_its_graded_category(subject, coordinator_a):
    record_result(subject, coordinator_a, "C1D1", collected_on=PLANNED_C1D1, **dipstick("Trace"))
    record_result(subject, coordinator_a, "C1D8", **dipstick("1+"))
    record_result(subject, coordinator_a, "C1D8", **dipstick("3+", test="OCCBLD"))  # ungraded
    record_result(subject, coordinator_a, "C1D8", value=Decimal(50))
    assert _cells(coordinator_a) == {("ALT", MISSING, 1): 1, ("PROT", 0, 1): 1}
    [protein] = [
        t for t in shift_table(shift_rows(lab_results_for(coordinator_a))) if t.test == "PROT"
    ]
    assert protein.term == "Proteinuria"


def test_a_subject_without_a_baseline_result_is_in_the_missing_row(subject, coordinator_a):
    record_result(subject, coordinator_a, "C1D8", value=Decimal(50))
    assert _cells(coordinator_a) == {("ALT", MISSING, 1): 1}


def test_a_subject_with_only_a_baseline_is_not_counted(subject, coordinator_a):
    record_result(subject, coordinator_a, "C1D1", collected_on=PLANNED_C1D1, value=Decimal(30))
    assert _cells(coordinator_a) == {}


def test_the_other_sites_subjects_are_not_read(
    subject, subject_b, coordinator_a, coordinator_b, site_b, monitor
):
    add_ranges(site_b, coordinator_b)
    record_result(subject, coordinator_a, "C1D8", value=Decimal(50))
    record_result(subject_b, coordinator_b, "C1D8", value=Decimal(250))
    assert _cells(coordinator_a) == {("ALT", MISSING, 1): 1}
    assert _cells(coordinator_b) == {("ALT", MISSING, 3): 1}
    assert _cells(monitor) == {("ALT", MISSING, 1): 1, ("ALT", MISSING, 3): 1}


def test_one_query_whatever_the_number_of_subjects(
    subject, subject_b, coordinator_a, coordinator_b, site_b, monitor, django_assert_num_queries
):
    record_result(subject, coordinator_a, "C1D8", value=Decimal(50))
    readable = lab_results_for(monitor)  # the user's sites are read here, once
    with django_assert_num_queries(1):
        one = shift_rows(readable)
    add_ranges(site_b, coordinator_b)
    record_result(subject_b, coordinator_b, "C1D8", value=Decimal(250))
    record_result(
        subject_b, coordinator_b, "C1D8", test="NEUT", value=Decimal("0.9"), unit="10^9/L"
    )
    with django_assert_num_queries(1):
        three = shift_rows(readable)
    assert (len(one), sum(r.subjects for r in three)) == (1, 3)


def _bulk_alt_results(grades_after=(0, 1, 2, 3, 4)):
    """For each dosed subject without results: an ALT baseline of grade 0 on the first-dose
    day and one after it of a grade taken in turn from `grades_after`. Inserted in bulk: the
    query count does not depend on how the rows came, and 200 subjects through the service
    would make a slow test."""
    from labs.models import LabResult
    from trial.models import Subject

    subjects = Subject.objects.filter(first_dose_on__isnull=False, lab_results__isnull=True)
    rows = []
    for index, subject in enumerate(subjects.prefetch_related("visits").order_by("pk")):
        visit = subject.visits.all()[0]
        for on, grade in (
            (subject.first_dose_on, 0),
            (subject.first_dose_on + timedelta(days=7), grades_after[index % len(grades_after)]),
        ):
            rows.append(
                LabResult(
                    subject=subject,
                    visit=visit,
                    test="ALT",
                    panel="chemistry",
                    collected_on=on,
                    value=Decimal(30),
                    unit="U/L",
                    standard_value=Decimal(30),
                    standard_unit="U/L",
                    grade=grade,
                    recorded_by=subject.created_by,
                )
            )
    LabResult.objects.bulk_create(rows)


def test_the_shift_table_takes_the_same_queries_at_5_and_at_200_subjects(
    seed_subjects, monitor, django_assert_num_queries
):
    from trial.models import Subject

    def pairs():
        (alt,) = shift_table(shift_rows(lab_results_for(monitor)))  # as the safety page
        return alt.subjects

    seed_subjects(5)
    _bulk_alt_results()
    dosed = Subject.objects.filter(first_dose_on__isnull=False).count()
    with django_assert_num_queries(2):  # the user's sites, the table
        assert pairs() == dosed
    seed_subjects(200)
    _bulk_alt_results()
    dosed_then = Subject.objects.filter(first_dose_on__isnull=False).count()
    assert dosed_then > 40 * dosed / 5  # the subjects read grew with the seed
    with django_assert_num_queries(2):
        assert pairs() == dosed_then
