"""Eligibility rules (screening/eligibility.py): table-driven, no database, no Django."""

import ast
import dataclasses
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from screening import eligibility
from screening.eligibility import (
    AUTOIMMUNE_CONDITIONS,
    AUTOIMMUNE_EXCEPTIONS,
    CRITERIA,
    SEVERE_ALLERGY_KINDS,
    EligibilityFacts,
    EligibilityResult,
    EligibilityThresholds,
    Finding,
    LabLimit,
    LabResult,
    Outcome,
    Status,
    add_years,
    age_in_completed_years,
    assess_eligibility,
    validate_facts,
)

ASSESSED = date(2026, 11, 26)
D = Decimal


def lab_limits() -> tuple[LabLimit, ...]:
    return (
        LabLimit("anc", "Absolute neutrophil count", "10^9/L", minimum=D("1.5")),
        LabLimit("platelets", "Platelets", "10^9/L", minimum=D("100")),
        LabLimit("haemoglobin", "Haemoglobin", "g/L", minimum=D("90")),
        LabLimit("bilirubin", "Total bilirubin", "x ULN", maximum=D("1.5"), relative_to_uln=True),
        LabLimit("alt", "ALT", "x ULN", maximum=D("2.5"), relative_to_uln=True),
        LabLimit("ast", "AST", "x ULN", maximum=D("2.5"), relative_to_uln=True),
        LabLimit("creatinine", "Creatinine", "x ULN", maximum=D("1.5"), relative_to_uln=True),
    )


def thresholds(**changes) -> EligibilityThresholds:
    values = dict(
        age_min_years=18,
        age_max_years=70,
        ecog_max=1,
        expected_survival_min_months=3,
        anticancer_washout_days=28,
        nitrosourea_washout_days=42,
        other_trial_exclusion_days=28,
        mi_exclusion_years=1,
        nyha_exclusion_class=2,
        infection_exclusion_grade=2,
        lab_limits=lab_limits(),
    )
    values.update(changes)
    return EligibilityThresholds(**values)


GOOD_LABS = {
    "anc": LabResult(D("3.2")),
    "platelets": LabResult(D("210")),
    "haemoglobin": LabResult(D("128")),
    "bilirubin": LabResult(D("9"), upper_limit_normal=D("21")),
    "alt": LabResult(D("25"), upper_limit_normal=D("40")),
    "ast": LabResult(D("30"), upper_limit_normal=D("40")),
    "creatinine": LabResult(D("80"), upper_limit_normal=D("110")),
}


def man(**changes) -> EligibilityFacts:
    """A fully eligible man; pregnancy questions are left unanswered, as the form hides them."""
    base = EligibilityFacts(
        assessment_date=ASSESSED,
        date_of_birth=date(1970, 5, 10),
        sex="M",
        consent_signed_on=date(2026, 11, 20),
        histology_confirmed=True,
        refractory_to_second_line=True,
        no_standard_treatment=True,
        ecog=0,
        expected_survival_months=12,
        had_chemotherapy=True,
        last_chemotherapy_date=date(2026, 9, 1),
        had_radiotherapy=False,
        had_surgery=True,
        last_surgery_date=date(2026, 6, 1),
        had_nitrosourea_or_mitomycin=False,
        had_other_trial_drug=False,
        labs=GOOD_LABS,
        nyha_class=1,
        unstable_angina=False,
        had_myocardial_infarction=False,
        arrhythmia_requiring_treatment=False,
        active_tuberculosis=False,
        bacterial_or_fungal_infection_grade=0,
        active_hiv=False,
        active_hbv=False,
        hcv_infection=False,
        psychotropic_abuse_unable_to_quit=False,
        mental_disorder=False,
        autoimmune_conditions=frozenset(),
        immunosuppressive_treatment=False,
        drug_or_alcohol_abuse_history=False,
        allergy_to_study_drug=False,
        severe_allergy_history=frozenset(),
        pregnancy_plan_within_window=False,
        tumour_near_major_vessels_or_trachea=False,
        investigator_excludes_for_concomitant_disease=False,
    )
    return dataclasses.replace(base, **changes)


def woman(**changes) -> EligibilityFacts:
    """A fully eligible woman of child-bearing potential with a negative pregnancy test."""
    values = dict(
        sex="F",
        pregnant=False,
        lactating=False,
        childbearing_potential=True,
        pregnancy_test_result="negative",
    )
    values.update(changes)
    return man(**values)


def assess(facts: EligibilityFacts, **threshold_changes) -> EligibilityResult:
    return assess_eligibility(facts, thresholds(**threshold_changes))


def finding(facts: EligibilityFacts, code: str, **threshold_changes) -> Finding:
    return assess(facts, **threshold_changes).finding(code)


def with_lab(code: str, result: LabResult | None) -> EligibilityFacts:
    labs = dict(GOOD_LABS)
    if result is None:
        del labs[code]
    else:
        labs[code] = result
    return man(labs=labs)


def days_ago(days: int) -> date:
    return ASSESSED - timedelta(days=days)


# --- overall -----------------------------------------------------------------------------------


@pytest.mark.parametrize("facts", [man(), woman()], ids=["man", "woman"])
def test_baseline_subject_meeting_every_criterion_is_eligible(facts):
    result = assess(facts)
    assert result.status == Status.ELIGIBLE
    assert [f.outcome for f in result.findings] == [Outcome.MET] * 20
    assert result.failed == ()
    assert result.missing == ()


