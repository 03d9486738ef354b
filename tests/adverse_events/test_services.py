"""AE services against PostgreSQL: recording, corrections, causality, DLTs, SAE reports, voids.

The pure rules (consistency, periods, clocks, SUSAR, DLT candidacy) are table-tested in
test_rules.py; these tests check that the services apply them to a real subject, store the
derived columns, enforce who may do what at which site, and leave an audit trail.
"""

from datetime import UTC, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from adverse_events.models import AdverseEvent
from adverse_events.selectors import adverse_events_for
from adverse_events.services import (
    ae_assess_causality,
    ae_decide_dlt,
    ae_record,
    ae_update,
    ae_void,
    sae_report_sign,
)
from screening.services import escalation_for
from tests.adverse_events.factories import (
    AE_ONSET,
    FEVER,
    GI_OTHER,
    LYMPHOCYTES_DECREASED,
    REPORTED_AT,
    ae_values,
    fatal_values,
    load_starter_dictionary,
    record_ae,
    serious_values,
)
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject
from tests.refusals import field_errors, refusal
from tests.screening.factories import CONSENTED, PLANNED_C1D1, at
from trial.audit import history_for
from trial.models import Role, Subject

pytestmark = pytest.mark.django_db

LATER = REPORTED_AT + timedelta(hours=2)


@pytest.fixture(autouse=True)
def dictionary(db):
    load_starter_dictionary()


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    """On treatment at site A: C1D1 given on PLANNED_C1D1."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


def error_codes(error: ValidationError) -> set:
    """Every code carried by a ValidationError, whether built from a dict or a list."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def assess(ae, by, relationship="possible", expectedness="unexpected", now=LATER):
    return ae_assess_causality(
        ae=ae, by=by, relationship=relationship, expectedness=expectedness, now=now
    )


def update(ae, by, *, version, reason="Grade corrected after source check", now=LATER, **changes):
    values = ae_values(**changes)
    return ae_update(ae=ae, by=by, values=values, reason=reason, expected_version=version, now=now)


def dlt_count(subject: Subject) -> int:
    state = escalation_for(subject.study, today=AE_ONSET)
    return state.level(subject.dose_level.code).dlts


# Recording


def test_ae_of_a_dosed_subject_is_treatment_emergent_with_its_grade_as_worst(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, grade=2)

    ae.refresh_from_db()
    assert ae.sequence == 1
    assert ae.period == "treatment_emergent"
    assert (ae.grade, ae.worst_grade) == (2, 2)
    assert ae.version == 1
    assert ae.recorded_by == coordinator_a
    assert (ae.aware_at, ae.sae_report_due_at, ae.susar) == (None, None, False)
    assert ae.relationship == ""
    assert ae.dlt is None


def test_sequence_counts_up_per_subject_and_is_not_reused_after_a_void(dosed, coordinator_a):
    first = record_ae(dosed, coordinator_a)
    second = record_ae(dosed, coordinator_a, term="Nausea")
    ae_void(ae=second, by=coordinator_a, reason="Duplicate of AE1", now=LATER)

    third = record_ae(dosed, coordinator_a, term="Headache", now=LATER)

    assert (first.sequence, second.sequence, third.sequence) == (1, 2, 3)


def test_onset_before_consent_is_refused_as_medical_history(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_ae(dosed, coordinator_a, onset_date=CONSENTED - timedelta(days=1))

    assert list(field_errors(excinfo)) == ["onset_date"]
    assert "record it as medical history" in refusal(excinfo)
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    "onset", [CONSENTED, PLANNED_C1D1 - timedelta(days=1)], ids=["consent_day", "eve_of_c1d1"]
)
def test_onset_between_consent_and_first_dose_is_pre_treatment(dosed, coordinator_a, onset):
    ae = record_ae(dosed, coordinator_a, onset_date=onset)

    assert ae.period == "pre_treatment"


