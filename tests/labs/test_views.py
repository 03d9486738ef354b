"""Lab pages through Django's client, as each role: scoping, bad input kept."""

from decimal import Decimal

import pytest
from django.urls import reverse

from labs.models import LabResult
from labs.services import normal_range_record
from tests.labs.factories import (
    RECORDED_AT,
    URINE_PROTEIN_RANGE,
    dipstick,
    form_data,
    range_values,
    record_result,
    result_values,
    visit_of,
)
from tests.rendered_form import lost_values, submitted_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("labs.views._now", lambda: RECORDED_AT)


def _visit_url(subject, code="C1D8"):
    return reverse("visit_labs", args=[visit_of(subject, code).pk])


def test_coordinator_adds_a_result_shown_with_its_grade(client, subject, coordinator_a):
    client.force_login(coordinator_a)
    posted = form_data(result_values(value=Decimal(1000), unit="/mm3", test="NEUT"))
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 302
    page = client.get(_visit_url(subject)).content.decode()
    assert "1000 /mm3" in page and "1 10^9/L" in page and "LOW" in page
    assert LabResult.objects.get().grade == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"unit": ""}, "unit", "needs its unit"),
        ({"unit": "g/L"}, "unit", "not one of U/L"),
        ({"value": "-3"}, "value", "cannot be negative"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(result_values()) | changes
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not LabResult.objects.exists()


def test_coordinator_picks_a_dipsticks_category_shown_abnormal_with_its_grade(
    client, subject, coordinator_a
):
    client.force_login(coordinator_a)
    form = client.get(_visit_url(subject)).context["form"]
    assert [c for c, _label in form.fields["category"].choices][1:] == [
        "Negative", "Trace", "1+", "2+", "3+", "4+"
    ]  # fmt: skip
    response = client.post(_visit_url(subject), form_data(result_values(**dipstick("2+"))))
    assert response.status_code == 302
    page = client.get(_visit_url(subject)).content.decode()
    assert "2+" in page and "ABNORMAL" in page and "Negative or Trace" in page
    record = LabResult.objects.get()
    assert (record.category, record.value, record.grade) == ("2+", None, 2)
    detail = client.get(reverse("lab_result_detail", args=[record.pk])).content.decode()
    assert "Category 2+ · ABNORMAL" in detail


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (dipstick(""), "category", "Protein needs its category"),
        (dipstick(value="1"), "value", "leave the value empty"),
        (dipstick(unit="g/L"), "unit", "leave the unit empty"),
        ({"value": ""}, "value", "needs its value"),
        ({"category": "1+"}, "category", "leave the category empty"),
    ],
)
def test_a_value_or_category_where_the_test_takes_the_other_is_refused_and_kept(
    client, subject, coordinator_a, changes, field, message
):
    client.force_login(coordinator_a)
    posted = form_data(result_values()) | form_data(changes)
    response = client.post(_visit_url(subject), posted)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert lost_values(posted, response.content.decode()) == {}
    assert not LabResult.objects.exists()


def test_another_sites_staff_get_404(client, subject, coordinator_a, coordinator_b):
    record = record_result(subject, coordinator_a)
    client.force_login(coordinator_b)
    assert client.get(_visit_url(subject)).status_code == 404
    assert client.post(_visit_url(subject), form_data(result_values())).status_code == 404
    assert client.get(reverse("lab_result_detail", args=[record.pk])).status_code == 404


def test_a_monitor_reads_but_cannot_add(client, subject, coordinator_a, monitor):
    record_result(subject, coordinator_a)
    client.force_login(monitor)
    page = client.get(_visit_url(subject))
    assert page.status_code == 200 and "Add a result" not in page.content.decode()
    assert client.post(_visit_url(subject), form_data(result_values())).status_code == 403
    assert LabResult.objects.count() == 1


def test_a_correction_through_the_detail_page(client, subject, coordinator_a):
    record = record_result(subject, coordinator_a)
    client.force_login(coordinator_a)
    url = reverse("lab_result_detail", args=[record.pk])
    posted = form_data(result_values(value=Decimal(130))) | {"version": "1", "reason": ""}
    response = client.post(url, posted)
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert lost_values(posted, response.content.decode(), action="") == {}
    response = client.post(url, posted | {"reason": "Lab report re-read"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.value, record.grade, record.version) == (Decimal(130), 2, 2)


def test_the_correction_form_shows_the_stored_date_and_time(client, subject, coordinator_a):
    """As the browser submits it: a date picker needs the ISO date to show it at all."""
    record = record_result(subject, coordinator_a)
    client.force_login(coordinator_a)
    html = client.get(reverse("lab_result_detail", args=[record.pk])).content.decode()
    values = submitted_values(html, action="")
    assert values["collected_on"] == [record.collected_on.isoformat()]
    assert values["test"] == ["ALT"]
    # The unit's help names the units of this result's test only.
    assert "Alanine Aminotransferase: U/L, IU/L" in html and "Neutrophils:" not in html


def test_the_subject_page_lists_graded_results_and_the_visits(client, subject, coordinator_a):
    record_result(subject, coordinator_a)
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert "Local labs" in page and "Alanine Aminotransferase" in page
    assert _visit_url(subject) in page


def test_a_range_with_an_upper_limit_only_reads_as_at_most_it(
    client, subject, site_a, coordinator_a
):
    normal_range_record(
        site=site_a, by=coordinator_a, values=range_values(**URINE_PROTEIN_RANGE), now=RECORDED_AT
    )
    record_result(subject, coordinator_a, test="PROTEXR", value=Decimal("0.32"), unit="g/day")
    client.force_login(coordinator_a)
    page = client.get(_visit_url(subject)).content.decode()
    assert "≤ 0.15 g/day" in page
    assert "–0.15" not in page
