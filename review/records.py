"""The kinds of record the review app works on, named by model label ("dosing.dosingrecord").

Models are resolved lazily (apps.get_model), so the CRF apps can import review.services
without an import cycle.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.urls import reverse
from django.utils.module_loading import import_string

from review.models import SignatureMeaning
from trial.models import Subject


@dataclass(frozen=True)
class RecordKind:
    label: str
    name: str
    # The meaning an investigator signs this CRF with through review.services.record_sign;
    # None: signed through its own service (eligibility confirmation) or not signed at all.
    sign_meaning: str | None
    # A record that can carry a signature can be locked on its own.
    lockable: bool
    # The fields the site enters on this CRF (what a query or a verification may name): the
    # dotted path of its app's field list, read lazily (no import cycle), or the names.
    entered_fields: str | tuple[str, ...] = ()
    # Of those, the ones asked for women only (not shown, nor offered, for a man).
    women_only: tuple[str, ...] = ()

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.label)

    def fields(self) -> tuple[str, ...]:
        if isinstance(self.entered_fields, str):
            return tuple(import_string(self.entered_fields))
        return self.entered_fields


KINDS = {
    kind.label: kind
    for kind in (
        RecordKind(
            "dosing.dosingrecord",
            "Dosing",
            SignatureMeaning.REVIEWED,
            True,
            entered_fields="dosing.services.DOSING_FIELDS",
            women_only=("pregnancy_test",),
        ),
        RecordKind(
            "adverse_events.adverseevent",
            "Adverse event",
            SignatureMeaning.REVIEWED,
            True,
            entered_fields="adverse_events.services.AE_FIELDS",
        ),
        RecordKind(
            "screening.eligibilityassessment",
            "Eligibility",
            None,
            True,
            entered_fields="screening.services.FACT_FIELDS",
            women_only=("pregnant", "lactating", "childbearing_potential", "pregnancy_test_result"),
        ),
        RecordKind(
            "screening.consent",
            "Informed consent",
            None,
            False,
            entered_fields=("icf_version", "signed_at"),
        ),
        RecordKind(
            "trial.visit", "Visit", None, False, entered_fields=("completed_on", "missed_reason")
        ),
        RecordKind(
            "trial.subject",
            "Subject registration",
            None,
            False,
            entered_fields=("sex", "date_of_birth", "tumour_type", "tumour_type_other"),
        ),
    )
}


def kind_of(record: Model) -> RecordKind | None:
    return KINDS.get(record._meta.label_lower)


def subject_of(record: Model) -> Subject:
    """The subject a record belongs to (a subject belongs to itself)."""
    if isinstance(record, Subject):
        return record
    return record.subject


def record_url(record: Model) -> str:
    """The page where the record is read (and edited, when it may be)."""
    label = record._meta.label_lower
    if label == "dosing.dosingrecord":
        return reverse("visit_dosing", args=[record.visit_id])
    if label == "adverse_events.adverseevent":
        return reverse("ae_detail", args=[record.pk])
    if label in ("screening.eligibilityassessment", "screening.consent"):
        return reverse("screening_subject", args=[record.subject_id])
    if label == "trial.subject":
        return reverse("subject_detail", args=[record.pk])
    return reverse("subject_detail", args=[subject_of(record).pk])


def field_choices(record: Model) -> list[tuple[str, str]]:
    """(name, label) of the fields a query or a verification may name on this record: the
    ones the site enters on its CRF (never derived ones such as the SAE report's due time),
    and for a man not those asked for women only (a pregnancy test)."""
    kind = kind_of(record)
    entered = set(kind.fields()) if kind and kind.fields() else None
    if kind and kind.women_only and subject_of(record).sex != "F":
        entered = (entered or set()) - set(kind.women_only)
    skip = {"id", "subject", "visit", "version", "recorded_by", "recorded_at", "updated_at"}
    return [
        (field.name, str(field.verbose_name))
        for field in record._meta.concrete_fields
        if field.editable and field.name not in skip and (entered is None or field.name in entered)
    ]


def field_label(record_or_model, field_name: str) -> str:
    if not field_name:
        return ""
    try:
        return str(record_or_model._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:  # a field since renamed: show its name
        return field_name


# What record_title reads beyond the row, to load with it (select_related / prefetch).
TITLE_RELATED = {
    "dosing.dosingrecord": ("visit",),
    "adverse_events.adverseevent": ("term",),
}


def record_title(record: Model) -> str:
    """A short name of the record within its subject ("Dosing C2D1", "AE3 Fever")."""
    label = record._meta.label_lower
    if label == "dosing.dosingrecord":
        return f"Dosing {record.visit.code}"
    if label == "adverse_events.adverseevent":
        return f"AE{record.sequence} {record.display_term}"
    if label == "trial.visit":
        return f"Visit {record.code}"
    kind = KINDS.get(label)
    return kind.name if kind else f"{record._meta.verbose_name} #{record.pk}"
