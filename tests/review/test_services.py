"""Review services against PostgreSQL: signatures, locks, queries, edit checks, verification."""

from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from adverse_events.models import AdverseEvent
from adverse_events.services import (
    ae_assess_causality,
    ae_decide_dlt,
    ae_record,
    ae_update,
    ae_void,
    sae_report_sign,
)
from dispositions.models import DispositionKind
from dispositions.services import disposition_record
from dosing.models import DosingRecord
from dosing.services import dose_record
from review.models import (
    Query,
    QueryOrigin,
    QueryStatus,
    RecordLock,
    Signature,
    SignatureMeaning,
)
from review.selectors import (
    SignatureState,
    VerificationState,
    awaiting_review,
    review_queue,
    rows_of,
    signature_status,
    verification_status,
)
from review.services import (
    password_verify,
    query_answer,
    query_close,
    query_raise,
    query_reopen,
    record_lock,
    record_sign,
    record_unlock,
    record_verify,
    run_edit_checks,
    subject_lock,
)
from review.signing import record_hash
from review.subjects import subject_update
from review.task_counts import review_count
from review.visits import visit_complete, visit_mark_missed
from screening.models import EligibilityAssessment
from screening.services import eligibility_confirm
from tests.adverse_events.factories import (
    AE_ONSET,
    REPORTED_AT,
    ae_values,
    load_starter_dictionary,
    record_ae,
    serious_values,
)
from tests.conftest import PASSWORD
from tests.dosing.factories import C2D1_TARGET, dose_values, visit_of
from tests.refusals import refusal
from tests.review.factories import (
    FEVER_C,
    LATER,
    LOCKED_AT,
    NORMAL_C,
    SIGNED_AT,
    c1d1_dose,
    correct_c1d1,
    sign,
    signed_and_locked,
)
from tests.screening.factories import DATE_OF_BIRTH, TODAY, assessed_subject, at
from trial.audit import history_for
from trial.models import Role, Subject
from tumours.services import baseline_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dictionary(db):
    load_starter_dictionary()


@pytest.fixture
def failed_logins():
    """The usernames of the failed-login signals sent during the test."""
    sent = []

    def receiver(sender, credentials, request=None, **kwargs):
        sent.append(credentials["username"])

    user_login_failed.connect(receiver)
    yield sent
    user_login_failed.disconnect(receiver)


def record_sae(subject, by, term="Fever", now=REPORTED_AT):
    return ae_record(subject=subject, by=by, values=serious_values(term), now=now)


def assessed_ae(subject, coordinator, investigator, *, serious=False):
    ae = record_sae(subject, coordinator) if serious else record_ae(subject, coordinator)
    return ae_assess_causality(
        ae=ae, by=investigator, relationship="possible", expectedness="", now=REPORTED_AT
    )


def signatures_of(record):
    """The record's signatures (the subjects of these tests also carry their eligibility one)."""
    return Signature.objects.filter(rows_of(record)).order_by("signed_at", "id")


# --- e-signatures ---------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_counts_as_a_failed_login(
    dosed, investigator_a, failed_logins
):
    dose = c1d1_dose(dosed)
    with pytest.raises(ValidationError) as excinfo:
        record_sign(
            record=dose,
            user=investigator_a,
            meaning=SignatureMeaning.REVIEWED,
            password="not-my-password",
            now=SIGNED_AT,
        )
    assert excinfo.value.message_dict == {"password": ["The password is not correct."]}
    assert failed_logins == ["inv_a"]
    assert not signatures_of(dose).exists()


def test_an_empty_password_is_refused_without_counting_as_a_guess(
    dosed, investigator_a, failed_logins
):
    with pytest.raises(ValidationError) as excinfo:
        record_sign(
            record=c1d1_dose(dosed),
            user=investigator_a,
            meaning=SignatureMeaning.REVIEWED,
            password="",
            now=SIGNED_AT,
        )
    assert excinfo.value.message_dict == {"password": ["Re-enter your password to sign."]}
    assert failed_logins == []


