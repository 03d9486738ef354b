"""The RECIST pages: refused input comes back with the reason and every value typed
(issue 13), for the baseline and the follow-up forms."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.dosing.factories import dosed_subject
from tests.rendered_form import lost_values
from tests.screening.factories import PLANNED_C1D1
from tumours.services import baseline_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


def test_tumour_baseline_for_a_subject_in_screening_is_a_400_with_the_reason(
    client, study, site_a, coordinator_a
):
    from tests.screening.factories import consented_subject

    screening = consented_subject(study=study, site=site_a, by=coordinator_a)
    client.force_login(coordinator_a)

    response = client.post(
        reverse("tumour_baseline", args=[screening.pk]),
        {
            "assessment_date": "2026-11-19",
            "method": "CT",
            "non_target": "not_present",
            "lesion_1_organ": "Liver",
            "lesion_1_diameter": "30",
        },
    )

    assert response.status_code == 400
    assert "Tumour assessments are recorded for enrolled subjects." in response.content.decode()
    assert 'value="Liver"' in response.content.decode()  # what was typed is kept


def test_tumour_baseline_refused_keeps_every_value(client, dosed, coordinator_a):
    client.force_login(coordinator_a)
    posted = {
        "assessment_date": (PLANNED_C1D1 - timedelta(days=3)).isoformat(),
        "method": "MRI",
        "lesion_1_organ": "Liver",
        "lesion_1_location": "Segment VI",
        "lesion_1_diameter": "32",
        "lesion_2_organ": "Lymph nodes",
        "lesion_2_node": "on",
        "lesion_2_diameter": "",  # an organ without its diameter
        "non_target_1_organ": "Bone",
        "non_target_1_location": "left femur",
    }

    response = client.post(reverse("tumour_baseline", args=[dosed.pk]), posted)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert lost_values(posted, response.content.decode()) == {}


def test_tumour_follow_up_refused_keeps_every_value(client, dosed, coordinator_a):
    baseline_record(
        subject=dosed,
        by=coordinator_a,
        assessment_date=PLANNED_C1D1 - timedelta(days=3),
        lesions=[{"lesion_id": "T1", "organ": "Liver", "is_lymph_node": False, "diameter_mm": 30}],
        non_target="not_present",
        method="CT",
        today=PLANNED_C1D1,
    )
    client.force_login(coordinator_a)
    posted = {
        "assessment_date": "2026-02-30",  # no such day
        "method": "CT",
        "new_lesions": "no",
        "diameter_T1": "21.5",
    }

    response = client.post(reverse("tumour_follow_up", args=[dosed.pk]), posted)

    assert response.status_code == 400
    assert "assessment_date" in response.context["form"].errors
    assert lost_values(posted, response.content.decode()) == {}