def test_every_criterion_yields_one_finding_in_synopsis_order():
    result = assess(man())
    codes = [f"IN{n}" for n in range(1, 9)] + [f"EX{n}" for n in range(1, 13)]
    assert [f.code for f in result.findings] == codes
    assert [f.criterion for f in result.findings] == [c.title for c in CRITERIA]


def test_nothing_answered_is_incomplete_with_every_criterion_missing():
    result = assess(EligibilityFacts())
    assert result.status == Status.INCOMPLETE
    assert len(result.missing) == 20
    assert all(f.reason for f in result.missing)


def test_one_missing_fact_makes_the_assessment_incomplete_not_eligible():
    result = assess(man(ecog=None))
    assert result.status == Status.INCOMPLETE
    assert [f.code for f in result.missing] == ["IN3"]
    assert result.failed == ()


def test_failed_criterion_beats_missing_facts_for_the_status():
    result = assess(man(ecog=None, active_hiv=True))
    assert result.status == Status.NOT_ELIGIBLE
    assert [f.code for f in result.failed] == ["EX5"]
    assert [f.code for f in result.missing] == ["IN3"]


def test_failed_part_beats_missing_part_within_one_criterion():
    facts = man(last_chemotherapy_date=days_ago(10), had_radiotherapy=True)
    result = finding(facts, "IN5")
    assert result.outcome == Outcome.FAILED
    assert "chemotherapy" in result.reason
    assert "radiotherapy" not in result.reason


def test_reason_of_a_failed_criterion_names_every_failed_part():
    facts = man(last_chemotherapy_date=days_ago(10), had_surgery=True, last_surgery_date=ASSESSED)
    reason = finding(facts, "IN5").reason
    assert "last chemotherapy 2026-11-16 is 10 days before" in reason
    assert "last surgery 2026-11-26 is on the day of the assessment" in reason


def test_result_finding_for_unknown_code_raises_key_error():
    with pytest.raises(KeyError):
        assess(man()).finding("EX13")


def test_thresholds_come_from_the_configuration_not_the_code():
    assert finding(man(ecog=2), "IN3").outcome == Outcome.FAILED
    assert finding(man(ecog=2), "IN3", ecog_max=2).outcome == Outcome.MET


# --- IN1 age ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "assessed", "outcome", "reason"),
    [
        (date(2008, 11, 27), ASSESSED, "failed", "age 17 on 2026-11-26 is below the minimum of 18"),
        (date(2008, 11, 26), ASSESSED, "met", "age 18 on 2026-11-26 is within 18 to 70"),
        (date(1956, 11, 26), ASSESSED, "met", "age 70 on 2026-11-26 is within 18 to 70"),
        (date(1955, 11, 27), ASSESSED, "met", "age 70 on 2026-11-26 is within 18 to 70"),
        (date(1955, 11, 26), ASSESSED, "failed", "age 71 on 2026-11-26 is above the maximum of 70"),
        (date(1950, 1, 1), ASSESSED, "failed", "age 76 on 2026-11-26 is above the maximum of 70"),
        # Born on 29 February: the year is completed on 1 March in a common year.
        (date(2008, 2, 29), date(2026, 2, 28), "failed", "age 17 on 2026-02-28"),
        (date(2008, 2, 29), date(2026, 3, 1), "met", "age 18 on 2026-03-01"),
        (date(2008, 2, 29), date(2026, 2, 28), "failed", "below the minimum of 18"),
        (date(2012, 2, 29), date(2030, 2, 28), "failed", "age 17 on 2030-02-28"),
        (date(1956, 2, 29), date(2027, 2, 28), "met", "age 70 on 2027-02-28"),
        (date(1956, 2, 29), date(2027, 3, 1), "failed", "age 71 on 2027-03-01 is above"),
        (date(1956, 2, 29), date(2028, 2, 28), "failed", "age 71 on 2028-02-28"),
    ],
    ids=[
        "day-before-18th-birthday",
        "on-18th-birthday",
        "on-70th-birthday",
        "day-before-71st-birthday",
        "on-71st-birthday",
        "aged-76",
        "feb29-born-17-on-feb28",
        "feb29-born-18-on-mar1",
        "feb29-born-reason-names-minimum",
        "feb29-born-17-on-feb28-again",
        "feb29-born-70-on-feb28",
        "feb29-born-71-on-mar1",
        "feb29-born-71-in-leap-year-on-feb28",
    ],
)
def test_age_must_be_18_to_70_in_completed_years(born, assessed, outcome, reason):
    result = finding(man(date_of_birth=born, assessment_date=assessed), "IN1")
    assert result.outcome == outcome
    assert reason in result.reason


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 15), date(2018, 6, 14), 17),
        (date(2000, 6, 15), date(2018, 6, 15), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2000, 1, 1), date(2000, 1, 1), 0),
    ],
)
def test_age_in_completed_years_counts_birthdays_reached(born, on, age):
    assert age_in_completed_years(born, on) == age


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        (date(2026, 11, 26), -1, date(2025, 11, 26)),
        (date(2026, 11, 26), 1, date(2027, 11, 26)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), -1, date(2023, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2025, 2, 28), -1, date(2024, 2, 28)),
        (date(2025, 3, 1), -1, date(2024, 3, 1)),
    ],
)
def test_add_years_is_calendar_arithmetic_with_feb_29_becoming_feb_28(start, years, expected):
    assert add_years(start, years) == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"date_of_birth": None}, "date of birth not recorded"),
        ({"assessment_date": None}, "assessment date not recorded"),
        ({"sex": None}, "sex not recorded"),
        ({"sex": "X"}, "sex 'X' is not one of F or M"),
    ],
)
def test_age_criterion_is_missing_without_birth_date_assessment_date_or_sex(changes, reason):
    result = finding(man(**changes), "IN1")
    assert result.outcome == Outcome.MISSING
    assert reason in result.reason


