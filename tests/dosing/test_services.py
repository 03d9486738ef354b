"""Dosing services against PostgreSQL: dosing CRF, visits, windows and disposition events."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dispositions.models import Disposition, DispositionKind
from dispositions.services import disposition_record
from dosing.models import DoseChange, DosingRecord
from dosing.services import dose_record, dose_void
from review.visits import visit_complete, visit_mark_missed
from tests.dosing.factories import (
    C2D1_TARGET,
    dose_values,
    dosed_subject,
    enrolled_subject,
    record_dose,
    visit_of,
)
from tests.refusals import field_errors, refusal
from tests.screening.factories import PLANNED_C1D1, TODAY, assessed_subject
from trial.audit import history_for
from trial.models import SubjectStatus, Visit
from trial.schedule import VisitStatus, add_months
from trial.selectors import first_dose_date, last_dose_date

pytestmark = pytest.mark.django_db

# C1D8: day 8, window +-1 day (studies/il22bp_lnp.toml), for a C1D1 given on PLANNED_C1D1.
C1D8_TARGET = PLANNED_C1D1 + timedelta(days=7)
C1D8_OPENS = C1D8_TARGET - timedelta(days=1)
C1D8_CLOSES = C1D8_TARGET + timedelta(days=1)
NOW = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)


def error_codes(error: ValidationError) -> set:
    """Every code carried by a ValidationError, whether built from a dict or a list."""
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a):
    """Enrolled at DL1 on TODAY, C1D1 planned on PLANNED_C1D1, not dosed yet."""
    return enrolled_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    """On treatment: C1D1 given as planned on PLANNED_C1D1."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def dl2(study):
    return study.dose_levels.get(code="DL2")


# First dose


def test_first_dose_puts_the_subject_on_treatment_and_completes_c1d1(subject, coordinator_a):
    assert subject.status == SubjectStatus.ENROLLED

    record = record_dose(subject, "C1D1", coordinator_a)

    subject.refresh_from_db()
    c1d1 = visit_of(subject, "C1D1")
    assert subject.status == SubjectStatus.ON_TREATMENT
    assert c1d1.completed_on == PLANNED_C1D1
    assert c1d1.status_on(PLANNED_C1D1) == VisitStatus.COMPLETED
    assert record.version == 1
    assert record.recorded_by == coordinator_a
    assert first_dose_date(subject) == last_dose_date(subject) == PLANNED_C1D1


def test_c1d1_a_day_late_moves_the_first_dose_visits_not_yet_done(subject, coordinator_a):
    late = PLANNED_C1D1 + timedelta(days=1)
    before = {v.code: v for v in subject.visits.all()}
    assert before["C1D8"].target_date == C1D8_TARGET

    record_dose(subject, "C1D1", coordinator_a, administered_on=late)

    after = {v.code: v for v in subject.visits.all()}
    assert after["C1D8"].target_date == C1D8_TARGET + timedelta(days=1)
    assert (after["C1D8"].window_opens_on, after["C1D8"].window_closes_on) == (
        C1D8_OPENS + timedelta(days=1),
        C1D8_CLOSES + timedelta(days=1),
    )
    for code in ("C1D2", "C1D15", "C2D1", "C6D1"):
        assert after[code].target_date == before[code].target_date + timedelta(days=1), code
    assert first_dose_date(subject) == late


def test_c1d1_given_late_is_itself_replanned_and_completed_in_window(subject, coordinator_a):
    late = PLANNED_C1D1 + timedelta(days=1)

    record_dose(subject, "C1D1", coordinator_a, administered_on=late)

    c1d1 = visit_of(subject, "C1D1")
    assert c1d1.target_date == late
    assert c1d1.status_on(late) == VisitStatus.COMPLETED


