"""State-changing operations on sites' subjects. Views, commands and the API call these.

Correcting and voiding a registered subject needs review's lock check: review.subjects."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trial import lifecycle, schedule
from trial.access import can
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.dates import implausible_date
from trial.models import Site, Study, Subject, SubjectStatus, TumourType, User
from trial.study_config import definitions_of


def _next_screening_number(site: Site) -> str:
    # Row lock: two coordinators registering at once never get the same number.
    locked = Site.objects.select_for_update().get(pk=site.pk)
    seq = locked.next_screening_seq
    Site.objects.filter(pk=site.pk).update(next_screening_seq=seq + 1)
    return f"{locked.code}-S{seq:03d}"


def subject_register(
    *,
    study: Study,
    site: Site,
    by: User,
    sex: str,
    date_of_birth: date,
    tumour_type: str,
    tumour_type_other: str = "",
    race: str = "",
    ethnicity: str = "",
    different_patient_confirmed: bool = False,
) -> Subject:
    """Register a patient for screening at `site`; assigns a new screening number.

    With no names stored, a second registration of the same patient shows up as a subject in
    screening at the same site with the same sex, birth date and tumour type: that needs the
    coordinator's explicit confirmation that it is another patient.
    """
    if not can(by, Capability.ENTER_DATA, site):
        raise PermissionDenied("Only the site's coordinators and investigators register patients.")
    problem = implausible_date("Date of birth", date_of_birth, today=timezone.localdate())
    if problem:
        raise ValidationError({"date_of_birth": problem})
    if tumour_type == TumourType.OTHER and not tumour_type_other.strip():
        raise ValidationError({"tumour_type_other": "Specify the tumour type when it is 'Other'."})
    duplicate = (
        Subject.objects.active()
        .filter(
            site=site,
            status=SubjectStatus.SCREENING,
            sex=sex,
            date_of_birth=date_of_birth,
            tumour_type=tumour_type,
        )
        .first()
    )
    if duplicate and not different_patient_confirmed:
        raise ValidationError(
            {
                "different_patient_confirmed": (
                    f"{duplicate.screening_number} is already in screening at {site.code} with "
                    "the same sex, date of birth and tumour type. A patient has one active "
                    "screening: continue that one, or tick this box if this is another patient."
                )
            }
        )
    with transaction.atomic(), audit_context(by=by, reason="Patient registered for screening"):
        subject = Subject(
            study=study,
            site=site,
            screening_number=_next_screening_number(site),
            sex=sex,
            date_of_birth=date_of_birth,
            race=race,
            ethnicity=ethnicity,
            tumour_type=tumour_type,
            tumour_type_other=tumour_type_other.strip(),
            created_by=by,
        )
        subject.full_clean()
        subject.save()
    return subject


# --- the subject's state and its visit plan (dosing, dispositions) ---------------------------


def transition(subject: Subject, target: str) -> None:
    """Move the subject to `target`, as trial.lifecycle allows (else ValidationError)."""
    problem = lifecycle.check_transition(subject.status, target)
    if problem:
        raise ValidationError(problem[0].upper() + problem[1:] + ".")
    subject.status = target
    subject.save(update_fields=["status"])


def reanchor_follow_up(subject: Subject, last_dose: date) -> None:
    """EOT and follow-up visits run from the actual last dose; later dosing visits lapse."""
    planned = schedule.reanchor_on_last_dose(
        [v.planned() for v in subject.visits.all()],
        definitions_of(subject.study),
        last_dose=last_dose,
    )
    by_code = {p.code: p for p in planned}
    for visit in subject.visits.filter(completed_on__isnull=True):
        plan = by_code[visit.code]
        visit.not_applicable = plan.not_applicable
        visit.save(update_fields=[*visit.move_window(plan), "not_applicable"])


def reopen_visits(subject: Subject, *, last_dose: date | None) -> None:
    """The visits not done apply again, as planned before any disposition closed them: with
    `last_dose` (the end of treatment stands) the follow-up stays anchored on it; without,
    the last-dose visits go back to the dates projected at enrolment from the planned C1D1
    (screening's plan; the first dose moves only the first-dose visits)."""
    if last_dose is not None:
        reanchor_follow_up(subject, last_dose)  # its plan marks each open visit afresh
        return
    projected = (
        {
            p.code: p
            for p in schedule.plan_visits(
                definitions_of(subject.study), first_dose=subject.planned_c1d1
            )
        }
        if subject.planned_c1d1 is not None
        else {}
    )
    for visit in subject.visits.filter(completed_on__isnull=True):
        fields = ["not_applicable"]
        plan = projected.get(visit.code)
        moved = plan is not None and visit.anchor == schedule.Anchor.LAST_DOSE
        if moved and (visit.target_date, visit.window_opens_on) != (
            plan.target_date,
            plan.window_opens,
        ):
            fields += visit.move_window(plan)
        if visit.not_applicable or len(fields) > 1:
            visit.not_applicable = False
            visit.save(update_fields=fields)


def undo_transition(subject: Subject, previous: str) -> None:
    """Move the subject back to `previous` (a disposition voided), as trial.lifecycle allows:
    only the step the table made from it (else ValidationError)."""
    problem = lifecycle.check_undo(subject.status, previous)
    if problem:
        raise ValidationError(problem[0].upper() + problem[1:] + ".")
    subject.status = previous
    subject.save(update_fields=["status"])


def close_visits_after(subject: Subject, after: date) -> int:
    """Visits not done and falling after `after` no longer apply to this subject."""
    return subject.visits.filter(completed_on__isnull=True, window_opens_on__gt=after).update(
        not_applicable=True
    )
