"""Plausibility bounds of typed dates (trial.dates), without a database."""

from datetime import date

import pytest

from trial.dates import (
    EARLIEST_PLAUSIBLE,
    MissingCode,
    Order,
    PartialDate,
    after_bound_problem,
    as_partial,
    compare,
    end_before_start_problem,
    implausible_date,
    missing_code,
    partial_date_problem,
    read_partial,
)

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (date(1, 1, 1), "Date of birth 0001-01-01 is before 1900-01-01: not plausible."),
        (date(1899, 12, 31), "Date of birth 1899-12-31 is before 1900-01-01: not plausible."),
        (EARLIEST_PLAUSIBLE, None),
        (date(1961, 5, 4), None),
        (TODAY, None),
        (date(2026, 12, 2), "Date of birth 2026-12-02 is in the future."),
        (date(9999, 12, 31), "Date of birth 9999-12-31 is in the future."),
    ],
)
def test_implausible_date(value, problem):
    assert implausible_date("Date of birth", value, today=TODAY) == problem


# --- partial dates ----------------------------------------------------------------------------

P = PartialDate.parse


@pytest.mark.parametrize(
    ("text", "parsed", "precision", "earliest", "latest"),
    [
        ("2019", PartialDate(2019), "year", date(2019, 1, 1), date(2019, 12, 31)),
        (" 2019-03 ", PartialDate(2019, 3), "month", date(2019, 3, 1), date(2019, 3, 31)),
        ("2020-02", PartialDate(2020, 2), "month", date(2020, 2, 1), date(2020, 2, 29)),
        ("2019-02", PartialDate(2019, 2), "month", date(2019, 2, 1), date(2019, 2, 28)),
        ("2019-03-14", PartialDate(2019, 3, 14), "day", date(2019, 3, 14), date(2019, 3, 14)),
    ],
)
def test_partial_date_parses_at_its_precision(text, parsed, precision, earliest, latest):
    value = P(text)
    assert value == parsed
    assert value.precision == precision
    assert (value.earliest(), value.latest()) == (earliest, latest)
    assert value.iso() == text.strip()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a date"),
        ("19", "is not a date"),
        ("2019-3", "is not a date"),
        ("2019/03/14", "is not a date"),
        ("14-03-2019", "is not a date"),
        ("2019-03-14T10:00", "is not a date"),
        ("0000", "year 0000 does not exist"),
        ("2019-00", "month 00 does not exist"),
        ("2019-13", "month 13 does not exist"),
        ("2019-02-29", "day 29 does not exist"),
        ("2019-04-31", "day 31 does not exist"),
        ("2019-03-00", "day 00 does not exist"),
    ],
)
def test_partial_date_refuses_what_is_not_a_date(text, message):
    with pytest.raises(ValueError, match=message):
        P(text)


# Both sides of every comparison: (a, b, a against b); b against a is checked by symmetry.
COMPARISONS = [
    ("2018", "2019", Order.BEFORE),
    ("2018-12-31", "2019", Order.BEFORE),
    ("2019", "2019-03", Order.OVERLAPS),
    ("2019", "2019-03-14", Order.OVERLAPS),
    ("2019-01-01", "2019", Order.OVERLAPS),
    ("2019-12-31", "2019", Order.OVERLAPS),
    ("2019-02", "2019-03", Order.BEFORE),
    ("2019-02-28", "2019-03", Order.BEFORE),
    ("2019-03-01", "2019-03", Order.OVERLAPS),
    ("2019-03-31", "2019-03", Order.OVERLAPS),
    ("2019-04-01", "2019-03", Order.AFTER),
    ("2019-03", "2019-03", Order.OVERLAPS),  # two months "March 2019": not known to be one day
    ("2019-03-14", "2019-03-14", Order.SAME),
    ("2019-03-13", "2019-03-14", Order.BEFORE),
    ("2019-03-15", "2019-03-14", Order.AFTER),
    ("2020", "2019-12-31", Order.AFTER),
]
MIRROR = {
    Order.BEFORE: Order.AFTER,
    Order.AFTER: Order.BEFORE,
    Order.SAME: Order.SAME,
    Order.OVERLAPS: Order.OVERLAPS,
}


