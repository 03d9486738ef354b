"""The subject page and the worklist through Django's client, as each role, at own and other
sites."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispositions.models import Disposition
from dosing.models import DosingRecord
from dosing.services import dose_void
from review.visits import visit_mark_missed
from tests.dosing.factories import (
    dosed_subject,
    enrolled_subject,
    make_room_in_cohort,
    visit_of,
)
from tests.rendered_form import lost_values
from tests.screening.factories import PLANNED_C1D1
from tests.subjects.page_records import record_visits, subject_with_every_crf
from trial.models import Role, SubjectStatus, Visit
from trial.study_config import load_study, read_config

pytestmark = pytest.mark.django_db

# C1D8 (day 8, window +-1) of a subject dosed on PLANNED_C1D1: due on this day.
C1D8_TARGET = PLANNED_C1D1 + timedelta(days=7)


@pytest.fixture
def today(monkeypatch):
    """Set the views' "today"; the pages start on the day C1D8 is due."""

    def set_today(day):
        monkeypatch.setattr("subjects.views._today", lambda: day)
        return day

    set_today(C1D8_TARGET)
    return set_today


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


# Subject page


def test_subject_page_shows_the_visits_with_their_status(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("subject_detail", args=[dosed.pk]))

    assert response.status_code == 200
    statuses = {r.visit.code: r.status for r in response.context["rows"]}
    assert statuses["C1D1"] == "completed"
    assert statuses["C1D2"] == "missed"
    assert statuses["C1D8"] == "due"
    assert statuses["C2D1"] == "upcoming"
    html = response.content.decode()
    for code in ("C1D1", "C1D2", "C1D8", "C1D15", "C2D1", "C6D1", "EOT", "FU1M", "FU12M"):
        assert f"<strong>{code}</strong>" in html
    for badge in ('text-bg-success">done', 'text-bg-danger">overdue', 'text-bg-primary">due'):
        assert badge in html
    assert 'text-bg-light border">upcoming' in html
    assert response.context["can_edit"] is True


def test_monitor_sees_the_subject_page_of_any_site_read_only(client, today, dosed, monitor):
    client.force_login(monitor)

    response = client.get(reverse("subject_detail", args=[dosed.pk]))

    assert response.status_code == 200
    assert response.context["can_edit"] is False
    assert reverse("subject_disposition", args=[dosed.pk]) not in response.content.decode()


def test_a_dosing_visit_due_offers_record_dose_to_site_staff_only(
    client, today, study, site_a, coordinator_a, investigator_a, monitor
):
    """The button comes from the dosing kind (matrix_action), not from the subject page."""
    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    today(PLANNED_C1D1)
    c1d1 = visit_of(subject, "C1D1")
    button = f'href="{reverse("visit_dosing", args=[c1d1.pk])}">Record dose</a>'

    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert page.count(button) == 1
    assert page.count(">Record dose</a>") == 1  # C2D1 and later are upcoming: no button

    client.force_login(monitor)
    page = client.get(reverse("subject_detail", args=[subject.pk])).content.decode()
    assert ">Record dose</a>" not in page


def test_a_voided_dose_shows_voided_and_offers_no_new_dose(client, today, dosed, coordinator_a):
    today(PLANNED_C1D1)
    record = DosingRecord.objects.get(visit=visit_of(dosed, "C1D1"))
    dose_void(record=record, by=coordinator_a, reason="Wrong subject", now=record.updated_at)
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[dosed.pk])).content.decode()
    assert "Dosing: voided" in page
    assert ">Record dose</a>" not in page


# Another site's subject: not found, and nothing changes


