"""Tumour assessment services: record, correct and void a RECIST time point; derive responses.

Every write goes through the CRF write contract (review.contract.crf_write): the site's
coordinators and investigators only, not on a locked record or subject, under the row lock,
from the version the user opened, with a reason for change on a correction or a void. The
responses are derived (tumours.recist), never typed: a correction or a void re-derives every
later time point of the subject, since each reads the nadir of those before it.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from review.contract import CrfWrite, crf_write
from trial.access import require
from trial.capabilities import Capability
from trial.models import Subject, SubjectStatus, User
from trial.selectors import consent_date, first_dose_date
from tumours import recist
from tumours.models import (
    LesionMeasurement,
    NewLesion,
    NonTarget,
    NonTargetLesionDefinition,
    NonTargetLesionState,
    NonTargetObservation,
    TargetLesionDefinition,
    TumourAssessment,
)

DERIVED = (
    # From the lesions when they are recorded one by one (else as typed).
    "non_target",
    "new_lesions",
    "sum_mm",
    "change_from_baseline_pct",
    "change_from_nadir_pct",
    "nadir_mm",
    "response",
    "reasons",
)


def live_assessments(subject: Subject):
    """The subject's time points, voided ones left out."""
    return subject.tumour_assessments.filter(voided_at__isnull=True)


def live_lesions(subject: Subject):
    """The target lesions of the live baseline."""
    return subject.target_lesions.filter(voided_at__isnull=True)


def live_non_target_lesions(subject: Subject):
    """The non-target lesions of the live baseline."""
    return subject.non_target_lesions.filter(voided_at__isnull=True)


def new_lesion_ids(subject: Subject) -> list[str]:
    """The ids of the new lesions of the subject's live scans, in order."""
    ids = NewLesion.objects.filter(
        assessment__subject=subject, assessment__voided_at__isnull=True
    ).values_list("lesion_id", flat=True)
    return sorted(set(ids), key=lambda i: (len(i), i))


def _new_lesion_findings(rows) -> dict[date, tuple[bool | None, str]]:
    """The new-lesion finding of each live follow-up recorded lesion by lesion (those
    answered with the summary alone keep it), confirmations across scans included."""
    return recist.new_lesion_findings(
        [
            (
                row.assessment_date,
                tuple(recist.NewLesion(n.lesion_id, n.equivocal) for n in new_lesions),
            )
            for row in rows
            if (new_lesions := list(row.new_lesion_entries.all()))
        ]
    )


def _findings_of(row: TumourAssessment, new_findings) -> dict:
    """The non-target and new-lesion answers of a time point: from its lesions where they
    were recorded one by one, else the summary as typed."""
    findings = {"non_target": row.non_target, "new_lesions": row.new_lesions}
    observations = list(row.non_target_observations.all())
    if observations and not row.is_baseline:
        status, why = recist.non_target_response([o.state for o in observations])
        findings |= {"non_target": status.value, "non_target_finding": why}
    if row.assessment_date in new_findings:
        new, why = new_findings[row.assessment_date]
        findings |= {"new_lesions": new, "new_lesion_finding": why}
    return findings


def _assessment_of(row: TumourAssessment, lesions, findings=None) -> recist.Assessment:
    measured = {m.lesion_id: m.diameter_mm for m in row.measurements.all()}
    findings = findings or {"non_target": row.non_target, "new_lesions": row.new_lesions}
    return recist.Assessment(
        assessment_date=row.assessment_date,
        targets=tuple(
            recist.TargetLesion(
                lesion_id=lesion.lesion_id,
                organ=lesion.organ,
                is_lymph_node=lesion.is_lymph_node,
                diameter_mm=measured.get(lesion.pk),
            )
            for lesion in lesions
            if lesion.pk in measured
        ),
        non_target=recist.NonTargetStatus(findings["non_target"]),
        new_lesions=findings["new_lesions"],
        non_target_finding=findings.get("non_target_finding", ""),
        new_lesion_finding=findings.get("new_lesion_finding", ""),
    )


def _may_record(by: User, subject: Subject) -> None:
    require(by, Capability.ENTER_DATA, subject, action="record tumour assessments")
    if subject.status in (SubjectStatus.SCREENING, SubjectStatus.SCREEN_FAILED):
        raise ValidationError("Tumour assessments are recorded for enrolled subjects.")