def test_a_wrong_password_inside_a_caller_s_transaction_is_a_programming_error(
    investigator_a, failed_logins
):
    """The failure would be rolled back with the caller's transaction: refused outright."""
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        password_verify(user=investigator_a, password="not-my-password")
    assert failed_logins == []


def test_a_right_password_ends_the_run_of_failures(investigator_a):
    for _ in range(3):
        with pytest.raises(ValidationError):
            password_verify(user=investigator_a, password="not-my-password")
    assert AccessAttempt.objects.get(username="inv_a").failures_since_start == 3
    password_verify(user=investigator_a, password=PASSWORD)
    assert not AccessAttempt.objects.filter(username="inv_a").exists()


def test_a_signature_stores_printed_name_meaning_time_and_content_hash(
    dosed, principal_investigator, failed_logins
):
    dose = c1d1_dose(dosed)
    signature = sign(dose, principal_investigator)
    assert (signature.printed_name, signature.meaning) == ("Ada Lovelace", "reviewed_and_approved")
    assert signature.signed_at == SIGNED_AT
    assert signature.content_hash == record_hash(DosingRecord.objects.get(pk=dose.pk))
    assert (signature.subject, signature.record) == (dosed, dose)
    assert signature_status(dose) == SignatureState.VALID
    assert failed_logins == []


@pytest.mark.parametrize("who", ["coordinator_a", "investigator_b", "monitor"])
def test_only_an_investigator_of_the_site_signs(request, dosed, who):
    user = request.getfixturevalue(who)
    dose = c1d1_dose(dosed)
    with pytest.raises(PermissionDenied):
        sign(dose, user)
    assert not signatures_of(dose).exists()


def test_an_edit_invalidates_the_signature(dosed, coordinator_a, investigator_a):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    correct_c1d1(dosed, coordinator_a, pre_pulse_bpm=Decimal("80"))
    assert signature_status(dose) == SignatureState.INVALIDATED


def test_a_save_that_changes_nothing_clinical_keeps_the_signature(
    dosed, coordinator_a, investigator_a
):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    # Same values: only the version and updated_at move.
    correct_c1d1(dosed, coordinator_a)
    assert c1d1_dose(dosed).version == 2
    assert signature_status(dose) == SignatureState.VALID


def test_locks_verifications_and_queries_do_not_invalidate_a_signature(
    dosed, coordinator_a, investigator_a, monitor, data_manager
):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    query = query_raise(
        record=dose, by=monitor, text="Lot number?", field_name="lot_number", now=LATER
    )
    query_answer(query=query, by=coordinator_a, text="As in the pharmacy log.", now=LATER)
    query_close(query=query, by=monitor, now=LATER)
    record_verify(record=dose, by=monitor, now=LATER)
    record_lock(record=dose, by=data_manager, now=LATER)
    record_unlock(record=dose, by=data_manager, reason="Query follow-up", now=LATER)
    run_edit_checks(dose, now=LATER)
    assert signature_status(dose) == SignatureState.VALID
    assert c1d1_dose(dosed).version == dose.version


def test_re_signing_after_an_edit_makes_the_record_valid_again(
    dosed, coordinator_a, investigator_a
):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    correct_c1d1(dosed, coordinator_a, lot_number="LOT-2026-08")
    sign(dose, investigator_a, now=LATER)
    assert signature_status(dose) == SignatureState.VALID
    assert signatures_of(dose).count() == 2


def test_an_unchanged_record_is_not_signed_twice(dosed, investigator_a):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    with pytest.raises(ValidationError, match="already signed"):
        sign(dose, investigator_a, now=LATER)
    assert signatures_of(dose).count() == 1


