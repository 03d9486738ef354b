"""SDTM EG: the ECGs, declared on their kind (ecg.crf), and their rows.

One recording (ecg.models.Electrocardiogram) gives, per SDTMIG 3.4 EG:
- each reading of the triplicate as typed: heart rate, PR, QRS, QT and RR, EGREPNUM 1-3
  (none for a field left empty);
- the recording's means of those and its average QTcF (Fridericia), computed when it was
  saved (ecg.rules.summarise): derived records, EGDRVFL "Y", no EGREPNUM;
- the investigator's interpretation (EGTESTCD INTP): NORMAL or ABNORMAL, EGCLSIG saying
  whether an abnormality is clinically significant.

The tests are CDISC's aggregate ECG measurements (codelist EGTESTCD, C71153): one 10-second
tracing gives one heart rate and one PR, QRS, QT and RR over its beats. EGLOBXFL marks the
derived records and the interpretation of the subject's last recording before the first dose
(review.sdtm.last_before_exposure: a later day, or that day's post-dose ECG, is after it, as
ecg.rules.after_first_dose reads it for the baseline QTcF).

Not in EG: the CTCAE grade of the average QTc (EG has no --TOXGR in SDTMIG 3.4; the grade is
in the ECG CSV export) and the free-text description of abnormal findings (in the CSV).
`eg_records` is a pure function of plain values; `read_eg` reads the live recordings.
"""

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from ecg.rules import Interpretation, TimePoint
from review import sdtm
from review.sdtm import variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("EGSEQ", "Sequence Number", sdtm.INTEGER),
    ("EGTESTCD", "ECG Test or Examination Short Name"),
    ("EGTEST", "ECG Test or Examination Name"),
    ("EGORRES", "Result or Finding in Original Units"),
    ("EGORRESU", "Original Units"),
    ("EGSTRESC", "Character Result/Finding in Std Format"),
    ("EGSTRESN", "Numeric Result/Finding in Standard Units", sdtm.FLOAT),
    ("EGSTRESU", "Standard Units"),
    ("EGLOBXFL", "Last Observation Before Exposure Flag"),
    ("EGDRVFL", "Derived Flag"),
    ("EGCLSIG", "Clinically Significant, Collected"),
    ("EGREPNUM", "Repetition Number", sdtm.INTEGER),
    ("VISITNUM", "Visit Number", sdtm.INTEGER),
    ("VISIT", "Visit Name"),
    ("EGDTC", "Date/Time of ECG"),
    ("EGDY", "Study Day of ECG", sdtm.INTEGER),
    ("EGTPT", "Planned Time Point Name"),
    ("EGTPTNUM", "Planned Time Point Number", sdtm.INTEGER),
    ("EGTPTREF", "Time Point Reference"),
)

BEATS, MSEC = "beats/min", "msec"  # codelist UNIT (C71620)
# The CRF's reading fields as CDISC tests: (EGTESTCD, EGTEST, unit), in the order written.
TESTS = {
    "heart_rate_bpm": ("EGHRMN", "ECG Mean Heart Rate", BEATS),
    "pr_ms": ("PRAG", "PR Interval, Aggregate", MSEC),
    "qrs_ms": ("QRSAG", "QRS Duration, Aggregate", MSEC),
    "qt_ms": ("QTAG", "QT Interval, Aggregate", MSEC),
    "rr_ms": ("RRAG", "RR Interval, Aggregate", MSEC),
}
QTCF = ("QTCFAG", "QTcF Interval, Aggregate", MSEC)
INTERPRETATION = ("INTP", "Interpretation")
NORMAL, ABNORMAL = "NORMAL", "ABNORMAL"
# Planned time points at a dose (EGTPT, EGTPTNUM); an ECG "at the visit" has none.
TIME_POINTS = {TimePoint.PRE_DOSE: ("PRE-DOSE", 1), TimePoint.POST_DOSE: ("POST-DOSE", 2)}
DOSE_REFERENCE = "DOSE"


