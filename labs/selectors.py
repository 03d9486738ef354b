"""Lab reads scoped by site (trial.access): like the other visit CRFs, every role of a site
reads its subjects' lab results."""

from django.db import connections
from django.db.models import F, QuerySet

from labs.grading import GRADED_TESTS
from labs.models import LabResult
from labs.shift import ShiftRow
from labs.units import TESTS
from trial.access import scope_to_sites
from trial.models import User, VisitKind


def lab_results_for(user: User) -> QuerySet[LabResult]:
    return scope_to_sites(LabResult.objects.all(), user, site_field="subject__site").select_related(
        "subject", "subject__site", "visit", "normal_range"
    )


# The shift table's one query: the live results the user reads, each subject's baseline per
# test (DISTINCT ON: the last on or before the first-dose day) and its worst grade after it,
# counted per cell in the database, so its cost is one query whatever the number of subjects.
_SHIFT_SQL = """
WITH live AS ({results}),
baseline AS (
    SELECT DISTINCT ON (subject_id, test) subject_id, test, grade
    FROM live
    WHERE collected_on <= first_dose
    ORDER BY subject_id, test, collected_on DESC, collected_time DESC NULLS LAST, id DESC
),
post AS (
    SELECT subject_id, test, MAX(grade) AS worst
    FROM live
    WHERE collected_on > first_dose
    GROUP BY subject_id, test
)
SELECT post.test, baseline.subject_id IS NOT NULL, baseline.grade, post.worst, COUNT(*)
FROM post LEFT JOIN baseline USING (subject_id, test)
GROUP BY 1, 2, 3, 4
"""


def shift_rows(results: QuerySet[LabResult]) -> list[ShiftRow]:
    """The shift table's cells for `results` (already scoped to what the user reads): voided
    results, voided subjects and subjects never dosed are left out."""
    live = (
        results.filter(
            voided_at__isnull=True,
            subject__voided_at__isnull=True,
            subject__first_dose_on__isnull=False,
            test__in=GRADED_TESTS,
        )
        .annotate(first_dose=F("subject__first_dose_on"))
        .values("id", "subject_id", "test", "collected_on", "collected_time", "grade", "first_dose")
        .order_by()
    )
    sql, params = live.query.sql_with_params()
    with connections[live.db].cursor() as cursor:
        cursor.execute(_SHIFT_SQL.format(results=sql), params)
        return [ShiftRow(*row) for row in cursor.fetchall()]


def screening_panel(*, subject) -> dict[str, dict]:
    """The subject's latest live result of each test at its screening visit, in the test's
    standard unit with the upper limit of the site's range in force (event
    `screening_labs_of`, read by the eligibility CRF for inclusion 7: screening.lab_panel).
    Plain values by test code: value, unit, uln, collected_on, title; numeric tests only
    (inclusion 7 reads numbers, not a dipstick's category)."""
    rows = (
        LabResult.objects.filter(
            subject=subject,
            voided_at__isnull=True,
            visit__kind=VisitKind.SCREENING,
            standard_value__isnull=False,
        )
        .order_by("test", "-collected_on", F("collected_time").desc(nulls_last=True), "-id")
        .distinct("test")
        .values("test", "standard_value", "standard_unit", "normal_high", "collected_on")
    )
    return {
        row["test"]: {
            "value": row["standard_value"],
            "unit": row["standard_unit"],
            "uln": row["normal_high"],
            "collected_on": row["collected_on"],
            "title": f"{TESTS[row['test']].name} collected on {row['collected_on']:%Y-%m-%d}",
        }
        for row in rows
    }
