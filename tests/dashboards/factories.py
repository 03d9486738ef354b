"""Many subjects at once for the query-count tests, bulk-created: only the counts matter there.

Every row the dashboards read is made (consent, eligibility, visits, doses, tumour
assessments, dispositions, AEs, queries), so a query per subject anywhere would show.
Hand-checked numbers are built through the services instead (test_selectors.py).
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from adverse_events.models import AdverseEvent, CtcaeTerm
from dispositions.models import Disposition
from dosing.models import DosingRecord
from review.models import Query
from screening.models import Consent, EligibilityAssessment
from tests.screening.factories import PLANNED_C1D1, TODAY, at
from trial.models import Subject, Visit
from tumours.models import TumourAssessment

FAILED_ECOG = [{"code": "IN3", "criterion": "ECOG", "outcome": "failed", "reason": "ECOG 3"}]


def bulk_subjects(count: int, *, study, site, by, offset: int = 0) -> list[Subject]:
    """`count` subjects at `site`: four in five enrolled and dosed, one in five screen failed."""
    level = study.dose_levels.order_by("order").first()
    subjects = Subject.objects.bulk_create(
        Subject(
            study=study,
            site=site,
            screening_number=f"B{site.code}-{offset + i:04d}",
            subject_number=None if i % 5 == 4 else f"B{site.code}-E{offset + i:04d}",
            status="screen_failed" if i % 5 == 4 else "on_treatment",
            sex="M",
            date_of_birth=TODAY.replace(year=1970),
            tumour_type="melanoma",
            dose_level=None if i % 5 == 4 else level,
            planned_c1d1=None if i % 5 == 4 else PLANNED_C1D1,
            enrolled_at=None if i % 5 == 4 else at(TODAY - timedelta(days=i % 60)),
            dlt=i % 7 == 0,
            created_by=by,
        )
        for i in range(count)
    )
    Consent.objects.bulk_create(
        Consent(
            subject=s, icf_version="2.0", signed_at=at(TODAY - timedelta(days=8)), recorded_by=by
        )
        for s in subjects
    )
    EligibilityAssessment.objects.bulk_create(
        EligibilityAssessment(
            subject=s,
            assessment_date=TODAY - timedelta(days=1),
            status="not_eligible" if s.status == "screen_failed" else "eligible",
            findings=FAILED_ECOG if s.status == "screen_failed" else [],
            saved_by=by,
        )
        for s in subjects
    )
    enrolled = [s for s in subjects if s.status != "screen_failed"]
    visits = Visit.objects.bulk_create(
        Visit(
            subject=s,
            code=code,
            name=code,
            kind=kind,
            anchor="first_dose",
            order=order,
            target_date=PLANNED_C1D1 + timedelta(days=offset_days),
            window_opens_on=PLANNED_C1D1 + timedelta(days=offset_days),
            window_closes_on=PLANNED_C1D1 + timedelta(days=offset_days + 1),
        )
        for s in enrolled
        for code, kind, order, offset_days in (("C1D1", "dosing", 2, 0), ("C1D8", "safety", 3, 7))
    )
    DosingRecord.objects.bulk_create(
        DosingRecord(
            visit=v,
            subject=v.subject,
            administered_on=PLANNED_C1D1,
            dose_level=level,
            recorded_by=by,
        )
        for v in visits
        if v.code == "C1D1"
    )
    # As dosing.services.keep_dose_dates stores them for doses written through the service.
    Subject.objects.filter(pk__in=[s.pk for s in enrolled]).update(
        first_dose_on=PLANNED_C1D1, last_dose_on=PLANNED_C1D1
    )
    TumourAssessment.objects.bulk_create(
        TumourAssessment(
            subject=s,
            assessment_date=PLANNED_C1D1 + timedelta(days=42 * k),
            is_baseline=k == 0,
            non_target="non_cr_non_pd",
            new_lesions=False,
            sum_mm=Decimal(50 - 5 * k),
            change_from_baseline_pct=None if k == 0 else Decimal(-10 * k),
            response="" if k == 0 else "sd",
            recorded_by=by,
        )
        for s in enrolled
        for k in (0, 1, 2)
    )
    Disposition.objects.bulk_create(
        Disposition(
            subject=s,
            kind="end_of_treatment",
            event_date=PLANNED_C1D1 + timedelta(days=90),
            reason="Done",
            recorded_by=by,
        )
        for s in enrolled[::3]
    )
    terms = list(CtcaeTerm.objects.order_by("id")[:5])
    AdverseEvent.objects.bulk_create(
        AdverseEvent(
            subject=s,
            sequence=k + 1,
            term=terms[(i + k) % len(terms)],
            recorded_term=terms[(i + k) % len(terms)].term,
            recorded_meddra_code=terms[(i + k) % len(terms)].meddra_code,
            recorded_soc=terms[(i + k) % len(terms)].soc,
            onset_date=PLANNED_C1D1 + timedelta(days=2 + k),
            grade=1 + (i + k) % 3,
            worst_grade=1 + (i + k) % 3,
            serious=k == 1,
            aware_at=at(PLANNED_C1D1 + timedelta(days=3)) if k == 1 else None,
            relationship=("possible", "not_related", "")[(i + k) % 3],
            action_taken="dose_not_changed",
            outcome="not_recovered",
            period="treatment_emergent",
            dlt=k == 1 and i % 7 == 0,
            recorded_by=by,
        )
        for i, s in enumerate(enrolled)
        for k in (0, 1)
    )
    subject_type = ContentType.objects.get_for_model(Subject)
    Query.objects.bulk_create(
        Query(
            subject=s,
            content_type=subject_type,
            object_id=s.pk,
            text="Please check",
            origin="manual",
            status=("open", "answered", "closed")[i % 3],
            raised_at=at(TODAY),
        )
        for i, s in enumerate(subjects)
    )
    return subjects