def test_onset_on_the_day_of_the_first_dose_is_treatment_emergent(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, onset_date=PLANNED_C1D1)

    assert ae.period == "treatment_emergent"


def test_grade_that_does_not_exist_for_the_term_is_refused(dosed, coordinator_a):
    # Otherwise a consistent fatal AE: the only broken rule is the term's grade list.
    values = fatal_values(LYMPHOCYTES_DECREASED)

    with pytest.raises(ValidationError) as excinfo:
        ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)

    assert field_errors(excinfo) == {
        "grade": [
            "Grade 5 does not exist for the CTCAE term 'Lymphocyte count decreased' "
            "(grades: 1, 2, 3, 4)."
        ]
    }
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize("verbatim", ["", "   "], ids=["empty", "blank"])
def test_other_specify_term_without_verbatim_term_is_refused(dosed, coordinator_a, verbatim):
    with pytest.raises(ValidationError) as excinfo:
        record_ae(dosed, coordinator_a, term=GI_OTHER, verbatim_term=verbatim)

    assert field_errors(excinfo) == {"verbatim_term": [f"'{GI_OTHER}' needs the verbatim term."]}
    assert not AdverseEvent.objects.exists()


def test_other_specify_term_with_verbatim_term_is_shown_by_its_verbatim(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, term=GI_OTHER, verbatim_term="Oral ulcer")

    assert ae.display_term == "Oral ulcer"


def test_grade_5_without_fatal_outcome_is_refused(dosed, coordinator_a):
    values = fatal_values(outcome="recovered_with_sequelae")

    with pytest.raises(ValidationError) as excinfo:
        ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)

    assert field_errors(excinfo) == {
        "outcome": [
            "Grade 5 (death related to the AE) requires the outcome fatal, "
            "not recovered/resolved with sequelae."
        ]
    }
    assert not AdverseEvent.objects.exists()


def test_grade_5_fatal_with_death_date_and_death_criterion_is_recorded(dosed, coordinator_a):
    ae = ae_record(subject=dosed, by=coordinator_a, values=fatal_values(), now=REPORTED_AT)

    ae.refresh_from_db()
    assert (ae.grade, ae.worst_grade, ae.outcome) == (5, 5, "fatal")
    assert ae.death_date == AE_ONSET
    assert ae.serious_criteria == ["death"]
    assert ae.sae_report_due_at == REPORTED_AT + timedelta(hours=24)


def test_serious_ae_without_a_criterion_is_refused(dosed, coordinator_a):
    values = serious_values(serious_criteria=[])

    with pytest.raises(ValidationError) as excinfo:
        ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)

    assert field_errors(excinfo) == {
        "serious_criteria": ["A serious AE needs at least one seriousness criterion."]
    }
    assert not AdverseEvent.objects.exists()


# SAE clock and SUSARs


def test_sae_clock_starts_when_recorded_if_no_awareness_time_is_given(dosed, coordinator_a):
    ae = ae_record(subject=dosed, by=coordinator_a, values=serious_values(), now=REPORTED_AT)

    ae.refresh_from_db()
    assert ae.aware_at == REPORTED_AT
    assert ae.sae_report_due_at == REPORTED_AT + timedelta(hours=24)


def test_sae_clock_runs_from_the_awareness_time_given(dosed, coordinator_a):
    aware = at(AE_ONSET, 9)

    ae = ae_record(
        subject=dosed, by=coordinator_a, values=serious_values(aware_at=aware), now=REPORTED_AT
    )

    ae.refresh_from_db()
    assert ae.aware_at == aware
    assert ae.sae_report_due_at == at(AE_ONSET + timedelta(days=1), 9)


