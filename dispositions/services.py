"""The disposition events that move a subject's state: end of treatment, withdrawal, loss to
follow-up, death, end of study (completed). Each is one CRF write (review.contract)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from dispositions.disposition_dates import DispositionFacts, disposition_date_problems
from dispositions.models import Disposition, DispositionKind
from review.contract import crf_write
from trial import lifecycle
from trial.access import entry_required
from trial.models import Subject, User
from trial.selectors import consent_date, last_dose_date
from trial.services import close_visits_after, reopen_visits, transition, undo_transition


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
        recorded = list(_live(stored).values_list("kind", "event_date"))
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
        _visits_follow(stored, last_dose)
    subject.status = stored.status  # the caller's instance sees the new state
    return subject


def disposition_correct(
    *,
    disposition: Disposition,
    by: User,
    values: dict,
    expected_version: int,
    reason: str,
    today: date,
    now: datetime | None = None,
) -> Disposition:
    """Correct the date (`values["event_date"]`) and/or the text (`values["reason"]`) of a
    recorded disposition, with `reason` the reason for change. The kind is not corrected: a
    wrong kind is voided and the right one recorded.

    The date passes the rules of recording, against the subject's other live dispositions.
    The visits follow the corrected date both ways: an exit moved later reopens the visits
    between the two dates that are not done, moved earlier it closes more; the follow-up
    stays anchored on the last dose whatever the end of treatment's date.
    """
    with crf_write(
        require=entry_required(by, disposition.subject, "correct dispositions"),
        record=disposition,
        by=by,
        now=now or timezone.now(),
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        stored = Subject.objects.select_for_update(of=("self",)).get(pk=current.subject_id)
        kind = DispositionKind(current.kind)
        on = values.get("event_date") or current.event_date
        text = (values.get("reason", current.reason) or "").strip()
        if not text:
            raise ValidationError({"reason": ["The disposition's reason is required."]})
        last_dose = last_dose_date(stored)
        _check_date(stored, kind, on, today, last_dose)
        others = list(_live(stored).exclude(pk=current.pk).values_list("kind", "event_date"))
        problems = lifecycle.disposition_problems(others, kind, on)
        if problems:
            raise ValidationError({"event_date": problems})
        current.event_date, current.reason = on, text
        write.save(current, update_fields=["event_date", "reason"])
        _visits_follow(stored, last_dose)
    return current


def disposition_void(
    *,
    disposition: Disposition,
    by: User,
    reason: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Disposition:
    """Void a disposition recorded in error: the row stays, with the reason.

    Only the one recorded last is voided (trial.lifecycle.void_problems); the subject goes
    back to the state the remaining live dispositions and the doses given imply
    (lifecycle.state_of), the step the table made undone (lifecycle.check_undo), and the
    visits it closed apply again (those the remaining ones close stay closed).
    """
    with crf_write(
        require=entry_required(by, disposition.subject, "void dispositions"),
        record=disposition,
        by=by,
        now=now or timezone.now(),
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        current = write.record
        stored = Subject.objects.select_for_update(of=("self",)).get(pk=current.subject_id)
        live = list(_live(stored).order_by("id").values_list("kind", "event_date"))
        problems = lifecycle.void_problems(live, current.kind)
        if problems:
            raise ValidationError(problems)
        last_dose = last_dose_date(stored)
        remaining = [kind for kind, _on in live[:-1]]
        write.void()
        undo_transition(stored, lifecycle.state_of(remaining, dosed=last_dose is not None))
        _visits_follow(stored, last_dose)
    disposition.subject.status = stored.status  # the caller's instance sees the state
    return current


def _live(subject: Subject):
    return Disposition.objects.filter(subject=subject, voided_at__isnull=True)


def _visits_follow(subject: Subject, last_dose: date | None) -> None:
    """The visits not done as the subject's live dispositions make them: the follow-up
    anchored on the last dose once the treatment ended, and nothing after the earliest exit
    (withdrawal, loss to follow-up, death, end of study) applies."""
    live = dict(_live(subject).values_list("kind", "event_date"))
    ended = DispositionKind.END_OF_TREATMENT in live
    reopen_visits(subject, last_dose=last_dose if ended else None)
    exits = [on for kind, on in live.items() if kind != DispositionKind.END_OF_TREATMENT]
    if exits:
        close_visits_after(subject, min(exits))


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
