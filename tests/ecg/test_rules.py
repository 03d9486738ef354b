"""QTcF (Fridericia), the CTCAE v5.0 QTc prolongation grade, triplicate summaries, baseline
and post-dose recordings, and the findings that need an AE (ecg/rules.py)."""

import ast
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ecg.rules import (
    CARDIAC_SOC,
    QTC_TERM,
    AdverseEventFact,
    EcgReading,
    TypedReading,
    after_first_dose,
    average_qtcf,
    findings_without_ae,
    qtc_grade,
    qtcf,
    reading_problems,
    rr_from_heart_rate,
    summarise,
    time_point_problem,
    typed_reading_problems,
)

D = Decimal


@pytest.mark.parametrize(
    ("qt", "rr", "expected"),
    [
        ("400", "1000", "400.0"),  # RR 1 s: QTcF = QT
        ("360", "729", "400.0"),  # 0.729^(1/3) = 0.9
        ("400", "512", "500.0"),  # 0.512^(1/3) = 0.8
        ("440", "1331", "400.0"),  # 1.331^(1/3) = 1.1
    ],
)
def test_qtcf_divides_qt_by_the_cube_root_of_rr_in_seconds(qt, rr, expected):
    assert qtcf(EcgReading(D(qt), D(rr))).quantize(D("0.1")) == D(expected)


def test_triplicate_readings_are_corrected_then_averaged():
    readings = [EcgReading(D(400), D(1000)), EcgReading(D(360), D(729)), EcgReading(D(400), D(512))]
    assert average_qtcf(readings) == D("433.3")  # (400 + 400 + 500) / 3


def test_heart_rate_gives_rr():
    assert rr_from_heart_rate(D(60)) == D(1000)
    assert rr_from_heart_rate(D(75)) == D(800)
    with pytest.raises(ValueError):
        rr_from_heart_rate(D(0))


@pytest.mark.parametrize(
    ("qt", "rr", "field"),
    [
        ("199", "1000", "qt_ms"),
        ("701", "1000", "qt_ms"),
        ("400", "249", "rr_ms"),
        ("400", "3001", "rr_ms"),
    ],
)
def test_a_reading_outside_physiology_is_refused_naming_the_field(qt, rr, field):
    assert set(reading_problems(qt_ms=D(qt), rr_ms=D(rr))) == {field}
    with pytest.raises(ValueError, match="outside physiology"):
        qtcf(EcgReading(D(qt), D(rr)))


def test_physiology_bounds_themselves_are_accepted():
    assert reading_problems(qt_ms=D(200), rr_ms=D(250)) == {}
    assert reading_problems(qt_ms=D(700), rr_ms=D(3000)) == {}


# "Electrocardiogram QT corrected interval prolonged": G1 Average QTc 450 - 480 ms;
# G2 481 - 500 ms; G3 >= 501 ms; >60 ms change from baseline.
@pytest.mark.parametrize(
    ("qtc", "grade"),
    [
        ("449.9", 0),
        ("450", 1),
        ("480", 1),
        ("480.1", 2),
        ("481", 2),
        ("500", 2),
        ("500.1", 3),
        ("501", 3),
    ],
)
def test_qtc_grade_by_value(qtc, grade):
    assert qtc_grade(qtc_ms=D(qtc)) == grade


@pytest.mark.parametrize(("qtc", "baseline", "grade"), [("460", "400", 1), ("460.1", "400", 3)])
def test_a_rise_of_more_than_60_ms_from_baseline_is_grade_3(qtc, baseline, grade):
    assert qtc_grade(qtc_ms=D(qtc), baseline_qtc_ms=D(baseline)) == grade


def test_qtcf_needs_a_reading():
    with pytest.raises(ValueError):
        average_qtcf([])


def typed(hr="60", pr="160", qrs="90", qt="400", rr="1000") -> TypedReading:
    def d(v):
        return None if v is None else D(v)

    return TypedReading(d(hr), d(pr), d(qrs), d(qt), d(rr))


EMPTY = TypedReading(None, None, None, None, None)


# Each bound at its edge is accepted, one past it refused, naming the reading's field.
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hr": "20"}, None),
        ({"hr": "19"}, "heart_rate_bpm_1"),
        ({"hr": "240"}, None),
        ({"hr": "241"}, "heart_rate_bpm_1"),
        ({"pr": "50"}, None),
        ({"pr": "49"}, "pr_ms_1"),
        ({"pr": "600"}, None),
        ({"pr": "601"}, "pr_ms_1"),
        ({"qrs": "40"}, None),
        ({"qrs": "39"}, "qrs_ms_1"),
        ({"qrs": "300"}, None),
        ({"qrs": "301"}, "qrs_ms_1"),
        ({"qt": "200"}, None),
        ({"qt": "199"}, "qt_ms_1"),
        ({"qt": "700"}, None),
        ({"qt": "701"}, "qt_ms_1"),
        ({"rr": "250"}, None),
        ({"rr": "249"}, "rr_ms_1"),
        ({"rr": "3000"}, None),
        ({"rr": "3001"}, "rr_ms_1"),
    ],
)
def test_each_reading_is_checked_against_physiology(changes, field):
    problems = typed_reading_problems(typed(**changes), 1)
    assert set(problems) == ({field} if field else set())
    if field:
        assert "outside physiology" in problems[field]


def test_heart_rate_and_qt_are_required_pr_qrs_and_rr_are_not():
    problems = typed_reading_problems(typed(hr=None, qt=None, pr=None, qrs=None, rr=None), 1)
    assert set(problems) == {"heart_rate_bpm_1", "qt_ms_1"}
    assert "required" in problems["qt_ms_1"]


