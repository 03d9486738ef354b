"""Screening writes: consent, the eligibility CRF, confirmation, screen failure, enrollment.

Each service writes through the CRF write contract (review.contract.crf_write: the
capability at the subject's site, the row lock, the record lock, the version, the reason,
the audit context, the edit checks) and runs the pure rules (screening.eligibility,
screening.enrollment, trial.escalation or trial.boin, trial.schedule). The screen failure
and the enrollment are transitions of the subject: its row is the record they lock.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from review.contract import crf_write
from review.models import SignatureMeaning
from review.records import all_kinds
from review.services import assert_editable, password_verify, signature_add
from screening import eligibility, lab_panel, prior_therapy
from screening.enrollment import EnrollmentFacts, enrollment_blockers
from screening.models import Consent, EligibilityAssessment
from trial import boin, escalation, hooks, schedule
from trial.access import require
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.models import (
    EscalationDesign,
    EscalationDesignKind,
    Site,
    Study,
    Subject,
    SubjectStatus,
    User,
    Visit,
)
from trial.selectors import consent_date
from trial.study_config import definitions_of


def _require_screening(subject: Subject) -> None:
    if subject.voided_at:
        raise ValidationError("This subject was voided; its data cannot change.")
    if subject.status != SubjectStatus.SCREENING:
        raise ValidationError(
            f"Subject {subject} is {subject.get_status_display().lower()}: screening data "
            "can no longer change."
        )


# --- reading the configuration for the rules -------------------------------------------------


def thresholds_for(study: Study) -> eligibility.EligibilityThresholds:
    values = {t.key: t.value for t in study.thresholds.all()}

    def number(key):
        return int(values[key])

    return eligibility.EligibilityThresholds(
        age_min_years=number("age_min_years"),
        age_max_years=number("age_max_years"),
        ecog_max=number("ecog_max"),
        expected_survival_min_months=number("expected_survival_min_months"),
        anticancer_washout_days=number("anticancer_washout_days"),
        nitrosourea_washout_days=number("nitrosourea_washout_days"),
        other_trial_exclusion_days=number("other_trial_exclusion_days"),
        mi_exclusion_years=number("mi_exclusion_years"),
        nyha_exclusion_class=number("nyha_exclusion_class"),
        infection_exclusion_grade=number("infection_exclusion_grade"),
        lab_limits=tuple(
            eligibility.LabLimit(
                code=lab.code,
                label=lab.label,
                unit=lab.unit,
                minimum=lab.minimum,
                maximum=lab.maximum,
                relative_to_uln=lab.relative_to_uln,
                test=lab.test,
            )
            for lab in study.lab_limits.all()
        ),
    )


FACT_FIELDS = tuple(
    name
    for name in eligibility.EligibilityFacts.__dataclass_fields__
    if name not in ("date_of_birth", "sex", "consent_signed_on", "labs")
)
SET_FIELDS = ("autoimmune_conditions", "severe_allergy_history")


def _decimal(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def facts_from(subject: Subject, values: dict) -> eligibility.EligibilityFacts:
    """The rules' view of a subject and the eligibility values (a form's or a saved row's)."""
    facts = {}
    for name in FACT_FIELDS:
        value = values.get(name)
        if name in SET_FIELDS and value is not None:
            value = frozenset(value)
        if name == "pregnancy_test_result" and value == "":
            value = None
        facts[name] = value
    labs = {
        code: eligibility.LabResult(_decimal(v.get("value")), _decimal(v.get("uln")))
        for code, v in (values.get("labs") or {}).items()
    }
    return eligibility.EligibilityFacts(
        date_of_birth=subject.date_of_birth,
        sex=subject.sex,
        consent_signed_on=consent_date(subject),
        labs=labs,
        **facts,
    )


def assessment_values(assessment: EligibilityAssessment) -> dict:
    return {name: getattr(assessment, name) for name in (*FACT_FIELDS, "labs")}


def _findings_json(result: eligibility.EligibilityResult) -> list[dict]:
    return [
        {"code": f.code, "criterion": f.criterion, "outcome": str(f.outcome), "reason": f.reason}
        for f in result.findings
    ]


# --- consent -------------------------------------------------------------------------------