def test_signatures_are_never_updated_or_deleted(dosed, investigator_a):
    signature = sign(c1d1_dose(dosed), investigator_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(content_hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).delete()
    assert Signature.objects.get(pk=signature.pk).content_hash == signature.content_hash


def test_an_ae_is_signed_only_once_its_causality_is_assessed(dosed, coordinator_a, investigator_a):
    ae = record_ae(dosed, coordinator_a)
    with pytest.raises(ValidationError, match="Assess the causality of AE1"):
        sign(ae, investigator_a)
    ae_assess_causality(
        ae=ae, by=investigator_a, relationship="possible", expectedness="", now=REPORTED_AT
    )
    sign(ae, investigator_a)
    assert signature_status(ae) == SignatureState.VALID


def test_causality_and_dlt_decisions_are_content_the_sae_report_stamp_is_not(
    dosed, coordinator_a, investigator_a
):
    ae = assessed_ae(dosed, coordinator_a, investigator_a, serious=True)
    sign(ae, investigator_a)
    sae_report_sign(ae=ae, by=investigator_a, password=PASSWORD, now=LATER)
    assert [s.meaning for s in signatures_of(ae)] == [
        SignatureMeaning.REVIEWED,
        SignatureMeaning.SAE_REPORT,
    ]
    assert signature_status(ae) == SignatureState.VALID
    ae_decide_dlt(ae=ae, by=investigator_a, is_dlt=False, now=LATER)
    assert signature_status(ae) == SignatureState.INVALIDATED


def test_sae_report_wrong_password_counts_as_a_failed_login(
    dosed, coordinator_a, investigator_a, failed_logins
):
    ae = record_sae(dosed, coordinator_a)
    with pytest.raises(ValidationError):
        sae_report_sign(ae=ae, by=investigator_a, password="guess", now=LATER)
    assert failed_logins == ["inv_a"]
    assert not signatures_of(ae).exists()
    assert AdverseEvent.objects.get(pk=ae.pk).sae_reported_at is None


def test_eligibility_confirmation_is_a_signature(study, site_a, coordinator_a, investigator_a):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a)
    eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)
    [signature] = Signature.objects.all()
    assessment = EligibilityAssessment.objects.get(subject=subject)
    assert (signature.meaning, signature.record) == (SignatureMeaning.ELIGIBILITY, assessment)
    assert signature.signed_at == assessment.confirmed_at
    assert signature_status(assessment) == SignatureState.VALID


def test_eligibility_with_a_wrong_password_is_not_confirmed(
    study, site_a, coordinator_a, investigator_a, failed_logins
):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a)
    with pytest.raises(ValidationError) as excinfo:
        eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password="nope")
    assert list(excinfo.value.message_dict) == ["password"]
    assert failed_logins == ["inv_a"]
    assert EligibilityAssessment.objects.get(subject=subject).confirmed_at is None
    assert not Signature.objects.exists()


def test_correcting_the_date_of_birth_invalidates_the_eligibility_signature(
    study, site_a, coordinator_a, investigator_a
):
    subject = assessed_subject(
        study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
    )
    assessment = EligibilityAssessment.objects.get(subject=subject)
    assert signature_status(assessment) == SignatureState.VALID
    subject_update(
        subject=subject,
        by=coordinator_a,
        reason="Transcription error",
        date_of_birth=DATE_OF_BIRTH + timedelta(days=1),
    )
    assert signature_status(assessment) == SignatureState.INVALIDATED
    # The queue lists it, and the navigation's count agrees: the assessment's own row did not
    # change (its saved_at is older than the signature), only the subject it reads.
    subjects = Subject.objects.all()
    [item] = awaiting_review(subjects)
    assert (item.title, item.detail) == (
        "Eligibility",
        "signature no longer valid: edited since it was signed",
    )
    assert review_count(subjects) == 1


# --- the review queue -----------------------------------------------------------------------


def queue_titles(user):
    return [(item.title, item.task) for item in review_queue(user)]


