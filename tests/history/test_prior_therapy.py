"""Prior cancer therapy rules (history.prior_therapy): what a record may be, and what the
records give for inclusions 2, 5 and 6. Pure, no database."""

from datetime import date
from decimal import Decimal

import pytest

from history.prior_therapy import (
    LINE_ORDER_CHECK,
    LineFacts,
    LineStart,
    RadiotherapyFacts,
    SurgeryFacts,
    agents_of,
    check_line,
    check_radiotherapy,
    check_surgery,
    has_nitrosourea_or_mitomycin,
    last_of,
    line_order_failure,
    summarise,
)
from trial.dates import PartialDate

TODAY = date(2026, 11, 20)
CONSENT = date(2026, 11, 13)


def line(**changes) -> LineFacts:
    values = {
        "line_number": 2,
        "regimen": "FOLFIRI",
        "agents": "irinotecan, fluorouracil, folinic acid",
        "start": "2026-03",
        "end": "2026-09-20",
        "best_response": "PD",
        "reason_stopped": "progression",
        "reason_stopped_other": "",
    }
    return LineFacts(**(values | changes))


def radiotherapy(**changes) -> RadiotherapyFacts:
    values = {
        "site": "Pelvis",
        "total_dose_gy": Decimal("50.4"),
        "total_dose_code": "",
        "start": "2025-01-06",
        "end": "2025-02-14",
    }
    return RadiotherapyFacts(**(values | changes))


def fields(problems) -> list[str]:
    return [name for name, _message in problems]


def test_a_complete_line_may_be_saved():
    assert (
        check_line(line(), other_lines={1: "Line 1 FOLFOX"}, today=TODAY, consent_date=CONSENT)
        == []
    )


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"line_number": None}, "line_number", "required"),
        ({"line_number": 0}, "line_number", "lines start at 1"),
        ({"line_number": 1}, "line_number", "already recorded (Line 1 FOLFOX)"),
        ({"regimen": " "}, "regimen", "required"),
        ({"agents": " , "}, "agents", "agents"),
        ({"start": ""}, "start_date", "required, or UNK"),
        ({"end": ""}, "end_date", "required, or UNK"),
        ({"end": "2026-02"}, "end_date", "is before start date 2026-03"),
        ({"end": "2026-12"}, "end_date", "in the future"),
        ({"start": "2026-11-14", "end": "2026-11-15"}, "start_date", "after consent"),
        ({"best_response": ""}, "best_response", "required"),
        ({"reason_stopped": ""}, "reason_stopped", "required"),
        ({"reason_stopped": "other"}, "reason_stopped_other", "other reason"),
        ({"reason_stopped_other": "Patient choice"}, "reason_stopped_other", "only when"),
    ],
)
def test_a_bad_line_is_refused_naming_the_field(changes, field, words):
    problems = check_line(
        line(**changes), other_lines={1: "Line 1 FOLFOX"}, today=TODAY, consent_date=CONSENT
    )
    assert fields(problems) == [field]
    assert words in problems[0][1]


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        ("2026-03", "2026-03-01", True),  # the same month: may agree
        ("2026", "2026-03", True),
        ("2026-03-02", "2026-03-01", False),  # certainly before
        ("2026-03", "2026-02-28", False),
        ("UNK", "2026-02", True),  # an unknown start cannot contradict the end
        ("2026-03", "UNK", True),
        ("2026-11-13", "2026-11-13", True),  # begun on the day of consent: still prior
        ("2026-11", "2026-11", True),  # November may be before consent
    ],
)
def test_end_before_start_at_every_precision(start, end, ok):
    problems = check_line(
        line(start=start, end=end), other_lines={}, today=TODAY, consent_date=CONSENT
    )
    assert (problems == []) is ok, problems


@pytest.mark.parametrize(
    ("dose", "code", "problem"),
    [
        (Decimal("50.4"), "", None),
        (None, "UNK", None),
        (Decimal("0.01"), "", None),
        (Decimal("200"), "", None),
        (Decimal("200.01"), "", "not plausible"),
        (Decimal("0"), "", "more than 0 Gy"),
        (Decimal("-2"), "", "more than 0 Gy"),
        (None, "", "required"),
        (Decimal("30"), "UNK", "not both"),
    ],
)
def test_a_radiotherapy_dose_is_positive_plausible_or_coded(dose, code, problem):
    problems = check_radiotherapy(
        radiotherapy(total_dose_gy=dose, total_dose_code=code), today=TODAY, consent_date=CONSENT
    )
    if problem is None:
        assert problems == []
    else:
        assert fields(problems) == ["total_dose_gy"]
        assert problem in problems[0][1]


def test_a_radiotherapy_course_needs_its_site_and_ordered_dates():
    problems = check_radiotherapy(
        radiotherapy(site="", end="2024-12"), today=TODAY, consent_date=CONSENT
    )
    assert fields(problems) == ["site", "end_date"]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (SurgeryFacts("Wide local excision", "2025-03"), []),
        (SurgeryFacts("Wide local excision", "UNK"), []),
        (SurgeryFacts("", "2025-03"), ["procedure"]),
        (SurgeryFacts("Wide local excision", ""), ["surgery_date"]),
        (SurgeryFacts("Wide local excision", "2026-11-14"), ["surgery_date"]),  # after consent
        (SurgeryFacts("Wide local excision", "2027"), ["surgery_date", "surgery_date"]),
    ],
)
def test_a_surgery_needs_its_procedure_and_a_date_before_consent(facts, expected):
    assert fields(check_surgery(facts, today=TODAY, consent_date=CONSENT)) == expected