@dataclass(frozen=True)
class Measures:
    """One reading (or the recording's means): None where not measured."""

    heart_rate_bpm: Decimal | None = None
    pr_ms: Decimal | None = None
    qrs_ms: Decimal | None = None
    qt_ms: Decimal | None = None
    rr_ms: Decimal | None = None


@dataclass(frozen=True)
class EcgFacts:
    performed_on: date
    performed_time: time | None
    time_point: str  # ecg.rules.TimePoint
    readings: Sequence[Measures]  # as typed, the empty ones left out
    means: Measures
    qtcf_ms: Decimal
    interpretation: str  # ecg.rules.Interpretation
    visit_number: int | None = None
    visit_name: str = ""
    last_before_exposure: bool = False


def _clinical_significance(interpretation: str) -> str:
    if interpretation == Interpretation.ABNORMAL_CS:
        return sdtm.YES
    if interpretation == Interpretation.ABNORMAL_NCS:
        return sdtm.NO
    return ""


def eg_records(key: sdtm.SubjectKey, first_seq: int, ecg: EcgFacts) -> list[dict]:
    """The records of one recording, EGSEQ from `first_seq`: the readings in order, then
    the derived means and QTcF, then the interpretation."""
    tpt, tptnum = TIME_POINTS.get(ecg.time_point, ("", None))
    when = {
        "VISITNUM": ecg.visit_number,
        "VISIT": ecg.visit_name,
        "EGDTC": sdtm.iso_date_time(ecg.performed_on, ecg.performed_time),
        "EGDY": sdtm.study_day(ecg.performed_on, key.rfstdtc),
        "EGTPT": tpt,
        "EGTPTNUM": tptnum,
        "EGTPTREF": DOSE_REFERENCE if tpt else "",
    }
    baseline = sdtm.YES if ecg.last_before_exposure else ""
    rows: list[dict] = []

    def add(test: tuple[str, str], result: str, unit: str = "", number=None, **flags):
        rows.append(
            sdtm.record(
                VARIABLES,
                "EG",
                key,
                EGSEQ=first_seq + len(rows),
                EGTESTCD=test[0],
                EGTEST=test[1],
                EGORRES=result,
                EGORRESU=unit,
                EGSTRESC=result,
                EGSTRESN=float(number) if number is not None else None,
                EGSTRESU=unit,
                **flags,
                **when,
            )
        )

    def measured(measures: Measures, **flags):
        for name, (code, test, unit) in TESTS.items():
            value = getattr(measures, name)
            if value is not None:
                add((code, test), sdtm.decimal_text(value), unit, value, **flags)

    for repetition, reading in enumerate(ecg.readings, start=1):
        measured(reading, EGREPNUM=repetition)
    derived = {"EGDRVFL": sdtm.YES, "EGLOBXFL": baseline}
    measured(ecg.means, **derived)
    add(QTCF[:2], sdtm.decimal_text(ecg.qtcf_ms), QTCF[2], ecg.qtcf_ms, **derived)
    normal = ecg.interpretation == Interpretation.NORMAL
    add(
        INTERPRETATION,
        NORMAL if normal else ABNORMAL,
        EGCLSIG=_clinical_significance(ecg.interpretation),
        EGLOBXFL=baseline,
    )
    return rows


