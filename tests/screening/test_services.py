"""Screening services against PostgreSQL: consent, eligibility CRF, confirmation, enrollment."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dispositions.models import DispositionKind
from dispositions.services import disposition_record
from history.services import medical_history_record
from review.subjects import subject_update, subject_void
from screening.models import Consent, EligibilityAssessment
from screening.selectors import screening_funnel
from screening.services import (
    consent_update,
    consent_void,
    eligibility_confirm,
    eligibility_save,
    eligibility_void,
    escalation_for,
    subject_enroll,
    subject_screen_fail,
)
from tests.conftest import BOIN_ESCALATION, PASSWORD, study_config_with
from tests.dosing.factories import record_dose
from tests.refusals import refusal
from tests.screening.factories import (
    ASSESSED,
    CONSENTED,
    DATE_OF_BIRTH,
    PLANNED_C1D1,
    TODAY,
    assessed_subject,
    at,
    consented_subject,
    eligible_values,
    record_consent,
    register_subject,
)
from trial.audit import history_for
from trial.boin import BoinState
from trial.boin import Outcome as BoinOutcome
from trial.escalation import Decision, Outcome
from trial.models import Role, Subject, SubjectStatus, Visit
from trial.study_config import load_study

pytestmark = pytest.mark.django_db

CRITERIA_CODES = [f"IN{n}" for n in range(1, 9)] + [f"EX{n}" for n in range(1, 13)]
# Cycle 1 is C1D1..C1D1+20: the DLT window of the subjects dosed on PLANNED_C1D1.
DLT_WINDOW_END = PLANNED_C1D1 + timedelta(days=20)


@pytest.fixture
def subject(study, site_a, coordinator_a):
    return consented_subject(study=study, site=site_a, by=coordinator_a)


@pytest.fixture
def eligible_subject(study, site_a, coordinator_a):
    return assessed_subject(study=study, site=site_a, coordinator=coordinator_a)


@pytest.fixture
def confirmed_subject(study, site_a, coordinator_a, investigator_a):
    return assessed_subject(
        study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
    )


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


def save(subject, by, reason="", expected_version=None, **changes):
    """Save the eligibility CRF; a correction is made from the version stored now unless
    `expected_version` names another (an older one: someone saved since)."""
    stored = EligibilityAssessment.objects.filter(subject=subject).first()
    if expected_version is None and stored is not None:
        expected_version = stored.version
    return eligibility_save(
        subject=subject,
        by=by,
        values=eligible_values(**changes),
        today=TODAY,
        reason=reason,
        expected_version=expected_version,
    )


def enroll(subject, by, *, planned_c1d1=PLANNED_C1D1, today=TODAY):
    return subject_enroll(subject=subject, by=by, planned_c1d1=planned_c1d1, today=today)


def assessment_of(subject) -> EligibilityAssessment:
    return EligibilityAssessment.objects.get(subject=subject)


# --- consent ---------------------------------------------------------------------------------


def test_consent_is_recorded_with_the_icf_version(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    record_consent(subject=subject, by=coordinator_a, icf_version=" 2.1 ")
    consent = Consent.objects.get(subject=subject)
    assert (consent.icf_version, consent.signed_at, consent.recorded_by) == (
        "2.1",
        at(CONSENTED),
        coordinator_a,
    )


def test_no_eligibility_data_is_saved_before_consent(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with pytest.raises(ValidationError, match="informed consent"):
        save(subject, coordinator_a)
    assert not EligibilityAssessment.objects.filter(subject=subject).exists()


def test_consent_signed_in_the_future_is_refused(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        record_consent(subject=subject, by=coordinator_a, on=TODAY + timedelta(days=1))
    assert "in the future" in " ".join(excinfo.value.message_dict["signed_at"])
    assert not Consent.objects.filter(subject=subject).exists()


def test_consent_signed_before_the_date_of_birth_is_refused(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        record_consent(subject=subject, by=coordinator_a, on=DATE_OF_BIRTH - timedelta(days=1))
    assert "before the date of birth" in " ".join(excinfo.value.message_dict["signed_at"])
    assert not Consent.objects.filter(subject=subject).exists()


def test_a_second_consent_for_the_same_subject_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_consent(subject=subject, by=coordinator_a, icf_version="3.0")
    assert "already recorded" in " ".join(excinfo.value.message_dict["icf_version"])
    assert list(Consent.objects.filter(subject=subject).values_list("icf_version", flat=True)) == [
        "2.0"
    ]


def test_coordinator_of_another_site_cannot_record_consent(
    study, site_a, coordinator_a, coordinator_b
):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with pytest.raises(PermissionDenied):
        record_consent(subject=subject, by=coordinator_b)
    assert not Consent.objects.filter(subject=subject).exists()


def correct_consent(subject, by, *, expected_version=1, reason="ICF version misread", **changes):
    consent = Consent.objects.get(subject=subject)
    values = {"icf_version": consent.icf_version, "signed_at": consent.signed_at} | changes
    return consent_update(
        consent=consent,
        by=by,
        reason=reason,
        expected_version=expected_version,
        now=at(TODAY, 12),
        **values,
    )


def test_consent_is_corrected_with_a_reason_in_the_audit_trail(subject, coordinator_a):
    corrected = correct_consent(subject, coordinator_a, icf_version="2.1")
    assert (corrected.icf_version, corrected.version) == ("2.1", 2)
    [edit] = [e for e in history_for(corrected) if e.reason == "ICF version misread"]
    assert ("icf_version", "2.0", "2.1") in [(c.field, c.old, c.new) for c in edit.changes]


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_consent_correction_needs_a_reason(subject, coordinator_a, reason):
    with pytest.raises(ValidationError) as excinfo:
        correct_consent(subject, coordinator_a, icf_version="2.1", reason=reason)
    assert "reason" in excinfo.value.message_dict
    assert Consent.objects.get(subject=subject).icf_version == "2.0"


def test_a_consent_correction_from_an_older_version_is_refused(subject, coordinator_a):
    correct_consent(subject, coordinator_a, icf_version="2.1")
    with pytest.raises(ValidationError) as excinfo:
        correct_consent(subject, coordinator_a, icf_version="2.2", expected_version=1)
    assert "Informed consent: it is now version 2; you edited version 1" in refusal(excinfo)
    assert Consent.objects.get(subject=subject).icf_version == "2.1"


def test_consent_is_not_moved_after_the_eligibility_assessment(eligible_subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        correct_consent(eligible_subject, coordinator_a, signed_at=at(ASSESSED + timedelta(days=1)))
    assert "after the eligibility assessment" in " ".join(excinfo.value.message_dict["signed_at"])
    # On the assessment day itself it may be (consent comes first that morning).
    correct_consent(eligible_subject, coordinator_a, signed_at=at(ASSESSED, 8))


def test_consent_of_an_enrolled_subject_is_not_corrected(
    confirmed_subject, coordinator_a, investigator_a
):
    enroll(confirmed_subject, coordinator_a)
    with pytest.raises(ValidationError, match="screening data can no longer change"):
        correct_consent(confirmed_subject, coordinator_a, icf_version="2.1")


def test_coordinator_of_another_site_cannot_correct_consent(subject, coordinator_b):
    with pytest.raises(PermissionDenied):
        correct_consent(subject, coordinator_b, icf_version="2.1")
    assert Consent.objects.get(subject=subject).version == 1


# --- the eligibility CRF -------------------------------------------------------------------


def test_eligible_values_are_saved_eligible_with_a_finding_for_each_of_the_20_criteria(
    subject, coordinator_a
):
    save(subject, coordinator_a)
    assessment = assessment_of(subject)
    assert assessment.status == "eligible"
    assert [f["code"] for f in assessment.findings] == CRITERIA_CODES
    assert {f["outcome"] for f in assessment.findings} == {"met"}
    assert all(f["reason"] for f in assessment.findings)
    assert assessment.saved_by == coordinator_a
    assert assessment.confirmed_at is None


def test_chemotherapy_27_days_before_the_assessment_is_not_eligible_with_both_dates(
    subject, coordinator_a
):
    save(subject, coordinator_a, last_chemotherapy_date=ASSESSED - timedelta(days=27))
    assessment = assessment_of(subject)
    assert assessment.status == "not_eligible"
    [failed] = assessment.failed_findings
    assert failed["code"] == "IN5"
    assert (
        "last chemotherapy 2026-10-23 is 27 days before the assessment on 2026-11-19"
        in (failed["reason"])
    )


def test_a_missing_fact_makes_the_assessment_incomplete(subject, coordinator_a):
    save(subject, coordinator_a, ecog=None)
    assessment = assessment_of(subject)
    assert assessment.status == "incomplete"
    assert [f["code"] for f in assessment.missing_findings] == ["IN3"]
    assert assessment.failed_findings == []


def test_missing_organ_function_lab_makes_the_assessment_incomplete(subject, coordinator_a):
    labs = eligible_values()["labs"]
    del labs["creatinine"]
    save(subject, coordinator_a, labs=labs)
    assessment = assessment_of(subject)
    assert assessment.status == "incomplete"
    [missing] = assessment.missing_findings
    assert (missing["code"], missing["reason"]) == ("IN7", "Serum creatinine not recorded")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"last_chemotherapy_date": ASSESSED + timedelta(days=1)},
            "last_chemotherapy_date",
            "Date of last chemotherapy 2026-11-20 is after the assessment date 2026-11-19.",
            id="last-chemotherapy-after-assessment",
        ),
        pytest.param(
            {"assessment_date": TODAY + timedelta(days=1)},
            "assessment_date",
            "Assessment date 2026-11-21 is in the future (today is 2026-11-20).",
            id="assessment-date-in-the-future",
        ),
    ],
)
def test_impossible_values_are_refused_by_field_and_nothing_is_saved(
    subject, coordinator_a, changes, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        save(subject, coordinator_a, **changes)
    assert message in excinfo.value.message_dict[field]
    assert not EligibilityAssessment.objects.filter(subject=subject).exists()


def test_missing_assessment_date_is_refused_by_field_and_nothing_is_saved(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        save(subject, coordinator_a, assessment_date=None)
    assert "Assessment date is required" in " ".join(excinfo.value.message_dict["assessment_date"])
    assert not EligibilityAssessment.objects.filter(subject=subject).exists()


def test_missing_assessment_date_message_ends_in_one_full_stop(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        save(subject, coordinator_a, assessment_date=None)
    assert excinfo.value.message_dict["assessment_date"] == ["Assessment date is required."]


def test_a_woman_of_child_bearing_potential_with_a_negative_test_is_eligible(
    study, site_a, coordinator_a, investigator_a
):
    subject = consented_subject(study=study, site=site_a, by=coordinator_a, sex="F")
    save(
        subject,
        coordinator_a,
        pregnant=False,
        lactating=False,
        childbearing_potential=True,
        pregnancy_test_result="negative",
    )
    assert assessment_of(subject).status == "eligible"
    eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)
    assert enroll(subject, coordinator_a).status == SubjectStatus.ENROLLED


def test_a_woman_with_pregnancy_questions_unanswered_is_incomplete(study, site_a, coordinator_a):
    subject = consented_subject(study=study, site=site_a, by=coordinator_a, sex="F")
    save(subject, coordinator_a)
    assessment = assessment_of(subject)
    assert assessment.status == "incomplete"
    assert [f["code"] for f in assessment.missing_findings] == ["EX4"]


def test_coordinator_of_another_site_cannot_record_eligibility(subject, coordinator_b):
    with pytest.raises(PermissionDenied):
        save(subject, coordinator_b)
    assert not EligibilityAssessment.objects.filter(subject=subject).exists()


def test_editing_a_saved_assessment_needs_a_reason(eligible_subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        save(eligible_subject, coordinator_a, reason="  ", ecog=0)
    assert "reason" in excinfo.value.message_dict
    assert assessment_of(eligible_subject).ecog == 1


def test_a_correction_from_an_older_version_is_refused_naming_the_record(
    eligible_subject, coordinator_a, investigator_a
):
    save(eligible_subject, coordinator_a, reason="ECOG from the clinic letter", ecog=0)
    with pytest.raises(ValidationError) as excinfo:
        save(eligible_subject, investigator_a, reason="Re-scored", expected_version=1, ecog=2)
    assert "Eligibility: it is now version 2; you edited version 1" in refusal(excinfo)
    assert (assessment_of(eligible_subject).ecog, assessment_of(eligible_subject).version) == (
        0,
        2,
    )


def test_a_new_assessment_is_refused_once_one_is_recorded(eligible_subject, coordinator_a):
    with pytest.raises(ValidationError, match="already recorded for this subject"):
        eligibility_save(
            subject=eligible_subject,
            by=coordinator_a,
            values=eligible_values(ecog=0),
            today=TODAY,
            reason="A second form",
        )
    assert assessment_of(eligible_subject).ecog == 1


def test_an_edit_clears_the_investigators_confirmation(confirmed_subject, coordinator_a):
    assert assessment_of(confirmed_subject).confirmed_at is not None
    save(confirmed_subject, coordinator_a, reason="ECOG corrected from source", ecog=0)
    assessment = assessment_of(confirmed_subject)
    assert (assessment.ecog, assessment.status) == (0, "eligible")
    assert (assessment.confirmed_by, assessment.confirmed_at) == (None, None)


def test_an_edit_is_in_the_audit_trail_with_its_reason(eligible_subject, coordinator_a):
    save(eligible_subject, coordinator_a, reason="ECOG corrected from source", ecog=0)
    updates = [e for e in history_for(assessment_of(eligible_subject)) if e.action == "update"]
    [edit] = [e for e in updates if e.reason == "ECOG corrected from source"]
    assert edit.username == coordinator_a.username
    assert ("ecog", 1, 0) in [(c.field, c.old, c.new) for c in edit.changes]


def test_an_unconfirmed_edit_reports_the_new_verdict(eligible_subject, coordinator_a):
    save(eligible_subject, coordinator_a, reason="ECOG re-scored", ecog=2)
    assessment = assessment_of(eligible_subject)
    assert assessment.status == "not_eligible"
    assert [f["code"] for f in assessment.failed_findings] == ["IN3"]


# --- the investigator's confirmation ---------------------------------------------------------


def test_a_coordinator_cannot_confirm_eligibility(eligible_subject, coordinator_a):
    with pytest.raises(PermissionDenied):
        eligibility_confirm(
            subject=eligible_subject, by=coordinator_a, today=TODAY, password=PASSWORD
        )
    assert assessment_of(eligible_subject).confirmed_at is None


def test_the_sites_investigator_confirms_eligibility(eligible_subject, investigator_a):
    eligibility_confirm(subject=eligible_subject, by=investigator_a, today=TODAY, password=PASSWORD)
    assessment = assessment_of(eligible_subject)
    assert assessment.confirmed_by == investigator_a
    assert assessment.confirmed_at is not None


def test_an_investigator_of_another_site_cannot_confirm(eligible_subject, investigator_b):
    with pytest.raises(PermissionDenied):
        eligibility_confirm(
            subject=eligible_subject, by=investigator_b, today=TODAY, password=PASSWORD
        )
    assert assessment_of(eligible_subject).confirmed_at is None


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        pytest.param({"ecog": None}, "IN3", id="incomplete"),
        pytest.param(
            {"last_chemotherapy_date": ASSESSED - timedelta(days=27)}, "IN5", id="not-eligible"
        ),
    ],
)
def test_an_assessment_that_is_not_eligible_cannot_be_confirmed(
    study, site_a, coordinator_a, investigator_a, changes, code
):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a, **changes)
    with pytest.raises(ValidationError) as excinfo:
        eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)
    assert f"Eligibility cannot be confirmed: {code}: " in refusal(excinfo)
    assert assessment_of(subject).confirmed_at is None


def test_confirmation_without_an_assessment_is_refused(subject, investigator_a):
    with pytest.raises(ValidationError, match="No eligibility assessment"):
        eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)


def test_confirmation_after_a_date_of_birth_correction_stores_a_consistent_verdict(
    study, site_a, coordinator_a, investigator_a
):
    subject = consented_subject(
        study=study, site=site_a, by=coordinator_a, date_of_birth=date(1950, 1, 1)
    )
    save(subject, coordinator_a)
    assert assessment_of(subject).status == "not_eligible"  # 76 on the assessment date
    subject_update(
        subject=subject, by=coordinator_a, reason="Transcription error", date_of_birth=DATE_OF_BIRTH
    )
    with transaction.atomic():
        eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)
    assessment = assessment_of(subject)
    assert (assessment.status, assessment.confirmed_by) == ("eligible", investigator_a)


# --- enrollment ------------------------------------------------------------------------------


def assert_not_enrolled(subject):
    subject.refresh_from_db()
    assert subject.status == SubjectStatus.SCREENING
    assert (subject.subject_number, subject.dose_level, subject.planned_c1d1) == (None, None, None)
    assert not Visit.objects.filter(subject=subject).exists()


def test_enrollment_is_refused_until_an_investigator_confirms(eligible_subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        enroll(eligible_subject, coordinator_a)
    assert "an investigator has not confirmed eligibility" in refusal(excinfo)
    assert_not_enrolled(eligible_subject)


def test_enrollment_of_an_ineligible_subject_is_refused(study, site_a, coordinator_a):
    subject = assessed_subject(
        study=study,
        site=site_a,
        coordinator=coordinator_a,
        last_chemotherapy_date=ASSESSED - timedelta(days=27),
    )
    with pytest.raises(ValidationError) as excinfo:
        enroll(subject, coordinator_a)
    assert "the eligibility assessment is not eligible" in refusal(excinfo)
    assert_not_enrolled(subject)


def test_enrollment_with_an_assessment_older_than_28_days_is_refused(
    confirmed_subject, coordinator_a
):
    today = ASSESSED + timedelta(days=29)
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a, today=today, planned_c1d1=today)
    assert "the eligibility assessment of 2026-11-19 is 29 days old" in refusal(excinfo)
    assert_not_enrolled(confirmed_subject)


def test_enrollment_with_an_assessment_exactly_28_days_old_is_allowed(
    confirmed_subject, coordinator_a
):
    today = ASSESSED + timedelta(days=28)
    enrolled = enroll(confirmed_subject, coordinator_a, today=today, planned_c1d1=today)
    assert enrolled.status == SubjectStatus.ENROLLED


def test_enrollment_with_c1d1_in_the_past_is_refused(confirmed_subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a, planned_c1d1=TODAY - timedelta(days=1))
    assert "the planned C1D1 2026-11-19 is in the past" in refusal(excinfo)
    assert_not_enrolled(confirmed_subject)


def test_enrollment_judges_the_current_facts_not_the_stored_verdict(
    confirmed_subject, coordinator_a
):
    subject_update(
        subject=confirmed_subject,
        by=coordinator_a,
        reason="Transcription error",
        date_of_birth=date(1950, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a)
    assert "the eligibility assessment is not eligible" in refusal(excinfo)
    assert_not_enrolled(confirmed_subject)


def test_a_coordinator_of_another_site_cannot_enroll(confirmed_subject, coordinator_b):
    with pytest.raises(PermissionDenied):
        enroll(confirmed_subject, coordinator_b)
    assert_not_enrolled(confirmed_subject)


def test_enrollment_numbers_the_subject_at_dl1_and_plans_the_visits(
    confirmed_subject, coordinator_a
):
    enrolled = enroll(confirmed_subject, coordinator_a)
    enrolled.refresh_from_db()
    assert enrolled.subject_number == "FR01-001"
    assert enrolled.dose_level.code == "DL1"
    assert enrolled.status == SubjectStatus.ENROLLED
    assert enrolled.planned_c1d1 == PLANNED_C1D1
    assert enrolled.enrolled_by == coordinator_a
    assert enrolled.enrolled_at is not None
    visits = {v.code: v for v in Visit.objects.filter(subject=enrolled)}
    assert list(Visit.objects.filter(subject=enrolled).values_list("code", flat=True)) == [
        "SCR",
        "C1D1",
        "C1D2",
        "C1D8",
        "C1D15",
        "C2D1",
        "C3D1",
        "C4D1",
        "C5D1",
        "C6D1",
        "EOT",
        "FU1M",
        "FU3M",
        "FU6M",
        "FU9M",
        "FU12M",
    ]
    assert visits["C1D1"].target_date == PLANNED_C1D1
    assert visits["C1D8"].target_date == PLANNED_C1D1 + timedelta(days=7)
    assert visits["C2D1"].target_date == PLANNED_C1D1 + timedelta(days=21)


def test_an_enrolled_subject_cannot_be_enrolled_twice(confirmed_subject, coordinator_a):
    enroll(confirmed_subject, coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a)
    assert "the subject is enrolled, not in screening" in refusal(excinfo)
    assert Visit.objects.filter(subject=confirmed_subject).count() == 16


def test_a_voided_subject_cannot_be_enrolled(confirmed_subject, coordinator_a):
    subject_void(subject=confirmed_subject, by=coordinator_a, reason="Registered twice")
    with pytest.raises(ValidationError, match="was voided"):
        enroll(confirmed_subject, coordinator_a)


# --- 3+3 dose escalation through the services -------------------------------------------------


def enrolled_and_dosed(study, site, coordinator, investigator, *, on=PLANNED_C1D1):
    """Enrolled with C1D1 planned on PLANNED_C1D1, and dosed (C1D1 given) on `on`."""
    subject = enroll(
        assessed_subject(
            study=study, site=site, coordinator=coordinator, investigator=investigator
        ),
        coordinator,
    )
    record_dose(subject, "C1D1", coordinator, administered_on=on)
    subject.refresh_from_db()
    return subject


@pytest.fixture
def dl1_cohort(study, site_a, coordinator_a, investigator_a):
    """Three subjects enrolled at DL1, all dosed on PLANNED_C1D1."""
    return [enrolled_and_dosed(study, site_a, coordinator_a, investigator_a) for _ in range(3)]


def test_three_subjects_fill_dl1_with_consecutive_numbers(dl1_cohort):
    assert [(s.subject_number, s.dose_level.code) for s in dl1_cohort] == [
        ("FR01-001", "DL1"),
        ("FR01-002", "DL1"),
        ("FR01-003", "DL1"),
    ]


def test_a_fourth_subject_is_refused_while_the_dl1_windows_are_open(
    dl1_cohort, confirmed_subject, coordinator_a
):
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a)
    assert (
        "no dose level is open for enrollment: DL1 cohort's DLT window is open until "
        "2026-12-11 for 3 subjects"
    ) in refusal(excinfo)
    assert_not_enrolled(confirmed_subject)


def test_dl2_opens_the_day_after_the_dl1_windows_end_without_dlt(study, dl1_cohort):
    assert escalation_for(study, today=DLT_WINDOW_END).open_level is None
    state = escalation_for(study, today=DLT_WINDOW_END + timedelta(days=1))
    assert state.level("DL1").decision == Decision.ESCALATE
    assert state.open_level == "DL2"


def test_the_next_subject_is_enrolled_at_dl2_once_dl1_is_cleared(
    dl1_cohort, confirmed_subject, coordinator_a
):
    today = DLT_WINDOW_END + timedelta(days=1)
    enrolled = enroll(
        confirmed_subject, coordinator_a, today=today, planned_c1d1=today + timedelta(days=1)
    )
    assert (enrolled.subject_number, enrolled.dose_level.code) == ("FR01-004", "DL2")


def test_one_dlt_in_three_expands_dl1(study, dl1_cohort):
    Subject.objects.filter(pk=dl1_cohort[0].pk).update(dlt=True)
    state = escalation_for(study, today=DLT_WINDOW_END + timedelta(days=1))
    assert state.level("DL1").decision == Decision.EXPAND
    assert state.open_level == "DL1"


def test_two_dlts_in_three_at_dl1_stop_the_study(study, dl1_cohort):
    Subject.objects.filter(pk__in=[s.pk for s in dl1_cohort[:2]]).update(dlt=True)
    state = escalation_for(study, today=TODAY)
    assert state.outcome == Outcome.STOPPED
    assert state.open_level is None


def test_the_dlt_window_runs_from_the_actual_c1d1_not_the_planned_one(
    study, site_a, coordinator_a, investigator_a
):
    """Two subjects dosed as planned, one two days late: DL1 clears only when the late
    subject's cycle 1 (from the C1D1 actually given) is over."""
    late = PLANNED_C1D1 + timedelta(days=2)
    cohort = [enrolled_and_dosed(study, site_a, coordinator_a, investigator_a) for _ in range(2)]
    cohort.append(enrolled_and_dosed(study, site_a, coordinator_a, investigator_a, on=late))
    assert (cohort[2].planned_c1d1, cohort[2].first_dose_on) == (PLANNED_C1D1, late)

    planned_window_over = DLT_WINDOW_END + timedelta(days=1)
    state = escalation_for(study, today=planned_window_over)
    assert state.level("DL1").in_window == 1
    assert state.level("DL1").decision == Decision.AWAITING_DLT_WINDOW
    assert state.open_level is None
    assert escalation_for(study, today=late + timedelta(days=20)).open_level is None
    assert escalation_for(study, today=late + timedelta(days=21)).open_level == "DL2"


