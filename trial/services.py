"""State-changing operations on sites' subjects. Views, commands and the API call these.

Correcting and voiding a registered subject needs review's lock check: review.subjects."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from trial.access import can
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.dates import implausible_date
from trial.models import Site, Study, Subject, SubjectStatus, TumourType, User


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