def test_signed_records_leave_the_queue_and_an_edit_brings_them_back(
    dosed, coordinator_a, investigator_a
):
    assert queue_titles(investigator_a) == [("Dosing C1D1", "Sign the dosing CRF")]
    sign(c1d1_dose(dosed), investigator_a)
    assert queue_titles(investigator_a) == []
    correct_c1d1(dosed, coordinator_a, volume_ml=Decimal("1.50"))
    [item] = review_queue(investigator_a)
    assert item.detail == "signature no longer valid: edited since it was signed"


def test_queue_lists_causality_and_sae_sign_off_oldest_first(dosed, coordinator_a, investigator_a):
    sign(c1d1_dose(dosed), investigator_a)
    record_ae(dosed, coordinator_a, now=REPORTED_AT + timedelta(hours=2))
    record_sae(dosed, coordinator_a, term="Nausea", now=REPORTED_AT)
    # The SAE's clock started when the site became aware; the others when they were entered.
    assert queue_titles(investigator_a) == [
        ("AE2 Nausea", "Sign the SAE report"),
        ("AE1 Fever", "Assess causality"),
        ("AE2 Nausea", "Assess causality"),
    ]


def test_queue_lists_eligibility_awaiting_confirmation(
    study, site_a, coordinator_a, investigator_a
):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a)
    assert queue_titles(investigator_a) == [("Eligibility", "Confirm eligibility")]
    eligibility_confirm(subject=subject, by=investigator_a, today=TODAY, password=PASSWORD)
    assert queue_titles(investigator_a) == []


def test_the_queue_is_the_investigators_sites_only(dosed, investigator_b):
    assert review_queue(investigator_b) == []


# --- locks --------------------------------------------------------------------------------------


def test_only_a_signed_record_can_be_locked(dosed, coordinator_a, investigator_a, data_manager):
    dose = c1d1_dose(dosed)
    with pytest.raises(ValidationError, match="it is not signed"):
        record_lock(record=dose, by=data_manager, now=LOCKED_AT)
    sign(dose, investigator_a)
    correct_c1d1(dosed, coordinator_a, lot_number="LOT-2026-09")
    with pytest.raises(ValidationError, match="no longer valid"):
        record_lock(record=dose, by=data_manager, now=LOCKED_AT)
    assert not RecordLock.objects.exists()


@pytest.mark.parametrize("who", ["coordinator_a", "investigator_a", "monitor", "data_manager_b"])
def test_only_a_data_manager_of_the_site_locks(request, dosed, investigator_a, who):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    with pytest.raises(PermissionDenied):
        record_lock(record=dose, by=request.getfixturevalue(who), now=LOCKED_AT)
    assert not RecordLock.objects.exists()


def test_a_locked_dose_refuses_edits_through_the_service(
    dosed, coordinator_a, investigator_a, data_manager
):
    signed_and_locked(c1d1_dose(dosed), investigator_a, data_manager)
    with pytest.raises(ValidationError) as excinfo:
        correct_c1d1(dosed, coordinator_a, lot_number="LOT-2026-09")
    assert "Dosing C1D1 is locked (by Dana Manager" in refusal(excinfo)
    assert c1d1_dose(dosed).lot_number == "LOT-2026-07"


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda ae, c, i: ae_update(
                ae=ae,
                by=c,
                values=ae_values(grade=2),
                reason="Grade corrected",
                expected_version=ae.version,
                now=LATER,
            ),
            id="ae_update",
        ),
        pytest.param(
            lambda ae, c, i: ae_assess_causality(
                ae=ae, by=i, relationship="definite", expectedness="", now=LATER
            ),
            id="ae_assess_causality",
        ),
        pytest.param(
            lambda ae, c, i: ae_decide_dlt(ae=ae, by=i, is_dlt=False, now=LATER),
            id="ae_decide_dlt",
        ),
        pytest.param(
            lambda ae, c, i: ae_void(ae=ae, by=c, reason="Entered in error", now=LATER),
            id="ae_void",
        ),
    ],
)
def test_a_locked_ae_refuses_every_edit(dosed, coordinator_a, investigator_a, data_manager, edit):
    ae = assessed_ae(dosed, coordinator_a, investigator_a)
    signed_and_locked(ae, investigator_a, data_manager)
    before = AdverseEvent.objects.get(pk=ae.pk)
    with pytest.raises(ValidationError, match="AE1 Fever is locked"):
        edit(before, coordinator_a, investigator_a)
    after = AdverseEvent.objects.get(pk=ae.pk)
    assert (after.version, after.grade, after.voided_at) == (before.version, 1, None)