def test_a_subject_enrolled_but_not_dosed_stays_in_the_window_after_the_planned_one(
    study, dl1_cohort, site_a, coordinator_a, investigator_a
):
    Subject.objects.filter(pk=dl1_cohort[0].pk).update(dlt_evaluable=False)  # replaced
    waiting = enroll(
        assessed_subject(
            study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
        ),
        coordinator_a,
    )
    assert waiting.first_dose_on is None

    state = escalation_for(study, today=DLT_WINDOW_END + timedelta(days=30))
    assert (state.level("DL1").in_window, state.level("DL1").evaluable) == (1, 2)
    assert state.open_level is None


def test_a_subject_who_left_before_any_dose_is_replaced_not_counted(
    study, dl1_cohort, site_a, coordinator_a, investigator_a
):
    Subject.objects.filter(pk=dl1_cohort[0].pk).update(dlt_evaluable=False)
    left = enroll(
        assessed_subject(
            study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
        ),
        coordinator_a,
    )
    disposition_record(
        kind=DispositionKind.WITHDRAWAL,
        subject=left,
        by=coordinator_a,
        on=TODAY,
        reason="Consent withdrawn",
        today=TODAY,
    )

    state = escalation_for(study, today=DLT_WINDOW_END + timedelta(days=1))
    assert (state.level("DL1").in_window, state.level("DL1").evaluable) == (0, 2)
    assert state.open_level == "DL1"  # two evaluable of three: the cohort needs a third


