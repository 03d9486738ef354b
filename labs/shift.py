"""The lab shift table: each subject's baseline CTCAE grade of a test against the worst grade
after the first dose (issue 18), as a pure function of the aggregated counts.

Baseline is the last result of the test collected on or before the first-dose day (the C1D1
sample is drawn before the dose); post-baseline is every result collected after that day. A
subject counts once per test, in the cell of (baseline grade, worst post-baseline grade), when
it has at least one post-baseline result of the test. "Missing": no result on or before the
first dose; "not graded": results exist but none carries a grade (no normal range in force).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from labs.grading import CTCAE_TERMS

MISSING = "missing"
NOT_GRADED = "not graded"
GRADES = (0, 1, 2, 3, 4)  # a value alone gives at most grade 4 (labs.grading)
BASELINE_ROWS = (*GRADES, NOT_GRADED, MISSING)
WORST_COLUMNS = (*GRADES, NOT_GRADED)


@dataclass(frozen=True)
class ShiftRow:
    """One aggregated cell as the database gives it: `has_baseline` is False when the subject
    has no result of the test on or before the first dose; a grade is None when ungraded."""

    test: str
    has_baseline: bool
    baseline_grade: int | None
    worst_grade: int | None
    subjects: int


@dataclass(frozen=True)
class TestShift:
    test: str
    term: str
    counts: tuple[tuple[int, ...], ...]  # BASELINE_ROWS x WORST_COLUMNS

    @property
    def subjects(self) -> int:
        return sum(sum(row) for row in self.counts)

    def cell(self, baseline, worst) -> int:
        return self.counts[BASELINE_ROWS.index(baseline)][WORST_COLUMNS.index(worst)]

    @property
    def worsened(self) -> int:
        """Subjects whose worst post-baseline grade is above a graded baseline grade (a
        missing baseline counts as grade 0, the usual convention for a shift to toxicity)."""
        total = 0
        for b, baseline in enumerate(BASELINE_ROWS):
            start = 0 if baseline == MISSING else baseline
            if not isinstance(start, int):
                continue
            total += sum(
                self.counts[b][w]
                for w, worst in enumerate(WORST_COLUMNS)
                if isinstance(worst, int) and worst > start
            )
        return total


def _baseline_label(row: ShiftRow):
    if not row.has_baseline:
        return MISSING
    return NOT_GRADED if row.baseline_grade is None else row.baseline_grade


def _worst_label(row: ShiftRow):
    return NOT_GRADED if row.worst_grade is None else row.worst_grade


def shift_table(rows: Iterable[ShiftRow]) -> tuple[TestShift, ...]:
    """One TestShift per graded test that has a post-baseline result, in CTCAE_TERMS order."""
    grids: dict[str, list[list[int]]] = {}
    for row in rows:
        if row.test not in CTCAE_TERMS:
            raise ValueError(f"{row.test!r} is not a graded test")
        for grade in (row.baseline_grade, row.worst_grade):
            if grade is not None and grade not in GRADES:
                raise ValueError(f"{row.test}: grade {grade} is outside 0-4")
        grid = grids.setdefault(row.test, [[0] * len(WORST_COLUMNS) for _ in BASELINE_ROWS])
        b = BASELINE_ROWS.index(_baseline_label(row))
        w = WORST_COLUMNS.index(_worst_label(row))
        grid[b][w] += row.subjects
    return tuple(
        TestShift(test, CTCAE_TERMS[test], tuple(tuple(r) for r in grids[test]))
        for test in CTCAE_TERMS
        if test in grids
    )