def test_a_second_dose_on_the_same_visit_is_refused(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(dosed, "C1D1", coordinator_a, lot_number="LOT-OTHER")

    assert "A dose is already recorded for C1D1; open it to correct it." in refusal(excinfo)
    record = DosingRecord.objects.get(visit__subject=dosed)
    assert (record.lot_number, record.version) == ("LOT-2026-07", 1)


@pytest.mark.parametrize("days_after_c1d1", [0, -1], ids=["same-day", "day-before"])
def test_c2d1_dose_not_after_c1d1_is_refused(dosed, coordinator_a, days_after_c1d1):
    on = PLANNED_C1D1 + timedelta(days=days_after_c1d1)

    with pytest.raises(ValidationError) as excinfo:
        record_dose(dosed, "C2D1", coordinator_a, administered_on=on, today=C2D1_TARGET)

    assert field_errors(excinfo)["administered_on"] == [
        f"Administration date {on} is not after the first dose (C1D1 {PLANNED_C1D1})."
    ]
    assert not DosingRecord.objects.filter(visit__code="C2D1").exists()


def test_c2d1_dose_before_any_c1d1_dose_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(subject, "C2D1", coordinator_a, administered_on=C2D1_TARGET)

    assert field_errors(excinfo)["administered_on"] == ["Record the C1D1 dose first."]


def test_c2d1_dose_the_day_after_c1d1_is_accepted(dosed, coordinator_a):
    day_after = PLANNED_C1D1 + timedelta(days=1)

    record_dose(dosed, "C2D1", coordinator_a, administered_on=day_after)

    assert last_dose_date(dosed) == day_after


def test_dose_dated_in_the_future_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(subject, "C1D1", coordinator_a, administered_on=PLANNED_C1D1, today=TODAY)

    assert field_errors(excinfo)["administered_on"] == [
        f"Administration date {PLANNED_C1D1} is in the future."
    ]
    subject.refresh_from_db()
    assert subject.status == SubjectStatus.ENROLLED
    assert not DosingRecord.objects.exists()


def test_dose_for_a_subject_still_in_screening_is_refused(
    study, site_a, coordinator_a, investigator_a
):
    screening = assessed_subject(
        study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
    )
    # Screening subjects have no schedule; a stray C1D1 row stands for any way a dose
    # could be attempted before enrollment.
    visit = Visit.objects.create(
        subject=screening,
        code="C1D1",
        name="Cycle 1 Day 1",
        kind="dosing",
        anchor="first_dose",
        cycle=1,
        order=2,
        target_date=PLANNED_C1D1,
        window_opens_on=PLANNED_C1D1,
        window_closes_on=PLANNED_C1D1,
    )
    dl1 = study.dose_levels.get(code="DL1")
    values = dose_values(screening, dose_level=dl1, dose_amount=dl1.dose_amount)

    with pytest.raises(ValidationError) as excinfo:
        dose_record(visit=visit, by=coordinator_a, values=values, today=PLANNED_C1D1)

    assert (
        f"Subject {screening} is screening: doses are recorded only for enrolled subjects "
        "on treatment." in refusal(excinfo)
    )
    screening.refresh_from_db()
    assert screening.status == SubjectStatus.SCREENING
    assert not DosingRecord.objects.exists()


def test_dose_for_a_withdrawn_subject_is_refused(dosed, coordinator_a):
    withdrawn_on = PLANNED_C1D1 + timedelta(days=2)
    disposition_record(
        kind=DispositionKind.WITHDRAWAL,
        subject=dosed,
        by=coordinator_a,
        on=withdrawn_on,
        reason="Consent withdrawn",
        today=withdrawn_on,
    )

    with pytest.raises(ValidationError) as excinfo:
        record_dose(dosed, "C2D1", coordinator_a, administered_on=C2D1_TARGET)

    assert "is withdrawn: doses are recorded only for enrolled subjects" in refusal(excinfo)


# Dose given against the assignment


def test_dose_of_another_level_without_a_deviation_reason_is_refused(subject, coordinator_a, dl2):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(subject, "C1D1", coordinator_a, dose_level=dl2, dose_amount=dl2.dose_amount)

    [message] = field_errors(excinfo)["deviation_reason"]
    assert "differs from the subject's assigned level DL1 (25.000 µg)" in message
    assert "a deviation reason is required" in message
    assert not DosingRecord.objects.exists()


def test_dose_of_another_level_with_a_deviation_reason_is_recorded(subject, coordinator_a, dl2):
    record = record_dose(
        subject,
        "C1D1",
        coordinator_a,
        dose_level=dl2,
        dose_amount=dl2.dose_amount,
        deviation_reason="Pharmacy dispensed the DL2 vial; PI informed",
    )

    record.refresh_from_db()
    assert record.dose_level == dl2
    assert record.dose_amount == Decimal("50")
    assert record.deviation_reason == "Pharmacy dispensed the DL2 vial; PI informed"


def test_other_amount_at_the_assigned_level_needs_a_deviation_reason(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(subject, "C1D1", coordinator_a, dose_amount=Decimal("30"))

    assert "deviation_reason" in field_errors(excinfo)


def test_reduced_dose_needs_its_reason_but_no_deviation_reason(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(
            dosed,
            "C2D1",
            coordinator_a,
            administered_on=C2D1_TARGET,
            dose_change=DoseChange.REDUCED,
            dose_amount=Decimal("12.5"),
        )
    assert field_errors(excinfo) == {
        "dose_change_reason": ["Give the reason the dose was reduced."]
    }

    record = record_dose(
        dosed,
        "C2D1",
        coordinator_a,
        administered_on=C2D1_TARGET,
        dose_change=DoseChange.REDUCED,
        dose_change_reason="Grade 2 injection-site reaction",
        dose_amount=Decimal("12.5"),
    )
    assert record.dose_amount == Decimal("12.5")


# Vital signs


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("pre_pulse_bpm", Decimal("300"), "Pulse 300 beats/min"),
        ("post_temperature_c", Decimal("44.0"), "Temperature 44.0 °C"),
        ("pre_spo2_pct", Decimal("101"), "SpO2 101 %"),
        ("post_respiratory_rate", Decimal("3"), "Respiratory rate 3 breaths/min"),
    ],
)
def test_implausible_vital_sign_is_refused_naming_the_field(
    subject, coordinator_a, field, value, named
):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(subject, "C1D1", coordinator_a, **{field: value})

    errors = field_errors(excinfo)
    assert list(errors) == [field]
    assert errors[field][0].startswith(named)
    assert "outside the plausible range" in errors[field][0]
    assert not DosingRecord.objects.exists()


def test_pre_dose_diastolic_above_systolic_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(
            subject,
            "C1D1",
            coordinator_a,
            pre_systolic_mmhg=Decimal("80"),
            pre_diastolic_mmhg=Decimal("120"),
        )

    assert field_errors(excinfo) == {
        "pre_diastolic_mmhg": ["Diastolic pressure 120 mmHg must be below systolic 80 mmHg."]
    }


# Skipped doses


def test_skipped_dose_needs_a_reason(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(
            dosed,
            "C2D1",
            coordinator_a,
            dose_change=DoseChange.SKIPPED,
            administered_on=None,
            today=C2D1_TARGET,
        )

    assert field_errors(excinfo) == {
        "dose_change_reason": ["Give the reason the dose was skipped."]
    }


def test_skipped_dose_has_no_administration_date(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(
            dosed,
            "C2D1",
            coordinator_a,
            dose_change=DoseChange.SKIPPED,
            dose_change_reason="Grade 3 neutropenia",
            administered_on=C2D1_TARGET,
        )

    assert field_errors(excinfo) == {
        "administered_on": ["A skipped dose has no administration date."]
    }


def test_skipped_dose_with_a_reason_is_recorded_without_a_date(dosed, coordinator_a):
    record = record_dose(
        dosed,
        "C2D1",
        coordinator_a,
        dose_change=DoseChange.SKIPPED,
        dose_change_reason="Grade 3 neutropenia",
        administered_on=None,
        today=C2D1_TARGET,
    )

    assert record.given is False
    assert record.administered_on is None
    assert visit_of(dosed, "C2D1").completed_on is None
    assert last_dose_date(dosed) == PLANNED_C1D1


# Corrections (optimistic locking)


def correct(subject, by, *, version, reason="Lot number transcribed wrongly", **changes):
    return dose_record(
        visit=visit_of(subject, "C1D1"),
        by=by,
        values=dose_values(subject, **changes),
        today=PLANNED_C1D1,
        expected_version=version,
        reason=reason,
    )


def test_correction_of_the_current_version_with_a_reason_is_saved(
    dosed, coordinator_a, investigator_a
):
    record = correct(dosed, investigator_a, version=1, lot_number="LOT-2026-08")

    record.refresh_from_db()
    assert record.version == 2
    assert record.lot_number == "LOT-2026-08"
    assert DosingRecord.objects.filter(subject=dosed).count() == 1


def test_correction_from_an_old_version_is_refused_and_overwrites_nothing(
    dosed, coordinator_a, investigator_a
):
    correct(dosed, investigator_a, version=1, lot_number="LOT-2026-08")

    with pytest.raises(ValidationError) as excinfo:
        correct(dosed, coordinator_a, version=1, lot_number="LOT-STALE", reason="My edit")

    message = refusal(excinfo)
    assert "This form was saved by someone else after you opened it" in message
    assert "it is now version 2; you edited version 1" in message
    record = DosingRecord.objects.get(subject=dosed)
    assert (record.lot_number, record.version) == ("LOT-2026-08", 2)


def test_correction_from_an_old_version_is_refused_with_code_stale(
    dosed, coordinator_a, investigator_a
):
    correct(dosed, investigator_a, version=1, lot_number="LOT-2026-08")

    with pytest.raises(ValidationError) as excinfo:
        correct(dosed, coordinator_a, version=1, lot_number="LOT-STALE", reason="My edit")

    assert "stale" in error_codes(excinfo.value)


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_correction_without_a_reason_is_refused(dosed, coordinator_a, reason):
    with pytest.raises(ValidationError) as excinfo:
        correct(dosed, coordinator_a, version=1, lot_number="LOT-2026-08", reason=reason)

    assert field_errors(excinfo) == {
        "reason": ["A reason for change is required to edit saved data."]
    }
    record = DosingRecord.objects.get(subject=dosed)
    assert (record.lot_number, record.version) == ("LOT-2026-07", 1)


def test_correction_is_still_possible_in_follow_up(dosed, coordinator_a):
    end = PLANNED_C1D1 + timedelta(days=3)
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=dosed,
        by=coordinator_a,
        on=end,
        reason="PD",
        today=end,
    )

    record = correct(dosed, coordinator_a, version=1, lot_number="LOT-2026-08")

    assert record.version == 2


def test_audit_trail_keeps_the_reason_and_the_change_of_a_correction(
    dosed, coordinator_a, investigator_a
):
    record = correct(dosed, investigator_a, version=1, lot_number="LOT-2026-08")

    entries = history_for(record)
    assert [e.reason for e in entries] == [
        "Dosing recorded for C1D1",
        "Lot number transcribed wrongly",
    ]
    correction = entries[-1]
    assert correction.username == investigator_a.username
    changed = {c.field: (c.old, c.new) for c in correction.changes}
    assert changed["lot_number"] == ("LOT-2026-07", "LOT-2026-08")
    assert changed["version"] == (1, 2)


# Permissions


def _dose(subject, user):
    dose_record(
        visit=visit_of(subject, "C2D1"),
        by=user,
        values=dose_values(subject, administered_on=C2D1_TARGET),
        today=C2D1_TARGET,
    )


def _complete(subject, user):
    visit_complete(visit=visit_of(subject, "C1D8"), by=user, on=C1D8_TARGET, today=C1D8_TARGET)


def _missed(subject, user):
    visit_mark_missed(visit=visit_of(subject, "C1D8"), by=user, reason="Patient unwell")


def _void(subject, user):
    dose_void(
        record=DosingRecord.objects.get(visit=visit_of(subject, "C1D1")),
        by=user,
        reason="Entered for the wrong subject",
        now=NOW,
    )


def _disposition(kind):
    def call(subject, user):
        on = PLANNED_C1D1 + timedelta(days=3)
        disposition_record(subject=subject, by=user, kind=kind, on=on, reason="Reason", today=on)

    call.__name__ = f"_{kind.value}"
    return call


SERVICES = [
    _dose,
    _complete,
    _missed,
    _void,
    *(_disposition(kind) for kind in DispositionKind),
]


def _snapshot(subject):
    subject.refresh_from_db()
    return (
        subject.status,
        DosingRecord.objects.filter(subject=subject).count(),
        Disposition.objects.filter(subject=subject).count(),
        list(subject.visits.values_list("code", "completed_on", "missed_reason", "not_applicable")),
    )


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__.lstrip("_"))
def test_coordinator_of_another_site_is_refused_by_every_service(dosed, coordinator_b, service):
    before = _snapshot(dosed)

    with pytest.raises(PermissionDenied, match="site FR01"):
        service(dosed, coordinator_b)

    assert _snapshot(dosed) == before


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__.lstrip("_"))
def test_monitor_is_refused_by_every_service(dosed, monitor, service):
    before = _snapshot(dosed)

    with pytest.raises(PermissionDenied):
        service(dosed, monitor)

    assert _snapshot(dosed) == before