# --- IN2 tumour ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "failed_reason", "missing_reason"),
    [
        (
            "histology_confirmed",
            "tumour not histopathologically confirmed",
            "histopathological confirmation not recorded",
        ),
        (
            "refractory_to_second_line",
            "not refractory to second-line treatment",
            "refractoriness to second-line treatment not recorded",
        ),
        (
            "no_standard_treatment",
            "a standard treatment regimen is available",
            "availability of a standard treatment regimen not recorded",
        ),
    ],
)
def test_tumour_must_be_confirmed_refractory_and_without_standard_treatment(
    field, failed_reason, missing_reason
):
    failed = finding(man(**{field: False}), "IN2")
    missing = finding(man(**{field: None}), "IN2")
    assert (failed.outcome, failed.reason) == (Outcome.FAILED, failed_reason)
    assert (missing.outcome, missing.reason) == (Outcome.MISSING, missing_reason)
    assert finding(man(), "IN2").outcome == Outcome.MET


# --- IN3 ECOG, IN4 survival ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ecog", "outcome", "reason"),
    [
        (0, "met", "ECOG 0 is within 0 to 1"),
        (1, "met", "ECOG 1 is within 0 to 1"),
        (2, "failed", "ECOG 2 is above the maximum of 1"),
        (4, "failed", "ECOG 4 is above the maximum of 1"),
        (None, "missing", "ECOG performance status not recorded"),
    ],
)
def test_ecog_must_be_0_or_1(ecog, outcome, reason):
    result = finding(man(ecog=ecog), "IN3")
    assert (result.outcome, result.reason) == (outcome, reason)


@pytest.mark.parametrize(
    ("months", "outcome", "reason"),
    [
        (2, "failed", "expected survival 2 months is below the minimum of 3 months"),
        (3, "met", "expected survival 3 months is at least 3"),
        (24, "met", "expected survival 24 months is at least 3"),
        (None, "missing", "expected survival not recorded"),
    ],
)
def test_expected_survival_must_be_at_least_3_months(months, outcome, reason):
    result = finding(man(expected_survival_months=months), "IN4")
    assert (result.outcome, result.reason) == (outcome, reason)


# --- IN5 chemotherapy / radiotherapy / surgery washout ---------------------------------------

ANTICANCER = ["chemotherapy", "radiotherapy", "surgery"]


def test_chemo_exactly_28_days_ago_is_ineligible():
    result = finding(man(last_chemotherapy_date=days_ago(28)), "IN5")
    assert result.outcome == Outcome.FAILED
    assert result.reason == (
        "last chemotherapy 2026-10-29 is 28 days before the assessment on 2026-11-26; "
        "the protocol needs more than 28 days"
    )


def test_chemo_29_days_ago_is_eligible():
    result = finding(man(last_chemotherapy_date=days_ago(29)), "IN5")
    assert result.outcome == Outcome.MET
    assert "last chemotherapy 2026-10-28 is 29 days before the assessment" in result.reason


def test_chemo_27_days_ago_reason_gives_dates_and_rule():
    reason = finding(man(last_chemotherapy_date=date(2026, 10, 30)), "IN5").reason
    assert reason == (
        "last chemotherapy 2026-10-30 is 27 days before the assessment on 2026-11-26; "
        "the protocol needs more than 28 days"
    )


@pytest.mark.parametrize("treatment", ANTICANCER)
@pytest.mark.parametrize(
    ("days", "outcome"),
    [(0, "failed"), (1, "failed"), (28, "failed"), (29, "met"), (400, "met")],
)
def test_anticancer_treatment_needs_more_than_28_days_washout(treatment, days, outcome):
    facts = man(**{f"had_{treatment}": True, f"last_{treatment}_date": days_ago(days)})
    result = finding(facts, "IN5")
    assert result.outcome == outcome
    assert f"last {treatment} {days_ago(days)}" in result.reason


@pytest.mark.parametrize("treatment", ANTICANCER)
def test_anticancer_treatment_given_without_a_date_is_missing(treatment):
    facts = man(**{f"had_{treatment}": True, f"last_{treatment}_date": None})
    result = finding(facts, "IN5")
    assert result.outcome == Outcome.MISSING
    assert result.reason == f"date of last {treatment} not recorded"


@pytest.mark.parametrize("treatment", ANTICANCER)
def test_anticancer_treatment_history_unanswered_is_missing(treatment):
    facts = man(**{f"had_{treatment}": None, f"last_{treatment}_date": None})
    result = finding(facts, "IN5")
    assert result.outcome == Outcome.MISSING
    assert result.reason == f"whether the subject had prior {treatment} not recorded"


def test_no_prior_anticancer_treatment_meets_the_washout():
    facts = man(had_chemotherapy=False, last_chemotherapy_date=None, had_surgery=False)
    facts = dataclasses.replace(facts, last_surgery_date=None)
    result = finding(facts, "IN5")
    assert result.outcome == Outcome.MET
    assert "no prior chemotherapy" in result.reason