def _other_site_request(subject, which):
    """(method, url, data) of one action on `subject` from its subject page."""
    c1d8 = visit_of(subject, "C1D8").pk
    on = C1D8_TARGET.isoformat()
    return {
        "subject-page": ("get", reverse("subject_detail", args=[subject.pk]), {}),
        "visit-complete": ("post", reverse("visit_complete", args=[c1d8]), {"completed_on": on}),
        "visit-missed": ("post", reverse("visit_missed", args=[c1d8]), {"reason": "Unwell"}),
        "disposition": (
            "post",
            reverse("subject_disposition", args=[subject.pk]),
            {"kind": "withdrawal", "event_date": on, "reason": "Consent withdrawn"},
        ),
    }[which]


@pytest.mark.parametrize(
    "which",
    ["subject-page", "visit-complete", "visit-missed", "disposition"],
)
def test_coordinator_of_another_site_gets_404_and_changes_nothing(
    client, today, dosed, coordinator_b, which
):
    method, url, data = _other_site_request(dosed, which)
    before = list(Visit.objects.filter(subject=dosed).values())
    client.force_login(coordinator_b)

    response = getattr(client, method)(url, data)

    assert response.status_code == 404
    dosed.refresh_from_db()
    assert dosed.status == SubjectStatus.ON_TREATMENT
    assert list(Visit.objects.filter(subject=dosed).values()) == before
    assert DosingRecord.objects.filter(subject=dosed).count() == 1
    assert not Disposition.objects.exists()


# Visits from the subject page