def test_investigator_of_the_site_may_record_the_dose(subject, investigator_a):
    record_dose(subject, "C1D1", investigator_a)
    subject.refresh_from_db()
    assert subject.status == SubjectStatus.ON_TREATMENT


# End of treatment


@pytest.fixture
def after_c2d1(dosed, coordinator_a):
    """C2D1 given a day after its target; the last dose of the subject."""
    record_dose(dosed, "C2D1", coordinator_a, administered_on=C2D1_TARGET + timedelta(days=1))
    return dosed


def test_correcting_the_last_dose_after_end_of_treatment_re_anchors_follow_up(
    after_c2d1, coordinator_a
):
    recorded = C2D1_TARGET + timedelta(days=1)
    end = recorded + timedelta(days=1)
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=after_c2d1,
        by=coordinator_a,
        on=end,
        reason="PD",
        today=end,
    )

    dose_record(
        visit=visit_of(after_c2d1, "C2D1"),
        by=coordinator_a,
        values=dose_values(after_c2d1, administered_on=C2D1_TARGET),
        today=end,
        expected_version=1,
        reason="Date copied from the wrong line of the pharmacy log",
    )

    assert last_dose_date(after_c2d1) == C2D1_TARGET
    assert visit_of(after_c2d1, "EOT").target_date == C2D1_TARGET + timedelta(days=30)
    assert visit_of(after_c2d1, "FU12M").target_date == add_months(C2D1_TARGET, 12)