def _may_record_screening(by: User, subject: Subject, action: str) -> None:
    require(by, Capability.ENTER_DATA, subject, action=action)
    _require_screening(subject)


# What is left of a subject whose consent was voided (docs/screening.md, "Voids").
CONSENT_VOIDED = (
    "This subject's consent was voided and is not recorded again (one per subject): record "
    "a screen failure, or void the subject if it was registered in error. A patient who "
    "signs later is registered again."
)

ELIGIBILITY_VOIDED = (
    "The eligibility assessment was voided and is not recorded again (one per subject): this "
    "subject cannot be enrolled. Record a screen failure, or void the subject if it was "
    "registered in error."
)


def _consent_problems(subject: Subject, icf_version: str, signed_at: datetime, now: datetime):
    errors = {}
    if not icf_version.strip():
        errors["icf_version"] = "ICF version is required."
    if signed_at > now:
        errors["signed_at"] = (
            f"Date and time signed ({timezone.localtime(signed_at):%Y-%m-%d %H:%M}) is in "
            "the future."
        )
    elif timezone.localtime(signed_at).date() < subject.date_of_birth:
        errors["signed_at"] = "Consent cannot be signed before the date of birth."
    return errors


def consent_record(
    *, subject: Subject, by: User, icf_version: str, signed_at: datetime, now: datetime
) -> Consent:
    with crf_write(
        require=lambda: _may_record_screening(by, subject, "record consent"),
        subject=subject,
        by=by,
        now=now,
        audit_reason="Informed consent recorded",
    ) as write:
        errors = _consent_problems(subject, icf_version, signed_at, now)
        stored = Consent.objects.filter(subject=subject).first()
        if stored is not None and stored.voided_at is not None:
            errors["icf_version"] = CONSENT_VOIDED
        elif stored is not None:
            errors["icf_version"] = (
                "Consent is already recorded for this subject: correct it with a reason."
            )
        if errors:
            raise ValidationError(errors)
        consent = Consent(
            subject=subject, icf_version=icf_version.strip(), signed_at=signed_at, recorded_by=by
        )
        return write.save(consent)