def test_visit_performed_from_the_subject_page(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    c1d8 = visit_of(dosed, "C1D8")

    response = client.post(
        reverse("visit_complete", args=[c1d8.pk]), {"completed_on": C1D8_TARGET.isoformat()}
    )

    assert response.status_code == 302
    c1d8.refresh_from_db()
    assert c1d8.completed_on == C1D8_TARGET


def test_visit_missed_without_a_reason_is_refused(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    c1d2 = visit_of(dosed, "C1D2")

    response = client.post(reverse("visit_missed", args=[c1d2.pk]), {"reason": ""}, follow=True)

    assert "C1D2: give the reason the visit was missed." in response.content.decode()
    c1d2.refresh_from_db()
    assert c1d2.missed_reason == ""


# Worklist


def _enroll_at(study, site, coordinator, investigator, count):
    subjects = []
    for _ in range(count):
        subject = enrolled_subject(study, site, coordinator, investigator)
        make_room_in_cohort(subject)
        subjects.append(subject)
    return subjects


@pytest.fixture
def enroll(study, site_a, site_b, coordinator_a, coordinator_b, investigator_a, investigator_b):
    people = {
        site_a: (coordinator_a, investigator_a),
        site_b: (coordinator_b, investigator_b),
    }

    def enroll(site, count):
        return _enroll_at(study, site, *people[site], count)

    return enroll


def test_worklist_shows_due_and_overdue_visits_of_own_site_only(
    client, today, enroll, site_a, site_b, coordinator_a
):
    # Two days after the planned C1D1, no dose recorded: C1D1 is overdue, C1D8 due this week.
    today(PLANNED_C1D1 + timedelta(days=2))
    own = enroll(site_a, 2)
    other = enroll(site_b, 1)
    client.force_login(coordinator_a)

    response = client.get(reverse("worklist"))

    assert response.status_code == 200
    due, overdue = response.context["due"], response.context["overdue"]
    assert {v.subject_id for v in due + overdue} == {s.pk for s in own}
    assert {(v.subject_id, v.code) for v in overdue} >= {(s.pk, "C1D1") for s in own}
    assert {(v.subject_id, v.code) for v in due} >= {(s.pk, "C1D8") for s in own}
    assert not {v.code for v in due} & {"C2D1", "FU1M"}
    html = response.content.decode()
    assert str(own[0]) in html
    assert str(other[0]) not in html


def test_worklist_leaves_out_visits_performed_or_recorded_missed(
    client, today, dosed, coordinator_a
):
    today(C1D8_TARGET)
    visit_mark_missed(visit=visit_of(dosed, "C1D2"), by=coordinator_a, reason="Patient unwell")
    client.force_login(coordinator_a)

    response = client.get(reverse("worklist"))

    listed = {v.code for v in response.context["due"] + response.context["overdue"]}
    assert "C1D8" in listed
    assert "C1D1" not in listed
    assert "C1D2" not in listed


def test_worklist_does_not_list_the_screening_of_an_enrolled_subject_as_overdue(
    client, today, dosed, coordinator_a
):
    today(C1D8_TARGET)
    client.force_login(coordinator_a)

    response = client.get(reverse("worklist"))

    assert "SCR" not in {v.code for v in response.context["overdue"]}
    assert visit_of(dosed, "SCR").status_on(C1D8_TARGET) == "completed"


def _subject_page_queries(client, user, subject) -> int:
    """The queries of the subject page as `user`, after a first request (the navigation's
    stored counts are recounted on the first page after a change: a fixed number)."""
    client.force_login(user)
    url = reverse("subject_detail", args=[subject.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as page:
        assert client.get(url).status_code == 200
    return len(page.captured_queries)


# Issue 22: 57 queries for a coordinator, 58 for an investigator or a monitor before (each
# section read the visits, the site's roles and the subject's lock again; the RECIST section
# read its time points three times); 41 and 42 after, on this test's subject.
SUBJECT_PAGE_MAX_QUERIES = 44


def test_subject_page_queries_do_not_grow_with_the_records_of_each_crf(
    client,
    today,
    study,
    site_a,
    coordinator_a,
    investigator_a,
    monitor,
    django_assert_max_num_queries,
):
    subject = subject_with_every_crf(study, site_a, coordinator_a, investigator_a)
    users = (coordinator_a, investigator_a, monitor)
    with_one_visit = [_subject_page_queries(client, user, subject) for user in users]

    record_visits(subject, coordinator_a, 2, 3, 4, 5)
    with_five_visits = [_subject_page_queries(client, user, subject) for user in users]

    assert with_five_visits == with_one_visit
    url = reverse("subject_detail", args=[subject.pk])
    for user in users:
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(SUBJECT_PAGE_MAX_QUERIES):
            client.get(url)


def test_worklist_queries_stay_flat_from_2_to_8_subjects(
    client, today, enroll, site_a, site_b, coordinator_a, django_assert_max_num_queries
):
    today(PLANNED_C1D1 + timedelta(days=2))
    enroll(site_a, 2)
    enroll(site_b, 1)
    client.force_login(coordinator_a)
    # Each first page after a change recounts the site's stored navigation counts (a fixed
    # number of queries, followup.my_tasks): measured on the page after it.
    client.get(reverse("worklist"))
    with CaptureQueriesContext(connection) as two_subjects:
        first = client.get(reverse("worklist"))
    listed_with_two = len(first.context["due"]) + len(first.context["overdue"])
    # Read now: the connection keeps its last 9,000 queries only, and enrolling writes many.
    queries_with_two = len(two_subjects.captured_queries)

    enroll(site_a, 6)
    client.get(reverse("worklist"))
    with django_assert_max_num_queries(queries_with_two):
        response = client.get(reverse("worklist"))

    assert len(response.context["due"]) + len(response.context["overdue"]) == 4 * listed_with_two
    assert queries_with_two <= 12


# Nothing typed is lost (issue 13): each form posted with something invalid comes back with
# every value that was sent.


def test_visit_performed_refused_keeps_the_date_typed(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    c1d8 = visit_of(dosed, "C1D8")
    action = reverse("visit_complete", args=[c1d8.pk])
    posted = {"completed_on": "2026-13-40"}

    response = client.post(action, posted)

    assert response.status_code == 400
    assert "C1D8: enter the visit date" in response.content.decode()
    assert lost_values(posted, response.content.decode(), action) == {}


def test_visit_missed_refused_keeps_the_reason_typed(client, today, dosed, coordinator_a):
    client.force_login(coordinator_a)
    c1d2 = visit_of(dosed, "C1D2")
    action = reverse("visit_missed", args=[c1d2.pk])
    posted = {"reason": "Patient in hospital " * 30}  # over the 500 characters allowed

    response = client.post(action, posted)

    assert response.status_code == 400
    assert lost_values(posted, response.content.decode(), action) == {}
    c1d2.refresh_from_db()
    assert c1d2.missed_reason == ""


# The schedule of assessments drives the forms each visit row shows (issue 18)


def visit_forms_of(page_response, code: str) -> list[tuple[str, str, str]]:
    """(form name, status, url) of the forms the subject page lists on visit `code`."""
    (row,) = [r for r in page_response.context["rows"] if r.visit.code == code]
    return [(f.name, f.status, f.url) for f in row.forms]


def test_each_visit_lists_the_forms_the_schedule_expects_with_their_state(
    client, today, dosed, coordinator_a
):
    client.force_login(coordinator_a)
    response = client.get(reverse("subject_detail", args=[dosed.pk]))
    c1d1, c1d8 = visit_of(dosed, "C1D1"), visit_of(dosed, "C1D8")
    labs_c1d8 = reverse("visit_labs", args=[c1d8.pk])
    assert visit_forms_of(response, "C1D1") == [
        ("Dosing", "complete", reverse("visit_dosing", args=[c1d1.pk])),
        ("Haematology", "not_started", reverse("visit_labs", args=[c1d1.pk])),
        ("Chemistry", "not_started", reverse("visit_labs", args=[c1d1.pk])),
        ("Samples", "not_started", reverse("visit_samples", args=[c1d1.pk])),
        ("ECG pre-dose", "not_started", reverse("visit_ecgs", args=[c1d1.pk])),
        ("ECG post-dose", "not_started", reverse("visit_ecgs", args=[c1d1.pk])),
    ]
    vitals_c1d8 = reverse("visit_vitals", args=[c1d8.pk])
    assert visit_forms_of(response, "C1D8") == [
        ("Haematology", "not_started", labs_c1d8),
        ("Chemistry", "not_started", labs_c1d8),
        ("Vital signs", "not_started", vitals_c1d8),
    ]
    c1d2 = visit_of(dosed, "C1D2")
    assert visit_forms_of(response, "C1D2") == [
        ("Vital signs", "not_started", reverse("visit_vitals", args=[c1d2.pk]))
    ]
    assert [name for name, _s, _u in visit_forms_of(response, "SCR")] == [
        "Informed consent",
        "Eligibility",
        "Haematology",
        "Chemistry",
        "Vital signs",
        "ECG",
    ]
    page = response.content.decode()
    assert f'href="{labs_c1d8}"' in page and "Haematology: not started" in page
    assert 'Dosing: given as planned</a> <span class="text-muted">(complete)' in page


def test_a_changed_schedule_changes_the_forms_a_visit_shows(client, today, dosed, coordinator_a):
    config = read_config(settings.STUDY_CONFIG_FILE)
    config["assessments"] = [
        {"form": "labs.labresult", "panel": "chemistry", "visits": ["C1D2"]},
    ]
    load_study(config)
    client.force_login(coordinator_a)
    response = client.get(reverse("subject_detail", args=[dosed.pk]))
    c1d2 = visit_of(dosed, "C1D2")
    assert visit_forms_of(response, "C1D2") == [
        ("Chemistry", "not_started", reverse("visit_labs", args=[c1d2.pk]))
    ]
    assert visit_forms_of(response, "C1D8") == []
    assert visit_forms_of(response, "C1D1") == []  # the dose form is no longer scheduled


def test_a_visit_recorded_missed_expects_no_form(client, today, dosed, coordinator_a):
    today(C1D8_TARGET + timedelta(days=3))
    visit_mark_missed(visit=visit_of(dosed, "C1D8"), by=coordinator_a, reason="Patient unwell")
    client.force_login(coordinator_a)
    response = client.get(reverse("subject_detail", args=[dosed.pk]))
    assert visit_forms_of(response, "C1D8") == []
