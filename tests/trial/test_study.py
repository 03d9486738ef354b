"""The one accessor of the study: current_study() and its per-request cache."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from trial.models import Study
from trial.study import (
    CurrentStudyMiddleware,
    MoreThanOneStudy,
    StudyNotLoaded,
    current_study,
    current_study_or_none,
)


def test_no_study_loaded_is_an_error_that_says_to_load_the_study_file(db):
    with pytest.raises(StudyNotLoaded, match="manage.py load_study"):
        current_study()
    assert current_study_or_none() is None


def test_the_loaded_study_is_returned(study):
    assert current_study() == study
    assert current_study_or_none() == study


def test_two_studies_in_one_database_are_refused_naming_both(study):
    Study.objects.create(
        protocol_number="OTHER-002",
        title="t",
        phase="I",
        product="p",
        target_enrollment=1,
        dlt_window_days=21,
        screening_window_days=28,
        cycle_length_days=21,
        max_cycles=6,
    )
    with pytest.raises(MoreThanOneStudy, match="IL22BP-LNP-001, OTHER-002"):
        current_study()
    with pytest.raises(MoreThanOneStudy):
        current_study_or_none()


def test_outside_a_request_every_call_reads_the_database(study, django_assert_num_queries):
    with django_assert_num_queries(2):
        current_study()
        current_study()


def test_inside_a_request_the_study_is_read_once(study, django_assert_num_queries):
    seen = []

    def view(request):
        seen.extend([current_study(), current_study(), current_study_or_none()])
        return "response"

    with django_assert_num_queries(1):
        assert CurrentStudyMiddleware(view)(RequestFactory().get("/")) == "response"
    assert seen == [study] * 3
    # The cache ended with the request.
    with django_assert_num_queries(1):
        current_study()


def test_a_page_that_needs_the_study_answers_503_saying_how_to_load_it(client, make_user):
    client.force_login(make_user("someone"))
    response = client.get(reverse("study_overview"))
    assert response.status_code == 503
    assert "manage.py load_study" in response.content.decode()


def test_home_renders_before_any_study_is_loaded(client, make_user):
    client.force_login(make_user("someone"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "No study loaded" in response.content.decode()


def test_the_page_frame_names_the_product_of_the_study_file(client, study, make_user):
    client.force_login(make_user("someone"))
    page = client.get(reverse("home")).content.decode()
    assert "IL-22BP/LNP eCRF</title>" in page
    assert '">IL-22BP/LNP eCRF</a>' in page


def test_a_renamed_product_is_what_the_pages_say(client, study, make_user):
    Study.objects.filter(pk=study.pk).update(product="XY-1")
    client.force_login(make_user("someone"))
    page = client.get(reverse("home")).content.decode()
    assert "XY-1 eCRF</title>" in page
    assert "IL-22BP/LNP eCRF" not in page


def test_without_a_study_the_frame_says_ecrf(client, make_user):
    client.force_login(make_user("someone"))
    page = client.get(reverse("home")).content.decode()
    assert " · eCRF</title>" in page
