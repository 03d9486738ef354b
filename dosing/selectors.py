"""Reads of the dosing CRF: its completeness, the vital-sign limits, the next dosing visit."""

from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from dosing.models import VITAL_FIELDS, DoseChange, DosingRecord
from review import checks
from trial.models import Visit, VitalSignLimit
from trial.vital_signs import VitalRange

# What a given dose needs before its CRF counts as complete (the form lets a coordinator save
# it without them, so a visit can be entered in steps): the time, volume, lot and every vital.
DOSE_COMPLETE_FIELDS = (
    "administered_on",
    "start_time",
    "volume_ml",
    "lot_number",
    *(f"{when}_{name}" for when in ("pre", "post") for name in VITAL_FIELDS),
)
TEXT_FIELDS = frozenset({"lot_number"})


def dose_is_complete(record: DosingRecord) -> bool:
    """A skipped dose is complete as recorded; a given one once every needed field is in."""
    if record.dose_change == DoseChange.SKIPPED:
        return True
    return all(getattr(record, name) not in (None, "") for name in DOSE_COMPLETE_FIELDS)


def incomplete_doses() -> Q:
    """dose_is_complete, as a filter: the dosing CRFs that are not complete."""
    missing = Q()
    for name in DOSE_COMPLETE_FIELDS:
        missing |= Q(**{name: ""}) if name in TEXT_FIELDS else Q(**{f"{name}__isnull": True})
    return ~Q(dose_change=DoseChange.SKIPPED) & missing


def vital_sign_limits(*, subject_id: int) -> list[VitalSignLimit]:
    """The [vital_signs] limits of the subject's study, as loaded from the study file."""
    limits = list(VitalSignLimit.objects.filter(study__subjects__pk=subject_id).order_by("order"))
    if not limits:
        raise ImproperlyConfigured(
            "The study's vital-sign limits ([vital_signs] of the study file) are not loaded: "
            "run `manage.py load_study` first."
        )
    return limits


def _as_recorded(code: str, value: Decimal | None) -> Decimal | None:
    """A limit at the precision the dosing CRF records the value (38.0 °C, 120 beats/min), so
    that messages, and the automatic queries compared by their text, read the same."""
    if value is None:
        return None
    places = DosingRecord._meta.get_field(f"pre_{code}").decimal_places
    shown = value.quantize(Decimal(1).scaleb(-places))
    return shown if shown == value else value  # a finer limit is kept exactly as written


def plausible_vitals(*, subject_id: int) -> tuple[VitalRange, ...]:
    """Outside these a vital sign is refused as a typing error (trial.vital_signs)."""
    return tuple(
        VitalRange(
            limit.code,
            limit.label,
            limit.unit,
            _as_recorded(limit.code, limit.plausible_min),
            _as_recorded(limit.code, limit.plausible_max),
        )
        for limit in vital_sign_limits(subject_id=subject_id)
    )


def clinical_vital_limits(*, subject_id: int) -> tuple[checks.VitalLimit, ...]:
    """Beyond these a vital sign is saved and queried (review.checks.vitals_out_of_range)."""
    return tuple(
        checks.VitalLimit(
            limit.code,
            limit.label,
            limit.unit,
            low=_as_recorded(limit.code, limit.clinical_min),
            high=_as_recorded(limit.code, limit.clinical_max),
        )
        for limit in vital_sign_limits(subject_id=subject_id)
        if limit.clinical_min is not None or limit.clinical_max is not None
    )


def next_dosing_visit(visit: Visit) -> Visit | None:
    """The subject's next dosing visit after `visit` ("Save and go to the next form")."""
    return (
        Visit.objects.filter(subject_id=visit.subject_id, kind="dosing", order__gt=visit.order)
        .order_by("order")
        .first()
    )
