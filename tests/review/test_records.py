"""What a query or a verification may name on a record (review.records.field_choices)."""

import pytest

from dosing.models import DosingRecord
from review.records import field_choices
from screening.models import EligibilityAssessment
from tests.adverse_events.factories import load_starter_dictionary, record_ae
from tests.dosing.factories import dosed_subject
from tests.screening.factories import consented_subject

pytestmark = pytest.mark.django_db


def test_ae_field_picker_lists_entered_fields_not_derived_ones(
    study, site_a, coordinator_a, investigator_a
):
    load_starter_dictionary()
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    ae = record_ae(
        subject, coordinator_a, grade=3, serious=True, serious_criteria=["hospitalisation"]
    )

    names = [name for name, _label in field_choices(ae)]

    assert {"term", "grade", "onset_date", "serious_criteria", "outcome"} <= set(names)
    assert not {"sae_report_due_at", "worst_grade", "dlt_candidate", "susar"} & set(names)


def test_pregnancy_fields_are_not_offered_for_a_man(study, site_a, coordinator_a, investigator_a):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)  # a man
    dose = DosingRecord.objects.get(subject=subject)
    assessment = EligibilityAssessment.objects.get(subject=subject)

    dose_fields = {name for name, _label in field_choices(dose)}
    eligibility_fields = {name for name, _label in field_choices(assessment)}

    assert "lot_number" in dose_fields and "pregnancy_test" not in dose_fields
    assert "ecog" in eligibility_fields
    assert not {"pregnant", "lactating", "pregnancy_test_result"} & eligibility_fields


def test_pregnancy_fields_are_offered_for_a_woman(study, site_a, coordinator_a):
    woman = consented_subject(study=study, site=site_a, by=coordinator_a, sex="F")
    assessment = EligibilityAssessment(subject=woman)

    assert "pregnancy_test_result" in {name for name, _label in field_choices(assessment)}
