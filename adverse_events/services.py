"""Recording adverse events, the investigator's causality and DLT decisions, SAE reports.

Consistency, periods, deadlines and DLT candidacy come from adverse_events.rules; this module
checks who may do what at which site, stores the derived columns and writes the audit trail.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from adverse_events import rules
from adverse_events.models import AdverseEvent, CtcaeTerm
from review.contract import crf_write
from review.models import SignatureMeaning
from review.services import password_verify, signature_add
from trial import hooks
from trial.access import require
from trial.capabilities import Capability
from trial.models import Subject, SubjectStatus, User
from trial.selectors import consent_date, first_dose_date, last_dose_date

AE_FIELDS = (
    "term",
    "verbatim_term",
    "onset_date",
    "ongoing",
    "end_date",
    "grade",
    "serious",
    "serious_criteria",
    "aware_at",
    "action_taken",
    "outcome",
    "death_date",
    "treatment_given",
)


def _threshold(subject: Subject, key: str) -> int:
    return int(subject.study.thresholds.get(key=key).value)


def facts_for(
    subject: Subject, values: dict, relationship: str = "", expectedness: str = ""
) -> rules.AeFacts:
    term: CtcaeTerm | None = values.get("term")
    return rules.AeFacts(
        onset_date=values["onset_date"],
        treatment_emergent_window_days=_threshold(subject, "treatment_emergent_window_days"),
        end_date=values.get("end_date"),
        ongoing=bool(values.get("ongoing")),
        grade=values.get("grade"),
        serious=bool(values.get("serious")),
        serious_criteria=frozenset(
            rules.SeriousCriterion(c) for c in values.get("serious_criteria") or []
        ),
        outcome=rules.Outcome(values["outcome"]) if values.get("outcome") else None,
        death_date=values.get("death_date"),
        relationship=rules.Relationship(relationship) if relationship else None,
        expectedness=rules.Expectedness(expectedness) if expectedness else None,
        term=term.term if term else None,
        available_grades=frozenset(term.available_grades) if term else frozenset(),
        consent_date=consent_date(subject),
        first_dose_date=first_dose_date(subject),
        last_dose_date=last_dose_date(subject),
    )


def check(subject: Subject, values: dict, *, relationship: str = "", now: datetime):
    """(field, message) problems for these AE values: input shape, then the clinical rules."""
    problems: list[tuple[str, str]] = []
    today = timezone.localtime(now).date()
    term = values.get("term")
    if term is None:
        return [("term", "Choose the CTCAE term (or an 'Other, specify' term).")]
    if term.is_other_specify and not (values.get("verbatim_term") or "").strip():
        problems.append(("verbatim_term", f"'{term.term}' needs the verbatim term."))
    onset = values.get("onset_date")
    if onset is None:
        return [*problems, ("onset_date", "Onset date is required.")]
    for name in ("onset_date", "end_date", "death_date"):
        if values.get(name) and values[name] > today:
            problems.append(
                (name, f"{name.replace('_', ' ').capitalize()} {values[name]} is in the future.")
            )
    aware_at = values.get("aware_at")
    if aware_at and aware_at > now:
        problems.append(("aware_at", "The time the site became aware is in the future."))
    if aware_at and timezone.localdate(aware_at) < onset:
        problems.append(("aware_at", "The site cannot become aware before the onset."))
    if consent_date(subject) is None:
        problems.append((None, "Record informed consent before adverse events."))
        return problems
    for problem in rules.check_consistency(facts_for(subject, values, relationship)):
        problems.append((problem.field, problem.message))
    return problems


def _raise(problems) -> None:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        text = message[0].upper() + message[1:]
        errors.setdefault(field or "__all__", []).append(text.rstrip(".") + ".")
    raise ValidationError(errors)


def _derive(ae: AdverseEvent, *, previous_worst: int | None) -> None:
    """Store what the rules derive from the recorded facts."""
    subject = ae.subject
    facts = facts_for(
        subject, {f: getattr(ae, f) for f in AE_FIELDS}, ae.relationship, ae.expectedness
    )
    ae.period = facts.period.value
    ae.worst_grade = rules.worst_grade([previous_worst, ae.grade])
    if ae.serious:
        ae.sae_report_due_at = rules.sae_report_due_at(ae.aware_at)
    else:
        ae.aware_at = None
        ae.sae_report_due_at = None
    ae.susar = rules.is_susar(
        ae.serious,
        rules.Relationship(ae.relationship) if ae.relationship else None,
        rules.Expectedness(ae.expectedness) if ae.expectedness else None,
    )
    criteria = set(ae.serious_criteria or [])
    ae.susar_report_due_at = (
        rules.susar_report_due_at(
            ae.aware_at,
            fatal_or_life_threatening=bool(criteria & {"death", "life_threatening"}),
        )
        if ae.susar
        else None
    )
    candidate = rules.dlt_candidate(
        grade=ae.grade,
        relationship=rules.Relationship(ae.relationship) if ae.relationship else None,
        onset_date=ae.onset_date,
        first_dose_date=facts.first_dose_date,
        dlt_window_days=subject.study.dlt_window_days,
    )
    ae.dlt_candidate = candidate.is_candidate
    ae.dlt_candidate_reason = candidate.reason[:300]
    if not candidate.is_candidate and ae.dlt is not None:
        # The facts the investigator decided on changed: the decision must be taken again.
        ae.dlt = None
        ae.dlt_decided_by = None
        ae.dlt_decided_at = None


def _refresh_subject_dlt(subject: Subject) -> None:
    """Subject.dlt (read by the 3+3 state) follows the live DLT decisions of its AEs."""
    dlt = AdverseEvent.objects.filter(subject=subject, dlt=True, voided_at__isnull=True).exists()
    if subject.dlt != dlt:
        subject.dlt = dlt
        subject.save(update_fields=["dlt"])


def _apply(ae: AdverseEvent, values: dict, now: datetime) -> None:
    for name in AE_FIELDS:
        value = values.get(name)
        if name == "term":
            # The recorded wording changes only when another term is chosen.
            if ae.term_id != value.pk or not ae.recorded_term:
                ae.record_term(value)
            continue
        if name in ("verbatim_term", "treatment_given") and value is None:
            value = ""
        if name == "serious_criteria":
            value = sorted(value or [])
        setattr(ae, name, value)
    if ae.serious and ae.aware_at is None:
        ae.aware_at = now
    if ae.ongoing:
        ae.end_date = None


def _may_record_ae(by: User, subject: Subject) -> None:
    require(by, Capability.ENTER_DATA, subject, action="record adverse events")
    if subject.status == SubjectStatus.SCREEN_FAILED:
        raise ValidationError("Adverse events are not recorded for this subject.")


def ae_record(*, subject: Subject, by: User, values: dict, now: datetime) -> AdverseEvent:
    """Record a new AE. Marking it serious starts the 24-hour clock from awareness."""
    with crf_write(
        require=lambda: _may_record_ae(by, subject),
        subject=subject,
        by=by,
        now=now,
        audit_reason="Adverse event recorded",
    ) as write:
        problems = check(subject, values, now=now)
        if problems:
            _raise(problems)
        # The subject's row is locked: the next sequence number is ours alone.
        last = AdverseEvent.objects.filter(subject=subject).aggregate(m=Max("sequence"))["m"]
        ae = AdverseEvent(subject=subject, sequence=(last or 0) + 1, recorded_by=by)
        _apply(ae, values, now)
        _derive(ae, previous_worst=None)
        write.save(ae)
    if ae.serious:
        hooks.call("sae_alert", ae_id=ae.pk)
    return ae


def ae_update(
    *, ae: AdverseEvent, by: User, values: dict, reason: str, expected_version: int, now: datetime
) -> AdverseEvent:
    """Correct or follow up an AE; grade changes are kept and the worst grade derived."""
    with crf_write(
        require=lambda: require(
            by, Capability.ENTER_DATA, ae.subject, action="edit adverse events"
        ),
        record=ae,
        by=by,
        now=now,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        problems = check(current.subject, values, relationship=current.relationship, now=now)
        if problems:
            _raise(problems)
        previous_worst = current.worst_grade
        was_serious = current.serious
        _apply(current, values, now)
        _derive(current, previous_worst=previous_worst)
        write.save(current)
        _refresh_subject_dlt(current.subject)
    if current.serious and not was_serious:
        hooks.call("sae_alert", ae_id=current.pk)
    return current


def ae_assess_causality(
    *, ae: AdverseEvent, by: User, relationship: str, expectedness: str, now: datetime
) -> AdverseEvent:
    """The investigator's causality and expectedness assessment (never a coordinator's)."""
    relationship = rules.Relationship(relationship).value
    expectedness = rules.Expectedness(expectedness).value if expectedness else ""
    with crf_write(
        require=lambda: require(by, Capability.ASSESS_AE, ae.subject, action="assess causality"),
        record=ae,
        by=by,
        now=now,
        reason_required=False,
        audit_reason="Causality assessed by the investigator",
    ) as write:
        current = write.record
        current.relationship = relationship
        current.expectedness = expectedness
        current.relationship_by = by
        current.relationship_at = now
        _derive(current, previous_worst=current.worst_grade)
        write.save(current)
        _refresh_subject_dlt(current.subject)
    return current


def ae_decide_dlt(*, ae: AdverseEvent, by: User, is_dlt: bool, now: datetime) -> AdverseEvent:
    """The investigator decides whether a candidate is a DLT; the 3+3 state follows."""
    with crf_write(
        require=lambda: require(by, Capability.ASSESS_AE, ae.subject, action="decide DLTs"),
        record=ae,
        by=by,
        now=now,
        reason_required=False,
        audit_reason=f"DLT decision: {'DLT' if is_dlt else 'not a DLT'}",
    ) as write:
        current = write.record
        if is_dlt and not current.dlt_candidate:
            raise ValidationError(
                f"AE{current.sequence} is not a DLT candidate: {current.dlt_candidate_reason}"
            )
        current.dlt = is_dlt
        current.dlt_decided_by = by
        current.dlt_decided_at = now
        write.save(current)
        _refresh_subject_dlt(current.subject)
    return current


def _require_sae_signer(by: User, ae: AdverseEvent, password: str, request) -> None:
    require(by, Capability.SIGN, ae.subject, action="sign SAE reports")
    # Outside the write's transaction: a wrong password's failed-login count must stand.
    password_verify(user=by, password=password, request=request)


def sae_report_sign(
    *, ae: AdverseEvent, by: User, password: str, now: datetime, request=None
) -> AdverseEvent:
    """The investigator approves the SAE report for the sponsor, re-entering the password.

    An e-signature (review.signing): a wrong password counts as a failed login, and the
    approval is stored as a signature bound to the AE's content.
    """
    with crf_write(
        require=lambda: _require_sae_signer(by, ae, password, request),
        record=ae,
        by=by,
        now=now,
        reason_required=False,
        audit_reason="SAE report approved (signed)",
    ) as write:
        current = write.record
        if not current.serious:
            raise ValidationError("Only serious adverse events have a report to sign.")
        if current.sae_reported_at:
            raise ValidationError("The SAE report is already signed.")
        current.sae_reported_at = now
        current.sae_reported_by = by
        write.save(current)
        signature_add(record=current, signer=by, meaning=SignatureMeaning.SAE_REPORT, now=now)
    return current


def ae_void(*, ae: AdverseEvent, by: User, reason: str, now: datetime) -> AdverseEvent:
    """Void an AE entered in error: the row stays, with the reason; a DLT stops counting."""
    with crf_write(
        require=lambda: require(
            by, Capability.ENTER_DATA, ae.subject, action="void adverse events"
        ),
        record=ae,
        by=by,
        now=now,
        reason=reason,
        void=True,
    ) as write:
        current = write.void()
        _refresh_subject_dlt(current.subject)
    return current