@pytest.mark.parametrize(
    ("local_day", "hour", "accepted"),
    [(0, 0, True), (0, 1, True), (-1, 23, False)],
    ids=["midnight_of_the_onset_day", "1h_local_on_the_onset_day", "the_evening_before"],
)
def test_awareness_is_compared_with_the_onset_on_the_sites_clock(
    dosed, coordinator_a, local_day, hour, accepted
):
    """Paris is UTC+1 in winter: 00:30 on the onset day is the day before in UTC, and the
    service must not read the date in UTC (it refused such an SAE, and broke the demo seed
    when seeded between 04:00 and 05:00 UTC)."""
    aware = at(AE_ONSET + timedelta(days=local_day), hour) + timedelta(minutes=30)
    values = serious_values(aware_at=aware.astimezone(UTC))

    if accepted:
        ae = ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)
        assert ae.aware_at == aware
    else:
        with pytest.raises(ValidationError) as excinfo:
            ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)
        assert field_errors(excinfo)["aware_at"] == [
            "The site cannot become aware before the onset."
        ]


def test_awareness_after_the_time_of_recording_is_refused(dosed, coordinator_a):
    values = serious_values(aware_at=REPORTED_AT + timedelta(hours=3))

    with pytest.raises(ValidationError) as excinfo:
        ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)

    assert "aware_at" in field_errors(excinfo)


@pytest.mark.parametrize(
    ("grade", "criterion", "days"),
    [(3, "hospitalisation", 15), (4, "life_threatening", 7)],
    ids=["other_15_days", "life_threatening_7_days"],
)
def test_serious_possibly_related_unexpected_ae_becomes_a_susar_after_causality(
    dosed, coordinator_a, investigator_a, grade, criterion, days
):
    values = serious_values(grade=grade, serious_criteria=[criterion])
    ae = ae_record(subject=dosed, by=coordinator_a, values=values, now=REPORTED_AT)
    assert (ae.susar, ae.susar_report_due_at) == (False, None)

    assess(ae, investigator_a, "possible", "unexpected")

    ae.refresh_from_db()
    assert ae.susar is True
    assert ae.susar_report_due_at == REPORTED_AT + timedelta(days=days)


def test_reassessed_as_expected_the_ae_is_no_longer_a_susar(dosed, coordinator_a, investigator_a):
    ae = ae_record(subject=dosed, by=coordinator_a, values=serious_values(), now=REPORTED_AT)
    assess(ae, investigator_a, "possible", "unexpected")

    assess(ae, investigator_a, "possible", "expected", now=LATER + timedelta(hours=1))

    ae.refresh_from_db()
    assert (ae.susar, ae.susar_report_due_at) == (False, None)
    assert ae.expectedness == "expected"


# Causality: the investigator's, at the subject's site


def test_investigator_assesses_causality_with_who_and_when(dosed, coordinator_a, investigator_a):
    ae = record_ae(dosed, coordinator_a)

    assess(ae, investigator_a, "probable", "expected")

    ae.refresh_from_db()
    assert (ae.relationship, ae.expectedness) == ("probable", "expected")
    assert (ae.relationship_by, ae.relationship_at) == (investigator_a, LATER)
    assert ae.version == 2


def test_coordinator_cannot_assess_causality(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, grade=3)

    with pytest.raises(PermissionDenied):
        assess(ae, coordinator_a)

    ae.refresh_from_db()
    assert (ae.relationship, ae.expectedness, ae.relationship_by) == ("", "", None)
    assert (ae.version, ae.dlt_candidate) == (1, False)
    assert len(history_for(ae)) == 1


def test_investigator_of_another_site_cannot_assess_causality(dosed, coordinator_a, investigator_b):
    ae = record_ae(dosed, coordinator_a, grade=3)

    with pytest.raises(PermissionDenied):
        assess(ae, investigator_b)

    ae.refresh_from_db()
    assert (ae.relationship, ae.relationship_by, ae.version) == ("", None, 1)


# DLT


def test_grade_3_possibly_related_ae_in_cycle_1_becomes_a_dlt_candidate_after_causality(
    dosed, coordinator_a, investigator_a
):
    ae = record_ae(dosed, coordinator_a, grade=3)
    assert ae.dlt_candidate is False
    assert "relationship not assessed" in ae.dlt_candidate_reason

    assess(ae, investigator_a, "possible")

    ae.refresh_from_db()
    assert ae.dlt_candidate is True
    assert ae.dlt_candidate_reason.startswith("DLT candidate: grade 3, possibly related")
    assert ae.dlt is None