def _locked_subject(dosed, coordinator_a, investigator_a, data_manager):
    sign(c1d1_dose(dosed), investigator_a)
    return subject_lock(subject=dosed, by=data_manager, now=LOCKED_AT)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda s, c: dose_record(
                visit=visit_of(s, "C2D1"),
                by=c,
                values=dose_values(s, administered_on=C2D1_TARGET),
                today=C2D1_TARGET,
            ),
            id="dose_record",
        ),
        pytest.param(
            lambda s, c: visit_complete(
                visit=visit_of(s, "C1D8"), by=c, on=C2D1_TARGET, today=C2D1_TARGET
            ),
            id="visit_complete",
        ),
        pytest.param(
            lambda s, c: visit_mark_missed(visit=visit_of(s, "C1D8"), by=c, reason="Ill"),
            id="visit_mark_missed",
        ),
        pytest.param(lambda s, c: record_ae(s, c), id="ae_record"),
        pytest.param(
            lambda s, c: baseline_record(
                subject=s,
                by=c,
                assessment_date=C2D1_TARGET,
                lesions=[
                    {"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False, "diameter_mm": 20}
                ],
                non_target="not_present",
                today=C2D1_TARGET,
            ),
            id="tumour_baseline",
        ),
        pytest.param(
            lambda s, c: disposition_record(
                kind=DispositionKind.WITHDRAWAL,
                subject=s,
                by=c,
                on=C2D1_TARGET,
                reason="Consent withdrawn",
                today=C2D1_TARGET,
            ),
            id="withdrawal",
        ),
        pytest.param(
            lambda s, c: subject_update(subject=s, by=c, reason="Typo", tumour_type="hnscc"),
            id="subject_update",
        ),
    ],
)
def test_a_locked_subject_refuses_every_crf_service(
    dosed, coordinator_a, investigator_a, data_manager, edit
):
    _locked_subject(dosed, coordinator_a, investigator_a, data_manager)
    with pytest.raises(ValidationError, match=f"Subject {dosed} is locked"):
        edit(dosed, coordinator_a)
    dosed.refresh_from_db()
    assert (dosed.status, dosed.tumour_type) == ("on_treatment", "melanoma")
    assert not AdverseEvent.objects.filter(subject=dosed).exists()


def test_a_subject_is_locked_only_once_everything_is_signed(
    dosed, coordinator_a, investigator_a, data_manager
):
    with pytest.raises(ValidationError, match="Dosing C1D1: sign the dosing crf"):
        subject_lock(subject=dosed, by=data_manager, now=LOCKED_AT)
    assert not RecordLock.objects.exists()


def test_unlocking_needs_a_reason_and_is_audited(
    dosed, coordinator_a, investigator_a, data_manager
):
    dose = c1d1_dose(dosed)
    lock = signed_and_locked(dose, investigator_a, data_manager)
    with pytest.raises(ValidationError) as excinfo:
        record_unlock(record=dose, by=data_manager, reason="  ", now=LATER)
    assert list(excinfo.value.message_dict) == ["reason"]
    assert RecordLock.objects.get(pk=lock.pk).unlocked_at is None

    record_unlock(record=dose, by=data_manager, reason="Lot number query", now=LATER)

    lock.refresh_from_db()
    assert (lock.unlocked_by, lock.unlocked_at, lock.unlock_reason) == (
        data_manager,
        LATER,
        "Lot number query",
    )
    last = history_for(lock)[-1]
    assert (last.username, last.reason) == ("dm", "Unlocked: Lot number query")
    correct_c1d1(dosed, coordinator_a, lot_number="LOT-2026-09")
    assert c1d1_dose(dosed).lot_number == "LOT-2026-09"


