"""A NUL character anywhere in a request is a 400 naming the field (trial.input_guard)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_api_query_parameter_is_a_json_400_naming_it(client, make_user, study):
    from trial.models import Role

    client.force_login(make_user("dm", Role.DATA_MANAGER, None))

    response = client.get("/api/subjects/", {"site": "FR\x0001"})

    assert response.status_code == 400
    assert response.json()["detail"].startswith("site: contains a NUL character")


def test_a_nul_in_a_form_field_is_a_400_page_naming_it(client, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post(reverse("screening_register"), {"tumour_type_other": "a\x00b"})

    assert response.status_code == 400
    assert "tumour_type_other: contains a NUL character" in response.content.decode()


def test_input_without_nul_passes_through(client, coordinator_a):
    client.force_login(coordinator_a)
    assert client.get(reverse("ctcae_search"), {"q": "Fever"}).status_code == 200