@pytest.mark.parametrize(
    ("day", "candidate"), [(21, True), (22, False)], ids=["last_day_of_window", "day_after"]
)
def test_dlt_window_is_the_study_s_21_days_from_c1d1(
    dosed, coordinator_a, investigator_a, day, candidate
):
    onset = PLANNED_C1D1 + timedelta(days=day - 1)
    ae = record_ae(dosed, coordinator_a, grade=3, onset_date=onset, now=at(onset, 15))

    assess(ae, investigator_a, "definite", now=at(onset, 16))

    ae.refresh_from_db()
    assert ae.dlt_candidate is candidate


def test_investigator_decides_a_dlt_and_the_3_plus_3_counts_it(
    dosed, coordinator_a, investigator_a
):
    ae = record_ae(dosed, coordinator_a, grade=3)
    assess(ae, investigator_a, "possible")
    assert dlt_count(dosed) == 0

    decided = ae_decide_dlt(ae=ae, by=investigator_a, is_dlt=True, now=LATER)

    dosed.refresh_from_db()
    assert (decided.dlt, decided.dlt_decided_by, decided.dlt_decided_at) == (
        True,
        investigator_a,
        LATER,
    )
    assert dosed.dlt is True
    assert dlt_count(dosed) == 1


def test_coordinator_cannot_decide_a_dlt(dosed, coordinator_a, investigator_a):
    ae = record_ae(dosed, coordinator_a, grade=3)
    assess(ae, investigator_a, "possible")

    with pytest.raises(PermissionDenied):
        ae_decide_dlt(ae=ae, by=coordinator_a, is_dlt=True, now=LATER)

    ae.refresh_from_db()
    dosed.refresh_from_db()
    assert (ae.dlt, dosed.dlt) == (None, False)


def test_ae_that_is_not_a_candidate_cannot_be_decided_a_dlt(dosed, coordinator_a, investigator_a):
    ae = record_ae(dosed, coordinator_a, grade=2)
    assess(ae, investigator_a, "possible")

    with pytest.raises(ValidationError) as excinfo:
        ae_decide_dlt(ae=ae, by=investigator_a, is_dlt=True, now=LATER)

    assert "AE1 is not a DLT candidate" in refusal(excinfo)
    assert "grade 2 is below 3" in refusal(excinfo)
    ae.refresh_from_db()
    dosed.refresh_from_db()
    assert (ae.dlt, ae.dlt_decided_by) == (None, None)
    assert dosed.dlt is False
    assert dlt_count(dosed) == 0


# Corrections


def test_grade_raised_then_lowered_keeps_the_worst_grade(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, grade=1)

    update(ae, coordinator_a, version=1, grade=3, reason="Worsened on C1D4")
    ae = update(ae, coordinator_a, version=2, grade=2, reason="Improving on C1D5")

    ae.refresh_from_db()
    assert (ae.grade, ae.worst_grade, ae.version) == (2, 3, 3)


def test_update_from_a_stale_version_is_refused_and_overwrites_nothing(
    dosed, coordinator_a, investigator_a
):
    ae = record_ae(dosed, coordinator_a, grade=1)
    update(ae, investigator_a, version=1, grade=2, treatment_given="Paracetamol")

    with pytest.raises(ValidationError) as excinfo:
        update(ae, coordinator_a, version=1, grade=3, treatment_given="None", reason="My edit")

    assert list(field_errors(excinfo)) == ["__all__"]
    assert "saved by someone else after you opened it" in refusal(excinfo)
    assert "it is now version 2; you edited version 1" in refusal(excinfo)
    ae.refresh_from_db()
    assert (ae.grade, ae.worst_grade, ae.treatment_given, ae.version) == (
        2,
        2,
        "Paracetamol",
        2,
    )