def _check_date(subject: Subject, assessment_date: date, today: date) -> None:
    errors = {}
    if assessment_date > today:
        errors["assessment_date"] = [f"Assessment date {assessment_date} is in the future."]
    consented = consent_date(subject)
    if consented and assessment_date < consented:
        errors["assessment_date"] = [
            f"Assessment date {assessment_date} is before consent ({consented})."
        ]
    if live_assessments(subject).filter(assessment_date=assessment_date).exists():
        errors["assessment_date"] = [f"An assessment on {assessment_date} is already recorded."]
    if errors:
        raise ValidationError(errors)


def _set_derived(row: TumourAssessment, result: recist.ResponseResult, findings: dict) -> list[str]:
    """Store a time point's derived columns; the names of those that changed."""
    values = {
        "non_target": findings["non_target"],
        "new_lesions": findings["new_lesions"],
        "sum_mm": result.sum_mm,
        "change_from_baseline_pct": result.change_from_baseline_pct,
        "change_from_nadir_pct": result.change_from_nadir_pct,
        "nadir_mm": result.nadir_mm,
        "response": result.response.value,
        "reasons": list(result.reasons),
    }
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


def _rederive(write: CrfWrite, subject: Subject) -> None:
    """Re-derive the responses of the live follow-ups, in date order: each reads the nadir
    of those before it, and a new lesion confirmed later makes an earlier scan PD."""
    baseline_row = live_assessments(subject).filter(is_baseline=True).first()
    if baseline_row is None:
        return
    lesions = list(live_lesions(subject))
    baseline = _assessment_of(baseline_row, lesions)
    prior = []
    rows = list(
        live_assessments(subject)
        .filter(is_baseline=False)
        .order_by("assessment_date")
        .prefetch_related("measurements", "non_target_observations", "new_lesion_entries")
    )
    new_findings = _new_lesion_findings(rows)
    for row in rows:
        findings = _findings_of(row, new_findings)
        current = _assessment_of(row, lesions, findings)
        try:
            result = recist.overall_response(baseline, prior, current)
        except ValueError as exc:
            raise ValidationError(f"{row.assessment_date}: {exc}") from None
        changed = _set_derived(row, result, findings)
        if changed:
            write.save(row, update_fields=changed)
        prior.append(current)


def baseline_record(
    *,
    subject: Subject,
    by: User,
    assessment_date: date,
    lesions: list[dict],
    today: date,
    non_target_lesions: list[dict] = (),
    non_target: str | None = None,
    method: str = "CT",
    now: datetime | None = None,
) -> TumourAssessment:
    """Baseline: choose the target lesions (id, organ, node?, diameter) and record the
    non-target lesions (organ, node?, location; numbered NT1, NT2...). `non_target` is the
    summary answer of a baseline that lists no non-target lesion one by one (present or
    not present); with non-target lesions it is derived (present)."""
    with crf_write(
        require=lambda: _may_record(by, subject),
        subject=subject,
        by=by,
        now=now or timezone.now(),
        audit_reason="Baseline tumour assessment",
    ) as write:
        _check_date(subject, assessment_date, today)
        if live_assessments(subject).filter(is_baseline=True).exists():
            raise ValidationError("The baseline assessment is already recorded.")
        targets = tuple(
            recist.TargetLesion(
                lesion_id=lesion["lesion_id"],
                organ=lesion["organ"],
                is_lymph_node=lesion["is_lymph_node"],
                diameter_mm=lesion["diameter_mm"],
            )
            for lesion in lesions
        )
        problems = recist.validate_baseline(targets)
        if problems:
            raise ValidationError({"__all__": problems})
        non_target = _baseline_non_target(non_target, non_target_lesions)
        row = write.save(
            TumourAssessment(
                subject=subject,
                assessment_date=assessment_date,
                is_baseline=True,
                method=method,
                non_target=non_target,
                new_lesions=False,
                sum_mm=recist.sum_of_diameters(targets),
                recorded_by=by,
            )
        )
        for lesion in lesions:
            definition = TargetLesionDefinition.objects.create(
                subject=subject,
                lesion_id=lesion["lesion_id"],
                organ=lesion["organ"],
                is_lymph_node=lesion["is_lymph_node"],
                location=lesion.get("location", ""),
            )
            LesionMeasurement.objects.create(
                assessment=row, lesion=definition, diameter_mm=lesion["diameter_mm"]
            )
        for number, lesion in enumerate(non_target_lesions, start=1):
            definition = NonTargetLesionDefinition.objects.create(
                subject=subject,
                lesion_id=f"NT{number}",
                organ=lesion["organ"],
                is_lymph_node=lesion.get("is_lymph_node", False),
                location=lesion.get("location", ""),
            )
            NonTargetObservation.objects.create(
                assessment=row, lesion=definition, state=NonTargetLesionState.PRESENT
            )
    return row