@pytest.mark.parametrize(("a", "b", "order"), COMPARISONS)
def test_partial_dates_compare_only_as_far_as_known(a, b, order):
    assert compare(P(a), P(b)) is order
    assert compare(P(b), P(a)) is MIRROR[order]


def test_a_full_date_compares_with_a_partial_one():
    assert compare(date(2019, 3, 14), P("2019-03")) is Order.OVERLAPS
    assert compare(P("2019-02"), date(2019, 3, 1)) is Order.BEFORE
    assert compare(date(2019, 3, 1), P("2019-02")) is Order.AFTER


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026", None),  # this year: may be any day up to today
        ("2026-12", None),  # this month
        ("2026-12-01", None),  # today
        ("2026-12-02", "Start date 2026-12-02 is in the future."),
        ("2027", "Start date 2027 is in the future."),
        ("2027-01", "Start date 2027-01 is in the future."),
        ("1900", None),
        ("1899-12-31", "Start date 1899-12-31 is before 1900-01-01: not plausible."),
        ("1899", "Start date 1899 is before 1900-01-01: not plausible."),
    ],
)
def test_partial_date_problem_no_future_no_implausible_past(text, problem):
    assert partial_date_problem("Start date", P(text), today=TODAY) == problem


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2019-03-14", "2019-03-13", "End date 2019-03-13 is before start date 2019-03-14."),
        ("2019-03-14", "2019-03-14", None),
        ("2019-03-14", "2019-03-15", None),
        ("2019-03", "2019-02", "End date 2019-02 is before start date 2019-03."),
        ("2019-03", "2019-02-28", "End date 2019-02-28 is before start date 2019-03."),
        ("2019-03", "2019-03-01", None),  # the start may have been the 1st
        ("2019-03-31", "2019-03", None),  # the end may have been the 31st
        ("2019", "2019-01", None),
        ("2019", "2018-12-31", "End date 2018-12-31 is before start date 2019."),
        ("2019-06-01", "2019", None),
        (None, "2019", None),
        ("2019", None, None),
    ],
)
def test_end_not_before_start_for_partial_dates(start, end, problem):
    parsed = (P(start) if start else None, P(end) if end else None)
    assert end_before_start_problem("Start date", parsed[0], "End date", parsed[1]) == problem


@pytest.mark.parametrize(
    ("value", "bound", "problem"),
    [
        ("2026-11", date(2026, 11, 20), None),  # may be any day up to the 20th
        ("2026-11-20", date(2026, 11, 20), None),
        ("2026-11-21", date(2026, 11, 20), "Start date 2026-11-21 is after consent 2026-11-20."),
        ("2026-12", date(2026, 11, 20), "Start date 2026-12 is after consent 2026-11-20."),
        ("2026", date(2026, 11, 20), None),
        ("2027", date(2026, 11, 20), "Start date 2027 is after consent 2026-11-20."),
        ("2026-11", None, None),
    ],
)
def test_a_partial_date_certainly_after_the_full_date_it_must_precede(value, bound, problem):
    assert after_bound_problem("Start date", P(value), "consent", bound) == problem


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("", None),
        ("  ", None),
        ("UNK", MissingCode.UNK),
        ("nask", MissingCode.NASK),
        ("NA", MissingCode.NA),
        ("ND", MissingCode.ND),
        ("2019-03", PartialDate(2019, 3)),
    ],
)
def test_read_partial_gives_a_date_a_code_or_nothing(text, read):
    assert read_partial(text) == read
    assert as_partial(read_partial(text)) == (read if isinstance(read, PartialDate) else None)


def test_missing_codes_and_their_labels():
    assert [c.value for c in MissingCode] == ["UNK", "NA", "ND", "NASK"]
    assert [c.label for c in MissingCode] == ["unknown", "not applicable", "not done", "not asked"]
    assert missing_code(" unk ") is MissingCode.UNK
    assert missing_code("unknown") is None
