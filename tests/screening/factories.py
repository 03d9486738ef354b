"""Screening test data: consented subjects and eligibility values, built through the services.

Every date is relative to the fixed TODAY, passed as `today=` / `now=` to the services, so the
tests never depend on the real clock.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from screening.services import consent_record, eligibility_confirm, eligibility_save
from tests.conftest import PASSWORD
from trial.models import Subject, User
from trial.services import subject_register

TODAY = date(2026, 11, 20)
CONSENTED = TODAY - timedelta(days=7)
ASSESSED = TODAY - timedelta(days=1)
PLANNED_C1D1 = TODAY + timedelta(days=1)
LAST_CHEMOTHERAPY = ASSESSED - timedelta(days=60)
DATE_OF_BIRTH = date(1970, 5, 17)  # 56 at the assessment: inside 18..70


def at(day: date, hour: int = 10) -> datetime:
    """An aware datetime on `day` in the site's time zone."""
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def register_subject(*, study, site, by: User, **changes) -> Subject:
    """A patient registered for screening, without consent yet."""
    values = {"sex": "M", "date_of_birth": DATE_OF_BIRTH, "tumour_type": "melanoma"} | changes
    return subject_register(study=study, site=site, by=by, **values)


def record_consent(*, subject: Subject, by: User, on: date = CONSENTED, icf_version="2.0"):
    return consent_record(
        subject=subject, by=by, icf_version=icf_version, signed_at=at(on), now=at(TODAY, 12)
    )


def consented_subject(*, study, site, by: User, **changes) -> Subject:
    """A registered subject whose written informed consent is recorded (CONSENTED)."""
    subject = register_subject(study=study, site=site, by=by, **changes)
    record_consent(subject=subject, by=by)
    return subject


def eligible_labs(**changes) -> dict:
    """Organ-function labs within the study's limits, keyed by its lab codes."""
    labs = {
        "anc": {"value": "2.0", "uln": None},
        "platelets": {"value": "150", "uln": None},
        "haemoglobin": {"value": "120", "uln": None},
        "bilirubin": {"value": "10", "uln": "21"},
        "alt": {"value": "30", "uln": "40"},
        "ast": {"value": "30", "uln": "40"},
        "creatinine": {"value": "80", "uln": "110"},
    }
    return labs | changes


def eligible_values(**changes) -> dict:
    """The eligibility CRF of a man who meets all 20 criteria on ASSESSED.

    Keyed by the EligibilityAssessment field names; `changes` override single answers.
    """
    values = {
        "assessment_date": ASSESSED,
        "histology_confirmed": True,
        "refractory_to_second_line": True,
        "no_standard_treatment": True,
        "ecog": 1,
        "expected_survival_months": 6,
        "had_chemotherapy": True,
        "last_chemotherapy_date": LAST_CHEMOTHERAPY,
        "had_radiotherapy": False,
        "last_radiotherapy_date": None,
        "had_surgery": False,
        "last_surgery_date": None,
        "had_nitrosourea_or_mitomycin": False,
        "last_nitrosourea_or_mitomycin_date": None,
        "had_other_trial_drug": False,
        "last_other_trial_drug_date": None,
        "labs": eligible_labs(),
        "tumour_near_major_vessels_or_trachea": False,
        "nyha_class": 1,
        "unstable_angina": False,
        "had_myocardial_infarction": False,
        "last_myocardial_infarction_date": None,
        "arrhythmia_requiring_treatment": False,
        # Exclusion 4 applies to women only: left unanswered for a man, as the form hides it.
        "pregnant": None,
        "lactating": None,
        "childbearing_potential": None,
        "pregnancy_test_result": None,
        "active_tuberculosis": False,
        "bacterial_or_fungal_infection_grade": 0,
        "active_hiv": False,
        "active_hbv": False,
        "hcv_infection": False,
        "psychotropic_abuse_unable_to_quit": False,
        "mental_disorder": False,
        "immunosuppressive_treatment": False,
        "drug_or_alcohol_abuse_history": False,
        "autoimmune_conditions": [],
        "allergy_to_study_drug": False,
        "severe_allergy_history": [],
        "pregnancy_plan_within_window": False,
        "investigator_excludes_for_concomitant_disease": False,
    }
    return values | changes


def assessed_subject(
    *, study, site, coordinator: User, investigator: User | None = None, **changes
) -> Subject:
    """A consented subject with the eligibility CRF saved by `coordinator` (eligible unless
    `changes` say otherwise), confirmed by `investigator` when one is given."""
    subject = consented_subject(study=study, site=site, by=coordinator)
    eligibility_save(
        subject=subject, by=coordinator, values=eligible_values(**changes), today=TODAY
    )
    if investigator is not None:
        eligibility_confirm(subject=subject, by=investigator, today=TODAY, password=PASSWORD)
    return subject