def test_c1d1_cannot_be_corrected_to_after_a_later_dose(after_c2d1, coordinator_a):
    c2d1 = C2D1_TARGET + timedelta(days=1)
    too_late = c2d1 + timedelta(days=1)

    with pytest.raises(ValidationError):
        dose_record(
            visit=visit_of(after_c2d1, "C1D1"),
            by=coordinator_a,
            values=dose_values(after_c2d1, administered_on=too_late),
            today=too_late,
            expected_version=1,
            reason="Wrong date",
        )

    assert first_dose_date(after_c2d1) == PLANNED_C1D1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"dose_amount": Decimal("-5")}, "dose_amount", "must be more than 0 µg"),
        ({"dose_amount": Decimal("9999999.999")}, "dose_amount", "not plausible"),
        ({"volume_ml": Decimal("-5")}, "volume_ml", "Volume must be more than 0 mL"),
        ({"volume_ml": Decimal("0")}, "volume_ml", "Volume must be more than 0 mL"),
    ],
    ids=["amount-negative", "amount-huge", "volume-negative", "volume-zero"],
)
def test_implausible_dose_quantities_are_refused(subject, coordinator_a, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        record_dose(subject, "C1D1", coordinator_a, deviation_reason="Typed", **changes)
    assert message in " ".join(field_errors(excinfo)[field])
    assert not DosingRecord.objects.exists()


def test_the_dose_unit_is_the_dose_level_s_not_the_typed_text(subject, coordinator_a):
    record = record_dose(subject, "C1D1", coordinator_a, dose_unit="mg (typed)")
    record.refresh_from_db()
    assert record.dose_unit == subject.dose_level.dose_unit == "µg"


# The stored first and last dose dates (Subject.first_dose_on / last_dose_on)


def stored_dose_dates(subject) -> tuple:
    subject.refresh_from_db()
    return subject.first_dose_on, subject.last_dose_on


def void(subject, code, by, reason="Entered for the wrong subject"):
    return dose_void(
        record=DosingRecord.objects.get(visit=visit_of(subject, code)),
        by=by,
        reason=reason,
        now=NOW,
    )


def test_a_subject_not_dosed_has_no_dose_dates(subject):
    assert stored_dose_dates(subject) == (None, None)


def test_the_first_dose_stores_both_dates(dosed):
    assert stored_dose_dates(dosed) == (PLANNED_C1D1, PLANNED_C1D1)


def test_a_later_dose_moves_only_the_last_dose_date(after_c2d1):
    assert stored_dose_dates(after_c2d1) == (PLANNED_C1D1, C2D1_TARGET + timedelta(days=1))


def test_a_skipped_dose_moves_no_date(dosed, coordinator_a):
    record_dose(
        dosed,
        "C2D1",
        coordinator_a,
        administered_on=None,
        dose_change=DoseChange.SKIPPED,
        dose_change_reason="Grade 2 fatigue",
        today=C2D1_TARGET,
    )
    assert stored_dose_dates(dosed) == (PLANNED_C1D1, PLANNED_C1D1)


def test_correcting_the_c1d1_date_moves_the_first_and_last_dose_dates(dosed, coordinator_a):
    earlier = PLANNED_C1D1 - timedelta(days=1)
    dose_record(
        visit=visit_of(dosed, "C1D1"),
        by=coordinator_a,
        values=dose_values(dosed, administered_on=earlier),
        today=PLANNED_C1D1,
        expected_version=1,
        reason="Date misread from the source",
    )
    assert stored_dose_dates(dosed) == (earlier, earlier)


def test_correcting_the_last_dose_date_moves_the_last_dose_date(after_c2d1, coordinator_a):
    dose_record(
        visit=visit_of(after_c2d1, "C2D1"),
        by=coordinator_a,
        values=dose_values(after_c2d1, administered_on=C2D1_TARGET),
        today=C2D1_TARGET + timedelta(days=1),
        expected_version=1,
        reason="Date misread from the source",
    )
    assert stored_dose_dates(after_c2d1) == (PLANNED_C1D1, C2D1_TARGET)


def test_the_callers_subject_sees_the_dates_the_dose_stored(subject, coordinator_a):
    visit = visit_of(subject, "C1D1")
    dose_record(visit=visit, by=coordinator_a, values=dose_values(subject), today=PLANNED_C1D1)
    held = visit.subject
    assert (held.first_dose_on, held.status) == (PLANNED_C1D1, SubjectStatus.ON_TREATMENT)


def test_voiding_the_only_dose_clears_both_dates_and_the_subject_is_enrolled_again(
    dosed, coordinator_a
):
    late = PLANNED_C1D1 + timedelta(days=2)
    dose_record(
        visit=visit_of(dosed, "C1D1"),
        by=coordinator_a,
        values=dose_values(dosed, administered_on=late),
        today=late,
        expected_version=1,
        reason="Late",
    )
    record = void(dosed, "C1D1", coordinator_a)

    assert stored_dose_dates(dosed) == (None, None)
    assert (record.voided_at, record.void_reason, record.version) == (
        NOW,
        "Entered for the wrong subject",
        3,
    )
    assert dosed.status == SubjectStatus.ENROLLED
    c1d1 = visit_of(dosed, "C1D1")
    # Back to the schedule of the planned C1D1, with nothing performed.
    assert (c1d1.completed_on, c1d1.target_date) == (None, PLANNED_C1D1)
    assert visit_of(dosed, "C1D8").target_date == C1D8_TARGET
    assert DosingRecord.objects.filter(subject=dosed).count() == 1  # kept, voided


def test_voiding_a_later_dose_moves_the_last_dose_date_back(after_c2d1, coordinator_a):
    void(after_c2d1, "C2D1", coordinator_a)

    assert stored_dose_dates(after_c2d1) == (PLANNED_C1D1, PLANNED_C1D1)
    assert visit_of(after_c2d1, "C2D1").completed_on is None
    assert after_c2d1.status == SubjectStatus.ON_TREATMENT


def test_voiding_the_last_dose_after_end_of_treatment_re_anchors_follow_up(
    after_c2d1, coordinator_a
):
    end = C2D1_TARGET + timedelta(days=2)
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=after_c2d1,
        by=coordinator_a,
        on=end,
        reason="PD",
        today=end,
    )

    void(after_c2d1, "C2D1", coordinator_a)

    assert stored_dose_dates(after_c2d1) == (PLANNED_C1D1, PLANNED_C1D1)
    assert visit_of(after_c2d1, "FU12M").target_date == add_months(PLANNED_C1D1, 12)


