"""Tumour assessments as a full CRF, through the registry alone (issue 16): queried, signed,
locked, source-verified, corrected and voided with a reason, in the review queue, with an
audit page; every write refused to the roles and sites that may not make it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from review.models import Query, SignatureMeaning
from review.records import KINDS
from review.selectors import (
    SignatureState,
    VerificationState,
    awaiting_review,
    review_queue,
    signature_status,
    subject_history,
    verification_status,
)
from review.services import query_raise, record_lock, record_sign, record_verify
from review.task_counts import lockable_count, review_count, to_verify_count
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject
from tests.screening.factories import PLANNED_C1D1, at
from trial.audit import history_for
from trial.models import Role, Subject
from tumours.models import LesionMeasurement, TumourAssessment
from tumours.services import (
    baseline_record,
    best_response,
    follow_up_record,
    tumour_assessment_correct,
    tumour_assessment_void,
)

pytestmark = pytest.mark.django_db

BASELINE_ON = PLANNED_C1D1 - timedelta(days=3)
FIRST_FOLLOW_UP = PLANNED_C1D1 + timedelta(days=42)
SECOND_FOLLOW_UP = PLANNED_C1D1 + timedelta(days=84)
TODAY = SECOND_FOLLOW_UP
# Signed and saved in the past of the database's clock (updated_at is the clock's), as in
# tests/review/factories.py: a signature stamped after the last save is current.
NOW = at(PLANNED_C1D1, 17)
LATER = NOW + timedelta(hours=1)
REASON = "Re-read on the source images"


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


@pytest.fixture
def data_manager(make_user, study):
    return make_user("dm", Role.DATA_MANAGER, None)


@pytest.fixture
def baseline(dosed, coordinator_a):
    return baseline_record(
        subject=dosed,
        by=coordinator_a,
        assessment_date=BASELINE_ON,
        lesions=[
            {"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False, "diameter_mm": 30},
            {"lesion_id": "T2", "organ": "Lung", "is_lymph_node": False, "diameter_mm": 20},
        ],
        non_target="not_present",
        today=TODAY,
        now=NOW,
    )


def follow_up(subject, by, on=FIRST_FOLLOW_UP, t1="30", t2="20"):
    return follow_up_record(
        subject=subject,
        by=by,
        assessment_date=on,
        diameters={"T1": Decimal(t1), "T2": Decimal(t2)},
        non_target="not_present",
        new_lesions=False,
        today=TODAY,
        now=NOW,
    )


def correct(assessment, by, *, version=None, reason=REASON, **diameters):
    assessment.refresh_from_db()
    return tumour_assessment_correct(
        assessment=assessment,
        by=by,
        expected_version=assessment.version if version is None else version,
        reason=reason,
        diameters={k: Decimal(v) for k, v in diameters.items()},
        non_target=assessment.non_target,
        new_lesions=assessment.new_lesions,
        method=assessment.method,
        now=LATER,
    )


def sign(record, investigator):
    return record_sign(
        record=record,
        user=investigator,
        meaning=SignatureMeaning.REVIEWED,
        password=PASSWORD,
        now=NOW,
    )


def queue_of(subject):
    return [
        (item.task, item.title) for item in awaiting_review(Subject.objects.filter(pk=subject.pk))
    ]


# --- the registry --------------------------------------------------------------------------


def test_a_tumour_assessment_is_a_kind_with_its_lesions_as_children():
    kind = KINDS["tumours.tumourassessment"]
    assert kind.sign_meaning == SignatureMeaning.REVIEWED and kind.lockable
    assert {"tumours.lesionmeasurement", "tumours.targetlesiondefinition"} <= set(kind.children)


# --- sign ------------------------------------------------------------------------------------


def test_an_unsigned_assessment_is_in_the_queue_and_its_signature_takes_it_out(
    baseline, dosed, investigator_a
):
    subjects = Subject.objects.filter(pk=dosed.pk)
    title = f"Baseline tumour assessment {BASELINE_ON:%Y-%m-%d}"
    assert ("Sign the tumour assessment", title) in queue_of(dosed)
    assert review_count(subjects) == len(awaiting_review(subjects))

    sign(baseline, investigator_a)

    assert ("Sign the tumour assessment", title) not in queue_of(dosed)
    assert review_count(subjects) == len(awaiting_review(subjects))
    assert title not in [item.title for item in review_queue(investigator_a)]


def test_a_corrected_diameter_invalidates_the_signature(baseline, coordinator_a, investigator_a):
    sign(baseline, investigator_a)
    assert signature_status(baseline) == SignatureState.VALID

    correct(baseline, coordinator_a, T1="31")

    assert signature_status(baseline) == SignatureState.INVALIDATED
    subjects = Subject.objects.filter(pk=baseline.subject_id)
    assert review_count(subjects) == len(awaiting_review(subjects))


def test_only_an_investigator_of_the_site_signs(baseline, coordinator_a, investigator_b):
    for who in (coordinator_a, investigator_b):
        with pytest.raises(PermissionDenied):
            sign(baseline, who)


# --- lock ------------------------------------------------------------------------------------


def test_a_locked_assessment_is_read_only(baseline, coordinator_a, investigator_a, data_manager):
    subjects = Subject.objects.filter(pk=baseline.subject_id)
    before = lockable_count(subjects)
    sign(baseline, investigator_a)
    assert lockable_count(subjects) == before + 1
    record_lock(record=baseline, by=data_manager, now=NOW)
    assert lockable_count(subjects) == before

    with pytest.raises(ValidationError, match="is locked"):
        correct(baseline, coordinator_a, T1="31")
    with pytest.raises(ValidationError, match="is locked"):
        tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Wrong subject")
    assert (
        LesionMeasurement.objects.get(assessment=baseline, lesion__lesion_id="T1").diameter_mm == 30
    )


def test_only_a_data_manager_locks(baseline, investigator_a, coordinator_a):
    sign(baseline, investigator_a)
    with pytest.raises(PermissionDenied):
        record_lock(record=baseline, by=investigator_a, now=NOW)


# --- source-data verification ------------------------------------------------------------


def test_a_verification_is_cleared_by_a_correction(baseline, dosed, monitor, coordinator_a):
    subjects = Subject.objects.filter(pk=dosed.pk)
    before = to_verify_count(subjects)
    record_verify(record=baseline, by=monitor, now=NOW)
    assert verification_status(baseline) == VerificationState.VERIFIED
    assert to_verify_count(subjects) == before - 1

    correct(baseline, coordinator_a, T2="21")

    assert verification_status(baseline) == VerificationState.CLEARED
    assert to_verify_count(subjects) == before


def test_only_a_monitor_verifies(baseline, coordinator_a):
    with pytest.raises(PermissionDenied):
        record_verify(record=baseline, by=coordinator_a, now=NOW)


# --- queries ------------------------------------------------------------------------------------


def test_a_query_is_raised_on_a_field_of_the_assessment(baseline, monitor, coordinator_b):
    query = query_raise(
        record=baseline, by=monitor, text="Which series?", field_name="method", now=NOW
    )
    assert query.record == baseline and query.field_name == "method"
    with pytest.raises(ValidationError, match="has no field"):
        query_raise(record=baseline, by=monitor, text="?", field_name="sum_mm", now=NOW)
    with pytest.raises(PermissionDenied):
        query_raise(record=baseline, by=coordinator_b, text="?", now=NOW)
    assert Query.objects.filter(object_id=baseline.pk).count() == 1


# --- correct ------------------------------------------------------------------------------------


def test_a_correction_re_derives_this_and_every_later_time_point(baseline, dosed, coordinator_a):
    first = follow_up(dosed, coordinator_a, t1="20", t2="14")  # 34 of 50: -32 %, PR
    second = follow_up(dosed, coordinator_a, on=SECOND_FOLLOW_UP, t1="20", t2="14")
    assert (first.response, second.response) == ("pr", "pr")

    # The baseline was 40 + 20: the same follow-ups are now -43 %, still PR, and the nadir
    # of the second is the first's.
    correct(baseline, coordinator_a, T1="40")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.change_from_baseline_pct == Decimal("-43.3")
    assert (first.version, second.version) == (2, 2)

    correct(first, coordinator_a, T1="45", T2="20")  # 65 of 60: SD; the second is PR again
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.response, first.version) == ("sd", 3)
    assert second.response == "pr"
    assert history_for(first)[-1].reason == REASON


def test_a_correction_needs_a_reason_and_the_current_version(baseline, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        correct(baseline, coordinator_a, reason=" ", T1="31")
    assert excinfo.value.message_dict == {
        "reason": ["A reason for change is required to edit saved data."]
    }
    correct(baseline, coordinator_a, T1="31")
    with pytest.raises(ValidationError, match="Baseline tumour assessment .*: it is now version 2"):
        correct(baseline, coordinator_a, version=1, T1="32")
    assert (
        LesionMeasurement.objects.get(assessment=baseline, lesion__lesion_id="T1").diameter_mm == 31
    )


def test_a_baseline_correction_keeps_recist_s_rules(baseline, coordinator_a):
    with pytest.raises(ValidationError):
        correct(baseline, coordinator_a, T1="5")  # below the 10 mm of a measurable lesion


@pytest.mark.parametrize("who", ["monitor", "investigator_b", "coordinator_b"])
def test_only_the_site_staff_corrects(request, baseline, who):
    with pytest.raises(PermissionDenied):
        correct(baseline, request.getfixturevalue(who), T1="31")


# --- void ------------------------------------------------------------------------------------


def test_a_void_keeps_the_row_with_its_reason_and_re_derives_the_rest(
    baseline, dosed, coordinator_a
):
    first = follow_up(dosed, coordinator_a, t1="20", t2="14")
    second = follow_up(dosed, coordinator_a, on=SECOND_FOLLOW_UP, t1="24", t2="14")
    second.refresh_from_db()
    assert second.nadir_mm == Decimal(34)

    tumour_assessment_void(
        assessment=first, by=coordinator_a, reason="Wrong subject's scan", now=LATER
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.voided_at == LATER and first.void_reason == "Wrong subject's scan"
    assert history_for(first)[-1].reason == "Voided: Wrong subject's scan"
    assert second.nadir_mm == Decimal(50)  # the baseline again
    assert TumourAssessment.objects.filter(pk=first.pk).exists()
    titles = [title for _task, title in queue_of(dosed)]
    assert f"Tumour assessment {FIRST_FOLLOW_UP:%Y-%m-%d}" not in titles
    # Its day is free for the assessment that belongs there.
    follow_up(dosed, coordinator_a, t1="22", t2="14")


def test_a_void_needs_a_reason_and_is_not_repeated(baseline, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="")
    assert excinfo.value.message_dict == {"reason": ["A reason is required to void a record."]}
    tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Entered twice")
    with pytest.raises(ValidationError, match="already voided"):
        tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Again")
    with pytest.raises(ValidationError, match="was voided"):
        correct(baseline, coordinator_a, T1="31")


def test_a_voided_assessment_is_not_signed(baseline, coordinator_a, investigator_a):
    tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Entered twice")
    with pytest.raises(ValidationError, match="voided records are not signed"):
        sign(baseline, investigator_a)


def test_the_baseline_is_voided_only_after_its_follow_ups(baseline, dosed, coordinator_a):
    first = follow_up(dosed, coordinator_a)
    with pytest.raises(ValidationError, match="Void the follow-up assessments first"):
        tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Wrong lesions")
    tumour_assessment_void(assessment=first, by=coordinator_a, reason="Wrong lesions")
    tumour_assessment_void(assessment=baseline, by=coordinator_a, reason="Wrong lesions")
    assert not dosed.target_lesions.filter(voided_at__isnull=True).exists()
    # A new baseline may choose the same lesion ids.
    baseline_record(
        subject=dosed,
        by=coordinator_a,
        assessment_date=BASELINE_ON + timedelta(days=1),
        lesions=[{"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False, "diameter_mm": 25}],
        non_target="not_present",
        today=TODAY,
    )


def test_a_voided_time_point_leaves_the_best_response(baseline, dosed, coordinator_a):
    first = follow_up(dosed, coordinator_a, t1="20", t2="14")
    assert best_response(dosed) == "pr"
    tumour_assessment_void(assessment=first, by=coordinator_a, reason="Wrong subject's scan")
    assert best_response(dosed) is None


@pytest.mark.parametrize("who", ["monitor", "investigator_b", "coordinator_b"])
def test_only_the_site_staff_voids(request, baseline, who):
    with pytest.raises(PermissionDenied):
        tumour_assessment_void(
            assessment=baseline, by=request.getfixturevalue(who), reason="Entered twice"
        )


# --- audit -------------------------------------------------------------------------------------


def test_the_subject_history_shows_the_lesion_measurements(baseline, dosed, coordinator_a):
    correct(baseline, coordinator_a, T1="31")
    kinds = {row.kind for row in subject_history(dosed)}
    assert "Tumour assessment" in kinds
    assert any(
        row.entry.model == "tumours.LesionMeasurement" and row.entry.reason == REASON
        for row in subject_history(dosed)
    )


# --- the page -----------------------------------------------------------------------------------


def test_the_page_offers_the_site_staff_the_correction_and_the_reviewers_their_buttons(
    client, baseline, coordinator_a, monitor
):
    url = reverse("tumour_assessment", args=[baseline.pk])
    client.force_login(coordinator_a)
    page = client.get(url).content.decode()
    assert "Save the correction" in page and "Void this assessment" in page
    assert reverse("record_history", args=["tumours.tumourassessment", baseline.pk]) in page

    client.force_login(monitor)
    page = client.get(url).content.decode()
    assert "Save the correction" not in page
    assert reverse("record_verify", args=["tumours.tumourassessment", baseline.pk]) in page


def test_a_correction_posted_on_the_page_is_saved_with_its_reason(client, baseline, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("tumour_assessment", args=[baseline.pk]),
        {
            "version": "1",
            "reason": REASON,
            "method": "MRI",
            "non_target": "not_present",
            "diameter_T1": "32",
            "diameter_T2": "20",
        },
    )
    assert response.status_code == 302
    baseline.refresh_from_db()
    assert (baseline.method, baseline.version, baseline.sum_mm) == ("MRI", 2, Decimal(52))


def test_the_page_of_another_site_is_not_found(client, baseline, coordinator_b):
    client.force_login(coordinator_b)
    assert client.get(reverse("tumour_assessment", args=[baseline.pk])).status_code == 404
    response = client.post(reverse("tumour_void", args=[baseline.pk]), {"reason": "x"})
    assert response.status_code == 404


def test_a_void_posted_by_a_monitor_is_forbidden(client, baseline, monitor):
    client.force_login(monitor)
    response = client.post(reverse("tumour_void", args=[baseline.pk]), {"reason": "x"})
    assert response.status_code == 403
    baseline.refresh_from_db()
    assert baseline.voided_at is None


def test_the_audit_page_of_an_assessment_shows_the_reason(client, baseline, coordinator_a):
    correct(baseline, coordinator_a, T1="31")
    client.force_login(coordinator_a)
    response = client.get(reverse("record_history", args=["tumours.tumourassessment", baseline.pk]))
    assert response.status_code == 200
    assert REASON in response.content.decode()