def test_update_from_a_stale_version_is_refused_with_code_stale(
    dosed, coordinator_a, investigator_a
):
    ae = record_ae(dosed, coordinator_a, grade=1)
    update(ae, investigator_a, version=1, grade=2)

    with pytest.raises(ValidationError) as excinfo:
        update(ae, coordinator_a, version=1, grade=3, reason="My edit")

    assert "stale" in error_codes(excinfo.value)


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_update_without_a_reason_is_refused(dosed, coordinator_a, reason):
    ae = record_ae(dosed, coordinator_a, grade=1)

    with pytest.raises(ValidationError) as excinfo:
        update(ae, coordinator_a, version=1, grade=2, reason=reason)

    assert field_errors(excinfo) == {
        "reason": ["A reason for change is required to edit saved data."]
    }
    ae.refresh_from_db()
    assert (ae.grade, ae.version) == (1, 1)


def test_update_is_checked_against_the_same_rules_as_recording(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, term="Fatigue", grade=2)

    with pytest.raises(ValidationError) as excinfo:
        update(ae, coordinator_a, version=1, term="Fatigue", grade=4)

    assert list(field_errors(excinfo)) == ["grade"]
    ae.refresh_from_db()
    assert (ae.grade, ae.version) == (2, 1)


def test_audit_trail_keeps_the_reason_and_the_change_of_an_update(
    dosed, coordinator_a, investigator_a
):
    ae = record_ae(dosed, coordinator_a, grade=1)

    update(ae, investigator_a, version=1, grade=2, reason="Grade 2 in the source notes")

    entries = history_for(ae)
    assert [e.reason for e in entries] == [
        "Adverse event recorded",
        "Grade 2 in the source notes",
    ]
    correction = entries[-1]
    assert correction.username == investigator_a.username
    changed = {c.field: (c.old, c.new) for c in correction.changes}
    assert changed["grade"] == (1, 2)
    assert changed["version"] == (1, 2)


# SAE report


@pytest.fixture
def sae(dosed, coordinator_a):
    return ae_record(subject=dosed, by=coordinator_a, values=serious_values(), now=REPORTED_AT)


def test_sae_report_sign_with_a_wrong_password_is_refused(sae, investigator_a):
    with pytest.raises(ValidationError) as excinfo:
        sae_report_sign(ae=sae, by=investigator_a, password="not-my-password", now=LATER)

    assert field_errors(excinfo) == {"password": ["The password is not correct."]}
    sae.refresh_from_db()
    assert (sae.sae_reported_at, sae.sae_reported_by, sae.version) == (None, None, 1)


def test_sae_report_signed_by_the_investigator_records_when_and_who(sae, investigator_a):
    sae_report_sign(ae=sae, by=investigator_a, password=PASSWORD, now=LATER)

    sae.refresh_from_db()
    assert (sae.sae_reported_at, sae.sae_reported_by) == (LATER, investigator_a)
    assert history_for(sae)[-1].reason == "SAE report approved (signed)"


def test_sae_report_cannot_be_signed_twice(sae, investigator_a):
    sae_report_sign(ae=sae, by=investigator_a, password=PASSWORD, now=LATER)

    with pytest.raises(ValidationError) as excinfo:
        sae_report_sign(
            ae=sae, by=investigator_a, password=PASSWORD, now=LATER + timedelta(hours=1)
        )

    assert "already signed" in refusal(excinfo)
    sae.refresh_from_db()
    assert sae.sae_reported_at == LATER


def test_coordinator_cannot_sign_the_sae_report(sae, coordinator_a):
    with pytest.raises(PermissionDenied):
        sae_report_sign(ae=sae, by=coordinator_a, password=PASSWORD, now=LATER)

    sae.refresh_from_db()
    assert sae.sae_reported_at is None