def test_escalation_is_study_wide(study, site_b, coordinator_b, investigator_b, dl1_cohort):
    subject = assessed_subject(
        study=study, site=site_b, coordinator=coordinator_b, investigator=investigator_b
    )
    with pytest.raises(ValidationError, match="no dose level is open"):
        enroll(subject, coordinator_b)


# --- BOIN dose escalation through the services ----------------------------------------------


@pytest.fixture
def boin_cohort(boin_study, site_a, coordinator_a, investigator_a):
    """Three subjects enrolled under BOIN, all dosed on PLANNED_C1D1 as planned."""
    return [enrolled_and_dosed(boin_study, site_a, coordinator_a, investigator_a) for _ in range(3)]


def test_boin_enrolls_the_first_cohort_at_the_start_dose(boin_study, boin_cohort):
    assert [s.dose_level.code for s in boin_cohort] == ["DL1"] * 3
    state = escalation_for(boin_study, today=TODAY)
    assert isinstance(state, BoinState)
    assert state.level("DL1").enrolled == 3


def test_boin_opens_no_new_cohort_while_the_windows_are_open(
    boin_cohort, confirmed_subject, coordinator_a
):
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a)
    assert "no dose level is open for enrollment: the DLT window is open until 2026-12-11" in (
        refusal(excinfo)
    )
    assert_not_enrolled(confirmed_subject)