def test_treatment_date_after_the_assessment_fails_the_washout():
    result = finding(man(last_chemotherapy_date=date(2026, 12, 1)), "IN5")
    assert result.outcome == Outcome.FAILED
    assert "last chemotherapy 2026-12-01 is 5 days after the assessment" in result.reason


def test_washout_is_missing_without_an_assessment_date():
    result = finding(man(assessment_date=None), "IN5")
    assert result.outcome == Outcome.MISSING
    assert "assessment date not recorded" in result.reason


# --- IN6 nitrosoureas / mitomycin C ----------------------------------------------------------


def test_nitrosourea_exactly_42_days_ago_is_ineligible():
    facts = man(had_nitrosourea_or_mitomycin=True, last_nitrosourea_or_mitomycin_date=days_ago(42))
    result = finding(facts, "IN6")
    assert result.outcome == Outcome.FAILED
    assert result.reason == (
        "last nitrosourea or mitomycin C 2026-10-15 is 42 days before the assessment on "
        "2026-11-26; the protocol needs more than 42 days"
    )


def test_nitrosourea_43_days_ago_is_eligible():
    facts = man(had_nitrosourea_or_mitomycin=True, last_nitrosourea_or_mitomycin_date=days_ago(43))
    result = finding(facts, "IN6")
    assert result.outcome == Outcome.MET
    assert "2026-10-14 is 43 days before" in result.reason


@pytest.mark.parametrize(
    ("had", "last", "reason"),
    [
        (None, None, "whether the subject had prior nitrosourea or mitomycin C not recorded"),
        (True, None, "date of last nitrosourea or mitomycin C not recorded"),
    ],
)
def test_nitrosourea_history_or_date_unanswered_is_missing(had, last, reason):
    facts = man(had_nitrosourea_or_mitomycin=had, last_nitrosourea_or_mitomycin_date=last)
    result = finding(facts, "IN6")
    assert (result.outcome, result.reason) == (Outcome.MISSING, reason)


def test_no_nitrosourea_or_mitomycin_meets_the_washout():
    assert finding(man(had_nitrosourea_or_mitomycin=False), "IN6").reason == (
        "no prior nitrosourea or mitomycin C"
    )


# --- IN7 organ function ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "at_limit", "past_limit", "reason"),
    [
        (
            "anc",
            LabResult(D("1.5")),
            LabResult(D("1.4")),
            "Absolute neutrophil count 1.4 10^9/L is below the limit of 1.5 10^9/L",
        ),
        (
            "platelets",
            LabResult(D("100")),
            LabResult(D("99")),
            "Platelets 99 10^9/L is below the limit of 100 10^9/L",
        ),
        (
            "haemoglobin",
            LabResult(D("90")),
            LabResult(D("89")),
            "Haemoglobin 89 g/L is below the limit of 90 g/L",
        ),
        (
            "bilirubin",
            LabResult(D("30"), upper_limit_normal=D("20")),
            LabResult(D("30.2"), upper_limit_normal=D("20")),
            "Total bilirubin 1.51 x ULN (30.2 with ULN 20) is above the limit of 1.5 x ULN",
        ),
        (
            "alt",
            LabResult(D("100"), upper_limit_normal=D("40")),
            LabResult(D("100.4"), upper_limit_normal=D("40")),
            "ALT 2.51 x ULN (100.4 with ULN 40) is above the limit of 2.5 x ULN",
        ),
        (
            "ast",
            LabResult(D("87.5"), upper_limit_normal=D("35")),
            LabResult(D("87.6"), upper_limit_normal=D("35")),
            "AST 2.503 x ULN (87.6 with ULN 35) is above the limit of 2.5 x ULN",
        ),
        (
            "creatinine",
            LabResult(D("165"), upper_limit_normal=D("110")),
            LabResult(D("166"), upper_limit_normal=D("110")),
            "Creatinine 1.51 x ULN (166 with ULN 110) is above the limit of 1.5 x ULN",
        ),
    ],
)
def test_lab_exactly_at_the_limit_passes_and_just_past_it_fails(code, at_limit, past_limit, reason):
    met = finding(with_lab(code, at_limit), "IN7")
    failed = finding(with_lab(code, past_limit), "IN7")
    assert met.outcome == Outcome.MET
    assert (failed.outcome, failed.reason) == (Outcome.FAILED, reason)


def test_alt_above_limit_reason_gives_multiple_of_uln_and_the_limit():
    result = finding(with_lab("alt", LabResult(D("124"), upper_limit_normal=D("40"))), "IN7")
    assert result.reason == "ALT 3.1 x ULN (124 with ULN 40) is above the limit of 2.5 x ULN"


def test_lab_just_past_the_limit_is_not_rounded_to_look_equal_to_it():
    result = finding(with_lab("alt", LabResult(D("100.04"), upper_limit_normal=D("40"))), "IN7")
    assert result.outcome == Outcome.FAILED
    assert result.reason.startswith("ALT 2.501 x ULN")


def test_every_failed_lab_is_named():
    labs = dict(GOOD_LABS, anc=LabResult(D("0.9")), alt=LabResult(D("200"), D("40")))
    reason = finding(man(labs=labs), "IN7").reason
    assert "Absolute neutrophil count 0.9 10^9/L is below" in reason
    assert "ALT 5 x ULN" in reason


