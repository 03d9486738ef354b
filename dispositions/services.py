"""The disposition events that move a subject's state: end of treatment, withdrawal, loss to
follow-up, death, end of study (completed). Each is one CRF write (review.contract)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from dispositions.disposition_dates import DispositionFacts, disposition_date_problems
from dispositions.models import Disposition, DispositionKind
from review.contract import crf_write
from trial import lifecycle
from trial.access import entry_required
from trial.models import Subject, User
from trial.selectors import consent_date, last_dose_date
from trial.services import close_visits_after, reanchor_follow_up, transition


def disposition_record(
    *, subject: Subject, by: User, kind: str, on: date, reason: str, today: date
) -> Subject:
    """Record the disposition `kind` dated `on` and move the subject's state.

    End of treatment re-anchors the follow-up visits on the actual last dose; the other
    dispositions end the study for the subject, and its visits after `on` no longer apply.
    """
    kind = DispositionKind(kind)
    action = "end treatment" if kind == DispositionKind.END_OF_TREATMENT else "record this"
    with crf_write(
        require=entry_required(by, subject, action),
        subject=subject,
        by=by,
        now=timezone.now(),
        audit_reason=f"{kind.label}: {reason}",
    ) as write:
        stored = write.parent  # the subject's row, locked: its state as stored now
        last_dose = last_dose_date(stored)
        if kind == DispositionKind.END_OF_TREATMENT and last_dose is None:
            raise ValidationError("No dose was given: use withdrawal instead of end of treatment.")
        _check_date(stored, kind, on, today, last_dose)
        if not reason.strip():
            raise ValidationError({"reason": ["A reason is required."]})
        recorded = list(
            Disposition.objects.filter(subject=stored).values_list("kind", "event_date")
        )
        if any(other == kind for other, _on in recorded):
            raise ValidationError(f"{kind.label} is already recorded.")
        problems = lifecycle.disposition_problems(recorded, kind, on)
        if problems:
            raise ValidationError({"event_date": problems})
        write.save(
            Disposition(
                subject=stored, kind=kind, event_date=on, reason=reason.strip(), recorded_by=by
            )
        )
        transition(stored, lifecycle.DISPOSITION_STATE[kind])
        if kind == DispositionKind.END_OF_TREATMENT:
            reanchor_follow_up(stored, last_dose)
        else:
            close_visits_after(stored, on)
    subject.status = stored.status  # the caller's instance sees the new state
    return subject


def _check_date(subject: Subject, kind: DispositionKind, on: date, today: date, last_dose):
    problems = disposition_date_problems(
        DispositionFacts(
            kind=kind,
            label=kind.label,
            event_date=on,
            consent_date=consent_date(subject),
            last_dose_date=last_dose,
        ),
        today=today,
    )
    if problems:
        raise ValidationError({"event_date": problems})