def _baseline_non_target(non_target: str | None, lesions) -> str:
    if not lesions:
        return non_target or NonTarget.NOT_PRESENT
    if non_target not in (None, NonTarget.NON_CR_NON_PD):
        raise ValidationError(
            {
                "non_target": [
                    f"Non-target lesions are listed, so they are present, not {non_target!r}."
                ]
            }
        )
    for number, lesion in enumerate(lesions, start=1):
        if not (lesion.get("organ") or "").strip():
            raise ValidationError({f"non_target_{number}_organ": [f"NT{number}: give the organ."]})
    return NonTarget.NON_CR_NON_PD


def follow_up_record(
    *,
    subject: Subject,
    by: User,
    assessment_date: date,
    diameters: dict[str, Decimal | None],
    new_lesions: bool | None,
    today: date,
    non_target: str | None = None,
    non_target_states: dict[str, str] | None = None,
    new_lesion_rows: list[dict] = (),
    method: str = "CT",
    now: datetime | None = None,
) -> TumourAssessment:
    """A follow-up time point: one diameter per target lesion, one state per non-target
    lesion (`non_target_states`, by lesion id; the summary `non_target` only when the
    baseline listed none one by one), and whether new lesions were seen (`new_lesions`:
    yes, no, None not assessed) with each one (`new_lesion_rows`: organ, location,
    equivocal, and `same_as` the id of a new lesion of an earlier scan it is). The
    non-target response, the new-lesion finding and the overall response are computed."""
    with crf_write(
        require=lambda: _may_record(by, subject),
        subject=subject,
        by=by,
        now=now or timezone.now(),
        audit_reason="Tumour assessment recorded",
    ) as write:
        _check_date(subject, assessment_date, today)
        baseline_row = live_assessments(subject).filter(is_baseline=True).first()
        if baseline_row is None:
            raise ValidationError("Record the baseline assessment first.")
        if assessment_date <= baseline_row.assessment_date:
            raise ValidationError(
                {
                    "assessment_date": [
                        f"A follow-up must be after the baseline ({baseline_row.assessment_date})."
                    ]
                }
            )
        non_target, states = _non_target_answer(
            subject, baseline_row, non_target, non_target_states or {}
        )
        _check_new_lesion_answer(new_lesions, new_lesion_rows)
        row = write.save(
            TumourAssessment(
                subject=subject,
                assessment_date=assessment_date,
                method=method,
                non_target=non_target,
                new_lesions=new_lesions,
                recorded_by=by,
            )
        )
        for lesion in live_lesions(subject):
            LesionMeasurement.objects.create(
                assessment=row, lesion=lesion, diameter_mm=diameters.get(lesion.lesion_id)
            )
        for lesion, state in states:
            NonTargetObservation.objects.create(assessment=row, lesion=lesion, state=state)
        _record_new_lesions(row, new_lesion_rows)
        _rederive(write, subject)
    row.refresh_from_db()
    return row


def _non_target_answer(subject, baseline_row, non_target, states: dict[str, str]):
    """The typed non-target summary to store and the (lesion, state) rows to record: one
    state per non-target lesion of the baseline, or the summary where it listed none."""
    lesions = list(live_non_target_lesions(subject))
    errors = {}
    if not lesions:
        if states:
            errors["non_target"] = [
                f"The baseline lists no non-target lesion {', '.join(sorted(states))}."
            ]
        elif baseline_row.non_target == NonTarget.NOT_PRESENT:
            non_target = non_target or NonTarget.NOT_PRESENT
        elif not non_target:
            errors["non_target"] = ["Give the status of the non-target lesions."]
        if errors:
            raise ValidationError(errors)
        return non_target, []
    unknown = set(states) - {lesion.lesion_id for lesion in lesions}
    if unknown:
        errors["non_target"] = [f"No non-target lesion {', '.join(sorted(unknown))} at baseline."]
    rows = []
    for lesion in lesions:
        state = states.get(lesion.lesion_id)
        if state not in NonTargetLesionState.values:
            errors[f"non_target_{lesion.lesion_id}"] = [
                f"{lesion.lesion_id} ({lesion.organ}): give its state "
                "(present, absent, unequivocal progression or not evaluated)."
            ]
        rows.append((lesion, state))
    if errors:
        raise ValidationError(errors)
    return recist.non_target_response([state for _lesion, state in rows])[0].value, rows


