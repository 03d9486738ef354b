"""QTcF (Fridericia) and the CTCAE v5.0 QTc prolongation grade (labs/ecg.py)."""

from decimal import Decimal

import pytest

from labs.ecg import EcgReading, average_qtcf, qtc_grade, qtcf, reading_problems, rr_from_heart_rate

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
