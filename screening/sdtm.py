"""SDTM IE: the criteria not met, declared on the eligibility kind (screening.crf).

`ie_records` is a pure function of the eligibility findings; `read_ie` reads the export's
subjects' assessments for exports.sdtm_export. The trial design's TI dataset (exports)
names the criteria with the same IETESTCD (`criterion_testcd`).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from review import sdtm
from review.sdtm import INTEGER, NO, YES, SubjectKey, iso, record, study_day, variables

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("IESEQ", "Sequence Number", INTEGER),
    ("IETESTCD", "Inclusion/Exclusion Criterion Short Name"),
    ("IETEST", "Inclusion/Exclusion Criterion"),
    ("IECAT", "Inclusion/Exclusion Category"),
    ("IEORRES", "I/E Criterion Original Result"),
    ("IESTRESC", "I/E Criterion Result in Std Format"),
    ("IEDTC", "Date/Time of Collection"),
    ("IEDY", "Study Day of Collection", INTEGER),
)


def criterion_testcd(code: str) -> str:
    """IN2 -> INCL02, EX10 -> EXCL10 (IETESTCD: at most 8 characters)."""
    prefix = "INCL" if code.upper().startswith("IN") else "EXCL"
    digits = "".join(ch for ch in code if ch.isdigit())
    return f"{prefix}{int(digits):02d}" if digits else code.upper()[:8]


@dataclass(frozen=True)
class EligibilityFinding:
    code: str  # IN1..IN8, EX1..EX12
    criterion: str
    outcome: str  # met | failed | missing
    assessed_on: date


def ie_records(key: SubjectKey, findings: Iterable[EligibilityFinding]) -> list[dict]:
    """Criteria not met only (SDTM IE): an inclusion answered N, an exclusion answered Y."""
    records = []
    for finding in findings:
        if finding.outcome != "failed":
            continue
        inclusion = finding.code.upper().startswith("IN")
        result = NO if inclusion else YES
        records.append(
            record(
                VARIABLES,
                "IE",
                key,
                IESEQ=len(records) + 1,
                IETESTCD=criterion_testcd(finding.code),
                IETEST=finding.criterion[:200],
                IECAT="INCLUSION" if inclusion else "EXCLUSION",
                IEORRES=result,
                IESTRESC=result,
                IEDTC=iso(finding.assessed_on),
                IEDY=study_day(finding.assessed_on, key.rfstdtc),
            )
        )
    return records


def read_ie(study, subjects) -> Iterator[dict]:
    """The criteria not met of the export's subjects' assessments, by USUBJID."""
    from review.sdtm_reading import Keys, in_scope, reference_start, subjid
    from screening.models import EligibilityAssessment

    keys = Keys(study.protocol_number)
    rows = (
        in_scope(EligibilityAssessment.objects, subjects)
        .annotate(subjid=subjid(), rfst=reference_start())
        .order_by("subjid")
        .values("subjid", "rfst", "assessment_date", "findings")
    )
    for row in rows.iterator(2000):
        findings = [
            EligibilityFinding(
                code=f.get("code", ""),
                criterion=f.get("criterion", ""),
                outcome=f.get("outcome", ""),
                assessed_on=row["assessment_date"],
            )
            for f in row["findings"] or []
        ]
        yield from ie_records(keys(row), findings)


_RESULT = "N for an inclusion criterion not met, Y for an exclusion criterion met."

IE = sdtm.SdtmDomain(
    domain="IE",
    label="Inclusion/Exclusion Criteria Not Met",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "IESEQ"),
    class_name="FINDINGS",
    structure="One record per inclusion/exclusion criterion not met per subject",
    records=read_ie,
    position=20,
    derivations={"IEORRES": _RESULT, "IESTRESC": _RESULT},
    assigned=frozenset({"IETESTCD", "IETEST", "IECAT"}),
    required=frozenset({"IESEQ", "IETESTCD", "IETEST", "IECAT"}),
    codelists={
        "IETESTCD": sdtm.Codelist("CL.IETESTCD", "Inclusion/Exclusion Criterion Short Name"),
        "IECAT": sdtm.Codelist("CL.IECAT", "Category for Inclusion/Exclusion"),
        "IEORRES": sdtm.NY,
        "IESTRESC": sdtm.NY,
    },
)