def test_a_coordinator_cannot_unlock(dosed, coordinator_a, investigator_a, data_manager):
    dose = c1d1_dose(dosed)
    signed_and_locked(dose, investigator_a, data_manager)
    with pytest.raises(PermissionDenied):
        record_unlock(record=dose, by=coordinator_a, reason="Need to edit", now=LATER)


# --- reason for change ------------------------------------------------------------------------


def test_an_edit_of_saved_data_needs_a_reason(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        correct_c1d1(dosed, coordinator_a, reason="", lot_number="LOT-2026-09")
    assert list(excinfo.value.message_dict) == ["reason"]
    assert c1d1_dose(dosed).lot_number == "LOT-2026-07"
    correct_c1d1(dosed, coordinator_a, reason="Lot misread", lot_number="LOT-2026-09")
    [edit] = [e for e in history_for(c1d1_dose(dosed)) if e.reason == "Lot misread"]
    assert ("lot_number", "LOT-2026-07", "LOT-2026-09") in [
        (c.field, c.old, c.new) for c in edit.changes
    ]


# --- queries ------------------------------------------------------------------------------------


def test_query_lifecycle_with_its_thread(dosed, coordinator_a, monitor):
    dose = c1d1_dose(dosed)
    query = query_raise(
        record=dose,
        by=monitor,
        text="Lot differs from the log?",
        field_name="lot_number",
        now=LATER,
    )
    assert (query.status, query.origin, query.field_name) == ("open", "manual", "lot_number")
    query = query_answer(query=query, by=coordinator_a, text="Log corrected.", now=LATER)
    assert query.status == QueryStatus.ANSWERED
    query = query_close(query=query, by=monitor, text="Agreed.", now=LATER)
    assert (query.status, query.closed_by, query.closed_at) == ("closed", monitor, LATER)
    query = query_reopen(query=query, by=monitor, text="Log still differs.", now=LATER)
    assert (query.status, query.closed_by, query.closed_at) == ("open", None, None)
    thread = [(m.kind, m.author, m.text) for m in query.messages.all()]
    assert thread == [
        ("raised", monitor, "Lot differs from the log?"),
        ("answered", coordinator_a, "Log corrected."),
        ("closed", monitor, "Agreed."),
        ("reopened", monitor, "Log still differs."),
    ]
    assert [e.reason for e in history_for(query)] == [
        "Query raised",
        "Query answered",
        "Query closed",
        "Query re-opened",
    ]


def test_a_monitor_cannot_answer_a_query_as_the_site(dosed, monitor):
    query = query_raise(record=c1d1_dose(dosed), by=monitor, text="Check", now=LATER)
    with pytest.raises(PermissionDenied):
        query_answer(query=query, by=monitor, text="Fine", now=LATER)
    assert Query.objects.get(pk=query.pk).status == QueryStatus.OPEN


def test_a_coordinator_cannot_raise_or_close_a_query(dosed, coordinator_a, monitor):
    dose = c1d1_dose(dosed)
    with pytest.raises(PermissionDenied):
        query_raise(record=dose, by=coordinator_a, text="Check", now=LATER)
    query = query_raise(record=dose, by=monitor, text="Check", now=LATER)
    with pytest.raises(PermissionDenied):
        query_close(query=query, by=coordinator_a, now=LATER)
    assert Query.objects.get(pk=query.pk).status == QueryStatus.OPEN


def test_an_investigator_closes_their_own_query_but_not_a_monitors(dosed, investigator_a, monitor):
    dose = c1d1_dose(dosed)
    own = query_raise(record=dose, by=investigator_a, text="Volume?", now=LATER)
    theirs = query_raise(record=dose, by=monitor, text="Lot?", now=LATER)
    assert query_close(query=own, by=investigator_a, now=LATER).status == QueryStatus.CLOSED
    with pytest.raises(PermissionDenied):
        query_close(query=theirs, by=investigator_a, now=LATER)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"text": "  "}, "text", id="no-text"),
        pytest.param({"field_name": "no_such_field"}, "field_name", id="unknown-field"),
    ],
)
def test_a_query_needs_text_and_a_real_field(dosed, monitor, changes, field):
    values = {"text": "Check", "field_name": ""} | changes
    with pytest.raises(ValidationError) as excinfo:
        query_raise(record=c1d1_dose(dosed), by=monitor, now=LATER, **values)
    assert list(excinfo.value.message_dict) == [field]
    assert not Query.objects.exists()


