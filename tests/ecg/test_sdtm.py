"""SDTM EG (ecg.sdtm): the pure record builder, the baseline flag, and the rows read from
saved recordings."""

from datetime import date, time
from decimal import Decimal

import pytest

from ecg.sdtm import EG, EcgFacts, Measures, eg_records
from ecg.services import ecg_void
from review.sdtm import subject_key
from tests.ecg.factories import RECORDED_AT, record_c1d1_pre_dose_ecg, record_ecg
from tests.screening.factories import PLANNED_C1D1
from trial.models import Subject

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))
FIRST_DOSE = date(2026, 11, 21)


def reading(qt: int, pr: int | None = 160) -> Measures:
    return Measures(
        heart_rate_bpm=Decimal(60),
        pr_ms=None if pr is None else Decimal(pr),
        qrs_ms=Decimal(90),
        qt_ms=Decimal(qt),
        rr_ms=Decimal(1000),
    )


PRE_DOSE = EcgFacts(
    performed_on=FIRST_DOSE,
    performed_time=time(8, 5),
    time_point="pre_dose",
    readings=(reading(400), reading(410), reading(420)),
    means=Measures(
        heart_rate_bpm=Decimal("60.0"),
        pr_ms=Decimal("160.0"),
        qrs_ms=Decimal("90.0"),
        qt_ms=Decimal("410.0"),
        rr_ms=Decimal("1000.0"),
    ),
    qtcf_ms=Decimal("410.0"),
    interpretation="normal",
    visit_number=3,
    visit_name="Cycle 1 Day 1",
    last_before_exposure=True,
)


def test_each_reading_then_the_derived_means_and_qtcf_then_the_interpretation():
    rows = eg_records(KEY, 5, PRE_DOSE)
    assert all(list(row) == [v.name for v in EG.variables] for row in rows)
    assert [r["EGSEQ"] for r in rows] == list(range(5, 5 + 3 * 5 + 6 + 1))
    readings = [(r["EGTESTCD"], r["EGREPNUM"], r["EGORRES"]) for r in rows if r["EGREPNUM"]]
    assert readings[:5] == [
        ("EGHRMN", 1, "60"),
        ("PRAG", 1, "160"),
        ("QRSAG", 1, "90"),
        ("QTAG", 1, "400"),
        ("RRAG", 1, "1000"),
    ]
    assert [qt for code, _n, qt in readings if code == "QTAG"] == ["400", "410", "420"]
    derived = [r for r in rows if r["EGDRVFL"] == "Y"]
    assert [(r["EGTESTCD"], r["EGORRES"], r["EGSTRESN"]) for r in derived] == [
        ("EGHRMN", "60", 60.0),
        ("PRAG", "160", 160.0),
        ("QRSAG", "90", 90.0),
        ("QTAG", "410", 410.0),
        ("RRAG", "1000", 1000.0),
        ("QTCFAG", "410", 410.0),
    ]
    assert all(r["EGREPNUM"] is None for r in derived)
    interpretation = rows[-1]
    assert (interpretation["EGTESTCD"], interpretation["EGORRES"]) == ("INTP", "NORMAL")
    assert (interpretation["EGORRESU"], interpretation["EGSTRESN"]) == ("", None)


def test_units_timing_and_time_point():
    row = eg_records(KEY, 1, PRE_DOSE)[0]
    assert (row["EGORRESU"], row["EGSTRESU"]) == ("beats/min", "beats/min")
    assert eg_records(KEY, 1, PRE_DOSE)[1]["EGORRESU"] == "msec"
    assert (row["VISITNUM"], row["VISIT"]) == (3, "Cycle 1 Day 1")
    assert (row["EGDTC"], row["EGDY"]) == ("2026-11-21T08:05", 1)
    assert (row["EGTPT"], row["EGTPTNUM"], row["EGTPTREF"]) == ("PRE-DOSE", 1, "DOSE")
    post = eg_records(KEY, 1, EcgFacts(**{**PRE_DOSE.__dict__, "time_point": "post_dose"}))[0]
    assert (post["EGTPT"], post["EGTPTNUM"]) == ("POST-DOSE", 2)
    at_visit = EcgFacts(
        **{**PRE_DOSE.__dict__, "time_point": "visit", "performed_on": date(2026, 11, 14),
           "performed_time": None}
    )  # fmt: skip
    row = eg_records(KEY, 1, at_visit)[0]
    assert (row["EGTPT"], row["EGTPTNUM"], row["EGTPTREF"]) == ("", None, "")
    assert (row["EGDTC"], row["EGDY"]) == ("2026-11-14", -7)


