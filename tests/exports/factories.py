"""A small hand-made trial for the export tests, built through the real services.

Two sites. At FR01: subject `dosed` (enrolled at DL1, C1D1 given then corrected with a
reason, C1D2 done, a serious grade 3 fever with causality and a signed SAE report, a
resolved grade 1 fatigue, a baseline and a follow-up tumour assessment, a condition, a
medication, prior cancer therapy, vital signs at C1D2, e-signatures and a query) and subject
`screen_failed` (ECOG 3). At FR02: subject `withdrawn` (dosed, one AE, a condition, a
medication, prior cancer therapy, vital signs, then withdrew consent), a query, and a voided
subject (entered in error, never exported).
Dates follow tests/screening/factories.py: consent on CONSENTED, C1D1 on PLANNED_C1D1.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from knox.models import AuthToken

from adverse_events.models import AdverseEvent
from adverse_events.services import ae_assess_causality, ae_record, sae_report_sign
from dispositions.models import DispositionKind
from dispositions.services import disposition_record
from dosing.services import dose_record
from exports import services as export_services
from exports.models import ExportStatus
from history.services import medical_history_record, radiotherapy_record, surgery_record
from medications.services import medication_record
from review.models import Query, QueryMessage, Signature
from review.subjects import subject_void
from review.visits import visit_complete
from screening.models import EligibilityAssessment
from screening.services import subject_screen_fail
from tests.adverse_events.factories import (
    AE_ONSET,
    FATIGUE,
    FEVER,
    REPORTED_AT,
    ae_values,
    load_starter_dictionary,
)
from tests.dosing.factories import dose_values, dosed_subject, visit_of
from tests.history.factories import (
    RECORDED_AT,
    radiotherapy_values,
    record_history,
    record_lines,
    surgery_values,
)
from tests.screening.factories import CONSENTED, PLANNED_C1D1, TODAY, assessed_subject, at
from tests.vitals.factories import record_vitals
from trial.audit import audit_context
from trial.models import Membership, Role, Site, Study, Subject, User
from trial.services import subject_register
from trial.study_config import load_study, read_config
from tumours.services import baseline_record, follow_up_record

PASSWORD = "correct-horse-battery-9"
BASELINE_ON = CONSENTED + timedelta(days=1)
FOLLOW_UP_ON = PLANNED_C1D1 + timedelta(days=5)
WITHDRAWN_ON = PLANNED_C1D1 + timedelta(days=2)


@dataclass
class Dataset:
    study: Study
    site_a: Site
    site_b: Site
    users: dict[str, User]
    dosed: Subject
    screen_failed: Subject
    withdrawn: Subject
    voided: Subject
    serious_ae: AdverseEvent
    query_a: Query
    query_b: Query


def _user(username: str, role: str | None, site: Site | None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role:
        Membership.objects.create(user=user, site=site, role=role)
    return user


def _query(subject: Subject, record, by: User, text: str) -> Query:
    with audit_context(by=by, reason="Query raised"):
        query = Query.objects.create(
            subject=subject,
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            field_name="grade",
            text=text,
            origin="manual",
            raised_by=by,
            raised_at=timezone.now(),
        )
        QueryMessage.objects.create(
            query=query, kind="raised", author=by, text=text, created_at=timezone.now()
        )
    return query


def _sign(subject: Subject, record, by: User, meaning: str) -> Signature:
    return Signature.objects.create(
        subject=subject,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        signer=by,
        printed_name=by.get_full_name() or by.username,
        meaning=meaning,
        signed_at=timezone.now(),
        content_hash="0" * 64,
    )


def _prior_therapy(subject: Subject, by: User) -> None:
    """Two systemic lines (as the eligibility CRF answers), a radiotherapy course and a
    surgery (which it does not mention: automatic queries on the eligibility CRF)."""
    record_lines(subject, by)
    radiotherapy_record(subject=subject, by=by, values=radiotherapy_values(), now=RECORDED_AT)
    surgery_record(subject=subject, by=by, values=surgery_values(), now=RECORDED_AT)


def build_dataset() -> Dataset:
    study, _counts = load_study(read_config(settings.STUDY_CONFIG_FILE))
    load_starter_dictionary()
    site_a, site_b = Site.objects.get(code="FR01"), Site.objects.get(code="FR02")
    users = {
        "coord_a": _user("coord_a", Role.COORDINATOR, site_a),
        "inv_a": _user("inv_a", Role.INVESTIGATOR, site_a, first_name="Ines", last_name="Aubert"),
        "coord_b": _user("coord_b", Role.COORDINATOR, site_b),
        "inv_b": _user("inv_b", Role.INVESTIGATOR, site_b),
        "dm": _user("dm", Role.DATA_MANAGER, None),
        "dm_a": _user("dm_a", Role.DATA_MANAGER, site_a),
        "monitor": _user("monitor", Role.MONITOR, None),
        "safety": _user("safety", Role.SPONSOR_SAFETY, None),
        "admin": _user("admin", Role.ADMIN, None, is_staff=True, is_superuser=True),
        "nobody": _user("nobody", None, None),
    }
    coord_a, inv_a = users["coord_a"], users["inv_a"]

    dosed = dosed_subject(study, site_a, coord_a, inv_a)
    dose = dosed.doses.get()
    dose_record(
        visit=visit_of(dosed, "C1D1"),
        by=coord_a,
        values=dose_values(dosed, volume_ml=Decimal("1.20")),
        today=PLANNED_C1D1,
        expected_version=dose.version,
        reason="Transcription error: volume was 1.20 mL",
    )
    visit_complete(
        visit=visit_of(dosed, "C1D2"),
        by=coord_a,
        on=PLANNED_C1D1 + timedelta(days=1),
        today=PLANNED_C1D1 + timedelta(days=1),
    )
    serious = ae_record(
        subject=dosed,
        by=coord_a,
        values=ae_values(
            FEVER, grade=3, serious=True, serious_criteria=["hospitalisation"], aware_at=REPORTED_AT
        ),
        now=REPORTED_AT,
    )
    serious = ae_assess_causality(
        ae=serious, by=inv_a, relationship="probable", expectedness="unexpected", now=REPORTED_AT
    )
    serious = sae_report_sign(ae=serious, by=inv_a, password=PASSWORD, now=REPORTED_AT)
    ae_record(
        subject=dosed,
        by=coord_a,
        values=ae_values(
            FATIGUE,
            ongoing=False,
            end_date=AE_ONSET + timedelta(days=2),
            outcome="recovered",
            treatment_given="Rest",
        ),
        now=at(AE_ONSET + timedelta(days=3)),
    )
    baseline_record(
        subject=dosed,
        by=coord_a,
        assessment_date=BASELINE_ON,
        lesions=[
            {
                "lesion_id": "T1",
                "organ": "Liver",
                "is_lymph_node": False,
                "diameter_mm": Decimal(30),
            },
            {
                "lesion_id": "T2",
                "organ": "Lymph nodes",
                "is_lymph_node": True,
                "diameter_mm": Decimal(20),
            },
        ],
        non_target="non_cr_non_pd",
        today=TODAY,
    )
    follow_up_record(
        subject=dosed,
        by=coord_a,
        assessment_date=FOLLOW_UP_ON,
        diameters={"T1": Decimal(25), "T2": Decimal(18)},
        non_target="non_cr_non_pd",
        new_lesions=False,
        today=FOLLOW_UP_ON,
    )
    # Remembered, not documented: a month-precision start, an unknown baseline grade and dose.
    medical_history_record(
        subject=dosed,
        by=coord_a,
        values={
            "condition": "Type 2 diabetes",
            "start_date": "2019-03",
            "ongoing": True,
            "baseline_grade_code": "UNK",
            "treatment": "Metformin",
        },
        now=REPORTED_AT,
    )
    medication_record(
        subject=dosed,
        by=coord_a,
        values={
            "medication": "Paracetamol",
            "indication_ae": serious,
            "dose_code": "UNK",
            "route": "oral",
            "start_date": "2019",
            "ongoing": True,
        },
        now=REPORTED_AT,
    )
    _prior_therapy(dosed, coord_a)
    record_vitals(dosed, coord_a)  # at C1D2
    _sign(dosed, EligibilityAssessment.objects.get(subject=dosed), inv_a, "eligibility_confirmed")
    _sign(dosed, serious, inv_a, "sae_report_approved")
    query_a = _query(dosed, serious, users["monitor"], "Please confirm the grade.")

    screen_failed = assessed_subject(study=study, site=site_a, coordinator=coord_a, ecog=3)
    subject_screen_fail(subject=screen_failed, by=coord_a, reason="ECOG 3")

    coord_b, inv_b = users["coord_b"], users["inv_b"]
    withdrawn = dosed_subject(study, site_b, coord_b, inv_b)
    # Site B entries: the API's isolation tests.
    record_history(withdrawn, coord_b)
    medication_record(
        subject=withdrawn,
        by=coord_b,
        values={"medication": "Ondansetron", "start_date": "2020-05", "ongoing": True},
        now=REPORTED_AT,
    )
    _prior_therapy(withdrawn, coord_b)
    record_vitals(withdrawn, coord_b)
    other_ae = ae_record(subject=withdrawn, by=coord_b, values=ae_values(FEVER), now=REPORTED_AT)
    baseline_record(
        subject=withdrawn,
        by=coord_b,
        assessment_date=BASELINE_ON,
        lesions=[
            {"lesion_id": "T1", "organ": "Skin", "is_lymph_node": False, "diameter_mm": Decimal(22)}
        ],
        non_target="not_present",
        today=TODAY,
    )
    disposition_record(
        kind=DispositionKind.WITHDRAWAL,
        subject=withdrawn,
        by=coord_b,
        on=WITHDRAWN_ON,
        reason="Consent withdrawn",
        today=WITHDRAWN_ON,
    )
    query_b = _query(withdrawn, other_ae, users["monitor"], "Onset date?")
    voided = subject_register(
        study=study,
        site=site_b,
        by=coord_b,
        sex="F",
        date_of_birth=date(1980, 6, 1),
        tumour_type="sts",
    )
    subject_void(subject=voided, by=coord_b, reason="Registered twice by mistake")

    for subject in (dosed, screen_failed, withdrawn, voided):
        subject.refresh_from_db()
    return Dataset(
        study=study,
        site_a=site_a,
        site_b=site_b,
        users=users,
        dosed=dosed,
        screen_failed=screen_failed,
        withdrawn=withdrawn,
        voided=voided,
        serious_ae=serious,
        query_a=query_a,
        query_b=query_b,
    )


def api_token(user) -> str:
    """A new API token of `user` (the secret, as its owner sees it once)."""
    return AuthToken.objects.create(user=user)[1]


def exported(fmt: str) -> bytes:
    """A whole-study export in `fmt`, run as `manage.py export` runs it (no user filter)."""
    run = export_services.export_run(
        run_id=export_services.export_request(by=None, format=fmt, channel="command").pk
    )
    assert run.status == ExportStatus.DONE, run.error
    with export_services.export_open(run) as handle:
        return handle.read()