@pytest.mark.parametrize(
    ("code", "result", "reason"),
    [
        ("anc", None, "Absolute neutrophil count not recorded"),
        ("platelets", LabResult(None), "Platelets not recorded"),
        ("alt", LabResult(D("30")), "upper limit of normal for ALT not recorded"),
        ("creatinine", LabResult(D("80"), D("0")), "upper limit of normal for Creatinine (0)"),
    ],
    ids=["absent", "no-value", "relative-without-uln", "zero-uln"],
)
def test_lab_without_a_usable_value_is_missing(code, result, reason):
    found = finding(with_lab(code, result), "IN7")
    assert found.outcome == Outcome.MISSING
    assert reason in found.reason


def test_no_labs_recorded_is_missing_every_lab():
    result = finding(man(labs=None), "IN7")
    assert result.outcome == Outcome.MISSING
    assert result.reason.count("not recorded") == 7


def test_labs_outside_the_configuration_are_ignored():
    labs = dict(GOOD_LABS, ldh=LabResult(D("9999")))
    assert finding(man(labs=labs), "IN7").outcome == Outcome.MET


# --- IN8 consent -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed", "outcome", "reason"),
    [
        (
            ASSESSED,
            "met",
            "consent signed on 2026-11-26, on or before the assessment on 2026-11-26",
        ),
        (days_ago(30), "met", "consent signed on 2026-10-27, on or before"),
        (date(2026, 11, 27), "failed", "consent signed on 2026-11-27, after the assessment on"),
        (None, "missing", "date of written informed consent not recorded"),
    ],
)
def test_consent_must_be_signed_on_or_before_the_assessment(signed, outcome, reason):
    result = finding(man(consent_signed_on=signed), "IN8")
    assert result.outcome == outcome
    assert reason in result.reason


# --- EX1 other drug trial --------------------------------------------------------------------


def test_other_trial_drug_exactly_28_days_ago_is_excluded():
    facts = man(had_other_trial_drug=True, last_other_trial_drug_date=days_ago(28))
    result = finding(facts, "EX1")
    assert result.outcome == Outcome.FAILED
    assert result.reason == (
        "last drug in another clinical trial 2026-10-29 is 28 days before the assessment on "
        "2026-11-26; the protocol excludes 28 days or fewer"
    )


def test_other_trial_drug_29_days_ago_is_not_excluded():
    facts = man(had_other_trial_drug=True, last_other_trial_drug_date=days_ago(29))
    result = finding(facts, "EX1")
    assert result.outcome == Outcome.MET
    assert "2026-10-28 is 29 days before" in result.reason


@pytest.mark.parametrize(
    ("had", "last", "outcome", "reason"),
    [
        (True, days_ago(0), "failed", "is on the day of the assessment"),
        (True, days_ago(1), "failed", "is 1 day before the assessment"),
        (False, None, "met", "no prior drug in another clinical trial"),
        (True, None, "missing", "date of last drug in another clinical trial not recorded"),
        (None, None, "missing", "whether the subject had prior drug in another clinical trial"),
    ],
)
def test_other_trial_participation_within_4_weeks_excludes(had, last, outcome, reason):
    facts = man(had_other_trial_drug=had, last_other_trial_drug_date=last)
    result = finding(facts, "EX1")
    assert result.outcome == outcome
    assert reason in result.reason


# --- yes/no exclusions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "code", "reason"),
    [
        ("tumour_near_major_vessels_or_trachea", "EX2", "tumour close to major blood vessels"),
        ("unstable_angina", "EX3", "unstable angina pectoris"),
        ("arrhythmia_requiring_treatment", "EX3", "arrhythmia requiring treatment"),
        ("active_tuberculosis", "EX5", "active tuberculosis"),
        ("active_hiv", "EX5", "active HIV infection"),
        ("active_hbv", "EX5", "active HBV infection"),
        ("hcv_infection", "EX5", "HCV infection"),
        ("psychotropic_abuse_unable_to_quit", "EX6", "psychotropic drug abuse"),
        ("mental_disorder", "EX6", "mental disorder"),
        ("immunosuppressive_treatment", "EX8", "current immunosuppressive treatment"),
        ("drug_or_alcohol_abuse_history", "EX9", "history of drug or alcohol abuse"),
        ("allergy_to_study_drug", "EX10", "IL-22BP/LNP or its excipients"),
        ("pregnancy_plan_within_window", "EX11", "12 months after the last injection"),
        ("investigator_excludes_for_concomitant_disease", "EX12", "concomitant disease"),
    ],
)
def test_yes_excludes_no_passes_and_unanswered_is_missing(field, code, reason):
    yes = finding(man(**{field: True}), code)
    no = finding(man(**{field: False}), code)
    unanswered = finding(man(**{field: None}), code)
    assert yes.outcome == Outcome.FAILED
    assert reason in yes.reason
    assert no.outcome == Outcome.MET
    assert unanswered.outcome == Outcome.MISSING
    assert "not recorded" in unanswered.reason


# --- EX3 cardiac -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nyha", "outcome", "reason"),
    [
        (1, "met", "NYHA class I"),
        (2, "failed", "heart failure of NYHA class II; class II or above excludes"),
        (4, "failed", "heart failure of NYHA class IV; class II or above excludes"),
        (None, "missing", "NYHA class not recorded"),
    ],
)
def test_heart_failure_nyha_class_2_or_above_excludes(nyha, outcome, reason):
    result = finding(man(nyha_class=nyha), "EX3")
    assert result.outcome == outcome
    assert reason in result.reason