def test_an_unmeasured_field_gives_no_record():
    facts = EcgFacts(
        **{**PRE_DOSE.__dict__, "readings": (reading(400, pr=None),),
           "means": Measures(heart_rate_bpm=Decimal(60), qrs_ms=Decimal(90), qt_ms=Decimal(400),
                             rr_ms=Decimal(1000))}
    )  # fmt: skip
    codes = [r["EGTESTCD"] for r in eg_records(KEY, 1, facts)]
    assert "PRAG" not in codes
    assert codes.count("QTAG") == 2  # the one reading and its mean


@pytest.mark.parametrize(
    "interpretation, orres, clsig",
    [("normal", "NORMAL", ""), ("abnormal_ncs", "ABNORMAL", "N"), ("abnormal_cs", "ABNORMAL", "Y")],
)
def test_interpretation_and_clinical_significance(interpretation, orres, clsig):
    facts = EcgFacts(**{**PRE_DOSE.__dict__, "interpretation": interpretation})
    row = eg_records(KEY, 1, facts)[-1]
    assert (row["EGORRES"], row["EGSTRESC"], row["EGCLSIG"]) == (orres, orres, clsig)


def test_the_baseline_flag_is_on_the_derived_records_and_the_interpretation_only():
    rows = eg_records(KEY, 1, PRE_DOSE)
    flagged = [(r["EGTESTCD"], r["EGDRVFL"]) for r in rows if r["EGLOBXFL"] == "Y"]
    assert flagged == [(code, "Y") for code in ("EGHRMN", "PRAG", "QRSAG", "QTAG", "RRAG",
                                                 "QTCFAG")] + [("INTP", "")]  # fmt: skip
    later = EcgFacts(**{**PRE_DOSE.__dict__, "last_before_exposure": False})
    assert not any(r["EGLOBXFL"] for r in eg_records(KEY, 1, later))


def test_rows_read_from_saved_recordings(subject, coordinator_a, study):
    record_c1d1_pre_dose_ecg(subject, coordinator_a)
    # After the first dose on its day: not the baseline, though recorded on the dose day.
    record_ecg(subject, coordinator_a, "C1D1", time_point="post_dose",
               performed_on=PLANNED_C1D1, performed_time=time(11))  # fmt: skip
    record_ecg(subject, coordinator_a, interpretation="abnormal_cs", abnormality="ST depression")
    c1d15 = subject.visits.get(code="C1D15").target_date
    voided = record_ecg(subject, coordinator_a, "C1D15", performed_on=c1d15)
    ecg_void(record=voided, by=coordinator_a, reason="Wrong subject", expected_version=1,
             now=RECORDED_AT)  # fmt: skip

    scope = Subject.objects.filter(pk=subject.pk)
    rows = list(EG.records(study, scope))

    per_recording = 3 * 5 + 6 + 1  # full triplicates
    assert len(rows) == 3 * per_recording
    assert EG.count(scope) == len(rows)
    assert [r["EGSEQ"] for r in rows] == list(range(1, len(rows) + 1))
    pre, post, c1d8 = (rows[i : i + per_recording] for i in range(0, len(rows), per_recording))
    assert {r["EGTPT"] for r in pre} == {"PRE-DOSE"}
    assert {r["EGTPT"] for r in post} == {"POST-DOSE"}
    assert {r["EGLOBXFL"] for r in pre if r["EGDRVFL"] == "Y"} == {"Y"}
    assert not any(r["EGLOBXFL"] for r in post + c1d8)
    assert c1d8[0]["VISIT"] == subject.visits.get(code="C1D8").name
    qtcf = next(r for r in c1d8 if r["EGTESTCD"] == "QTCFAG")
    assert (qtcf["EGORRES"], qtcf["EGDRVFL"]) == ("410", "Y")
    assert (c1d8[-1]["EGORRES"], c1d8[-1]["EGCLSIG"]) == ("ABNORMAL", "Y")
    assert c1d8[0]["EGDY"] == 8