def consent_update(
    *,
    consent: Consent,
    by: User,
    icf_version: str,
    signed_at: datetime,
    reason: str,
    expected_version: int,
    now: datetime,
) -> Consent:
    """Correct the ICF version or the date signed, from the version the user opened.

    Screening data is recorded only after consent: the date signed cannot move after the
    eligibility assessment already recorded.
    """
    subject = consent.subject
    with crf_write(
        require=lambda: _may_record_screening(by, subject, "correct consent"),
        record=consent,
        by=by,
        now=now,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        errors = _consent_problems(subject, icf_version, signed_at, now)
        assessment = EligibilityAssessment.objects.filter(
            subject=subject, voided_at__isnull=True
        ).first()
        signed_on = timezone.localtime(signed_at).date()
        if "signed_at" not in errors and assessment and signed_on > assessment.assessment_date:
            errors["signed_at"] = (
                f"Consent cannot be signed after the eligibility assessment of "
                f"{assessment.assessment_date}: no screening data before consent."
            )
        if errors:
            raise ValidationError(errors)
        current.icf_version = icf_version.strip()
        current.signed_at = signed_at
        return write.save(current, update_fields=["icf_version", "signed_at"])


# --- eligibility ---------------------------------------------------------------------------


def eligibility_evaluate(*, subject: Subject, values: dict, today: date):
    """(result, errors) for values not yet saved: the live preview and the save share it."""
    facts = facts_from(subject, values)
    errors = eligibility.validate_facts(facts, today) if facts.assessment_date else []
    if facts.assessment_date is None:
        errors = [("assessment_date", "Assessment date is required.")]
    return eligibility.assess_eligibility(facts, thresholds_for(subject.study)), errors


def prior_therapy_cross_check(
    *, subject: Subject, values: dict
) -> tuple[prior_therapy.CrossCheck, ...]:
    """The answers of inclusions 2, 5 and 6 in `values` beside what the subject's prior cancer
    therapy records give (the history app's, through the event `prior_therapy_of`)."""
    thresholds = thresholds_for(subject.study)
    return prior_therapy.cross_check(
        hooks.call("prior_therapy_of", subject=subject),
        facts_from(subject, values),
        anticancer_washout_days=thresholds.anticancer_washout_days,
        nitrosourea_washout_days=thresholds.nitrosourea_washout_days,
    )


def screening_panel(subject: Subject) -> dict[str, lab_panel.PanelResult]:
    """The subject's screening-visit lab results by test code (the labs app's, through the
    event `screening_labs_of`)."""
    return {
        test: lab_panel.PanelResult(**result)
        for test, result in hooks.call("screening_labs_of", subject=subject).items()
    }


def lab_panel_cross_check(*, subject: Subject, values: dict) -> tuple[lab_panel.LabCrossCheck, ...]:
    """The inclusion 7 answers in `values` beside what the screening lab panel gives."""
    return lab_panel.cross_check(
        thresholds_for(subject.study).lab_limits,
        facts_from(subject, values).labs,
        screening_panel(subject),
    )


def _may_record_eligibility(by: User, subject: Subject) -> None:
    _may_record_screening(by, subject, "record eligibility")
    if consent_date(subject) is None:
        raise ValidationError("Record informed consent before any other screening data.")


def eligibility_save(
    *,
    subject: Subject,
    by: User,
    values: dict,
    today: date,
    reason: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> EligibilityAssessment:
    """Record or correct the eligibility CRF; the verdict is computed, never typed.

    A correction names the version it was edited from (`expected_version`): if someone
    saved in between, it is refused instead of overwriting their save; a new assessment
    (no version) is refused once one is recorded.
    """
    with crf_write(
        require=lambda: _may_record_eligibility(by, subject),
        parent=subject,
        find=lambda: EligibilityAssessment.objects.filter(subject=subject).first(),
        by=by,
        now=now or timezone.now(),
        expected_version=expected_version,
        already_recorded=(
            "An eligibility assessment is already recorded for this subject (saved since "
            "you opened the form): open it again to correct it with a reason."
        ),
        reason=reason,
        audit_reason="Eligibility assessment recorded",
    ) as write:
        result, errors = eligibility_evaluate(subject=subject, values=values, today=today)
        if errors:
            collected: dict[str, list[str]] = {}
            for field, message in errors:
                sentence = message[0].upper() + message[1:]
                collected.setdefault(field, []).append(sentence.rstrip(".") + ".")
            raise ValidationError(collected)
        assessment = write.record or EligibilityAssessment(subject=subject, recorded_by=by)
        for name in (*FACT_FIELDS, "labs"):
            value = values.get(name)
            if name == "pregnancy_test_result" and value is None:
                value = ""
            if name in SET_FIELDS and value is not None:
                value = sorted(value)
            setattr(assessment, name, value)
        assessment.status = str(result.status)
        assessment.findings = _findings_json(result)
        assessment.saved_by = by
        # A changed CRF needs the investigator to confirm again.
        assessment.confirmed_by = None
        assessment.confirmed_at = None
        write.save(assessment)
        # The medical history's queries compare its conditions with these answers.
        write.recheck(*hooks.call("eligibility_cross_checked", subject=subject))
    return assessment


def eligibility_confirm(
    *,
    subject: Subject,
    by: User,
    today: date,
    password: str,
    request=None,
    now: datetime | None = None,
) -> EligibilityAssessment:
    """The investigator's own confirmation that the subject is eligible: an e-signature.

    The password is re-entered (a wrong one counts as a failed login); the confirmation is
    stored with a signature bound to the assessment's content (review.signing), dated
    `now` (the clock by default).
    """
    require(by, Capability.CONFIRM_ELIGIBILITY, subject, action="confirm eligibility")
    _require_screening(subject)
    assessment = EligibilityAssessment.objects.filter(subject=subject).first()
    if assessment is None:
        raise ValidationError("No eligibility assessment to confirm.")
    if assessment.voided_at is not None:
        raise ValidationError("The eligibility assessment was voided: there is none to confirm.")
    result = None

    def may_confirm() -> None:
        nonlocal result
        assert_editable(assessment)
        result, _errors = eligibility_evaluate(
            subject=subject, values=assessment_values(assessment), today=today
        )
        if result.status != eligibility.Status.ELIGIBLE:
            failed = (*result.failed, *result.missing)
            reasons = "; ".join(f"{f.code}: {f.reason}" for f in failed)
            raise ValidationError(f"Eligibility cannot be confirmed: {reasons}")
        # Outside the write's transaction: a wrong password's failed-login count must stand.
        password_verify(user=by, password=password, request=request)

    now = now or timezone.now()
    with crf_write(
        require=may_confirm,
        record=assessment,
        by=by,
        now=now,
        reason_required=False,
        audit_reason="Eligibility confirmed",
    ) as write:
        assessment = write.record
        # The verdict is re-computed from today's facts (the date of birth may have been
        # corrected since the CRF was saved): what is confirmed is what is stored.
        assessment.status = str(result.status)
        assessment.findings = _findings_json(result)
        assessment.confirmed_by = by
        assessment.confirmed_at = now
        write.save(assessment, update_fields=["status", "findings", "confirmed_by", "confirmed_at"])
        signature_add(
            record=assessment,
            signer=by,
            meaning=SignatureMeaning.ELIGIBILITY,
            now=assessment.confirmed_at,
        )
    return assessment


# --- voids: a screening CRF recorded in error (docs/screening.md, "Voids") ------------------


def _may_void_screening(by: User, subject: Subject, what: str) -> None:
    require(by, Capability.ENTER_DATA, subject, action=f"void {what}")
    _require_screening_to_void(subject, what)


def _require_screening_to_void(subject: Subject, what: str) -> None:
    """Only while in screening: once enrolled (or a screen failure) the subject's consent
    and eligibility are what that step rests on, and stay."""
    if subject.voided_at:
        raise ValidationError("This subject was voided; its data cannot change.")
    if subject.status != SubjectStatus.SCREENING:
        raise ValidationError(
            f"Subject {subject} is {subject.get_status_display().lower()}: its {what} is "
            "the record that rests on and cannot be voided."
        )


def _locked_subject(subject_id: int, what: str) -> Subject:
    """The subject's row, locked: enrollment and every new record of the subject take the
    same lock, so the state a void is checked against cannot change under it."""
    subject = Subject.objects.select_for_update(of=("self",)).get(pk=subject_id)
    _require_screening_to_void(subject, what)
    return subject


def eligibility_void(
    *, record: EligibilityAssessment, by: User, reason: str, expected_version: int, now: datetime
) -> EligibilityAssessment:
    """Void an eligibility assessment recorded in error, while the subject is in screening.

    The row stays, with the reason; an investigator's confirmation goes with it. One
    assessment per subject: none is recorded again, so the subject cannot be enrolled.
    """
    with crf_write(
        require=lambda: _may_void_screening(by, record.subject, "eligibility assessment"),
        record=record,
        by=by,
        now=now,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        _locked_subject(write.record.subject_id, "eligibility assessment")
        return write.void()


def _standing_records(subject: Subject, *, besides: Model) -> list[str]:
    """'3 Medical history' for each CRF kind with records of `subject` not voided, other
    than `besides` (read through the registry: no CRF is named here)."""
    standing = []
    for kind in all_kinds():
        model = apps.get_model(kind.label)
        names = {f.name for f in model._meta.get_fields()}
        if "subject" not in names or "voided_at" not in names:
            continue
        rows = model._base_manager.filter(subject=subject, voided_at__isnull=True)
        if model is type(besides):
            rows = rows.exclude(pk=besides.pk)
        count = rows.count()
        if count:
            standing.append(f"{kind.name}: {count}")
    return standing


def consent_void(
    *, record: Consent, by: User, reason: str, expected_version: int, now: datetime
) -> Consent:
    """Void a consent recorded in error, while the subject is in screening and no other of
    its records stands (they were recorded under this consent: void them first).

    The row stays, with the reason. One consent per subject: none is recorded again, and
    nothing more is recorded for the subject (every "consent first" rule reads a standing
    consent, trial.selectors.consent_date).
    """
    with crf_write(
        require=lambda: _may_void_screening(by, record.subject, "informed consent"),
        record=record,
        by=by,
        now=now,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        subject = _locked_subject(write.record.subject_id, "informed consent")
        standing = _standing_records(subject, besides=write.record)
        if standing:
            raise ValidationError(
                f"Consent cannot be voided while records made under it stand "
                f"({', '.join(standing)}): void them first."
            )
        return write.void()


def subject_screen_fail(
    *, subject: Subject, by: User, reason: str, now: datetime | None = None
) -> Subject:
    """Record the subject as a screen failure, with the failed criteria and a reason.

    `now` is the moment recorded (the clock by default; the demo seed dates its history).
    """
    reason = reason.strip()

    def may_screen_fail() -> None:
        require(by, Capability.ENTER_DATA, subject, action="record a screen failure")
        _require_screening(subject)

    # The subject's row is the record of this transition (locked, its lock checked); the
    # reason is the screen failure's own, not a reason for change.
    with crf_write(
        require=may_screen_fail,
        record=subject,
        by=by,
        now=now or timezone.now(),
        reason_required=False,
        audit_reason=f"Screen failure: {reason}",
    ) as write:
        stored = write.record
        _require_screening(stored)  # as stored now, under its row lock
        if not reason:
            raise ValidationError({"reason": "Give the reason for the screen failure."})
        assessment = (
            EligibilityAssessment.objects.select_for_update().filter(subject=stored).first()
        )
        if assessment:
            # Stamps of the screening step, not the assessment's content (its kind's
            # `stamps`): no new version of it.
            assessment.screen_failed_by = by
            assessment.screen_failed_at = write.now
            assessment.screen_failure_reason = reason
            assessment.save(
                update_fields=["screen_failed_by", "screen_failed_at", "screen_failure_reason"]
            )
        stored.status = SubjectStatus.SCREEN_FAILED
        write.save(stored, update_fields=["status"])
    subject.status = stored.status
    return subject


# --- dose escalation and enrollment ------------------------------------------------------


def dlt_window_end(study: Study, c1d1: date) -> date:
    # Cycle 1 is days 1..21; its last day is C1D1 + 20.
    return c1d1 + timedelta(days=study.dlt_window_days - 1)


def boin_design_of(study: Study) -> boin.BoinDesign | None:
    """The study's BOIN parameters, None when its design is the 3+3 (or none was loaded)."""
    design = EscalationDesign.objects.filter(study=study).select_related("start_dose_level").first()
    if design is None or design.design != EscalationDesignKind.BOIN:
        return None
    return boin.BoinDesign(
        target=design.target_dlt_rate,
        phi1=design.phi1,
        phi2=design.phi2,
        cohort_size=design.cohort_size,
        max_sample_size=design.max_sample_size,
        stop_at_n=design.stop_at_n,
        elimination_cutoff=design.elimination_cutoff,
        start_level=design.start_dose_level.code if design.start_dose_level else None,
    )


def escalation_for(study: Study, *, today: date) -> escalation.EscalationState | boin.BoinState:
    """The dose-escalation state of the whole study (all sites: escalation is study-wide),
    under the design its study file chose: 3+3 or BOIN."""
    levels = [
        escalation.DoseLevelSpec(code=dl.code, order=dl.order) for dl in study.dose_levels.all()
    ]
    # In enrollment order: BOIN's current dose is the dose of the last subject enrolled.
    # The DLT window is cycle 1 from the actual first dose (the product brief: "DLT
    # observation window (cycle 1, 21 days)", the schedule "relative to C1D1, the first
    # dose"), as DLT candidacy reads it (adverse_events.rules.dlt_candidate): a subject not
    # yet dosed has not started it, whatever the planned C1D1 said.
    subjects = [
        escalation.CohortSubject(
            subject_id=s.pk,
            dose_level=s.dose_level.code,
            dlt_window_end=dlt_window_end(study, s.first_dose_on) if s.first_dose_on else None,
            dlt=s.dlt,
            evaluable=_dlt_evaluable(s),
        )
        for s in Subject.objects.active()
        .filter(study=study, dose_level__isnull=False)
        .select_related("dose_level")
        .order_by("enrolled_at", "pk")
    ]
    design = boin_design_of(study)
    if design is not None:
        return boin.boin_state(levels, subjects, today=today, design=design)
    return escalation.escalation_state(levels, subjects, today=today)


NEVER_DOSED_EXITS = (SubjectStatus.WITHDRAWN, SubjectStatus.LOST_TO_FOLLOW_UP, SubjectStatus.DIED)


def _dlt_evaluable(subject: Subject) -> bool | None:
    """The investigator's word (Subject.dlt_evaluable) when given; otherwise a subject who
    left the study without any dose is not evaluable (replaced): no window will ever end."""
    if subject.dlt_evaluable is not None:
        return subject.dlt_evaluable
    if subject.first_dose_on is None and subject.status in NEVER_DOSED_EXITS:
        return False
    return None


def _next_subject_number(site: Site) -> str:
    locked = Site.objects.select_for_update().get(pk=site.pk)
    seq = locked.next_subject_seq
    Site.objects.filter(pk=site.pk).update(next_subject_seq=seq + 1)
    return f"{locked.code}-{seq:03d}"


def enrollment_check(*, subject: Subject, planned_c1d1: date | None, today: date):
    """(blocking reasons, the escalation state) for enrolling `subject` now (a voided
    assessment is no assessment)."""
    assessment = EligibilityAssessment.objects.filter(
        subject=subject, voided_at__isnull=True
    ).first()
    state = escalation_for(subject.study, today=today)
    status = None
    if assessment is not None:
        result, _ = eligibility_evaluate(
            subject=subject, values=assessment_values(assessment), today=today
        )
        status = str(result.status)
    facts = EnrollmentFacts(
        subject_status=subject.status,
        eligibility_status=status,
        confirmed_by_investigator=bool(assessment and assessment.confirmed_at),
        assessment_date=assessment.assessment_date if assessment else None,
        planned_c1d1=planned_c1d1,
        open_dose_level=state.open_level,
        dose_level_reason=state.open_reason,
    )
    blockers = enrollment_blockers(
        facts, today=today, screening_window_days=subject.study.screening_window_days
    )
    return blockers, state


def subject_enroll(
    *, subject: Subject, by: User, planned_c1d1: date, today: date, now: datetime | None = None
) -> Subject:
    """Enroll a confirmed-eligible subject at the open dose level and plan the visits.

    `now` stamps `enrolled_at` (the clock by default); the rules run as of `today`.
    """

    # The subject's row is the record of this transition (locked, its lock and void checked).
    with crf_write(
        require=lambda: require(by, Capability.ENTER_DATA, subject, action="enroll subjects"),
        record=subject,
        by=by,
        now=now or timezone.now(),
        reason_required=False,
        audit_reason="Enrollment",
    ) as write:
        # Lock the study's row too, so two enrollments cannot both take the last place of a
        # cohort.
        Study.objects.select_for_update().get(pk=subject.study_id)
        subject = write.record
        blockers, state = enrollment_check(subject=subject, planned_c1d1=planned_c1d1, today=today)
        if blockers:
            raise ValidationError(
                "Enrollment refused: " + "; ".join(blockers) + ".", code="enrollment_refused"
            )
        dose_level = subject.study.dose_levels.get(code=state.open_level)
        with audit_context(by=by, reason=f"Enrolled at {dose_level.code}"):
            subject.subject_number = _next_subject_number(subject.site)
            subject.dose_level = dose_level
            subject.planned_c1d1 = planned_c1d1
            subject.enrolled_at = write.now
            subject.enrolled_by = by
            subject.status = SubjectStatus.ENROLLED
            write.save(
                subject,
                update_fields=[
                    "subject_number",
                    "dose_level",
                    "planned_c1d1",
                    "enrolled_at",
                    "enrolled_by",
                    "status",
                ],
            )
            planned = schedule.plan_visits(definitions_of(subject.study), first_dose=planned_c1d1)
            Visit.objects.bulk_create(
                Visit(
                    subject=subject,
                    code=v.code,
                    name=v.name,
                    kind=v.kind.value,
                    anchor=v.anchor.value,
                    cycle=v.cycle,
                    order=v.order,
                    target_date=v.target_date,
                    window_opens_on=v.window_opens,
                    window_closes_on=v.window_closes,
                )
                for v in planned
            )
            # Screening is done: the eligibility assessment is its visit.
            assessment = EligibilityAssessment.objects.get(subject=subject)
            Visit.objects.filter(subject=subject, kind="screening").update(
                completed_on=assessment.assessment_date
            )
    return subject
