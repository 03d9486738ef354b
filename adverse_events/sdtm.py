"""SDTM AE: the adverse events' domain, declared on their kind (adverse_events.crf).

`ae_record` is a pure function of plain values (dates in the site's local time);
`ae_records` reads the live (not voided) AEs of the export's subjects for
exports.sdtm_export. The choices made where the CRF is coarser than SDTM are in
docs/exports.md ("SDTM mapping", "AE coding").
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from review import sdtm
from review.sdtm import INTEGER, SubjectKey, iso, record, study_day, variables, yes_no
from review.sdtm_reading import Keys, in_scope, reference_start, subjid

VARIABLES = variables(
    *sdtm.IDENTIFIERS,
    ("AESEQ", "Sequence Number", INTEGER),
    ("AETERM", "Reported Term for the Adverse Event"),
    ("AELLT", "Lowest Level Term"),
    ("AELLTCD", "Lowest Level Term Code", INTEGER),
    ("AEDECOD", "Dictionary-Derived Term"),
    ("AEPTCD", "Preferred Term Code", INTEGER),
    ("AEHLT", "High Level Term"),
    ("AEHLTCD", "High Level Term Code", INTEGER),
    ("AEHLGT", "High Level Group Term"),
    ("AEHLGTCD", "High Level Group Term Code", INTEGER),
    ("AEBODSYS", "Body System or Organ Class"),
    ("AEBDSYCD", "Body System or Organ Class Code", INTEGER),
    ("AESOC", "Primary System Organ Class"),
    ("AESOCCD", "Primary System Organ Class Code", INTEGER),
    ("AETOXGR", "Standard Toxicity Grade"),
    ("AESER", "Serious Event"),
    ("AEACN", "Action Taken with Study Treatment"),
    ("AEREL", "Causality"),
    ("AEOUT", "Outcome of Adverse Event"),
    ("AESCONG", "Congenital Anomaly or Birth Defect"),
    ("AESDISAB", "Persist or Signif Disability/Incapacity"),
    ("AESDTH", "Results in Death"),
    ("AESHOSP", "Requires or Prolongs Hospitalization"),
    ("AESLIFE", "Is Life Threatening"),
    ("AESMIE", "Other Medically Important Serious Event"),
    ("AECONTRT", "Concomitant or Additional Trtmnt Given"),
    ("EPOCH", "Epoch"),
    ("AESTDTC", "Start Date/Time of Adverse Event"),
    ("AEENDTC", "End Date/Time of Adverse Event"),
    ("AESTDY", "Study Day of Start of Adverse Event", INTEGER),
    ("AEENDY", "Study Day of End of Adverse Event", INTEGER),
    ("AEENRTPT", "End Relative to Reference Time Point"),
    ("AEENTPT", "End Reference Time Point"),
)

# AEREL is sponsor-defined in SDTM; these are the terms of the protocol's causality scale.
RELATIONSHIP_TERMS = {
    "not_related": "NOT RELATED",
    "unlikely": "UNLIKELY RELATED",
    "possible": "POSSIBLY RELATED",
    "probable": "PROBABLY RELATED",
    "definite": "RELATED",
}
# Codelist OUT (C66768).
OUTCOME_TERMS = {
    "recovered": "RECOVERED/RESOLVED",
    "recovering": "RECOVERING/RESOLVING",
    "not_recovered": "NOT RECOVERED/NOT RESOLVED",
    "recovered_with_sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
    "fatal": "FATAL",
    "unknown": "UNKNOWN",
}
# Codelist ACN (C66767) has no "delayed": a delayed dose is a temporary interruption.
ACTION_TERMS = {
    "dose_not_changed": "DOSE NOT CHANGED",
    "dose_reduced": "DOSE REDUCED",
    "dose_delayed": "DRUG INTERRUPTED",
    "drug_interrupted": "DRUG INTERRUPTED",
    "drug_withdrawn": "DRUG WITHDRAWN",
    "not_applicable": "NOT APPLICABLE",
    "unknown": "UNKNOWN",
}
PERIOD_EPOCHS = {
    "pre_treatment": "SCREENING",
    "treatment_emergent": "TREATMENT",
    "post_treatment": "FOLLOW-UP",
}


@dataclass(frozen=True)
class AdverseEventFacts:
    sequence: int
    term: str  # CTCAE v5.0 term
    meddra_code: int | None
    soc: str
    grade: int
    onset: date
    verbatim: str = ""
    end: date | None = None
    ongoing: bool = True
    serious: bool = False
    serious_criteria: frozenset[str] = frozenset()
    relationship: str = ""  # adverse_events.rules.Relationship value, "" not assessed
    action_taken: str = ""
    outcome: str = ""
    treatment_given: str = ""
    period: str = ""
    other_specify: bool = False  # a "<SOC> - Other, specify" CTCAE term
    soc_code: int | None = None  # MedDRA code of the SOC


def ae_record(key: SubjectKey, ae: AdverseEventFacts) -> dict:
    """One AE; AESEQ is the AE's own number (never reused), the grade is AETOXGR.

    Coding: a CTCAE v5.0 term is a MedDRA lowest level term (AELLT, AELLTCD) and its
    preferred term (AEDECOD, AEPTCD). CTCAE does not carry the HLT and HLGT: they are
    present and null. An "Other, specify" term is no MedDRA term: AETERM keeps the verbatim
    the investigator wrote, AEDECOD the CTCAE placeholder ("<SOC> - Other, specify", under
    which the event was graded), the LLT and PT codes are null (the placeholder's code is
    the SOC's) and the SOC and its code are given (docs/exports.md, "AE coding")."""
    criteria = ae.serious_criteria
    coded = not ae.other_specify
    return record(
        VARIABLES,
        "AE",
        key,
        AESEQ=ae.sequence,
        AETERM=(ae.verbatim or ae.term)[:200],
        AELLT=ae.term[:200] if coded else "",
        AELLTCD=ae.meddra_code if coded else None,
        AEDECOD=ae.term[:200],
        AEPTCD=ae.meddra_code if coded else None,
        AEBODSYS=ae.soc,
        AEBDSYCD=ae.soc_code,
        AESOC=ae.soc,
        AESOCCD=ae.soc_code,
        AETOXGR=str(ae.grade),
        AESER=yes_no(ae.serious),
        AEACN=ACTION_TERMS.get(ae.action_taken, ""),
        AEREL=RELATIONSHIP_TERMS.get(ae.relationship, ""),
        AEOUT=OUTCOME_TERMS.get(ae.outcome, ""),
        AESCONG=yes_no("congenital_anomaly" in criteria),
        AESDISAB=yes_no("disability" in criteria),
        AESDTH=yes_no("death" in criteria),
        AESHOSP=yes_no("hospitalisation" in criteria),
        AESLIFE=yes_no("life_threatening" in criteria),
        AESMIE=yes_no("important_medical_event" in criteria),
        AECONTRT=yes_no(bool(ae.treatment_given.strip())),
        EPOCH=PERIOD_EPOCHS.get(ae.period, ""),
        AESTDTC=iso(ae.onset),
        AEENDTC="" if ae.ongoing else iso(ae.end),
        AESTDY=study_day(ae.onset, key.rfstdtc),
        AEENDY=None if ae.ongoing else study_day(ae.end, key.rfstdtc),
        AEENRTPT="ONGOING" if ae.ongoing else "",
        AEENTPT="END OF STUDY" if ae.ongoing else "",
    )


def soc_codes() -> dict[str, int]:
    """MedDRA code of each SOC: in CTCAE v5.0 the "<SOC> - Other, specify" term carries it."""
    from adverse_events.models import CtcaeTerm

    return dict(CtcaeTerm.objects.filter(is_other_specify=True).values_list("soc", "meddra_code"))


def ae_records(study, subjects) -> Iterator[dict]:
    """The live AEs of the export's subjects, by USUBJID then AESEQ."""
    from adverse_events.models import AdverseEvent

    keys = Keys(study.protocol_number)
    socs = soc_codes()
    rows = (
        in_scope(AdverseEvent.objects.filter(voided_at__isnull=True), subjects)
        .annotate(subjid=subjid(), rfst=reference_start())
        .order_by("subjid", "sequence")
        .values(
            "subjid",
            "rfst",
            "sequence",
            "recorded_term",
            "recorded_meddra_code",
            "recorded_soc",
            "term__is_other_specify",
            "verbatim_term",
            "grade",
            "onset_date",
            "end_date",
            "ongoing",
            "serious",
            "serious_criteria",
            "relationship",
            "action_taken",
            "outcome",
            "treatment_given",
            "period",
        )
    )
    for row in rows.iterator(2000):
        yield ae_record(
            keys(row),
            AdverseEventFacts(
                sequence=row["sequence"],
                term=row["recorded_term"],
                meddra_code=row["recorded_meddra_code"],
                soc=row["recorded_soc"],
                grade=row["grade"],
                onset=row["onset_date"],
                verbatim=row["verbatim_term"],
                end=row["end_date"],
                ongoing=row["ongoing"],
                serious=row["serious"],
                serious_criteria=frozenset(row["serious_criteria"] or ()),
                relationship=row["relationship"],
                action_taken=row["action_taken"],
                outcome=row["outcome"],
                treatment_given=row["treatment_given"],
                period=row["period"],
                other_specify=row["term__is_other_specify"],
                soc_code=socs.get(row["recorded_soc"]),
            ),
        )


_CODED = "From the CTCAE v5.0 term chosen on the AE form (the version it was recorded with)."
_UNCODED = _CODED + " Null for an 'Other, specify' term."
_SOC_CODE = "MedDRA code of the SOC (the code CTCAE gives the SOC's 'Other, specify' term)."
_CRITERION = "Y when the seriousness criterion is ticked on the AE form, else N."
_FLAGS = ("AESER", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE", "AECONTRT")

AE = sdtm.SdtmDomain(
    domain="AE",
    label="Adverse Events",
    variables=VARIABLES,
    keys=("STUDYID", "USUBJID", "AESEQ"),
    class_name="EVENTS",
    structure="One record per adverse event per subject",
    records=ae_records,
    position=40,
    count=lambda subjects: _all_of(subjects).count(),
    derivations={
        "AELLT": _UNCODED,
        "AELLTCD": _UNCODED,
        "AEDECOD": _CODED,
        "AEPTCD": _UNCODED,
        "AEHLT": "CTCAE carries no high level term: null.",
        "AEHLTCD": "CTCAE carries no high level term: null.",
        "AEHLGT": "CTCAE carries no high level group term: null.",
        "AEHLGTCD": "CTCAE carries no high level group term: null.",
        "AEBODSYS": _CODED,
        "AEBDSYCD": _SOC_CODE,
        "AESOC": _CODED,
        "AESOCCD": _SOC_CODE,
        **dict.fromkeys(
            ("AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE"), _CRITERION
        ),
        "EPOCH": sdtm.EPOCH_DERIVATION,
        "AEENRTPT": "ONGOING when the AE form says ongoing.",
        "AEENTPT": "END OF STUDY when the AE form says ongoing.",
    },
    required=frozenset({"AESEQ", "AETERM", "AEDECOD"}),
    codelists={
        **dict.fromkeys(("AELLT", "AEDECOD", "AEBODSYS", "AESOC"), sdtm.CTCAE),
        "AETOXGR": sdtm.TOXGR,
        **dict.fromkeys(_FLAGS, sdtm.NY),
        "AEACN": sdtm.Codelist("CL.ACN", "Action Taken with Study Treatment", "C66767"),
        "AEREL": sdtm.Codelist("CL.AEREL", "Causality (the protocol's scale)"),
        "AEOUT": sdtm.Codelist("CL.OUT", "Outcome of Event", "C66768"),
        "EPOCH": sdtm.EPOCH,
        "AEENRTPT": sdtm.STENRF,
    },
)


def _all_of(subjects):
    from adverse_events.models import AdverseEvent

    return in_scope(AdverseEvent.objects, subjects)