def test_boin_escalates_after_no_dlt_in_three(boin_cohort, confirmed_subject, coordinator_a):
    today = DLT_WINDOW_END + timedelta(days=1)
    enrolled = enroll(
        confirmed_subject, coordinator_a, today=today, planned_c1d1=today + timedelta(days=1)
    )
    assert enrolled.dose_level.code == "DL2"


def test_boin_stays_at_the_lowest_dose_after_two_dlts_in_three(boin_study, boin_cohort):
    # 2/3 = 0.667 >= λd 0.3585 de-escalates, but DL1 is the lowest dose.
    Subject.objects.filter(pk__in=[s.pk for s in boin_cohort[:2]]).update(dlt=True)
    state = escalation_for(boin_study, today=DLT_WINDOW_END + timedelta(days=1))
    assert state.open_level == "DL1"
    assert "stay at DL1: it is the lowest dose" in state.open_reason


def test_boin_three_dlts_at_the_lowest_dose_stop_the_trial(boin_study, boin_cohort):
    Subject.objects.filter(pk__in=[s.pk for s in boin_cohort]).update(dlt=True)
    state = escalation_for(boin_study, today=TODAY)
    assert (state.outcome, state.open_level, state.mtd) == (BoinOutcome.STOPPED, None, None)


def test_boin_starts_at_the_configured_start_dose(study, confirmed_subject, coordinator_a):
    load_study(study_config_with(**BOIN_ESCALATION, start_dose="DL2"))
    assert enroll(confirmed_subject, coordinator_a).dose_level.code == "DL2"