def _check_new_lesion_answer(new_lesions: bool | None, rows) -> None:
    if rows and new_lesions is not True:
        raise ValidationError(
            {"new_lesions": ["New lesions are listed: answer yes, or remove them."]}
        )
    if new_lesions is True and not rows:
        raise ValidationError(
            {"new_lesions": ["List each new lesion (organ, and whether it is equivocal)."]}
        )
    for number, lesion in enumerate(rows, start=1):
        if not (lesion.get("organ") or "").strip():
            raise ValidationError(
                {f"new_{number}_organ": [f"New lesion {number}: give the organ."]}
            )


def _record_new_lesions(row: TumourAssessment, rows) -> None:
    """Number the new lesions NEW1, NEW2... across the subject's scans; one seen before
    keeps the id of the earlier scan that showed it."""
    known = set(
        NewLesion.objects.filter(
            assessment__subject=row.subject,
            assessment__voided_at__isnull=True,
            assessment__assessment_date__lt=row.assessment_date,
        ).values_list("lesion_id", flat=True)
    )
    used = NewLesion.objects.filter(assessment__subject=row.subject).values_list(
        "lesion_id", flat=True
    )
    number = max((int(i[3:]) for i in used if i[3:].isdigit()), default=0)
    seen_here = set()
    for index, lesion in enumerate(rows, start=1):
        same_as = (lesion.get("same_as") or "").strip().upper()
        if same_as:
            if same_as not in known:
                raise ValidationError(
                    {f"new_{index}_same_as": [f"No new lesion {same_as} on an earlier scan."]}
                )
            lesion_id = same_as
        else:
            number += 1
            lesion_id = f"NEW{number}"
        if lesion_id in seen_here:
            raise ValidationError(
                {f"new_{index}_same_as": [f"{lesion_id} is listed twice on this scan."]}
            )
        seen_here.add(lesion_id)
        NewLesion.objects.create(
            assessment=row,
            lesion_id=lesion_id,
            organ=lesion["organ"].strip(),
            location=lesion.get("location", ""),
            equivocal=bool(lesion.get("equivocal")),
        )


