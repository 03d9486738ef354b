"""The read-only REST API: authentication, site isolation on every endpoint, and the
OpenAPI schema exercised by schemathesis (every operation, no 5xx, conforming responses)."""

import re

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from adverse_events.models import AdverseEvent
from config.wsgi import application
from dosing.models import DosingRecord
from history.models import MedicalHistory, PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from medications.models import ConcomitantMedication
from screening.models import EligibilityAssessment
from tests.exports.factories import api_token
from trial.models import Visit
from tumours.models import TumourAssessment
from vitals.models import VitalSigns

ENDPOINTS = [
    "subjects",
    "visits",
    "eligibility",
    "dosing-records",
    "tumour-assessments",
    "adverse-events",
    "medical-history",
    "medications",
    "prior-systemic-therapy",
    "prior-radiotherapy",
    "prior-surgery",
    "vital-signs",
    "queries",
]
# A subject's background: read by every role but sponsor safety (Capability.READ_BACKGROUND).
BACKGROUND = [
    "medical-history",
    "medications",
    "prior-systemic-therapy",
    "prior-radiotherapy",
    "prior-surgery",
]


def _token(user) -> str:
    return api_token(user)


@pytest.fixture
def api(client, data):
    """A client authenticated by token as `username`."""

    def as_user(username):
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {_token(data.users[username])}"
        return client

    return as_user


def _records(data, subject):
    """One record of `subject` per endpoint."""
    return {
        "subjects": subject,
        "visits": Visit.objects.filter(subject=subject).first(),
        "eligibility": EligibilityAssessment.objects.get(subject=subject),
        "dosing-records": DosingRecord.objects.filter(subject=subject).first(),
        "tumour-assessments": TumourAssessment.objects.filter(subject=subject).first(),
        "adverse-events": AdverseEvent.objects.filter(subject=subject).first(),
        "medical-history": MedicalHistory.objects.filter(subject=subject).first(),
        "medications": ConcomitantMedication.objects.filter(subject=subject).first(),
        "prior-systemic-therapy": SystemicTherapyLine.objects.filter(subject=subject).first(),
        "prior-radiotherapy": PriorRadiotherapy.objects.filter(subject=subject).first(),
        "prior-surgery": PriorSurgery.objects.filter(subject=subject).first(),
        "vital-signs": VitalSigns.objects.filter(subject=subject).first(),
        "queries": data.query_a if subject == data.dosed else data.query_b,
    }


def _ids(response) -> set[int]:
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unauthenticated_requests_are_refused(client, data, endpoint):
    response = client.get(f"/api/{endpoint}/")
    assert response.status_code == 401
    assert client.get(f"/api/{endpoint}/1/").status_code == 401