def _live(subjects):
    from ecg.models import Electrocardiogram
    from review.sdtm_reading import in_scope

    return in_scope(Electrocardiogram.objects.filter(voided_at__isnull=True), subjects)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def read_eg(study, subjects) -> Iterator[dict]:
    """The live recordings of the export's subjects, by USUBJID then time of recording."""
    from ecg.models import READING_FIELDS, READINGS
    from review.sdtm_reading import Keys, first_dose_on, reference_start, subjid

    keys = Keys(study.protocol_number)
    typed = [f"{name}_{n}" for n in range(1, READINGS + 1) for name in READING_FIELDS]
    means = [f"mean_{name}" for name in READING_FIELDS]
    rows = (
        _live(subjects)
        .annotate(subjid=subjid(), rfst=reference_start(), rfx=first_dose_on())
        .order_by("subjid", "performed_on", "performed_time", "visit__order", "time_point", "id")
        .values(
            "subjid",
            "rfst",
            "rfx",
            "performed_on",
            "performed_time",
            "time_point",
            "interpretation",
            "qtcf_ms",
            "visit__order",
            "visit__name",
            *typed,
            *means,
        )
    )
    for _subject, group in itertools.groupby(rows.iterator(2000), key=lambda r: r["subjid"]):
        recordings = list(group)
        # One baseline recording per subject: every recording is "the ECG" for --LOBXFL.
        baseline = sdtm.last_before_exposure(
            (
                ("ECG", row["performed_on"], row["time_point"] == TimePoint.POST_DOSE)
                for row in recordings
            ),
            recordings[0]["rfx"],
        )
        seq = 1
        for index, row in enumerate(recordings):
            readings = [
                Measures(**{name: _decimal(row[f"{name}_{n}"]) for name in READING_FIELDS})
                for n in range(1, READINGS + 1)
            ]
            records = eg_records(
                keys(row),
                seq,
                EcgFacts(
                    performed_on=row["performed_on"],
                    performed_time=row["performed_time"],
                    time_point=row["time_point"],
                    readings=[r for r in readings if r != Measures()],
                    means=Measures(
                        **{name: _decimal(row[f"mean_{name}"]) for name in READING_FIELDS}
                    ),
                    qtcf_ms=Decimal(row["qtcf_ms"]),
                    interpretation=row["interpretation"],
                    visit_number=row["visit__order"],
                    visit_name=row["visit__name"],
                    last_before_exposure=index in baseline,
                ),
            )
            seq += len(records)
            yield from records


_QTCF = (
    "The mean of each reading's QTcF = QT / (RR in s)^(1/3), RR read from the heart rate "
    "where not typed (ecg.rules), to 0.1 ms."
)

EG = sdtm.SdtmDomain(
    domain="EG",
    label="ECG Test Results",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "EGSEQ"),
    class_name="FINDINGS",
    structure="One record per ECG observation per replicate per time point or one record "
    "per ECG observation per beat per visit per subject",
    records=read_eg,
    position=68,
    # A triplicate gives 3 x 5 readings, 6 derived records and the interpretation.
    count=lambda subjects: _live(subjects).count() * 22,
    derivations={
        "EGSTRESC": "EGORRES as written.",
        "EGSTRESN": "EGORRES as a number (the units are the standard ones).",
        "EGLOBXFL": (
            "Y on the derived records and interpretation of the last ECG before the first "
            "dose: recorded before its day, or on it and not post-dose."
        ),
        "EGDRVFL": "Y on the means of the triplicate and the average QTcF.",
        "EGCLSIG": "Y for an abnormality judged clinically significant, N for one judged not.",
    },
    assigned=frozenset(
        {"EGTEST", "EGORRESU", "EGSTRESU", "VISITNUM", "VISIT", "EGTPTNUM", "EGTPTREF"}
    ),
    required=frozenset({"EGSEQ", "EGTESTCD", "EGTEST"}),
    codelists={
        "EGTESTCD": sdtm.Codelist("CL.EGTESTCD", "ECG Test Code", "C71153"),
        "EGTEST": sdtm.Codelist("CL.EGTEST", "ECG Test Name", "C71152"),
        "EGORRESU": sdtm.UNIT,
        "EGSTRESU": sdtm.UNIT,
        "EGLOBXFL": sdtm.NY,
        "EGDRVFL": sdtm.NY,
        "EGCLSIG": sdtm.NY,
    },
    value_level=("EGTESTCD", ("EGORRES", "EGSTRESC", "EGSTRESN"), False),
    value_derivations={(name, QTCF[0]): _QTCF for name in ("EGORRES", "EGSTRESC", "EGSTRESN")},
)