def test_a_closed_query_cannot_be_answered(dosed, coordinator_a, monitor):
    query = query_raise(record=c1d1_dose(dosed), by=monitor, text="Check", now=LATER)
    query_close(query=query, by=monitor, now=LATER)
    with pytest.raises(ValidationError, match="Only an open query can be answered"):
        query_answer(query=query, by=coordinator_a, text="Done", now=LATER)


# --- automatic edit checks -------------------------------------------------------------------


def automatic_queries(record):
    return Query.objects.filter(rows_of(record), origin=QueryOrigin.AUTOMATIC).order_by("id")


def test_a_fever_raises_one_automatic_query_however_often_checks_run(dosed, coordinator_a):
    correct_c1d1(dosed, coordinator_a, post_temperature_c=FEVER_C)
    dose = c1d1_dose(dosed)
    run_edit_checks(dose, now=LATER)
    correct_c1d1(
        dosed,
        coordinator_a,
        reason="Pulse corrected",
        post_temperature_c=FEVER_C,
        post_pulse_bpm=Decimal("90"),
    )
    [query] = automatic_queries(dose)
    assert (query.status, query.field_name, query.raised_by) == ("open", "post_temperature_c", None)
    assert query.check_code == "vital_out_of_range:post_temperature_c"
    assert "Post-dose temperature 38.4 °C is at or above 38.0 °C" in query.text


def test_an_automatic_query_closes_itself_when_the_data_is_corrected(dosed, coordinator_a):
    correct_c1d1(dosed, coordinator_a, post_temperature_c=FEVER_C)
    correct_c1d1(dosed, coordinator_a, reason="Misread thermometer", post_temperature_c=NORMAL_C)
    [query] = automatic_queries(c1d1_dose(dosed))
    assert (query.status, query.closed_by) == (QueryStatus.CLOSED, None)
    assert [m.kind for m in query.messages.all()] == ["raised", "closed"]
    assert query.messages.last().author is None


def test_a_new_failure_after_an_automatic_close_raises_a_new_query(dosed, coordinator_a):
    correct_c1d1(dosed, coordinator_a, post_temperature_c=FEVER_C)
    correct_c1d1(dosed, coordinator_a, reason="Corrected", post_temperature_c=NORMAL_C)
    correct_c1d1(dosed, coordinator_a, reason="Second reading", post_temperature_c=FEVER_C)
    assert [q.status for q in automatic_queries(c1d1_dose(dosed))] == ["closed", "open"]


def test_a_query_a_monitor_closed_is_not_raised_again_for_the_same_value(
    dosed, coordinator_a, monitor
):
    correct_c1d1(dosed, coordinator_a, post_temperature_c=FEVER_C)
    [query] = automatic_queries(c1d1_dose(dosed))
    query_close(query=query, by=monitor, text="Confirmed in the source; AE recorded.", now=LATER)
    correct_c1d1(
        dosed,
        coordinator_a,
        reason="Pulse corrected",
        post_temperature_c=FEVER_C,
        post_pulse_bpm=Decimal("90"),
    )
    assert [q.status for q in automatic_queries(c1d1_dose(dosed))] == ["closed"]