def test_a_wrong_token_is_refused(client, data):
    response = client.get("/api/subjects/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code == 401


def test_token_authentication_works(api, data):
    response = api("coord_a").get("/api/subjects/")
    assert response.status_code == 200
    numbers = {s["screening_number"] for s in response.json()["results"]}
    assert numbers == {data.dosed.screening_number, data.screen_failed.screening_number}


def test_session_authentication_works(client, data):
    client.force_login(data.users["dm"])
    assert client.get("/api/subjects/").status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_coordinator_of_site_a_never_sees_site_b(api, data, endpoint):
    client = api("coord_a")
    own, other = _records(data, data.dosed)[endpoint], _records(data, data.withdrawn)[endpoint]
    listed = _ids(client.get(f"/api/{endpoint}/", {"limit": 500}))
    assert own.pk in listed
    assert other.pk not in listed
    assert client.get(f"/api/{endpoint}/{own.pk}/").status_code == 200
    assert client.get(f"/api/{endpoint}/{other.pk}/").status_code == 404
    if endpoint != "subjects":
        filtered = client.get(f"/api/{endpoint}/", {"subject": data.withdrawn.pk})
        assert filtered.status_code == 200 and filtered.json()["results"] == []


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_data_manager_for_all_sites_sees_both(api, data, endpoint):
    listed = _ids(api("dm").get(f"/api/{endpoint}/", {"limit": 500}))
    assert _records(data, data.dosed)[endpoint].pk in listed
    assert _records(data, data.withdrawn)[endpoint].pk in listed


def test_user_without_a_role_sees_nothing(api):
    client = api("nobody")
    for endpoint in ENDPOINTS:
        response = client.get(f"/api/{endpoint}/")
        assert response.status_code == 200 and response.json()["count"] == 0


def test_voided_subject_is_not_listed(api, data):
    listed = _ids(api("coord_b").get("/api/subjects/"))
    assert data.withdrawn.pk in listed and data.voided.pk not in listed
    assert api("coord_b").get(f"/api/subjects/{data.voided.pk}/").status_code == 404


def test_sponsor_safety_reads_serious_adverse_events_only(api, data):
    results = api("safety").get("/api/adverse-events/").json()["results"]
    assert [ae["id"] for ae in results] == [data.serious_ae.pk]
    assert results[0]["term"] == "Fever" and results[0]["meddra_code"] == 10016558


def test_filters_are_validated(api, data):
    client = api("dm")
    assert client.get("/api/subjects/99999999999999999999999/").status_code == 404
    assert client.get("/api/subjects/1.5/").status_code == 404
    assert client.get("/api/visits/", {"limit": "0"}).status_code == 400
    assert client.get("/api/visits/", {"subject": "abc"}).status_code == 400
    assert client.get("/api/subjects/", {"status": "sleeping"}).status_code == 400
    response = client.get("/api/subjects/", {"site": "FR02", "status": "withdrawn"})
    assert [s["id"] for s in response.json()["results"]] == [data.withdrawn.pk]


def test_queries_come_with_their_thread(api, data):
    query = api("dm").get(f"/api/queries/{data.query_a.pk}/").json()
    assert query["record_type"] == "adverse_events.adverseevent"
    assert query["raised_by"] == "monitor"
    assert [m["kind"] for m in query["messages"]] == ["raised"]


def test_tumour_assessment_carries_its_measurements(api, data):
    baseline = TumourAssessment.objects.get(subject=data.dosed, is_baseline=True)
    body = api("coord_a").get(f"/api/tumour-assessments/{baseline.pk}/").json()
    assert {(m["lesion_id"], m["diameter_mm"]) for m in body["measurements"]} == {
        ("T1", "30.0"),
        ("T2", "20.0"),
    }


def test_docs_use_the_bundled_swagger_ui_not_a_cdn(client, data):
    client.force_login(data.users["coord_a"])
    page = client.get(reverse("api-docs")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page
    assert client.get(reverse("api-schema")).status_code == 200


def test_the_docs_page_has_no_inline_script_and_serves_its_own(client, data):
    client.force_login(data.users["coord_a"])
    page = client.get(reverse("api-docs")).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    start_up = client.get(reverse("api-docs") + "?script=")
    assert start_up.status_code == 200
    assert start_up["Content-Type"].startswith("application/javascript")
    assert reverse("api-schema") in start_up.content.decode()


def test_schema_and_docs_need_a_signed_in_user(client, data):
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    assert client.get(reverse("api-docs") + "?script=").status_code == 302
    assert client.get(reverse("api-schema")).status_code == 401


# --- schemathesis ------------------------------------------------------------------------------
# Driven through its Python API (operation strategies with Hypothesis) rather than its pytest
# plugin, whose lazy loader does not run under this pytest version.


def _run(strategy, headers):
    @given(case=strategy)
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers=headers)

    check()


@pytest.fixture
def wsgi_keeps_the_test_transaction():
    """Calling the WSGI app directly fires request_started/finished, whose handler closes a
    connection left in a transaction; Django's test client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_conforms_to_its_schema(data, wsgi_keeps_the_test_transaction):
    tokens = {name: _token(data.users[name]) for name in ("dm", "coord_a")}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers={"Authorization": f"Token {tokens['dm']}"}
    )
    existing = {endpoint: _records(data, data.dosed)[endpoint].pk for endpoint in ENDPOINTS}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 2 * len(ENDPOINTS)
    for operation in operations:
        for name, token in tokens.items():
            headers = {"Authorization": f"Token {token}"}
            _run(operation.as_strategy(GenerationMode.POSITIVE), headers)
            if name == "dm":
                _run(operation.as_strategy(GenerationMode.NEGATIVE), headers)
            if "{id}" in operation.path:
                endpoint = operation.path.split("/")[2]
                known = operation.as_strategy(path_parameters={"id": existing[endpoint]})
                _run(known, headers)


def test_a_kind_registered_in_a_test_is_served_by_the_api(throwaway_kind, api, data):
    listed = api("coord_a").get("/api/reminders/").json()["results"]
    assert listed == [
        {
            "id": throwaway_kind.pk,
            "subject": data.dosed.pk,
            "kind": "visit_upcoming",
            "title": "A test-only record",
        }
    ]
    # Scoped like every endpoint: a site B coordinator neither lists nor reads it.
    assert api("coord_b").get("/api/reminders/").json()["results"] == []
    assert api("coord_b").get(f"/api/reminders/{throwaway_kind.pk}/").status_code == 404


@pytest.mark.parametrize("endpoint", BACKGROUND)
def test_sponsor_safety_reads_no_background(api, data, endpoint):
    """Sponsor safety holds no READ_BACKGROUND: nothing listed, every detail 404."""
    entries = [_records(data, subject)[endpoint] for subject in (data.dosed, data.withdrawn)]
    client = api("safety")
    response = client.get(f"/api/{endpoint}/", {"limit": 500})
    assert response.status_code == 200 and response.json()["results"] == []
    assert [client.get(f"/api/{endpoint}/{e.pk}/").status_code for e in entries] == [404, 404]
    client = api("monitor")
    assert [client.get(f"/api/{endpoint}/{e.pk}/").status_code for e in entries] == [200, 200]


@pytest.mark.parametrize("endpoint", BACKGROUND)
def test_voided_background_records_are_left_out(api, data, endpoint):
    entry = _records(data, data.dosed)[endpoint]
    type(entry).objects.filter(pk=entry.pk).update(voided_at=timezone.now(), void_reason="Test")
    client = api("coord_a")
    assert entry.pk not in _ids(client.get(f"/api/{endpoint}/", {"limit": 500}))
    assert client.get(f"/api/{endpoint}/{entry.pk}/").status_code == 404


def test_a_medication_says_prior_or_concomitant_from_the_first_dose(api, data):
    """Ongoing since 2019 for a dosed subject: concomitant; stopped in 2019: prior."""
    entry = _records(data, data.dosed)["medications"]
    client = api("coord_a")
    body = client.get(f"/api/medications/{entry.pk}/").json()
    assert body["timing"] == "concomitant"
    assert body["indication_ae"] == data.serious_ae.pk and body["dose_code"] == "UNK"
    assert body["start_date"] == "2019" and body["recorded_by"] == "coord_a"
    ConcomitantMedication.objects.filter(pk=entry.pk).update(ongoing=False, end_date="2019-06")
    assert client.get(f"/api/medications/{entry.pk}/").json()["timing"] == "prior"


def test_prior_therapy_keeps_dates_at_their_precision(api, data):
    client = api("coord_a")
    lines = client.get("/api/prior-systemic-therapy/", {"subject": data.dosed.pk}).json()
    assert [(line["line_number"], line["start_date"]) for line in lines["results"]] == [
        (1, "2025-01"),
        (2, "2026-03"),
    ]
    surgery = client.get("/api/prior-surgery/", {"subject": data.dosed.pk}).json()["results"]
    assert [(s["procedure"], s["surgery_date"]) for s in surgery] == [
        ("Wide local excision", "2023-07")
    ]
    course = client.get("/api/prior-radiotherapy/", {"subject": data.dosed.pk}).json()
    assert course["results"][0]["total_dose_gy"] == "50.00"


def test_the_schema_lists_the_background_endpoints(client, data):
    client.force_login(data.users["dm"])
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    for endpoint in BACKGROUND:
        assert {f"/api/{endpoint}/", f"/api/{endpoint}/{{id}}/"} <= set(schema["paths"])
    medication = schema["components"]["schemas"]["ConcomitantMedication"]["properties"]
    assert "timing" in medication
