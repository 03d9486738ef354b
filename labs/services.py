"""Recording lab results and site normal ranges, through the CRF write contract
(review.contract.crf_write). The rules are labs.units, labs.ranges and labs.grading: a save
standardises the value, picks the normal range in force and computes the CTCAE grade; a
categorical result (a urine dipstick) is read by its category, with no range."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from labs import grading, ranges, units
from labs.models import PANEL_OF_TEST, LabNormalRange, LabResult
from review.contract import crf_write
from review.services import assert_editable
from trial import hooks
from trial.access import entry_required, require
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.models import Site, Subject, User, Visit, VisitKind

RESULT_FIELDS = ("test", "collected_on", "collected_time", "value", "unit", "category")
RANGE_FIELDS = (
    "laboratory",
    "test",
    "unit",
    "low",
    "high",
    "sex",
    "age_min",
    "age_max",
    "effective_from",
    "effective_to",
)
_FOUR_PLACES = Decimal("0.0001")


def _as_rule_range(row: LabNormalRange) -> ranges.NormalRange:
    return ranges.NormalRange(
        test=row.test,
        unit=row.unit,
        low=row.low,
        high=row.high,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        sex=row.sex or None,
        age_min=row.age_min,
        age_max=row.age_max,
    )


def _standard_limit(test: str, limit: Decimal | None, unit: str):
    return None if limit is None else units.standardise(test=test, value=limit, unit=unit).exact


# A stored range with the rule it stands for, as labs.ranges.select_range reads it.
RangePair = tuple[LabNormalRange, ranges.NormalRange]


def site_ranges_of(site_id: int, tests: set[str]) -> dict[str, list[RangePair]]:
    """The site's normal ranges of `tests`, by test, read in one query: every candidate the
    range in force of a result is selected from (labs.ranges.select_range)."""
    found: dict[str, list[RangePair]] = {test: [] for test in tests}
    for row in LabNormalRange.objects.filter(site_id=site_id, test__in=tests):
        found[row.test].append((row, _as_rule_range(row)))
    return found


def _after_first_dose(record: LabResult) -> bool:
    first = record.subject.first_dose_on
    return first is not None and record.collected_on is not None and record.collected_on > first


def baselines_of(
    subject: Subject, results, *, before: LabResult | None = None
) -> dict[str, LabResult]:
    """The subject's baseline of each test of `results` graded after the first dose, by test,
    read in one query: the last result on or before the first dose day (labs drawn before the
    C1D1 dose). `before`, a result being entered or corrected, is not its own baseline."""
    tests = {result.test for result in results if _after_first_dose(result)}
    if not tests:
        return {}
    rows = LabResult.objects.filter(
        subject=subject,
        test__in=tests,
        voided_at__isnull=True,
        collected_on__lte=subject.first_dose_on,
    )
    if before is not None and before.pk:
        rows = rows.exclude(pk=before.pk)
    found: dict[str, LabResult] = {}
    for row in rows.order_by("test", "-collected_on", "-collected_time", "-pk"):
        found.setdefault(row.test, row)
    return found


def _stored(exact) -> Decimal | None:
    if exact is None:
        return None
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(_FOUR_PLACES)


def _compute(
    record: LabResult, *, site_ranges: dict[str, list[RangePair]], baselines: dict[str, LabResult]
) -> None:
    """Standardise, pick the range and grade `record` (its entered fields set) against the
    site's ranges of its test and the subject's baselines (site_ranges_of, baselines_of);
    field errors raise ValidationError naming the field."""
    subject = record.subject
    lab_test = units.TESTS.get(record.test)
    if lab_test is None:
        raise ValidationError({"test": [f"Unknown lab test {record.test!r}."]})
    errors = _entry_problems(record, lab_test)
    if errors:
        raise ValidationError(errors)
    record.panel = PANEL_OF_TEST[record.test]
    if lab_test.categorical:
        _read_category(record, lab_test)
        return
    try:
        standard = units.standardise(test=record.test, value=record.value, unit=record.unit)
    except units.UnitError as error:
        raise ValidationError({"unit": [str(error)]}) from None
    pairs = site_ranges.get(record.test, [])
    age = ranges.age_on(birth_date=subject.date_of_birth, on=record.collected_on)
    try:
        chosen = ranges.select_range(
            [rule for _row, rule in pairs],
            test=record.test,
            on=record.collected_on,
            sex=subject.sex,
            age=age,
        )
    except ranges.RangeError as error:
        raise ValidationError({"collected_on": [str(error)]}) from None
    record.standard_value = standard.value
    record.standard_unit = standard.unit
    record.normal_range = None
    record.normal_low = record.normal_high = None
    record.range_indicator = ""
    record.grade = None
    record.grade_reason = "no normal range in force at the site on this date"
    if chosen is None:
        return
    record.normal_range = next(row for row, rule in pairs if rule is chosen)
    low = _standard_limit(record.test, chosen.low, chosen.unit)
    high = _standard_limit(record.test, chosen.high, chosen.unit)
    record.normal_low, record.normal_high = _stored(low), _stored(high)
    record.range_indicator = grading.range_indicator(value=standard.exact, lln=low, uln=high)
    baseline_exact = None
    baseline = baselines.get(record.test) if _after_first_dose(record) else None
    if baseline is not None:
        baseline_exact = units.standardise(
            test=baseline.test, value=baseline.value, unit=baseline.unit
        ).exact
    try:
        result = grading.grade_lab(
            test=record.test, value=standard.exact, lln=low, uln=high, baseline=baseline_exact
        )
    except ValueError as error:  # the range lacks the limit this test is graded against
        record.grade_reason = str(error)[:200]
        return
    record.grade, record.grade_reason = result.grade, result.reason[:200]


def _entry_problems(record: LabResult, lab_test: units.LabTest) -> dict[str, list[str]]:
    """A categorical test takes its category and no value or unit; a numeric one its value
    (not negative) and no category. The unit of a numeric one is checked by labs.units."""
    errors: dict[str, list[str]] = {}
    if lab_test.categorical:
        problem = units.category_problem(record.test, record.category)
        if problem:
            errors["category"] = [problem + "."]
        if record.value is not None:
            errors["value"] = [f"{lab_test.name} is read as a category: leave the value empty."]
        if record.unit:
            errors["unit"] = [f"{lab_test.name} is read as a category: leave the unit empty."]
        return errors
    if record.value is None:
        errors["value"] = [f"{lab_test.name} needs its value."]
    elif record.value < 0:
        errors["value"] = ["A lab value cannot be negative."]
    if record.category:
        errors["category"] = [f"{lab_test.name} is a number: leave the category empty."]
    return errors


def _read_category(record: LabResult, lab_test: units.LabTest) -> None:
    """A category is read against the test's normal categories, not a site range, and
    graded where CTCAE grades it (dipstick protein)."""
    record.standard_value = None
    record.standard_unit = ""
    record.normal_range = None
    record.normal_low = record.normal_high = None
    record.range_indicator = grading.category_indicator(
        category=record.category, normal=lab_test.normal_categories
    )
    try:
        result = grading.grade_category(test=record.test, category=record.category)
    except ValueError:
        record.grade, record.grade_reason = None, "not graded by CTCAE v5.0"
        return
    record.grade, record.grade_reason = result.grade, result.reason[:200]


def _derive(record: LabResult) -> None:
    """_compute for a result entered or corrected, against what is stored now."""
    subject = record.subject
    _compute(
        record,
        site_ranges=site_ranges_of(subject.site_id, {record.test}),
        baselines=baselines_of(subject, [record], before=record),
    )


# What _compute derives: a regrade saves a result whose derived values changed.
DERIVED_FIELDS = (
    "panel",
    "standard_value",
    "standard_unit",
    "normal_range",
    "normal_low",
    "normal_high",
    "range_indicator",
    "grade",
    "grade_reason",
)
# Compared by column (the range's id), so a regrade does not load each result's stored range.
_DERIVED_COLUMNS = tuple(LabResult._meta.get_field(name).attname for name in DERIVED_FIELDS)


def _regrade(
    write, rows, *, by: User, what: str, site_ranges: dict[str, list[RangePair]] | None = None
) -> list[LabResult]:
    """Derive each stored result of one subject again (its range in force, its baseline) and
    save those whose range, indicator or grade changed, audited as a regrade of `what`. The
    site's ranges (unless given, read once for many subjects) and the subject's baselines
    are read once for all `rows`, so the queries do not grow with them; each result saved
    adds its own. A locked result that would change refuses the whole write, naming it: a
    data manager unlocks it first."""
    rows = list(rows)
    if not rows:
        return []
    subject = rows[0].subject
    if site_ranges is None:
        site_ranges = site_ranges_of(subject.site_id, {row.test for row in rows})
    baselines = baselines_of(subject, rows)
    changed = []
    for row in rows:
        before = [getattr(row, column) for column in _DERIVED_COLUMNS]
        _compute(row, site_ranges=site_ranges, baselines=baselines)
        if [getattr(row, column) for column in _DERIVED_COLUMNS] == before:
            continue
        assert_editable(row)
        with audit_context(by=by, reason=f"Regraded: the {what} changed"):
            write.save(row, update_fields=list(DERIVED_FIELDS))
        changed.append(row)
    return changed


def _may_be_baseline(record: LabResult) -> bool:
    first = record.subject.first_dose_on
    return first is not None and record.collected_on <= first


def _later_of_baseline(write, record: LabResult, *, tests: set[str], by: User) -> None:
    """A result on or before the first dose day may be the baseline of the subject's later
    results of its test (labs.grading's baseline-dependent thresholds): regrade them."""
    subject = record.subject
    if subject.first_dose_on is None:
        return
    later = (
        LabResult.objects.select_for_update()
        .filter(
            subject=subject,
            test__in=tests,
            voided_at__isnull=True,
            collected_on__gt=subject.first_dose_on,
        )
        .exclude(pk=record.pk)
        .select_related("subject")
        .order_by("collected_on", "pk")
    )
    site_ranges = site_ranges_of(subject.site_id, tests)
    for test in sorted(tests):
        _regrade(
            write,
            [row for row in later if row.test == test],
            by=by,
            what=f"{test} baseline",
            site_ranges=site_ranges,
        )


def regrade_after_first_dose(*, write, subject: Subject, by: User) -> None:
    """The first dose date moved (a dose recorded, corrected or voided): which result is the
    baseline, and which results come after it, may have changed; regrade them all."""
    stored = (
        LabResult.objects.select_for_update()
        .filter(subject=subject, voided_at__isnull=True)
        .select_related("subject")
        .order_by("collected_on", "pk")
    )
    _regrade(write, list(stored), by=by, what="first dose date")


def _apply(record: LabResult, values: dict) -> None:
    for name in RESULT_FIELDS:
        value = values.get(name)
        if name in ("test", "unit", "category"):
            value = (value or "").strip()
        setattr(record, name, value)


def _recheck(write, record: LabResult) -> None:
    """A result at a screening visit feeds the eligibility CRF's inclusion 7 (its query
    compares the two): re-check the records that read it (event
    `checked_against_screening_labs`, the screening app's)."""
    if record.visit.kind == VisitKind.SCREENING:
        write.recheck(*hooks.call("checked_against_screening_labs", subject=record.subject))


def lab_result_record(*, visit: Visit, by: User, values: dict, now: datetime) -> LabResult:
    """Add one lab result at a visit."""
    subject = visit.subject
    with crf_write(
        require=entry_required(by, subject, "record lab results"),
        by=by,
        now=now,
        subject=subject,
        audit_reason="Lab result recorded",
    ) as write:
        record = LabResult(subject=subject, visit=visit, recorded_by=by)
        _apply(record, values)
        _derive(record)
        write.save(record)
        _recheck(write, record)
        if _may_be_baseline(record):
            _later_of_baseline(write, record, tests={record.test}, by=by)
    return record


def lab_result_update(
    *, record: LabResult, by: User, values: dict, reason: str, expected_version: int, now: datetime
) -> LabResult:
    with crf_write(
        require=entry_required(by, record.subject, "edit lab results"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        was = (current.test, _may_be_baseline(current))
        _apply(current, values)
        _derive(current)
        write.save(current)
        _recheck(write, current)
        if was[1] or _may_be_baseline(current):
            _later_of_baseline(write, current, tests={was[0], current.test}, by=by)
    return current


def lab_result_void(
    *, record: LabResult, by: User, reason: str, expected_version: int, now: datetime
) -> LabResult:
    with crf_write(
        require=entry_required(by, record.subject, "void lab results"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        voided = write.void()
        _recheck(write, voided)
        if _may_be_baseline(voided):
            _later_of_baseline(write, voided, tests={voided.test}, by=by)
        return voided


def normal_range_record(*, site: Site, by: User, values: dict, now: datetime) -> LabNormalRange:
    """Add a normal range of the site's laboratory; refused if it cannot be right (low above
    high, a foreign unit) or if it overlaps one in force for the same sex and ages."""
    # The site's staff enter what its laboratory reports, its normal ranges as its results.
    require(by, Capability.ENTER_DATA, site, action="record the laboratory's normal ranges")
    test = (values.get("test") or "").strip()
    unit = (values.get("unit") or "").strip()
    errors: dict[str, list[str]] = {}
    if test not in units.TESTS:
        errors["test"] = [f"Unknown lab test {test!r}."]
    elif units.TESTS[test].categorical:
        name = units.TESTS[test].name
        errors["test"] = [f"{name} is read as a category: it has no numeric normal range."]
    elif unit not in units.accepted_units(test):
        accepted = ", ".join(units.accepted_units(test))
        errors["unit"] = [f"A {units.TESTS[test].name} range is in one of {accepted}."]
    problems = ranges.range_problems(
        low=values.get("low"),
        high=values.get("high"),
        effective_from=values["effective_from"],
        effective_to=values.get("effective_to"),
        age_min=values.get("age_min"),
        age_max=values.get("age_max"),
    )
    for field, message in problems.items():
        errors.setdefault(field, []).append(message[0].upper() + message[1:] + ".")
    if errors:
        raise ValidationError(errors)
    row = LabNormalRange(site=site, recorded_by=by, **{n: values.get(n) for n in RANGE_FIELDS})
    row.laboratory, row.test, row.unit, row.sex = (
        (values.get("laboratory") or "").strip(),
        test,
        unit,
        values.get("sex") or "",
    )
    with transaction.atomic(), audit_context(by=by, reason="Lab normal range recorded"):
        # Lock the site so two overlapping ranges cannot both pass the check below.
        Site.objects.select_for_update().get(pk=site.pk)
        new = _as_rule_range(row)
        for other in LabNormalRange.objects.filter(site=site, test=test):
            if _overlaps(new, _as_rule_range(other)):
                raise ValidationError(
                    {"effective_from": [f"Overlaps the range in force: {other}."]}
                )
        row.save()
        _regrade_in_window(row, by=by, now=now)
    return row


def _regrade_in_window(row: LabNormalRange, *, by: User, now: datetime) -> None:
    """The site's stored results of the range's test dated while it is in force are read
    against it now (those of its sex and ages; others derive as before and stay unsaved).
    Each subject's results are read under their row locks inside its write, so a correction
    saved meanwhile is graded from its new value and keeps its version."""
    stored = LabResult.objects.filter(
        subject__site_id=row.site_id,
        subject__voided_at__isnull=True,
        test=row.test,
        voided_at__isnull=True,
        collected_on__gte=row.effective_from,
    )
    if row.effective_to is not None:
        stored = stored.filter(collected_on__lte=row.effective_to)
    subjects = Subject.objects.filter(pk__in=stored.values("subject_id")).order_by("pk")
    # The site is locked (normal_range_record): its ranges are read once for every subject.
    site_ranges = site_ranges_of(row.site_id, {row.test})
    for subject in subjects:
        with crf_write(
            require=entry_required(by, subject, "regrade lab results"),
            subject=subject,
            by=by,
            now=now,
            reason_required=False,
            audit_reason=f"Lab normal range recorded: {row}",
        ) as write:
            results = (
                stored.filter(subject=subject)
                .select_for_update()
                .order_by("collected_on", "pk")
                .select_related("subject")
            )
            _regrade(
                write, results, by=by, what=f"{row.test} normal range", site_ranges=site_ranges
            )


def _overlaps(a: ranges.NormalRange, b: ranges.NormalRange) -> bool:
    def span(lo, hi, unbounded_hi):
        return (lo if lo is not None else 0), (hi if hi is not None else unbounded_hi)

    a_from, a_to = span(a.effective_from, a.effective_to, date.max)
    b_from, b_to = span(b.effective_from, b.effective_to, date.max)
    a_lo, a_hi = span(a.age_min, a.age_max, 10_000)
    b_lo, b_hi = span(b.age_min, b.age_max, 10_000)
    return a.sex == b.sex and a_from <= b_to and b_from <= a_to and a_lo <= b_hi and b_lo <= a_hi