@pytest.mark.parametrize(
    ("assessed", "infarction", "outcome"),
    [
        (ASSESSED, date(2025, 11, 26), "failed"),
        (ASSESSED, date(2025, 11, 25), "met"),
        (ASSESSED, date(2026, 1, 5), "failed"),
        # 2024 is a leap year: exactly one calendar year back is 366 days, still "within".
        (date(2025, 1, 10), date(2024, 1, 10), "failed"),
        (date(2025, 1, 10), date(2024, 1, 9), "met"),
        # Assessment on 29 February: one year back is 28 February.
        (date(2024, 2, 29), date(2023, 2, 28), "failed"),
        (date(2024, 2, 29), date(2023, 2, 27), "met"),
        (date(2025, 2, 28), date(2024, 2, 28), "failed"),
        (date(2025, 2, 28), date(2024, 2, 27), "met"),
    ],
    ids=[
        "exactly-1-year",
        "1-year-and-1-day",
        "ten-months",
        "leap-exactly-1-year-366-days",
        "leap-1-year-and-1-day",
        "assessed-feb29-exactly-1-year",
        "assessed-feb29-1-year-and-1-day",
        "assessed-feb28-after-leap-exactly-1-year",
        "assessed-feb28-after-leap-1-year-and-1-day",
    ],
)
def test_myocardial_infarction_within_1_calendar_year_excludes(assessed, infarction, outcome):
    facts = man(
        assessment_date=assessed,
        had_myocardial_infarction=True,
        last_myocardial_infarction_date=infarction,
    )
    result = finding(facts, "EX3")
    assert result.outcome == outcome
    assert f"myocardial infarction on {infarction}" in result.reason
    assert f"({assessed})" in result.reason


def test_myocardial_infarction_reason_gives_dates_and_window():
    facts = man(had_myocardial_infarction=True, last_myocardial_infarction_date=date(2026, 1, 5))
    assert finding(facts, "EX3").reason == (
        "myocardial infarction on 2026-01-05 is within 1 year of the assessment (2026-11-26)"
    )


@pytest.mark.parametrize(
    ("had", "last", "reason"),
    [
        (None, None, "history of myocardial infarction not recorded"),
        (True, None, "date of last myocardial infarction not recorded"),
    ],
)
def test_myocardial_infarction_history_or_date_unanswered_is_missing(had, last, reason):
    facts = man(had_myocardial_infarction=had, last_myocardial_infarction_date=last)
    result = finding(facts, "EX3")
    assert (result.outcome, result.reason) == (Outcome.MISSING, reason)


def test_every_failed_cardiac_part_is_named():
    facts = man(nyha_class=3, unstable_angina=True, arrhythmia_requiring_treatment=True)
    reason = finding(facts, "EX3").reason
    assert "NYHA class III" in reason
    assert "unstable angina pectoris" in reason
    assert "arrhythmia requiring treatment" in reason


# --- EX4 pregnancy and lactation -------------------------------------------------------------


def test_men_are_not_asked_pregnancy_facts():
    facts = man()
    assert facts.pregnant is facts.lactating is facts.pregnancy_test_result is None
    result = assess(facts)
    assert result.finding("EX4").outcome == Outcome.MET
    assert result.status == Status.ELIGIBLE


@pytest.mark.parametrize(
    ("changes", "outcome", "reason"),
    [
        ({}, "met", "pregnancy test negative"),
        ({"pregnant": True}, "failed", "pregnancy"),
        ({"lactating": True}, "failed", "lactating"),
        ({"pregnancy_test_result": "positive"}, "failed", "pregnancy test positive"),
        (
            {"childbearing_potential": False, "pregnancy_test_result": "positive"},
            "failed",
            "pregnancy test positive",
        ),
        ({"pregnant": None}, "missing", "pregnancy not recorded"),
        ({"lactating": None}, "missing", "lactation not recorded"),
        ({"childbearing_potential": None}, "missing", "child-bearing potential not recorded"),
        ({"pregnancy_test_result": "not_done"}, "missing", "pregnancy test not done"),
        ({"pregnancy_test_result": None}, "missing", "pregnancy test result not recorded"),
        (
            {"childbearing_potential": False, "pregnancy_test_result": None},
            "met",
            "not of child-bearing potential",
        ),
        ({"sex": None}, "missing", "sex not recorded"),
    ],
)
def test_women_must_not_be_pregnant_or_lactating(changes, outcome, reason):
    result = finding(woman(**changes), "EX4")
    assert result.outcome == outcome
    assert reason in result.reason


def test_pregnant_and_lactating_woman_has_both_reasons():
    reason = finding(woman(pregnant=True, lactating=True), "EX4").reason
    assert reason == "pregnancy; lactating"


# --- EX5 infections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "outcome", "reason"),
    [
        (0, "met", "no bacterial or fungal infection"),
        (1, "met", "bacterial or fungal infection of CTCAE grade 1 is below grade 2"),
        (2, "failed", "bacterial or fungal infection of CTCAE grade 2; grade 2 or above excludes"),
        (3, "failed", "CTCAE grade 3"),
        (None, "missing", "bacterial or fungal infection grade not recorded"),
    ],
)
def test_bacterial_or_fungal_infection_of_grade_2_or_above_excludes(grade, outcome, reason):
    result = finding(man(bacterial_or_fungal_infection_grade=grade), "EX5")
    assert result.outcome == outcome
    assert reason in result.reason