def test_the_first_reading_is_required_the_others_may_be_left_empty():
    assert set(typed_reading_problems(EMPTY, 1)) == {"heart_rate_bpm_1", "qt_ms_1"}
    assert typed_reading_problems(EMPTY, 2) == {}
    assert set(typed_reading_problems(typed(qt=None), 3)) == {"qt_ms_3"}


def test_a_summary_averages_the_readings_given():
    summary = summarise([typed(qt="400"), typed(qt="410", pr=None), EMPTY])
    assert summary.readings == 2
    assert (summary.qt_ms, summary.qtcf_ms, summary.pr_ms) == (D("405.0"), D("405.0"), D("160.0"))
    assert summarise([typed(pr=None, qrs=None)]).pr_ms is None


def test_an_empty_rr_is_read_from_the_heart_rate():
    # HR 75: RR 800 ms; 0.8^(1/3) = 0.928; QTcF = 400 / 0.928 = 430.9.
    summary = summarise([typed(hr="75", rr=None, qt="400")])
    assert summary.rr_ms == D("800.0")
    assert summary.qtcf_ms == average_qtcf([EcgReading(D(400), D(800))]) == D("430.9")


def test_a_summary_of_a_reading_outside_physiology_is_refused():
    with pytest.raises(ValueError, match="outside physiology"):
        summarise([typed(qt="701")])


@pytest.mark.parametrize(
    ("time_point", "dosing_visit", "refused"),
    [
        ("pre_dose", True, False),
        ("post_dose", True, False),
        ("visit", True, True),
        ("visit", False, False),
        ("pre_dose", False, True),
        ("post_dose", False, True),
    ],
)
def test_time_points_of_dosing_and_other_visits(time_point, dosing_visit, refused):
    assert bool(time_point_problem(time_point=time_point, dosing_visit=dosing_visit)) is refused


FIRST_DOSE = date(2026, 11, 21)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("performed_on", "time_point", "first_dose_on", "after"),
    [
        (FIRST_DOSE - DAY, "visit", FIRST_DOSE, False),  # screening
        (FIRST_DOSE, "pre_dose", FIRST_DOSE, False),
        (FIRST_DOSE, "post_dose", FIRST_DOSE, True),
        (FIRST_DOSE + DAY, "visit", FIRST_DOSE, True),
        (FIRST_DOSE + DAY, "visit", None, False),  # no dose given yet
    ],
)
def test_which_recordings_are_after_the_first_dose(performed_on, time_point, first_dose_on, after):
    assert (
        after_first_dose(
            performed_on=performed_on, time_point=time_point, first_dose_on=first_dose_on
        )
        is after
    )


ON = date(2026, 12, 1)


def ae(term=QTC_TERM, soc="Investigations", onset=ON, end=None):
    return AdverseEventFact(term=term, soc=soc, onset_date=onset, end_date=end)


def missing(*, grade=0, interpretation="normal", after=True, aes=()):
    return [
        m.code
        for m in findings_without_ae(
            performed_on=ON,
            is_after_first_dose=after,
            grade=grade,
            interpretation=interpretation,
            adverse_events=list(aes),
        )
    ]


@pytest.mark.parametrize(("grade", "needs_ae"), [(1, False), (2, True), (3, True)])
def test_a_qtc_of_grade_2_or_more_needs_its_ae(grade, needs_ae):
    assert missing(grade=grade) == (["ecg_qtc_without_ae"] if needs_ae else [])


@pytest.mark.parametrize(
    ("onset", "end", "accounts"),
    [
        (ON, None, True),
        (ON - DAY, ON, True),  # ended that day: ongoing on it
        (ON - 2 * DAY, ON - DAY, False),  # ended the day before
        (ON + DAY, None, False),  # started the day after
    ],
)
def test_the_ae_must_be_ongoing_on_the_ecg_date(onset, end, accounts):
    codes = missing(grade=2, aes=[ae(onset=onset, end=end)])
    assert codes == ([] if accounts else ["ecg_qtc_without_ae"])


def test_an_ae_of_another_term_does_not_account_for_the_qtc():
    assert missing(grade=3, aes=[ae(term="Fatigue", soc="General disorders")]) == [
        "ecg_qtc_without_ae"
    ]


@pytest.mark.parametrize(
    ("interpretation", "aes", "needs_ae"),
    [
        ("abnormal_ncs", (), False),
        ("abnormal_cs", (), True),
        ("abnormal_cs", (ae(term="Atrial fibrillation", soc=CARDIAC_SOC),), False),
        ("abnormal_cs", (ae(term="Electrocardiogram T wave abnormal"),), False),
        ("abnormal_cs", (ae(term="Fatigue", soc="General disorders"),), True),
    ],
)
def test_a_clinically_significant_abnormality_needs_a_cardiac_ae(interpretation, aes, needs_ae):
    codes = missing(interpretation=interpretation, aes=aes)
    assert codes == (["ecg_significant_without_ae"] if needs_ae else [])


def test_a_baseline_finding_needs_no_ae():
    assert missing(grade=3, interpretation="abnormal_cs", after=False) == []


def test_the_rule_module_imports_only_the_standard_library():
    source = Path(__file__).resolve().parents[2].joinpath("ecg", "rules.py").read_text()
    allowed = {"collections", "dataclasses", "datetime", "decimal"}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in allowed, f"ecg/rules.py imports {name}"
