"""Disposition services against PostgreSQL: end of treatment, withdrawal, loss to follow-up,
death and end of study, their dates and the subject's state and visits they move."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dispositions.crf import disposition_subject_section
from dispositions.models import Disposition, DispositionEvent, DispositionKind
from dispositions.sdtm import read_ds
from dispositions.services import disposition_correct, disposition_record, disposition_void
from review.contract import REASON_FOR_CHANGE
from review.services import subject_lock
from screening.sdtm_dm import read_dm
from tests.dosing.factories import (
    C2D1_TARGET,
    dosed_subject,
    enrolled_subject,
    record_dose,
    visit_of,
)
from tests.refusals import field_errors
from tests.review.factories import c1d1_dose, sign
from tests.screening.factories import CONSENTED, PLANNED_C1D1
from trial.models import Subject, SubjectStatus
from trial.schedule import VisitStatus, add_months

pytestmark = pytest.mark.django_db

LATER_CYCLES = ("C3D1", "C4D1", "C5D1", "C6D1")
FOLLOW_UP_MONTHS = (1, 3, 6, 9, 12)


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a):
    """Enrolled at DL1, C1D1 planned on PLANNED_C1D1, not dosed yet."""
    return enrolled_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    """On treatment: C1D1 given as planned on PLANNED_C1D1."""
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def after_c2d1(dosed, coordinator_a):
    """C2D1 given a day after its target; the last dose of the subject."""
    record_dose(dosed, "C2D1", coordinator_a, administered_on=C2D1_TARGET + timedelta(days=1))
    return dosed


def test_end_of_treatment_re_anchors_follow_up_on_the_last_dose(after_c2d1, coordinator_a):
    last_dose = C2D1_TARGET + timedelta(days=1)
    end = last_dose + timedelta(days=1)
    projected_fu12m = visit_of(after_c2d1, "FU12M").target_date

    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=after_c2d1,
        by=coordinator_a,
        on=end,
        reason="Progressive disease",
        today=end,
    )

    after_c2d1.refresh_from_db()
    visits = {v.code: v for v in after_c2d1.visits.all()}
    assert after_c2d1.status == SubjectStatus.FOLLOW_UP
    assert Disposition.objects.get(subject=after_c2d1).kind == DispositionKind.END_OF_TREATMENT
    assert (visits["EOT"].window_opens_on, visits["EOT"].target_date) == (
        last_dose,
        last_dose + timedelta(days=30),
    )
    for months in FOLLOW_UP_MONTHS:
        fu = visits[f"FU{months}M"]
        assert fu.target_date == add_months(last_dose, months)
        assert fu.window_opens_on == fu.target_date - timedelta(days=14)
        assert fu.window_closes_on == fu.target_date + timedelta(days=14)
        assert not fu.not_applicable
    assert visits["FU12M"].target_date == date(2027, 12, 13) != projected_fu12m
    for code in LATER_CYCLES:
        assert visits[code].not_applicable, code
        assert visits[code].status_on(end) == VisitStatus.NOT_APPLICABLE
    assert visits["C1D1"].completed_on == PLANNED_C1D1
    assert visits["C2D1"].completed_on == last_dose
    assert not visits["C2D1"].not_applicable


@pytest.mark.parametrize("days_after_last_dose", [-1, 1], ids=["before-last-dose", "in-the-future"])
def test_end_of_treatment_outside_last_dose_to_today_is_refused(
    after_c2d1, coordinator_a, days_after_last_dose
):
    last_dose = C2D1_TARGET + timedelta(days=1)
    on = last_dose + timedelta(days=days_after_last_dose)

    with pytest.raises(ValidationError, match="before the last recorded dose|in the future"):
        disposition_record(
            kind=DispositionKind.END_OF_TREATMENT,
            subject=after_c2d1,
            by=coordinator_a,
            on=on,
            reason="PD",
            today=last_dose,
        )

    after_c2d1.refresh_from_db()
    assert after_c2d1.status == SubjectStatus.ON_TREATMENT
    assert not Disposition.objects.exists()


def test_end_of_treatment_without_any_dose_is_refused(subject, coordinator_a):
    with pytest.raises(ValidationError, match="use withdrawal instead"):
        disposition_record(
            kind=DispositionKind.END_OF_TREATMENT,
            subject=subject,
            by=coordinator_a,
            on=PLANNED_C1D1,
            reason="PD",
            today=PLANNED_C1D1,
        )


def test_study_completion_from_follow_up(after_c2d1, coordinator_a):
    end = C2D1_TARGET + timedelta(days=2)
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=after_c2d1,
        by=coordinator_a,
        on=end,
        reason="PD",
        today=end,
    )
    done = add_months(end, 12)

    disposition_record(
        kind=DispositionKind.END_OF_STUDY,
        subject=after_c2d1,
        by=coordinator_a,
        on=done,
        reason="FU12M performed",
        today=done,
    )

    after_c2d1.refresh_from_db()
    assert after_c2d1.status == SubjectStatus.COMPLETED


def test_study_completion_on_treatment_is_refused_and_leaves_no_disposition(dosed, coordinator_a):
    on = PLANNED_C1D1 + timedelta(days=2)

    with pytest.raises(ValidationError, match="on treatment cannot become completed"):
        disposition_record(
            kind=DispositionKind.END_OF_STUDY,
            subject=dosed,
            by=coordinator_a,
            on=on,
            reason="Done",
            today=on,
        )

    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.ON_TREATMENT
    assert not Disposition.objects.filter(subject=dosed).exists()


# Withdrawal, loss to follow-up, death


WITHDRAWN_ON = PLANNED_C1D1 + timedelta(days=4)


def test_withdrawal_closes_the_later_visits(dosed, coordinator_a):
    disposition_record(
        kind=DispositionKind.WITHDRAWAL,
        subject=dosed,
        by=coordinator_a,
        on=WITHDRAWN_ON,
        reason="Consent withdrawn",
        today=WITHDRAWN_ON,
    )

    dosed.refresh_from_db()
    visits = {v.code: v for v in dosed.visits.all()}
    assert dosed.status == SubjectStatus.WITHDRAWN
    later = {code for code, v in visits.items() if v.window_opens_on > WITHDRAWN_ON}
    assert {"C1D8", "C1D15", "C2D1", *LATER_CYCLES, "EOT"} <= later
    assert all(visits[code].not_applicable for code in later)
    assert all(visits[code].status_on(WITHDRAWN_ON) == VisitStatus.NOT_APPLICABLE for code in later)
    # What happened before stays as it was.
    assert visits["C1D1"].completed_on == PLANNED_C1D1
    assert not visits["C1D1"].not_applicable
    assert not visits["C1D2"].not_applicable


def test_second_withdrawal_is_refused(dosed, coordinator_a):
    disposition_record(
        kind=DispositionKind.WITHDRAWAL,
        subject=dosed,
        by=coordinator_a,
        on=WITHDRAWN_ON,
        reason="Consent withdrawn",
        today=WITHDRAWN_ON,
    )

    with pytest.raises(ValidationError, match="Withdrawal of consent is already recorded"):
        disposition_record(
            kind=DispositionKind.WITHDRAWAL,
            subject=dosed,
            by=coordinator_a,
            on=WITHDRAWN_ON,
            reason="Again",
            today=WITHDRAWN_ON,
        )

    assert Disposition.objects.filter(subject=dosed).count() == 1


def test_withdrawal_needs_a_reason(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        disposition_record(
            kind=DispositionKind.WITHDRAWAL,
            subject=dosed,
            by=coordinator_a,
            on=WITHDRAWN_ON,
            reason=" ",
            today=WITHDRAWN_ON,
        )

    assert field_errors(excinfo) == {"reason": ["A reason is required."]}
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.ON_TREATMENT


def test_withdrawal_dated_in_the_future_is_refused(dosed, coordinator_a):
    with pytest.raises(ValidationError, match="is in the future"):
        disposition_record(
            kind=DispositionKind.WITHDRAWAL,
            subject=dosed,
            by=coordinator_a,
            on=WITHDRAWN_ON + timedelta(days=1),
            reason="Consent withdrawn",
            today=WITHDRAWN_ON,
        )


@pytest.mark.parametrize("leave", [DispositionKind.WITHDRAWAL, DispositionKind.LOST_TO_FOLLOW_UP])
def test_death_after_leaving_the_study_is_recorded(dosed, coordinator_a, leave):
    disposition_record(
        subject=dosed,
        by=coordinator_a,
        kind=leave,
        on=WITHDRAWN_ON,
        reason="Left",
        today=WITHDRAWN_ON,
    )
    died_on = WITHDRAWN_ON + timedelta(days=30)

    disposition_record(
        kind=DispositionKind.DEATH,
        subject=dosed,
        by=coordinator_a,
        on=died_on,
        reason="Disease progression",
        today=died_on,
    )

    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.DIED
    assert Disposition.objects.filter(subject=dosed).count() == 2


def test_nothing_is_recorded_after_death(dosed, coordinator_a):
    disposition_record(
        kind=DispositionKind.DEATH,
        subject=dosed,
        by=coordinator_a,
        on=WITHDRAWN_ON,
        reason="PD",
        today=WITHDRAWN_ON,
    )

    with pytest.raises(ValidationError, match="died cannot become withdrawn"):
        disposition_record(
            kind=DispositionKind.WITHDRAWAL,
            subject=dosed,
            by=coordinator_a,
            on=WITHDRAWN_ON,
            reason="Family",
            today=WITHDRAWN_ON,
        )

    assert Disposition.objects.filter(subject=dosed).count() == 1


@pytest.mark.parametrize("leave", [DispositionKind.WITHDRAWAL, DispositionKind.LOST_TO_FOLLOW_UP])
def test_death_dated_before_the_exit_already_recorded_is_refused(dosed, coordinator_a, leave):
    disposition_record(
        subject=dosed,
        by=coordinator_a,
        kind=leave,
        on=WITHDRAWN_ON,
        reason="Left",
        today=WITHDRAWN_ON,
    )

    with pytest.raises(ValidationError) as refused:
        disposition_record(
            kind=DispositionKind.DEATH,
            subject=dosed,
            by=coordinator_a,
            on=WITHDRAWN_ON - timedelta(days=1),
            reason="Disease progression",
            today=WITHDRAWN_ON,
        )

    assert "event_date" in refused.value.message_dict
    assert "is before the" in refused.value.message_dict["event_date"][0]
    dosed.refresh_from_db()
    assert dosed.status != SubjectStatus.DIED
    assert Disposition.objects.filter(subject=dosed).count() == 1


# Implausible dates and quantities (issue 15, "Bad input that gets through")


def test_withdrawal_dated_before_consent_is_refused(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        disposition_record(
            kind=DispositionKind.WITHDRAWAL,
            subject=dosed,
            by=coordinator_a,
            on=CONSENTED - timedelta(days=1),
            reason="Consent withdrawn",
            today=PLANNED_C1D1,
        )
    assert "is before informed consent" in " ".join(field_errors(excinfo)["event_date"])
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.ON_TREATMENT and not Disposition.objects.exists()


def test_death_before_the_last_recorded_dose_is_refused(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        disposition_record(
            kind=DispositionKind.DEATH,
            subject=dosed,
            by=coordinator_a,
            on=PLANNED_C1D1 - timedelta(days=1),
            reason="Died",
            today=PLANNED_C1D1 + timedelta(days=3),
        )
    assert field_errors(excinfo)["event_date"] == [
        f"Death date {PLANNED_C1D1 - timedelta(days=1)} is before the last recorded dose "
        f"({PLANNED_C1D1})."
    ]
    assert not Disposition.objects.exists()


def test_end_of_study_on_0001_01_01_is_refused(dosed, coordinator_a):
    with pytest.raises(ValidationError) as excinfo:
        disposition_record(
            kind=DispositionKind.END_OF_STUDY,
            subject=dosed,
            by=coordinator_a,
            on=date(1, 1, 1),
            reason="Done",
            today=PLANNED_C1D1,
        )
    assert "0001-01-01 is before 1900-01-01" in " ".join(field_errors(excinfo)["event_date"])
    assert not Disposition.objects.exists()


# Correcting and voiding (issue 16: every CRF is correctable and voidable with a reason)

FIXED = "Date transcribed from the wrong note"


def withdraw(subject, by, on=WITHDRAWN_ON):
    disposition_record(
        kind=DispositionKind.WITHDRAWAL,
        subject=subject,
        by=by,
        on=on,
        reason="Consent withdrawn",
        today=on + timedelta(days=60),
    )
    return Disposition.objects.get(
        subject=subject, kind=DispositionKind.WITHDRAWAL, voided_at__isnull=True
    )


def end_treatment(subject, by, on):
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=subject,
        by=by,
        on=on,
        reason="Progressive disease",
        today=on,
    )
    return Disposition.objects.get(subject=subject, kind=DispositionKind.END_OF_TREATMENT)


def open_visits(subject):
    return {v.code: v for v in subject.visits.all()}


def correct(disposition, by, *, version=None, change=FIXED, today=None, **values):
    """Correct `values` (event_date, reason: the disposition's text) for the reason `change`."""
    return disposition_correct(
        disposition=disposition,
        by=by,
        values=values,
        expected_version=disposition.version if version is None else version,
        reason=change,
        today=today or WITHDRAWN_ON + timedelta(days=60),
    )


def test_a_withdrawal_corrected_later_reopens_the_visits_between_and_is_audited(
    dosed, coordinator_a
):
    withdrawal = withdraw(dosed, coordinator_a)
    later = WITHDRAWN_ON + timedelta(days=10)  # C1D8 and C1D15 open between the two dates
    closed = {c for c, v in open_visits(dosed).items() if v.not_applicable}

    corrected = correct(withdrawal, coordinator_a, event_date=later, change=FIXED)

    visits = open_visits(dosed)
    assert (corrected.event_date, corrected.version) == (later, 2)
    reopened = {c for c in closed if not visits[c].not_applicable}
    assert reopened == {c for c in closed if visits[c].window_opens_on <= later}
    assert {"C1D8", "C1D15"} <= reopened
    assert all(visits[c].not_applicable for c in closed - reopened)
    assert visits["C2D1"].not_applicable
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.WITHDRAWN
    event = DispositionEvent.objects.filter(pgh_obj=withdrawal).latest("pgh_id")
    assert event.event_date == later
    assert event.pgh_context.metadata["reason"] == FIXED


def test_a_withdrawal_corrected_earlier_closes_more_visits(dosed, coordinator_a):
    withdrawal = withdraw(dosed, coordinator_a, on=WITHDRAWN_ON + timedelta(days=10))

    correct(withdrawal, coordinator_a, event_date=WITHDRAWN_ON)

    visits = open_visits(dosed)
    assert visits["C1D8"].not_applicable and visits["C1D15"].not_applicable
    assert not visits["C1D2"].not_applicable


def test_correcting_the_end_of_treatment_date_keeps_follow_up_on_the_last_dose(
    after_c2d1, coordinator_a
):
    last_dose = C2D1_TARGET + timedelta(days=1)
    eot = end_treatment(after_c2d1, coordinator_a, last_dose + timedelta(days=1))
    before = {c: (v.target_date, v.not_applicable) for c, v in open_visits(after_c2d1).items()}

    correct(eot, coordinator_a, event_date=last_dose + timedelta(days=20), today=date(2027, 6, 1))

    after = {c: (v.target_date, v.not_applicable) for c, v in open_visits(after_c2d1).items()}
    assert after == before
    assert after["FU1M"][0] == add_months(last_dose, 1)


def test_a_correction_breaking_the_date_rules_is_refused_naming_the_date(after_c2d1, coordinator_a):
    last_dose = C2D1_TARGET + timedelta(days=1)
    eot = end_treatment(after_c2d1, coordinator_a, last_dose + timedelta(days=5))
    withdrawal = withdraw(after_c2d1, coordinator_a, on=last_dose + timedelta(days=5))

    with pytest.raises(ValidationError) as before_eot:
        correct(withdrawal, coordinator_a, event_date=last_dose + timedelta(days=4))
    with pytest.raises(ValidationError) as before_dose:
        correct(eot, coordinator_a, event_date=last_dose - timedelta(days=1))

    assert "before the end of treatment" in before_eot.value.message_dict["event_date"][0]
    assert "before the last recorded dose" in before_dose.value.message_dict["event_date"][0]
    withdrawal.refresh_from_db()
    assert (withdrawal.event_date, withdrawal.version) == (last_dose + timedelta(days=5), 1)


def test_a_stale_correction_is_refused(dosed, coordinator_a):
    withdrawal = withdraw(dosed, coordinator_a)
    correct(withdrawal, coordinator_a, reason="Consent withdrawn by phone")

    with pytest.raises(ValidationError) as stale:
        correct(withdrawal, coordinator_a, version=1, event_date=WITHDRAWN_ON + timedelta(days=1))

    assert [error.code for error in stale.value.error_dict["__all__"]] == ["stale"]
    withdrawal.refresh_from_db()
    assert (withdrawal.event_date, withdrawal.version) == (WITHDRAWN_ON, 2)
    assert withdrawal.reason == "Consent withdrawn by phone"


def test_a_correction_needs_a_reason_for_change_and_a_text(dosed, coordinator_a):
    withdrawal = withdraw(dosed, coordinator_a)

    with pytest.raises(ValidationError) as no_reason:
        disposition_correct(
            disposition=withdrawal,
            by=coordinator_a,
            values={"event_date": WITHDRAWN_ON + timedelta(days=1)},
            expected_version=1,
            reason=" ",
            today=WITHDRAWN_ON + timedelta(days=5),
        )
    with pytest.raises(ValidationError) as no_text:
        disposition_correct(
            disposition=withdrawal,
            by=coordinator_a,
            values={"reason": " "},
            expected_version=1,
            reason=FIXED,
            today=WITHDRAWN_ON + timedelta(days=5),
        )

    assert no_reason.value.message_dict == {"reason": [REASON_FOR_CHANGE]}
    assert "reason" in no_text.value.message_dict
    withdrawal.refresh_from_db()
    assert withdrawal.version == 1


def test_a_locked_subject_refuses_correction_and_void(
    dosed, coordinator_a, investigator_a, data_manager
):
    withdrawal = withdraw(dosed, coordinator_a)
    sign(c1d1_dose(dosed), investigator_a)  # a subject is locked once all is signed
    subject_lock(subject=dosed, by=data_manager, now=timezone.now())

    with pytest.raises(ValidationError, match="locked"):
        correct(withdrawal, coordinator_a, event_date=WITHDRAWN_ON + timedelta(days=1))
    with pytest.raises(ValidationError, match="locked"):
        disposition_void(disposition=withdrawal, by=coordinator_a, reason="Entered in error")

    withdrawal.refresh_from_db()
    assert (withdrawal.version, withdrawal.voided_at) == (1, None)


def test_another_site_and_a_monitor_are_refused(dosed, coordinator_a, coordinator_b, monitor):
    withdrawal = withdraw(dosed, coordinator_a)

    for user in (coordinator_b, monitor):
        with pytest.raises(PermissionDenied):
            correct(withdrawal, user, event_date=WITHDRAWN_ON + timedelta(days=1))
        with pytest.raises(PermissionDenied):
            disposition_void(disposition=withdrawal, by=user, reason="Entered in error")

    withdrawal.refresh_from_db()
    assert (withdrawal.version, withdrawal.voided_at) == (1, None)


def test_voiding_a_withdrawal_puts_the_subject_back_on_treatment_with_its_visits(
    dosed, coordinator_a
):
    before = {c: (v.target_date, v.not_applicable) for c, v in open_visits(dosed).items()}
    withdrawal = withdraw(dosed, coordinator_a)

    disposition_void(disposition=withdrawal, by=coordinator_a, reason="Entered in error")

    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.ON_TREATMENT
    assert {c: (v.target_date, v.not_applicable) for c, v in open_visits(dosed).items()} == before
    withdrawal.refresh_from_db()
    assert withdrawal.voided_at is not None and withdrawal.void_reason == "Entered in error"
    event = DispositionEvent.objects.filter(pgh_obj=withdrawal).latest("pgh_id")
    assert event.pgh_context.metadata["reason"] == "Voided: Entered in error"


def test_voiding_a_withdrawal_before_any_dose_leaves_the_subject_enrolled(subject, coordinator_a):
    withdrawal = withdraw(subject, coordinator_a, on=CONSENTED + timedelta(days=1))

    disposition_void(disposition=withdrawal, by=coordinator_a, reason="Wrong subject")

    subject.refresh_from_db()
    assert subject.status == SubjectStatus.ENROLLED
    assert not subject.visits.filter(not_applicable=True).exists()


def test_voiding_the_end_of_treatment_restores_the_planned_schedule(after_c2d1, coordinator_a):
    before = {c: (v.target_date, v.not_applicable) for c, v in open_visits(after_c2d1).items()}
    eot = end_treatment(after_c2d1, coordinator_a, C2D1_TARGET + timedelta(days=2))
    assert open_visits(after_c2d1)["C3D1"].not_applicable

    disposition_void(disposition=eot, by=coordinator_a, reason="Treatment goes on")

    after_c2d1.refresh_from_db()
    assert after_c2d1.status == SubjectStatus.ON_TREATMENT
    after = {c: (v.target_date, v.not_applicable) for c, v in open_visits(after_c2d1).items()}
    assert after == before
    assert not after["C3D1"][1]


def test_voiding_a_death_after_a_withdrawal_keeps_the_withdrawal_and_its_closed_visits(
    dosed, coordinator_a
):
    withdrawal = withdraw(dosed, coordinator_a)
    closed = {c for c, v in open_visits(dosed).items() if v.not_applicable}
    died_on = WITHDRAWN_ON + timedelta(days=30)
    disposition_record(
        kind=DispositionKind.DEATH,
        subject=dosed,
        by=coordinator_a,
        on=died_on,
        reason="PD",
        today=died_on,
    )
    death = Disposition.objects.get(subject=dosed, kind=DispositionKind.DEATH)

    with pytest.raises(ValidationError, match="followed by the death .* void that first"):
        disposition_void(disposition=withdrawal, by=coordinator_a, reason="Error")
    disposition_void(disposition=death, by=coordinator_a, reason="Another patient's death")

    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.WITHDRAWN
    assert {c for c, v in open_visits(dosed).items() if v.not_applicable} == closed
    withdrawal.refresh_from_db()
    assert withdrawal.voided_at is None


def test_a_voided_disposition_is_recorded_again_and_readers_skip_it(dosed, coordinator_a):
    withdrawal = withdraw(dosed, coordinator_a)
    disposition_void(disposition=withdrawal, by=coordinator_a, reason="Wrong date")
    with pytest.raises(ValidationError, match="already voided"):
        disposition_void(disposition=withdrawal, by=coordinator_a, reason="Again")
    with pytest.raises(ValidationError, match="voided"):
        correct(withdrawal, coordinator_a, event_date=WITHDRAWN_ON)

    again = withdraw(dosed, coordinator_a, on=WITHDRAWN_ON + timedelta(days=1))

    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.WITHDRAWN
    assert Disposition.objects.filter(subject=dosed).count() == 2
    section = disposition_subject_section(dosed, coordinator_a)
    assert list(section["dispositions"]) == [again]
    ds = list(read_ds(dosed.study, Subject.objects.filter(pk=dosed.pk)))
    withdrawals = [r for r in ds if r["DSDECOD"] == "WITHDRAWAL BY SUBJECT"]
    assert [r["DSSTDTC"] for r in withdrawals] == [again.event_date.isoformat()]
    (dm,) = read_dm(dosed.study, Subject.objects.filter(pk=dosed.pk))
    assert dm["RFPENDTC"] == again.event_date.isoformat()


def test_a_voided_exit_ends_no_participation_in_sdtm(dosed, coordinator_a):
    disposition_record(
        subject=dosed,
        by=coordinator_a,
        kind=DispositionKind.DEATH,
        on=WITHDRAWN_ON,
        reason="Entered for the wrong subject",
        today=WITHDRAWN_ON,
    )
    death = Disposition.objects.get(subject=dosed, kind=DispositionKind.DEATH)
    disposition_void(disposition=death, by=coordinator_a, reason="Wrong subject")

    subjects = Subject.objects.filter(pk=dosed.pk)
    (dm,) = read_dm(dosed.study, subjects)
    assert (dm["RFPENDTC"], dm["DTHDTC"], dm["DTHFL"]) == ("", "", "")
    assert "DEATH" not in {r["DSDECOD"] for r in read_ds(dosed.study, subjects)}


def test_a_void_from_a_stale_page_is_refused(dosed, coordinator_a):
    withdrawal = withdraw(dosed, coordinator_a)
    correct(withdrawal, coordinator_a, reason="Consent withdrawn by phone")

    with pytest.raises(ValidationError) as stale:
        disposition_void(
            disposition=withdrawal, by=coordinator_a, reason="Error", expected_version=1
        )

    assert [error.code for error in stale.value.error_dict["__all__"]] == ["stale"]
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.WITHDRAWN