# --- EX7 autoimmune disease ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "outcome", "reason"),
    [
        (frozenset(), "met", "no autoimmune disease"),
        (frozenset({"vitiligo"}), "met", "Vitiligo, which the protocol allows"),
        (frozenset({"childhood_asthma_resolved"}), "met", "which the protocol allows"),
        (frozenset({"vitiligo", "childhood_asthma_resolved"}), "met", "Vitiligo, Childhood"),
        (frozenset({"asthma_bronchodilators"}), "failed", "Asthma requiring bronchodilators"),
        (frozenset({"hypothyroidism"}), "failed", "autoimmune disease: Hypothyroidism"),
        (frozenset({"uveitis", "vitiligo"}), "failed", "autoimmune disease: Uveitis"),
        (frozenset({"nephritis", "enteritis"}), "failed", "Enteritis, Nephritis"),
        (frozenset({"other"}), "failed", "Other autoimmune disease"),
        (frozenset({"lupus"}), "failed", "lupus"),
        (None, "missing", "autoimmune disease history not recorded"),
    ],
)
def test_autoimmune_disease_excludes_except_vitiligo_and_resolved_childhood_asthma(
    conditions, outcome, reason
):
    result = finding(man(autoimmune_conditions=conditions), "EX7")
    assert result.outcome == outcome
    assert reason in result.reason


def test_vitiligo_with_an_excluding_disease_is_not_named_as_the_reason():
    reason = finding(man(autoimmune_conditions=frozenset({"uveitis", "vitiligo"})), "EX7").reason
    assert "Vitiligo" not in reason


# --- EX10 severe allergy ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "label"), SEVERE_ALLERGY_KINDS)
def test_any_severe_allergy_history_excludes(kind, label):
    result = finding(man(severe_allergy_history=frozenset({kind})), "EX10")
    assert result.outcome == Outcome.FAILED
    assert result.reason == f"severe allergy history: {label}"


@pytest.mark.parametrize(
    ("history", "outcome"), [(frozenset(), "met"), (None, "missing")], ids=["none", "unanswered"]
)
def test_severe_allergy_history_none_passes_and_unanswered_is_missing(history, outcome):
    assert finding(man(severe_allergy_history=history), "EX10").outcome == outcome


def test_study_drug_allergy_and_severe_allergy_are_both_named():
    facts = man(allergy_to_study_drug=True, severe_allergy_history=frozenset({"arthus_reaction"}))
    reason = finding(facts, "EX10").reason
    assert "IL-22BP/LNP" in reason
    assert "Arthus reaction" in reason


# --- module contract -------------------------------------------------------------------------


def test_criteria_quote_the_synopsis_in_order():
    assert [c.code for c in CRITERIA] == [f"IN{n}" for n in range(1, 9)] + [
        f"EX{n}" for n in range(1, 13)
    ]
    texts = {code: text for code, _, text in CRITERIA}
    assert texts["IN1"] == "Male or female patients: aged ≥ 18 years old and ≤ 70 years old;"
    assert texts["IN6"] == "More than 6 weeks since the last use of nitrosoureas or mitomycin C;"
    assert "myocardial infarction within 1 year" in texts["EX3"]
    assert len({title for _, title, _ in CRITERIA}) == 20


def test_choice_tuples_have_codes_and_labels_and_only_two_autoimmune_exceptions():
    assert {code for code, _ in AUTOIMMUNE_EXCEPTIONS} == {"vitiligo", "childhood_asthma_resolved"}
    assert set(AUTOIMMUNE_EXCEPTIONS) <= set(AUTOIMMUNE_CONDITIONS)
    assert len(AUTOIMMUNE_CONDITIONS) == 10
    assert [code for code, _ in SEVERE_ALLERGY_KINDS] == [
        "anaphylactic_shock",
        "allergic_laryngeal_edema",
        "allergic_dyspnea",
        "allergic_purpura",
        "thrombocytopenic_purpura",
        "arthus_reaction",
        "other_severe",
    ]
    assert all(label for _, label in AUTOIMMUNE_CONDITIONS + SEVERE_ALLERGY_KINDS)


def test_module_imports_only_the_standard_library_and_never_reads_the_clock():
    source = Path(eligibility.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= sys.stdlib_module_names | {"__future__"}
    assert "today(" not in source
    assert "now(" not in source


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: thresholds(lab_limits=()), "at least one lab limit"),
        (lambda: thresholds(age_min_years=71), "age_min_years"),
        (lambda: thresholds(lab_limits=lab_limits() + lab_limits()[:1]), "unique"),
        (lambda: LabLimit("anc", "ANC", "10^9/L"), "minimum or a maximum"),
    ],
    ids=["no-labs", "age-range-inverted", "duplicate-lab", "lab-without-limit"],
)
def test_impossible_configuration_is_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_facts_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        man().ecog = 3  # type: ignore[misc]


# --- validate_facts --------------------------------------------------------------------------

TODAY = date(2026, 12, 31)