# --- screen failure --------------------------------------------------------------------------


def test_screen_failure_records_the_status_and_reason(eligible_subject, coordinator_a):
    subject_screen_fail(subject=eligible_subject, by=coordinator_a, reason=" Withdrew consent ")
    eligible_subject.refresh_from_db()
    assert eligible_subject.status == SubjectStatus.SCREEN_FAILED
    assessment = assessment_of(eligible_subject)
    assert assessment.screen_failure_reason == "Withdrew consent"
    assert assessment.screen_failed_by == coordinator_a


def test_a_screen_failure_from_a_page_opened_before_enrollment_does_not_undo_it(
    confirmed_subject, coordinator_a
):
    opened = Subject.objects.get(pk=confirmed_subject.pk)  # loaded while in screening
    enroll(confirmed_subject, coordinator_a)
    with pytest.raises(ValidationError, match="is enrolled: screening data can no longer change"):
        subject_screen_fail(subject=opened, by=coordinator_a, reason="Declined")
    assert Subject.objects.get(pk=opened.pk).status == SubjectStatus.ENROLLED


def test_screen_failure_needs_a_reason(eligible_subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        subject_screen_fail(subject=eligible_subject, by=coordinator_a, reason=" ")
    assert "reason" in excinfo.value.message_dict
    eligible_subject.refresh_from_db()
    assert eligible_subject.status == SubjectStatus.SCREENING


def test_after_screen_failure_eligibility_cannot_be_saved(eligible_subject, coordinator_a):
    subject_screen_fail(subject=eligible_subject, by=coordinator_a, reason="Withdrew consent")
    with pytest.raises(ValidationError, match="screen failed"):
        save(eligible_subject, coordinator_a, reason="Late lab result", ecog=0)
    assert assessment_of(eligible_subject).ecog == 1


def test_after_screen_failure_enrollment_is_refused(confirmed_subject, coordinator_a):
    subject_screen_fail(subject=confirmed_subject, by=coordinator_a, reason="Withdrew consent")
    with pytest.raises(ValidationError) as excinfo:
        enroll(confirmed_subject, coordinator_a)
    assert "the subject is screen failed, not in screening" in refusal(excinfo)
    confirmed_subject.refresh_from_db()
    assert confirmed_subject.status == SubjectStatus.SCREEN_FAILED
    assert confirmed_subject.subject_number is None


def test_the_eligibility_crf_keeps_who_entered_it_and_counts_its_versions(
    eligible_subject, coordinator_a, investigator_a
):
    first = assessment_of(eligible_subject)
    assert (first.recorded_by, first.version) == (coordinator_a, 1)
    assert first.recorded_at is not None

    save(eligible_subject, investigator_a, reason="ECOG re-read on the source", ecog=0)

    corrected = assessment_of(eligible_subject)
    assert (corrected.recorded_by, corrected.saved_by) == (coordinator_a, investigator_a)
    assert (corrected.version, corrected.recorded_at) == (2, first.recorded_at)


# --- voids (docs/screening.md, "Voids") --------------------------------------------------------


def void_eligibility(subject, by, *, reason="Entered for the wrong patient", expected_version=None):
    record = assessment_of(subject)
    return eligibility_void(
        record=record,
        by=by,
        reason=reason,
        expected_version=record.version if expected_version is None else expected_version,
        now=at(TODAY, 12),
    )


def void_consent(subject, by, *, reason="Recorded before the patient signed"):
    record = Consent.objects.get(subject=subject)
    return consent_void(
        record=record, by=by, reason=reason, expected_version=record.version, now=at(TODAY, 12)
    )


def test_an_eligibility_assessment_is_voided_with_its_reason_audited(
    eligible_subject, coordinator_a
):
    voided = void_eligibility(eligible_subject, coordinator_a)
    assert (voided.void_reason, voided.version) == ("Entered for the wrong patient", 2)
    assert voided.voided_at == at(TODAY, 12)
    [event] = [e for e in history_for(voided) if e.reason.startswith("Voided")]
    assert (event.reason, event.username) == (
        "Voided: Entered for the wrong patient",
        coordinator_a.username,
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_eligibility_void_needs_a_reason(eligible_subject, coordinator_a, reason):
    with pytest.raises(ValidationError, match="reason is required"):
        void_eligibility(eligible_subject, coordinator_a, reason=reason)
    assert assessment_of(eligible_subject).voided_at is None


def test_an_eligibility_void_from_an_older_version_is_refused(eligible_subject, coordinator_a):
    save(eligible_subject, coordinator_a, reason="ECOG from the clinic letter", ecog=0)
    with pytest.raises(ValidationError, match="it is now version 2; you edited version 1"):
        void_eligibility(eligible_subject, coordinator_a, expected_version=1)
    assert assessment_of(eligible_subject).voided_at is None


def test_the_eligibility_of_an_enrolled_subject_is_not_voided(confirmed_subject, coordinator_a):
    enroll(confirmed_subject, coordinator_a)
    with pytest.raises(ValidationError, match="is enrolled: its eligibility assessment is the"):
        void_eligibility(confirmed_subject, coordinator_a)
    assert assessment_of(confirmed_subject).voided_at is None


def test_the_eligibility_of_a_screen_failure_is_not_voided(eligible_subject, coordinator_a):
    subject_screen_fail(subject=eligible_subject, by=coordinator_a, reason="Declined")
    with pytest.raises(ValidationError, match="is screen failed: its eligibility assessment"):
        void_eligibility(eligible_subject, coordinator_a)
    assert assessment_of(eligible_subject).voided_at is None


def test_only_the_sites_data_entry_staff_void_eligibility(eligible_subject, monitor, coordinator_b):
    for user in (monitor, coordinator_b):
        with pytest.raises(PermissionDenied):
            void_eligibility(eligible_subject, user)
    assert assessment_of(eligible_subject).voided_at is None


def test_a_voided_assessment_is_neither_voided_again_confirmed_edited_nor_enrolled(
    confirmed_subject, coordinator_a, investigator_a
):
    void_eligibility(confirmed_subject, coordinator_a)
    with pytest.raises(ValidationError, match="already voided"):
        void_eligibility(confirmed_subject, coordinator_a, expected_version=2)
    with pytest.raises(ValidationError, match="was voided"):
        eligibility_confirm(
            subject=confirmed_subject, by=investigator_a, today=TODAY, password=PASSWORD
        )
    with pytest.raises(ValidationError, match="was voided"):
        save(confirmed_subject, coordinator_a, reason="Try again", ecog=0)
    # Its investigator's confirmation went with it: enrollment sees no assessment at all.
    with pytest.raises(ValidationError, match="no eligibility assessment has been recorded"):
        enroll(confirmed_subject, coordinator_a)
    assert Subject.objects.get(pk=confirmed_subject.pk).status == SubjectStatus.SCREENING


def test_a_subject_whose_eligibility_was_voided_may_still_be_a_screen_failure(
    eligible_subject, coordinator_a
):
    void_eligibility(eligible_subject, coordinator_a)
    subject_screen_fail(subject=eligible_subject, by=coordinator_a, reason="Not reassessed")
    assert Subject.objects.get(pk=eligible_subject.pk).status == SubjectStatus.SCREEN_FAILED


def test_consent_is_not_voided_while_the_eligibility_assessment_stands(
    eligible_subject, coordinator_a
):
    with pytest.raises(ValidationError) as excinfo:
        void_consent(eligible_subject, coordinator_a)
    assert "while records made under it stand (Eligibility: 1): void them first" in refusal(excinfo)
    assert Consent.objects.get(subject=eligible_subject).voided_at is None


def test_consent_is_not_voided_while_another_crf_of_the_subject_stands(subject, coordinator_a):
    medical_history_record(
        subject=subject,
        by=coordinator_a,
        values={"condition": "Appendicitis", "start_date": "2001", "end_date": "2001"},
        now=at(TODAY, 11),
    )
    with pytest.raises(ValidationError, match=r"stand \(Medical history: 1\)"):
        void_consent(subject, coordinator_a)


def test_the_consent_of_an_enrolled_subject_is_not_voided(confirmed_subject, coordinator_a):
    enroll(confirmed_subject, coordinator_a)
    with pytest.raises(ValidationError, match="is enrolled: its informed consent is the record"):
        void_consent(confirmed_subject, coordinator_a)


def test_a_voided_consent_lets_nothing_more_be_recorded(eligible_subject, coordinator_a):
    void_eligibility(eligible_subject, coordinator_a)
    voided = void_consent(eligible_subject, coordinator_a)
    assert (voided.void_reason, voided.version) == ("Recorded before the patient signed", 2)
    with pytest.raises(ValidationError) as excinfo:
        record_consent(subject=eligible_subject, by=coordinator_a)
    assert "consent was voided and is not recorded again" in refusal(excinfo)
    with pytest.raises(ValidationError, match="Record informed consent before the medical"):
        medical_history_record(
            subject=eligible_subject,
            by=coordinator_a,
            values={"condition": "Appendicitis", "start_date": "2001", "end_date": "2001"},
            now=at(TODAY, 13),
        )
    funnel = screening_funnel(Subject.objects.filter(pk=eligible_subject.pk))
    assert (funnel.registered, funnel.screened, funnel.eligible) == (1, 0, 0)
