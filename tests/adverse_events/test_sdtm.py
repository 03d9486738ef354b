"""SDTM AE (adverse_events.sdtm) is pure: facts in, records with standard variables and
CDISC terms out."""

from datetime import date

import pytest

from adverse_events.sdtm import AdverseEventFacts, ae_record
from review.sdtm import subject_key

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))
ISSUE_AE_VARIABLES = [
    "STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AETOXGR",
    "AESER", "AEREL", "AEACN", "AEOUT", "AESTDTC", "AEENDTC", "AESDTH", "AESLIFE",
    "AESHOSP", "AESDISAB", "AESCONG", "AESMIE",
]  # fmt: skip


def _ae(**changes) -> AdverseEventFacts:
    values = {
        "sequence": 4,
        "term": "Fever",
        "meddra_code": 10016558,
        "soc": "General disorders and administration site conditions",
        "grade": 3,
        "onset": date(2026, 11, 23),
        "serious": True,
        "serious_criteria": frozenset({"hospitalisation"}),
        "relationship": "probable",
        "action_taken": "dose_not_changed",
        "outcome": "not_recovered",
        "period": "treatment_emergent",
    }
    return AdverseEventFacts(**(values | changes))


def test_ae_record_has_the_standard_variables_in_order():
    record = ae_record(KEY, _ae())
    assert list(record)[:3] == ["STUDYID", "DOMAIN", "USUBJID"]
    assert set(ISSUE_AE_VARIABLES) <= set(record)
    assert record["DOMAIN"] == "AE"
    assert record["USUBJID"] == "IL22BP-LNP-001-FR01-001"


def test_ae_serious_hospitalisation_flags_and_grade():
    record = ae_record(KEY, _ae())
    assert (record["AESEQ"], record["AETOXGR"], record["AESER"]) == (4, "3", "Y")
    assert record["AESHOSP"] == "Y"
    assert {record[v] for v in ("AESDTH", "AESLIFE", "AESDISAB", "AESCONG", "AESMIE")} == {"N"}
    assert (record["AETERM"], record["AEDECOD"], record["AEPTCD"]) == ("Fever", "Fever", 10016558)


@pytest.mark.parametrize(
    ("relationship", "aerel"),
    [
        ("not_related", "NOT RELATED"),
        ("unlikely", "UNLIKELY RELATED"),
        ("possible", "POSSIBLY RELATED"),
        ("probable", "PROBABLY RELATED"),
        ("definite", "RELATED"),
        ("", ""),
    ],
)
def test_causality_uses_the_protocol_terms(relationship, aerel):
    assert ae_record(KEY, _ae(relationship=relationship))["AEREL"] == aerel


@pytest.mark.parametrize(
    ("outcome", "aeout"),
    [
        ("recovered", "RECOVERED/RESOLVED"),
        ("recovering", "RECOVERING/RESOLVING"),
        ("not_recovered", "NOT RECOVERED/NOT RESOLVED"),
        ("recovered_with_sequelae", "RECOVERED/RESOLVED WITH SEQUELAE"),
        ("fatal", "FATAL"),
        ("unknown", "UNKNOWN"),
    ],
)
def test_outcome_uses_cdisc_codelist_out(outcome, aeout):
    assert ae_record(KEY, _ae(outcome=outcome))["AEOUT"] == aeout


@pytest.mark.parametrize(
    ("action", "aeacn"),
    [
        ("dose_not_changed", "DOSE NOT CHANGED"),
        ("dose_reduced", "DOSE REDUCED"),
        ("dose_delayed", "DRUG INTERRUPTED"),
        ("drug_interrupted", "DRUG INTERRUPTED"),
        ("drug_withdrawn", "DRUG WITHDRAWN"),
        ("not_applicable", "NOT APPLICABLE"),
        ("unknown", "UNKNOWN"),
    ],
)
def test_action_taken_uses_cdisc_codelist_acn(action, aeacn):
    assert ae_record(KEY, _ae(action_taken=action))["AEACN"] == aeacn


def test_fatal_ae_flags_death():
    record = ae_record(
        KEY,
        _ae(
            grade=5,
            serious_criteria=frozenset({"death"}),
            outcome="fatal",
            ongoing=False,
            end=date(2026, 11, 25),
        ),
    )
    assert (record["AESDTH"], record["AEOUT"], record["AEENDTC"]) == ("Y", "FATAL", "2026-11-25")
    assert record["AEENRTPT"] == ""


def test_ongoing_ae_has_no_end_date_and_is_ongoing_at_end_of_study():
    record = ae_record(KEY, _ae(ongoing=True, end=None))
    assert (record["AEENDTC"], record["AEENDY"]) == ("", None)
    assert (record["AEENRTPT"], record["AEENTPT"]) == ("ONGOING", "END OF STUDY")


def test_other_specify_term_is_reported_by_its_verbatim_and_not_coded_to_the_soc_code():
    record = ae_record(
        KEY,
        _ae(
            term="Gastrointestinal disorders - Other, specify",
            verbatim="Tongue ulcer",
            meddra_code=10017947,
            soc="Gastrointestinal disorders",
            other_specify=True,
            soc_code=10017947,
        ),
    )
    assert record["AETERM"] == "Tongue ulcer"
    assert record["AEDECOD"] == "Gastrointestinal disorders - Other, specify"
    # The placeholder's code is the SOC's: it is no LLT or PT code.
    assert (record["AEPTCD"], record["AELLT"], record["AELLTCD"]) == (None, "", None)
    assert (record["AESOCCD"], record["AEBDSYCD"]) == (10017947, 10017947)


def test_ae_has_every_meddra_level_present_and_null_where_ctcae_has_none():
    record = ae_record(KEY, _ae(soc_code=10021881))
    for variable in ("AELLT", "AELLTCD", "AEHLT", "AEHLTCD", "AEHLGT", "AEHLGTCD"):
        assert variable in record
    assert (record["AELLT"], record["AELLTCD"]) == (record["AEDECOD"], record["AEPTCD"])
    assert (record["AEHLT"], record["AEHLTCD"], record["AEHLGT"], record["AEHLGTCD"]) == (
        "",
        None,
        "",
        None,
    )
    assert record["AESOCCD"] == record["AEBDSYCD"] == 10021881