@pytest.mark.parametrize(
    "facts", [man(), woman(), EligibilityFacts()], ids=["man", "woman", "empty"]
)
def test_plausible_or_unanswered_facts_have_no_errors(facts):
    assert validate_facts(facts, today=ASSESSED) == []


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        (
            {"last_chemotherapy_date": date(2026, 12, 1)},
            (
                "last_chemotherapy_date",
                "date of last chemotherapy 2026-12-01 is after the assessment date 2026-11-26",
            ),
        ),
        (
            {"had_radiotherapy": True, "last_radiotherapy_date": date(2026, 11, 27)},
            (
                "last_radiotherapy_date",
                "date of last radiotherapy 2026-11-27 is after the assessment date 2026-11-26",
            ),
        ),
        (
            {"last_surgery_date": date(2026, 12, 2)},
            ("last_surgery_date", "date of last surgery 2026-12-02 is after the assessment date"),
        ),
        (
            {
                "had_nitrosourea_or_mitomycin": True,
                "last_nitrosourea_or_mitomycin_date": date(2026, 12, 2),
            },
            (
                "last_nitrosourea_or_mitomycin_date",
                "date of last nitrosourea or mitomycin C 2026-12-02 is after the assessment date",
            ),
        ),
        (
            {"had_other_trial_drug": True, "last_other_trial_drug_date": date(2026, 12, 2)},
            (
                "last_other_trial_drug_date",
                "date of last drug in another clinical trial 2026-12-02 is after the assessment",
            ),
        ),
        (
            {
                "had_myocardial_infarction": True,
                "last_myocardial_infarction_date": date(2026, 12, 2),
            },
            (
                "last_myocardial_infarction_date",
                "date of last myocardial infarction 2026-12-02 is after the assessment date",
            ),
        ),
        (
            {"consent_signed_on": date(2026, 11, 27)},
            ("consent_signed_on", "date of consent 2026-11-27 is after the assessment date"),
        ),
        (
            {"date_of_birth": date(2026, 11, 21)},
            ("date_of_birth", "date of birth 2026-11-21 is after the date of consent 2026-11-20"),
        ),
        (
            {"last_surgery_date": date(1960, 1, 1)},
            ("last_surgery_date", "date of last surgery 1960-01-01 is before the date of birth"),
        ),
        (
            {"had_chemotherapy": False},
            ("last_chemotherapy_date", "given, but prior chemotherapy is answered no"),
        ),
        ({"ecog": -1}, ("ecog", "ECOG performance status -1 is outside 0 to 5")),
        ({"ecog": 6}, ("ecog", "ECOG performance status 6 is outside 0 to 5")),
        ({"nyha_class": 0}, ("nyha_class", "NYHA class 0 is outside 1 to 4")),
        ({"nyha_class": 5}, ("nyha_class", "NYHA class 5 is outside 1 to 4")),
        (
            {"bacterial_or_fungal_infection_grade": -1},
            ("bacterial_or_fungal_infection_grade", "grade of bacterial or fungal infection -1"),
        ),
        (
            {"bacterial_or_fungal_infection_grade": 6},
            ("bacterial_or_fungal_infection_grade", "6 is outside 0 to 5"),
        ),
        (
            {"expected_survival_months": -1},
            ("expected_survival_months", "expected survival -1 months is negative"),
        ),
        (
            {"labs": dict(GOOD_LABS, anc=LabResult(D("-0.1")))},
            ("labs.anc", "anc value -0.1 is negative"),
        ),
        (
            {"labs": dict(GOOD_LABS, alt=LabResult(D("30"), D("-40")))},
            ("labs.alt", "upper limit of normal for alt (-40) must be above 0"),
        ),
        (
            {"labs": dict(GOOD_LABS, alt=LabResult(D("30"), D("0")))},
            ("labs.alt", "upper limit of normal for alt (0) must be above 0"),
        ),
        ({"sex": "X"}, ("sex", "sex 'X' is not one of F or M")),
        (
            {"sex": "F", "pregnancy_test_result": "maybe"},
            ("pregnancy_test_result", "pregnancy test result 'maybe' is not known"),
        ),
        (
            {"autoimmune_conditions": frozenset({"lupus"})},
            ("autoimmune_conditions", "autoimmune condition 'lupus' is not known"),
        ),
        (
            {
                "autoimmune_conditions": frozenset(
                    {"childhood_asthma_resolved", "asthma_bronchodilators"}
                )
            },
            ("autoimmune_conditions", "asthma cannot be both resolved"),
        ),
        (
            {"severe_allergy_history": frozenset({"hay_fever"})},
            ("severe_allergy_history", "severe allergy kind 'hay_fever' is not known"),
        ),
    ],
)
def test_impossible_facts_are_reported_against_their_field(changes, error):
    errors = validate_facts(man(**changes), today=TODAY)
    field, message = error
    assert any(name == field and message in text for name, text in errors), errors


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("assessment_date", "assessment date"),
        ("consent_signed_on", "date of consent"),
        ("last_chemotherapy_date", "date of last chemotherapy"),
        ("date_of_birth", "date of birth"),
    ],
)
def test_dates_after_today_are_rejected(field, label):
    future = date(2026, 11, 27)
    errors = validate_facts(man(**{field: future}), today=ASSESSED)
    assert (field, f"{label} 2026-11-27 is in the future (today is 2026-11-26)") in errors


def test_dates_on_today_and_on_the_assessment_date_are_accepted():
    facts = man(consent_signed_on=ASSESSED, last_chemotherapy_date=ASSESSED)
    assert validate_facts(facts, today=ASSESSED) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ecog", 0),
        ("ecog", 5),
        ("nyha_class", 1),
        ("nyha_class", 4),
        ("bacterial_or_fungal_infection_grade", 0),
        ("bacterial_or_fungal_infection_grade", 5),
        ("expected_survival_months", 0),
        ("labs", dict(GOOD_LABS, anc=LabResult(D("0")))),
    ],
)
def test_values_at_the_ends_of_their_scales_are_accepted(field, value):
    assert validate_facts(man(**{field: value}), today=TODAY) == []