@pytest.mark.parametrize(
    ("regimen", "agents", "expected"),
    [
        ("BCNU", "carmustine", True),
        ("Lomustine mono", "lomustine", True),
        ("FAM", "5-FU, doxorubicin, Mitomycin C", True),
        ("MMC", "mmc", True),
        ("Fotemustine", "fotemustine", True),
        ("FOLFOX", "oxaliplatin, fluorouracil", False),
        ("Mitoxantrone", "mitoxantrone", False),  # not mitomycin
        ("Temozolomide", "temozolomide", False),
    ],
)
def test_nitrosoureas_and_mitomycin_c_are_found_by_name(regimen, agents, expected):
    assert has_nitrosourea_or_mitomycin(line(regimen=regimen, agents=agents)) is expected


def test_agents_are_read_one_per_line_or_separated():
    assert agents_of("cisplatin + 5-FU\ncetuximab; docetaxel,") == [
        "cisplatin",
        "5-FU",
        "cetuximab",
        "docetaxel",
    ]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([], None),
        ([("A", "2024", "2024-06"), ("B", "2025-01", "2025-03")], (PartialDate(2025, 3), "B")),
        # Latest by the last day each may denote: 2025 may run to December.
        ([("A", "2025", "2025"), ("B", "2025-01", "2025-03-31")], (PartialDate(2025), "A")),
        # An unknown end may be later than every known one: the last cannot be told.
        ([("A", "2019", "UNK"), ("B", "2025-01", "2025-03")], (None, "A")),
        ([("A", "UNK", "UNK"), ("B", "2025-01", "2025-03")], (None, "A")),
    ],
)
def test_the_last_treatment_of_a_kind(records, expected):
    last = last_of(records)
    assert (None if last is None else (last.on, last.title)) == expected


@pytest.mark.parametrize(
    ("lines", "refractory", "words"),
    [
        ([], False, "no prior systemic line"),
        ([line(line_number=1)], False, "1 prior line"),
        ([line(line_number=1), line()], True, "ended by progression: refractory"),
        # The last line by number, not by order of entry.
        ([line(), line(line_number=1, reason_stopped="toxicity", best_response="SD")], True, ""),
        (
            [line(line_number=1), line(reason_stopped="toxicity", best_response="SD")],
            False,
            "toxicity",
        ),
        # Progressive disease as best response is progression on the line.
        ([line(line_number=1), line(reason_stopped="toxicity", best_response="PD")], True, ""),
        (
            [
                line(line_number=1),
                line(reason_stopped="other", reason_stopped_other="Moved", best_response="SD"),
            ],
            None,
            "cannot be told",
        ),
    ],
)
def test_refractory_to_second_line_from_the_lines(lines, refractory, words):
    summary = summarise([(f"Line {f.line_number}", f) for f in lines], [], [])
    assert summary.refractory is refractory
    assert words in summary.refractory_reason
    assert summary.lines == len(lines)


def test_the_summary_of_each_kind():
    bcnu = line(line_number=1, regimen="BCNU", agents="carmustine", start="2024-01", end="2024-05")
    summary = summarise(
        [("Line 1 BCNU", bcnu), ("Line 2 FOLFIRI", line())],
        [("RT1 Pelvis", radiotherapy())],
        [("Surgery1 Excision", SurgeryFacts("Excision", "2023-07-02"))],
    )
    assert summary.recorded
    assert summary.last_systemic.on == PartialDate(2026, 9, 20)
    assert summary.last_radiotherapy.on == PartialDate(2025, 2, 14)
    assert summary.last_surgery.on == PartialDate(2023, 7, 2)
    assert summary.last_nitrosourea_or_mitomycin.title == "Line 1 BCNU"
    assert summary.last_nitrosourea_or_mitomycin.on == PartialDate(2024, 5)
    assert not summarise([], [], []).recorded


FOLFOX_2025 = LineStart(1, "FOLFOX", "2025-01")


@pytest.mark.parametrize(
    ("start", "others", "conflict"),
    [
        # Certainly before line 1 began: queried, at every precision.
        ("2024", [FOLFOX_2025], 1),
        ("2024-12", [FOLFOX_2025], 1),
        ("2024-12-31", [FOLFOX_2025], 1),
        # May agree with line 1's month, or begins after it: not queried.
        ("2025", [FOLFOX_2025], None),
        ("2025-01", [FOLFOX_2025], None),
        ("2025-01-01", [FOLFOX_2025], None),
        ("2025-02", [FOLFOX_2025], None),
        # The same day (both full): not certainly before.
        ("2025-01-15", [LineStart(1, "FOLFOX", "2025-01-15")], None),
        ("2025-01-14", [LineStart(1, "FOLFOX", "2025-01-15")], 1),
        # A start unknown (UNK) on either side cannot be compared.
        ("UNK", [FOLFOX_2025], None),
        ("2024", [LineStart(1, "FOLFOX", "UNK")], None),
        # Lines numbered above this one are checked from their own side.
        ("2026", [LineStart(3, "Trifluridine/tipiracil", "2025")], None),
        # The nearest earlier line that began after it is named.
        ("2024", [FOLFOX_2025, LineStart(2, "FOLFIRI", "2025-06")], 2),
        ("2025-03", [FOLFOX_2025, LineStart(2, "FOLFIRI", "2025-06")], 2),
    ],
)
def test_a_line_begun_before_a_lower_numbered_line_is_queried(start, others, conflict):
    number = max([o.number for o in others if o.number < 3] + [1]) + 1
    failure = line_order_failure(LineStart(number, "Capecitabine", start), others)
    if conflict is None:
        assert failure is None
    else:
        regimen = next(o.regimen for o in others if o.number == conflict)
        assert failure.check_code == LINE_ORDER_CHECK
        assert failure.field_name == "start_date"
        assert f"before line {conflict} ({regimen}) started" in failure.message
        assert failure.message.startswith(f"Line {number} (Capecitabine) started {start},")