def test_a_late_visit_raises_a_window_query(dosed, coordinator_a):
    visit = visit_of(dosed, "C1D8")
    late = visit.window_closes_on + timedelta(days=2)
    visit_complete(visit=visit, by=coordinator_a, on=late, today=late)
    [query] = automatic_queries(visit)
    assert (query.check_code, query.field_name) == ("visit_out_of_window", "completed_on")
    assert "(2 days late)" in query.text


def test_sae_causality_missing_after_24_hours_raises_a_query_that_causality_closes(
    dosed, coordinator_a, investigator_a
):
    ae = record_sae(dosed, coordinator_a)
    assert not automatic_queries(ae).exists()
    run_edit_checks(AdverseEvent.objects.get(pk=ae.pk), now=ae.aware_at + timedelta(hours=25))
    [query] = automatic_queries(ae)
    assert (query.check_code, query.field_name) == ("sae_causality_missing", "relationship")
    ae_assess_causality(
        ae=ae,
        by=investigator_a,
        relationship="unlikely",
        expectedness="expected",
        now=ae.aware_at + timedelta(hours=26),
    )
    assert automatic_queries(ae).get().status == QueryStatus.CLOSED


def test_voiding_an_ae_closes_its_automatic_queries(dosed, coordinator_a):
    ae = record_ae(dosed, coordinator_a, term="Lymphocyte count decreased", grade=4)
    assert automatic_queries(ae).get().check_code == "ae_grade4_not_serious"
    ae_void(ae=ae, by=coordinator_a, reason="Wrong subject", now=at(AE_ONSET, 18))
    assert automatic_queries(ae).get().status == QueryStatus.CLOSED


# --- source-data verification ---------------------------------------------------------------


def test_an_edit_clears_the_verification(dosed, coordinator_a, monitor):
    dose = c1d1_dose(dosed)
    record_verify(record=dose, by=monitor, now=LATER)
    assert verification_status(dose) == VerificationState.VERIFIED
    correct_c1d1(dosed, coordinator_a, volume_ml=Decimal("1.20"))
    assert verification_status(dose) == VerificationState.CLEARED


def test_a_field_verification_is_cleared_only_by_an_edit_of_that_field(
    dosed, coordinator_a, monitor
):
    dose = c1d1_dose(dosed)
    record_verify(record=dose, by=monitor, field_name="lot_number", now=LATER)
    correct_c1d1(dosed, coordinator_a, volume_ml=Decimal("1.20"))
    assert verification_status(dose, "lot_number") == VerificationState.VERIFIED
    correct_c1d1(dosed, coordinator_a, reason="Lot misread", lot_number="LOT-2026-09")
    assert verification_status(dose, "lot_number") == VerificationState.CLEARED


@pytest.mark.parametrize("who", ["coordinator_a", "investigator_a", "data_manager", "monitor_b"])
def test_only_a_monitor_of_the_site_verifies(request, dosed, who):
    with pytest.raises(PermissionDenied):
        record_verify(record=c1d1_dose(dosed), by=request.getfixturevalue(who), now=LATER)


def test_checks_need_the_investigator_role_not_only_a_name(dosed, make_user, site_a):
    # A coordinator with a full name is still not a signer.
    coordinator = make_user("crc2", Role.COORDINATOR, site_a, first_name="Cy", last_name="Ro")
    with pytest.raises(PermissionDenied):
        sign(c1d1_dose(dosed), coordinator)


def test_eligibility_is_signed_by_its_confirmation_not_as_a_crf_review(
    study, site_a, coordinator_a, investigator_a
):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a)
    assessment = EligibilityAssessment.objects.get(subject=subject)
    with pytest.raises(ValidationError) as excinfo:
        sign(assessment, investigator_a)
    assert excinfo.value.message_dict == {
        "meaning": ["Eligibility is signed by confirming it on the screening page."]
    }
    assert not signatures_of(assessment).exists()