def test_ae_that_is_not_serious_has_no_report_to_sign(dosed, coordinator_a, investigator_a):
    ae = record_ae(dosed, coordinator_a)

    with pytest.raises(ValidationError) as excinfo:
        sae_report_sign(ae=ae, by=investigator_a, password=PASSWORD, now=LATER)

    assert "Only serious adverse events" in refusal(excinfo)


# Void


def test_void_keeps_the_row_with_its_reason_and_leaves_it_out_of_the_log(dosed, coordinator_a):
    from adverse_events.crf import ae_subject_section

    ae = record_ae(dosed, coordinator_a)

    ae_void(ae=ae, by=coordinator_a, reason="Entered for the wrong subject", now=LATER)

    ae = AdverseEvent.objects.get(pk=ae.pk)
    assert (ae.voided_at, ae.void_reason) == (LATER, "Entered for the wrong subject")
    # Still readable (its page and audit trail), no longer counted in the subject's AEs.
    assert adverse_events_for(coordinator_a).filter(pk=ae.pk).exists()
    assert not ae_subject_section(dosed, coordinator_a)["events"].filter(pk=ae.pk).exists()
    assert history_for(ae)[-1].reason == "Voided: Entered for the wrong subject"


def test_voided_ae_cannot_be_edited(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a)
    ae_void(ae=ae, by=coordinator_a, reason="Duplicate", now=LATER)

    with pytest.raises(ValidationError) as excinfo:
        update(ae, coordinator_a, version=2, grade=2)

    assert "voided" in refusal(excinfo)


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_void_needs_a_reason(dosed, coordinator_a, reason):
    ae = record_ae(dosed, coordinator_a)

    with pytest.raises(ValidationError) as excinfo:
        ae_void(ae=ae, by=coordinator_a, reason=reason, now=LATER)

    assert field_errors(excinfo) == {"reason": ["A reason is required to void a record."]}
    ae.refresh_from_db()
    assert ae.voided_at is None


def test_voided_dlt_no_longer_counts_for_the_subject(dosed, coordinator_a, investigator_a):
    ae = record_ae(dosed, coordinator_a, grade=3)
    assess(ae, investigator_a, "possible")
    decided = ae_decide_dlt(ae=ae, by=investigator_a, is_dlt=True, now=LATER)

    ae_void(ae=decided, by=coordinator_a, reason="Duplicate of another AE", now=LATER)

    dosed.refresh_from_db()
    assert dosed.dlt is False
    assert dlt_count(dosed) == 0


def test_subject_keeps_its_dlt_while_another_dlt_is_not_voided(
    dosed, coordinator_a, investigator_a
):
    decided = []
    for term in (FEVER, "Vomiting"):
        ae = record_ae(dosed, coordinator_a, term=term, grade=3)
        assess(ae, investigator_a, "possible")
        decided.append(ae_decide_dlt(ae=ae, by=investigator_a, is_dlt=True, now=LATER))

    ae_void(ae=decided[0], by=coordinator_a, reason="Entered in error", now=LATER)

    dosed.refresh_from_db()
    assert dosed.dlt is True


def test_voided_dlt_no_longer_counts_whatever_instance_the_caller_holds(
    dosed, coordinator_a, investigator_a
):
    ae = record_ae(dosed, coordinator_a, grade=3)
    assess(ae, investigator_a, "possible")
    ae_decide_dlt(ae=ae, by=investigator_a, is_dlt=True, now=LATER)

    ae_void(ae=ae, by=coordinator_a, reason="Duplicate of another AE", now=LATER)

    dosed.refresh_from_db()
    assert dosed.dlt is False


# Sites


@pytest.mark.parametrize("who", ["coordinator_b", "investigator_b", "monitor"])
def test_only_staff_of_the_subject_s_site_record_adverse_events(request, dosed, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        record_ae(dosed, user)

    assert not AdverseEvent.objects.exists()


def test_investigator_of_the_site_may_record_an_ae(dosed, investigator_a):
    ae = record_ae(dosed, investigator_a)

    assert ae.recorded_by == investigator_a