def tumour_assessment_correct(
    *,
    assessment: TumourAssessment,
    by: User,
    expected_version: int,
    reason: str,
    diameters: dict[str, Decimal | None],
    new_lesions: bool | None,
    method: str,
    non_target: str | None = None,
    non_target_states: dict[str, str] | None = None,
    new_lesion_equivocal: dict[str, bool] | None = None,
    now: datetime | None = None,
) -> TumourAssessment:
    """Correct a time point's measurements and findings: the diameters, the state of each
    non-target lesion (or the summary where none is listed), whether each new lesion is
    equivocal, the method. Its date, at baseline the choice of lesions, and the new lesions
    listed stay: void the assessment and record it again for those.

    The responses of every follow-up are derived again.
    """
    with crf_write(
        require=lambda: _may_record(by, assessment.subject),
        record=assessment,
        by=by,
        now=now or timezone.now(),
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        subject = current.subject
        measurements = list(current.measurements.select_related("lesion"))
        unknown = set(diameters) - {m.lesion.lesion_id for m in measurements}
        if unknown:
            raise ValidationError(f"No target lesion {', '.join(sorted(unknown))} at baseline.")
        if current.is_baseline:
            targets = tuple(
                recist.TargetLesion(
                    lesion_id=m.lesion.lesion_id,
                    organ=m.lesion.organ,
                    is_lymph_node=m.lesion.is_lymph_node,
                    diameter_mm=diameters.get(m.lesion.lesion_id, m.diameter_mm),
                )
                for m in measurements
            )
            problems = recist.validate_baseline(targets)
            if problems:
                raise ValidationError({"__all__": problems})
        for measurement in measurements:
            value = diameters.get(measurement.lesion.lesion_id, measurement.diameter_mm)
            if measurement.diameter_mm != value:
                measurement.diameter_mm = value
                measurement.save(update_fields=["diameter_mm"])
        _correct_non_target(current, non_target, non_target_states)
        current.method = method
        if current.is_baseline:
            current.sum_mm = recist.sum_of_diameters(targets)
        else:
            _correct_new_lesions(current, new_lesions, new_lesion_equivocal or {})
        write.save(current)
        _rederive(write, subject)
    current.refresh_from_db()
    return current


def _correct_non_target(current: TumourAssessment, non_target, states) -> None:
    observations = list(current.non_target_observations.select_related("lesion"))
    if not observations:
        if states:
            raise ValidationError(
                {"non_target": ["This time point lists no non-target lesion one by one."]}
            )
        if non_target:
            current.non_target = non_target
        return
    if current.is_baseline:
        return  # listed at baseline, so present there
    by_id = {o.lesion.lesion_id: o for o in observations}
    states = states or {}
    if unknown := set(states) - set(by_id):
        raise ValidationError(
            {"non_target": [f"No non-target lesion {', '.join(sorted(unknown))} at baseline."]}
        )
    for lesion_id, state in states.items():
        if state not in NonTargetLesionState.values:
            raise ValidationError(
                {f"non_target_{lesion_id}": [f"{lesion_id}: {state!r} is not a state."]}
            )
        observation = by_id[lesion_id]
        if observation.state != state:
            observation.state = state
            observation.save(update_fields=["state"])


def _correct_new_lesions(current: TumourAssessment, new_lesions, equivocal) -> None:
    entries = {n.lesion_id: n for n in current.new_lesion_entries.all()}
    if not entries:
        if new_lesions is True and current.new_lesions is not True:
            raise ValidationError(
                {
                    "new_lesions": [
                        "To add new lesions, void this time point and record it again with "
                        "each new lesion listed."
                    ]
                }
            )
        current.new_lesions = new_lesions
        return
    if new_lesions is not True:
        raise ValidationError(
            {
                "new_lesions": [
                    f"{', '.join(sorted(entries))} listed: to remove them, void this time point "
                    "and record it again."
                ]
            }
        )
    if unknown := set(equivocal) - set(entries):
        raise ValidationError(
            {"new_lesions": [f"No new lesion {', '.join(sorted(unknown))} on this scan."]}
        )
    for lesion_id, value in equivocal.items():
        entry = entries[lesion_id]
        if entry.equivocal != bool(value):
            entry.equivocal = bool(value)
            entry.save(update_fields=["equivocal"])


def tumour_assessment_void(
    *, assessment: TumourAssessment, by: User, reason: str, now: datetime | None = None
) -> TumourAssessment:
    """Void a time point entered in error: the row stays, with the reason; later time
    points are derived again without it. A baseline is voided (with its lesions)
    only once no live follow-up measures them."""
    with crf_write(
        require=lambda: _may_record(by, assessment.subject),
        record=assessment,
        by=by,
        now=now or timezone.now(),
        reason=reason,
        void=True,
    ) as write:
        current = write.record
        subject = current.subject
        if current.is_baseline:
            if live_assessments(subject).filter(is_baseline=False).exists():
                raise ValidationError(
                    "Void the follow-up assessments first: the baseline defines the target "
                    "lesions they measure."
                )
            for lesion in [*live_lesions(subject), *live_non_target_lesions(subject)]:
                lesion.voided_at = write.now
                lesion.void_reason = write.reason
                lesion.save(update_fields=["voided_at", "void_reason"])
        write.void()
        _rederive(write, subject)
    return current


def best_response(subject: Subject) -> str | None:
    """Best overall response (RECIST 1.1, unconfirmed) of the recorded time points."""
    first_dose = first_dose_date(subject)
    if first_dose is None:
        return None
    best = recist.best_response_on_treatment(
        live_assessments(subject)
        .filter(is_baseline=False)
        .values_list("assessment_date", "response"),
        first_dose=first_dose,
    )
    return best.value if best else None
