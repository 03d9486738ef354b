"""The write contract of CRF services (review.contract), on the dosing CRF."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from review.contract import crf_write
from review.models import Query, QueryOrigin, QueryStatus
from review.selectors import rows_of
from review.subjects import subject_void
from tests.review.factories import LATER, c1d1_dose, signed_and_locked
from trial.access import require
from trial.audit import history_for
from trial.capabilities import Capability

pytestmark = pytest.mark.django_db


def write(record, by, **kwargs):
    kwargs.setdefault("reason", "Transcribed from the source")
    return crf_write(
        require=lambda: require(by, Capability.ENTER_DATA, record.subject, action="edit doses"),
        record=record,
        by=by,
        now=LATER,
        **kwargs,
    )


def test_the_permission_is_checked_before_anything_is_read(dosed, monitor):
    with pytest.raises(PermissionDenied, match="may edit doses"), write(c1d1_dose(dosed), monitor):
        pytest.fail("the body of a refused write runs")


def test_a_save_raises_the_version_and_is_audited_with_the_reason(dosed, coordinator_a):
    dose = c1d1_dose(dosed)
    with write(dose, coordinator_a, expected_version=1) as w:
        w.record.lot_number = "LOT-9"
        w.save(w.record, update_fields=["lot_number"])
    dose.refresh_from_db()
    assert (dose.version, dose.lot_number) == (2, "LOT-9")
    latest = history_for(dose)[-1]
    assert latest.reason == "Transcribed from the source"
    assert latest.username == coordinator_a.username


def test_a_stale_edit_is_refused_naming_the_record_and_changes_nothing(dosed, coordinator_a):
    dose = c1d1_dose(dosed)
    with pytest.raises(ValidationError) as excinfo, write(dose, coordinator_a, expected_version=0):
        pytest.fail("a stale edit reaches the body")
    assert excinfo.value.error_dict["__all__"][0].code == "stale"
    assert "Dosing C1D1: it is now version 1; you edited version 0" in str(excinfo.value)
    dose.refresh_from_db()
    assert dose.version == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_update_needs_a_reason_for_change(dosed, coordinator_a, reason):
    with (
        pytest.raises(ValidationError) as excinfo,
        write(c1d1_dose(dosed), coordinator_a, reason=reason),
    ):
        pytest.fail("an edit without a reason reaches the body")
    assert excinfo.value.message_dict == {
        "reason": ["A reason for change is required to edit saved data."]
    }


def test_a_locked_record_is_refused(dosed, coordinator_a, investigator_a, data_manager):
    signed_and_locked(c1d1_dose(dosed), investigator_a, data_manager)
    with pytest.raises(ValidationError, match="is locked"), write(c1d1_dose(dosed), coordinator_a):
        pytest.fail("a locked record reaches the body")


def test_a_void_needs_a_reason(dosed, coordinator_a):
    dose = c1d1_dose(dosed)
    with (
        pytest.raises(ValidationError) as excinfo,
        write(dose, coordinator_a, reason="", void=True),
    ):
        pytest.fail("a void without a reason reaches the body")
    assert excinfo.value.message_dict == {"reason": ["A reason is required to void a record."]}


def test_the_edit_checks_run_when_the_write_ends(dosed, coordinator_a):
    dose = c1d1_dose(dosed)
    with write(dose, coordinator_a) as w:
        w.record.pre_temperature_c = Decimal("39.5")
        w.save(w.record, update_fields=["pre_temperature_c"])
        # Not yet: the checks read the record as the write leaves it.
        assert not Query.objects.filter(rows_of(dose), origin=QueryOrigin.AUTOMATIC).exists()
    raised = Query.objects.get(rows_of(dose), origin=QueryOrigin.AUTOMATIC)
    assert raised.status == QueryStatus.OPEN
    assert raised.field_name == "pre_temperature_c"


def test_an_error_in_the_body_rolls_the_whole_write_back(dosed, coordinator_a):
    dose = c1d1_dose(dosed)
    with (
        pytest.raises(ValidationError, match="a rule of the service"),
        write(dose, coordinator_a) as w,
    ):
        w.record.lot_number = "LOT-ROLLED-BACK"
        w.save(w.record, update_fields=["lot_number"])
        raise ValidationError("a rule of the service")
    dose.refresh_from_db()
    assert (dose.version, dose.lot_number) != (2, "LOT-ROLLED-BACK")


def test_nothing_is_written_for_a_voided_subject(dosed, coordinator_a, data_manager):
    """A subject entered in error is voided whole: neither its stored records nor a new
    one change, whatever the CRF (read under the row lock, not from the caller's copy)."""
    dose = c1d1_dose(dosed)
    stale_copy = type(dosed).objects.get(pk=dosed.pk)
    subject_void(subject=dosed, by=data_manager, reason="Registered twice")
    with (
        pytest.raises(ValidationError, match=f"Subject {dosed} was voided"),
        write(dose, coordinator_a),
    ):
        pytest.fail("a voided subject's record reaches the body")
    with (
        pytest.raises(ValidationError, match="nothing more is recorded or changed for it"),
        crf_write(require=lambda: None, subject=stale_copy, by=coordinator_a, now=LATER),
    ):
        pytest.fail("a new record of a voided subject reaches the body")
