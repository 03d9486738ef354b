"""The CRF kinds of the history app, registered from HistoryConfig.ready() (review.records)."""

from django.urls import reverse

from history.sdtm import MH, PR
from review.checks import Failure
from review.export_spec import ApiEndpoint, Dataset, ExportSpec, Odm, api_rows, subject_dataset
from review.models import SignatureMeaning
from review.records import CrfKind, site_scoped


def eligibility_answers(subject):
    """What the subject's eligibility CRF says of its history, or None before one is saved."""
    from history.rules import EligibilityAnswers
    from screening.models import EligibilityAssessment

    assessment = EligibilityAssessment.objects.filter(subject=subject).first()
    if assessment is None:
        return None
    conditions = assessment.autoimmune_conditions
    return EligibilityAnswers(
        assessment_date=assessment.assessment_date,
        autoimmune_conditions=None if conditions is None else tuple(conditions),
        had_myocardial_infarction=assessment.had_myocardial_infarction,
        last_myocardial_infarction_date=assessment.last_myocardial_infarction_date,
    )


def medical_history_edit_checks(record, now) -> list[Failure]:
    """A condition the eligibility answers contradict (autoimmune disease, MI)."""
    from history import rules, services

    if record.voided_at:
        return []
    facts = services.facts_for({name: getattr(record, name) for name in services.MH_FIELDS})
    return rules.eligibility_inconsistencies(
        record.sequence, facts, eligibility_answers(record.subject)
    )


def systemic_line_edit_checks(record, now) -> list[Failure]:
    """A line that began before a line numbered below it (history.prior_therapy)."""
    from history.prior_therapy import LineStart, line_order_failure

    if record.voided_at:
        return []
    others = (
        type(record)
        .objects.filter(
            subject=record.subject, voided_at__isnull=True, line_number__lt=record.line_number
        )
        .exclude(pk=record.pk)
    )
    failure = line_order_failure(
        LineStart(record.line_number, record.regimen, record.start_date),
        [LineStart(o.line_number, o.regimen, o.start_date) for o in others],
    )
    return [failure] if failure else []


def history_subject_section(subject, user) -> dict | None:
    """The subject's live conditions, for the roles that read histories (not sponsor safety)."""
    from history.selectors import live_history
    from trial.access import can
    from trial.capabilities import Capability

    if not can(user, Capability.READ_BACKGROUND, subject):
        return None
    return {"entries": live_history(subject).order_by("sequence"), "subject": subject}


def _medical_history(context) -> tuple[Dataset, ...]:
    """Dates as the text typed, at its precision (2019-03), codes kept (UNK): ODM text."""
    from adverse_events.models import CtcaeTerm

    return (
        subject_dataset(
            "history.medicalhistory",
            "medical_history",
            "Medical history",
            "MH",
            order_by=("sequence",),
            related={CtcaeTerm: (("", "term"),)},
            odm=Odm("log", repeat_key="sequence"),
        ),
    )


def _api_medical_history(user):
    """What the user may read of histories (not sponsor safety); voided entries left out."""
    from history.models import MedicalHistory
    from trial.capabilities import Capability

    return (
        api_rows(
            MedicalHistory.objects.filter(voided_at__isnull=True),
            user,
            Capability.READ_BACKGROUND,
        )
        .select_related("term", "recorded_by")
        .order_by("subject", "sequence")
    )


def prior_therapy_subject_section(subject, user) -> dict | None:
    """The subject's live prior cancer therapy, for the roles that read histories."""
    from history.selectors import live_prior_therapy
    from trial.access import can
    from trial.capabilities import Capability

    if not can(user, Capability.READ_BACKGROUND, subject):
        return None
    return {**live_prior_therapy(subject), "subject": subject}


def _prior_therapy_dataset(label, name, title, oid):
    def datasets(context) -> tuple[Dataset, ...]:
        """Dates as the text typed, at its precision, codes kept (UNK): ODM text."""
        return (
            subject_dataset(
                label,
                name,
                title,
                oid,
                order_by=("sequence",),
                odm=Odm("log", repeat_key="sequence"),
            ),
        )

    return datasets


def _api_prior_therapy(label):
    def queryset(user):
        """What the user may read of a prior-therapy kind (not sponsor safety); voided
        records left out."""
        from django.apps import apps

        from trial.capabilities import Capability

        model = apps.get_model(label)
        return (
            api_rows(model.objects.filter(voided_at__isnull=True), user, Capability.READ_BACKGROUND)
            .select_related("recorded_by")
            .order_by("subject", "sequence")
        )

    return queryset


def _prior_therapy_kind(label, name, url, fields, order, dataset, oid, api, sdtm=(), **more):
    path, serializer = api
    return CrfKind(
        label,
        name,
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields=fields,
        url=lambda record: reverse(url, args=[record.pk]),
        title=lambda record: record.title,
        history_scope=site_scoped(label),
        export=ExportSpec(
            order,
            _prior_therapy_dataset(label, dataset, name, oid),
            api=(
                ApiEndpoint(
                    path,
                    f"api-{path}",
                    f"history.serializers.{serializer}",
                    _api_prior_therapy(label),
                    f"{name} (before consent), voided records left out.",
                ),
            ),
            sdtm=sdtm,
        ),
        **more,
    )


KINDS = (
    CrfKind(
        "history.medicalhistory",
        "Medical history",
        sign_meaning=SignatureMeaning.REVIEWED,
        lockable=True,
        entered_fields="history.services.MH_FIELDS",
        url=lambda record: reverse("medical_history_detail", args=[record.pk]),
        title=lambda record: record.title,
        edit_checks=medical_history_edit_checks,
        history_scope=site_scoped("history.medicalhistory"),
        export=ExportSpec(
            85,
            _medical_history,
            api=(
                ApiEndpoint(
                    "medical-history",
                    "api-medical-history",
                    "history.serializers.MedicalHistorySerializer",
                    _api_medical_history,
                    "Medical history (conditions before consent), voided ones left out.",
                ),
            ),
            sdtm=(MH,),
        ),
        subject_section=history_subject_section,
        subject_template="history/_subject_section.html",
    ),
    # Prior cancer therapy: the eligibility CRF compares its answers with these
    # (screening.prior_therapy); their writes re-run its checks (history.services).
    _prior_therapy_kind(
        "history.systemictherapyline",
        "Prior systemic therapy",
        "systemic_line_detail",
        "history.services.LINE_FIELDS",
        88,
        "prior_systemic_therapy",
        "PTS",
        ("prior-systemic-therapy", "SystemicTherapyLineSerializer"),
        edit_checks=systemic_line_edit_checks,
        # One section of the subject page for the three kinds.
        subject_section=prior_therapy_subject_section,
        subject_template="history/_prior_therapy_section.html",
    ),
    _prior_therapy_kind(
        "history.priorradiotherapy",
        "Prior radiotherapy",
        "prior_radiotherapy_detail",
        "history.services.RADIOTHERAPY_FIELDS",
        89,
        "prior_radiotherapy",
        "PTR",
        ("prior-radiotherapy", "PriorRadiotherapySerializer"),
        # PR holds the surgeries too: one domain, declared once. The systemic lines are in
        # CM, declared by medications (medications.sdtm), which reads them from here.
        sdtm=(PR,),
    ),
    _prior_therapy_kind(
        "history.priorsurgery",
        "Prior cancer surgery",
        "prior_surgery_detail",
        "history.services.SURGERY_FIELDS",
        89,
        "prior_surgery",
        "PTX",
        ("prior-surgery", "PriorSurgerySerializer"),
    ),
)