def test_c1d1_is_not_voided_while_a_later_dose_stands(after_c2d1, coordinator_a):
    with pytest.raises(ValidationError, match=r"while later doses stand \(C2D1\)"):
        void(after_c2d1, "C1D1", coordinator_a)
    assert stored_dose_dates(after_c2d1) == (PLANNED_C1D1, C2D1_TARGET + timedelta(days=1))


def test_the_only_dose_is_not_voided_once_treatment_has_ended(dosed, coordinator_a):
    end = PLANNED_C1D1 + timedelta(days=3)
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=dosed,
        by=coordinator_a,
        on=end,
        reason="PD",
        today=end,
    )
    with pytest.raises(ValidationError, match="only while the subject is on treatment"):
        void(dosed, "C1D1", coordinator_a)
    assert stored_dose_dates(dosed) == (PLANNED_C1D1, PLANNED_C1D1)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_dose_is_not_voided_without_a_reason(dosed, coordinator_a, reason):
    with pytest.raises(ValidationError, match="reason is required"):
        void(dosed, "C1D1", coordinator_a, reason=reason)


def test_a_voided_dose_is_neither_voided_again_nor_edited(after_c2d1, coordinator_a):
    void(after_c2d1, "C2D1", coordinator_a)
    with pytest.raises(ValidationError, match="already voided"):
        void(after_c2d1, "C2D1", coordinator_a)
    with pytest.raises(ValidationError, match="was voided"):
        dose_record(
            visit=visit_of(after_c2d1, "C2D1"),
            by=coordinator_a,
            values=dose_values(after_c2d1, administered_on=C2D1_TARGET),
            today=C2D1_TARGET,
            expected_version=2,
            reason="Try again",
        )


def test_a_voided_later_dose_no_longer_blocks_a_c1d1_correction(after_c2d1, coordinator_a):
    void(after_c2d1, "C2D1", coordinator_a)
    corrected = C2D1_TARGET + timedelta(days=2)
    dose_record(
        visit=visit_of(after_c2d1, "C1D1"),
        by=coordinator_a,
        values=dose_values(after_c2d1, administered_on=PLANNED_C1D1 + timedelta(days=1)),
        today=corrected,
        expected_version=1,
        reason="Date misread from the source",
    )
    assert stored_dose_dates(after_c2d1) == ((PLANNED_C1D1 + timedelta(days=1),) * 2)


def test_a_void_is_audited_with_its_reason(after_c2d1, coordinator_a):
    record = void(after_c2d1, "C2D1", coordinator_a, reason="Duplicate entry")
    last = history_for(record)[-1]
    assert "Voided: Duplicate entry" in last.reason
    assert last.username == coordinator_a.username
