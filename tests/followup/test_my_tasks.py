"""My tasks: each role's counts, equal to the lists they stand for, and a number of queries
that does not grow with the subjects."""

from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followup.my_tasks import forms_incomplete, my_tasks
from review.models import TaskCount
from review.selectors import awaiting_review
from review.services import query_answer, query_raise, record_lock, record_verify
from review.subjects import subject_void
from review.task_counts import (
    MAX_AGE,
    cached,
    lockable_count,
    review_count,
    to_verify_count,
)
from review.visits import visit_mark_missed
from tests.adverse_events.factories import load_starter_dictionary, record_ae
from tests.dosing.factories import PLANNED_C1D1, dosed_subject
from tests.ecg.factories import record_c1d1_pre_dose_ecg
from tests.labs.factories import add_ranges, record_result
from tests.review.factories import LATER, LOCKED_AT, SIGNED_AT, c1d1_dose, correct_c1d1, sign
from trial.models import Role, Site, Subject

pytestmark = pytest.mark.django_db
SERIOUS = {"grade": 3, "serious": True, "serious_criteria": ["hospitalisation"]}


@pytest.fixture
def dosed(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def data_manager(make_user, study):
    return make_user("dm", Role.DATA_MANAGER, None)


def counts(user, **kwargs) -> dict[str, int]:
    now = kwargs.pop("now", timezone.now())
    return {
        task.key: task.count
        for section in my_tasks(user, today=timezone.localdate(now), now=now, **kwargs)
        for task in section.tasks
    }


def queue_length() -> int:
    return len(awaiting_review(Subject.objects.all()))


def test_review_count_equals_the_review_queue_through_sign_edit_and_resign(
    dosed, coordinator_a, investigator_a
):
    subjects = Subject.objects.all()
    assert review_count(subjects) == queue_length() >= 1
    sign(c1d1_dose(dosed), investigator_a, now=SIGNED_AT)
    assert review_count(subjects) == queue_length()
    correct_c1d1(dosed, coordinator_a, volume_ml="1.50")  # the signature is no longer valid
    assert review_count(subjects) == queue_length()
    sign(c1d1_dose(dosed), investigator_a, now=timezone.now() + timedelta(minutes=1))
    assert review_count(subjects) == queue_length()
    load_starter_dictionary()
    record_ae(dosed, coordinator_a, **SERIOUS)  # an SAE to sign and its causality to assess
    assert review_count(subjects) == queue_length()


def test_navigation_counts_stored_per_site_follow_every_change(
    dosed, coordinator_a, investigator_a, monitor, data_manager, django_assert_max_num_queries
):
    """The counts the navigation reads from TaskCount equal the lists after each change."""

    def navigation_counts():
        return {
            "review": counts(investigator_a)["review"],
            "to_verify": counts(monitor)["forms_to_verify"],
            "to_lock": counts(data_manager)["records_to_lock"],
        }

    def lists():
        subjects = Subject.objects.all()
        return {
            "review": queue_length(),
            "to_verify": to_verify_count(subjects),
            "to_lock": lockable_count(subjects),
        }

    assert navigation_counts() == lists()
    assert TaskCount.objects.filter(name="review").count() >= 1
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a, now=SIGNED_AT)  # a signature: no audit event, the tally moves
    assert navigation_counts() == lists()
    record_lock(record=c1d1_dose(dosed), by=data_manager, now=LOCKED_AT)
    assert navigation_counts() == lists()
    record_verify(record=c1d1_dose(dosed), by=monitor, now=LATER)
    assert navigation_counts() == lists()
    load_starter_dictionary()
    record_ae(dosed, coordinator_a, **SERIOUS)
    assert navigation_counts() == lists()
    subject_void(subject=dosed, by=coordinator_a, reason="Registered twice")
    assert navigation_counts() == lists() == {"review": 0, "to_verify": 0, "to_lock": 0}


def test_a_current_stored_count_costs_one_query(dosed, investigator_a):
    sites = Site.objects.filter(pk=dosed.site_id)
    now = timezone.now()
    counted = cached("review", sites, now=now)
    assert counted == queue_length() >= 1
    with CaptureQueriesContext(connection) as stored:
        assert cached("review", sites, now=now) == counted
    assert len(stored) == 1
    # Past MAX_AGE it is counted again, even with nothing changed.
    with CaptureQueriesContext(connection) as recounted:
        assert cached("review", sites, now=now + MAX_AGE + timedelta(seconds=1)) == counted
    assert len(recounted) > 1


def test_signed_records_to_lock_and_forms_to_verify(dosed, investigator_a, monitor, data_manager):
    subjects = Subject.objects.all()
    locks_before, verify_before = lockable_count(subjects), to_verify_count(subjects)
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a, now=SIGNED_AT)
    assert lockable_count(subjects) == locks_before + 1
    record_lock(record=dose, by=data_manager, now=LOCKED_AT)
    assert lockable_count(subjects) == locks_before
    record_verify(record=c1d1_dose(dosed), by=monitor, now=LATER)
    assert to_verify_count(subjects) == verify_before - 1


def test_each_role_sees_its_tasks_with_counts(
    client, dosed, coordinator_a, investigator_a, monitor, data_manager, coordinator_b
):
    query = query_raise(record=c1d1_dose(dosed), by=monitor, text="Lot?", now=LATER)
    assert counts(coordinator_a)["queries_to_answer"] == 1
    assert counts(coordinator_b)["queries_to_answer"] == 0  # another site's query
    assert counts(monitor)["queries_to_close"] == 0
    query_answer(query=query, by=coordinator_a, text="LOT-2026-07", now=LATER)
    assert counts(coordinator_a)["queries_to_answer"] == 0
    assert counts(monitor)["queries_to_close"] == 1
    assert set(counts(investigator_a)) == {"review", "sae_clocks"}
    assert set(counts(data_manager)) == {"records_to_lock"}

    client.force_login(coordinator_a)
    page = client.get(reverse("my_tasks"))
    assert page.status_code == 200
    assert "Queries to answer" in page.content.decode()
    assert "Signed records to lock" not in page.content.decode()


def _noon(day):
    return datetime.combine(day, time(12), tzinfo=timezone.get_current_timezone())


def test_forms_incomplete_counts_each_expected_form_owed_and_missing(
    dosed, site_a, coordinator_a, coordinator_b
):
    closes = dosed.visits.get(code="C1D8").window_closes_on
    last_day, day_after = _noon(closes), _noon(closes + timedelta(days=1))
    before = counts(coordinator_a, now=last_day)["forms_incomplete"]
    # C1D8's haematology, chemistry and vital signs are owed from the day after its window
    # (nothing else of the schedule falls due on that day).
    assert counts(coordinator_a, now=day_after)["forms_incomplete"] == before + 3
    add_ranges(site_a, coordinator_a)
    record_result(dosed, coordinator_a)  # ALT: the chemistry panel is entered
    assert counts(coordinator_a, now=day_after)["forms_incomplete"] == before + 2
    assert counts(coordinator_b, now=day_after)["forms_incomplete"] == 0  # another site


def test_forms_incomplete_are_read_from_a_count_stored_per_site_and_day(
    dosed, site_a, coordinator_a
):
    """They scan every visit of the site, so the navigation reads them from a stored count
    while it is current: not after an audited write, nor on another day (forms fall due as
    windows close, with no write at all)."""
    tz = timezone.get_current_timezone()
    closes = dosed.visits.get(code="C1D8").window_closes_on
    before_midnight = datetime.combine(closes, time(23, 58), tz)
    after_midnight = before_midnight + timedelta(minutes=4)  # within MAX_AGE
    live = forms_incomplete(Subject.objects.all(), today=closes)
    assert counts(coordinator_a, now=before_midnight)["forms_incomplete"] == live
    stored = TaskCount.objects.get(name="forms_incomplete", site=site_a)
    assert stored.day == closes
    TaskCount.objects.filter(pk=stored.pk).update(count=live + 40)
    assert counts(coordinator_a, now=before_midnight)["forms_incomplete"] == live + 40
    # The next day C1D8's labs and vital signs are owed: counted again, for that day.
    assert counts(coordinator_a, now=after_midnight)["forms_incomplete"] == live + 3
    TaskCount.objects.filter(name="forms_incomplete").update(count=0)
    add_ranges(site_a, coordinator_a)
    record_result(dosed, coordinator_a)  # an audited write: counted again
    assert counts(coordinator_a, now=after_midnight)["forms_incomplete"] == live + 2


def test_an_ecg_is_owed_per_time_point(dosed, coordinator_a):
    """C1D1 (dosed, so owed) expects a pre-dose and a post-dose ECG: one recorded before the
    dose settles the pre-dose form only."""
    now = _noon(PLANNED_C1D1 + timedelta(days=1))
    owed = counts(coordinator_a, now=now)["forms_incomplete"]
    record_c1d1_pre_dose_ecg(dosed, coordinator_a)
    assert counts(coordinator_a, now=now)["forms_incomplete"] == owed - 1


def test_a_visit_recorded_missed_owes_no_form(dosed, coordinator_a):
    c1d8 = dosed.visits.get(code="C1D8")
    day_after = _noon(c1d8.window_closes_on + timedelta(days=1))
    owed = counts(coordinator_a, now=day_after)["forms_incomplete"]
    visit_mark_missed(visit=c1d8, by=coordinator_a, reason="Patient unwell")
    assert counts(coordinator_a, now=day_after)["forms_incomplete"] == owed - 3  # labs, vitals


def test_sae_clock_shows_the_hours_left(client, dosed, coordinator_a, investigator_a):
    load_starter_dictionary()
    ae = record_ae(dosed, coordinator_a, **SERIOUS)
    now = ae.aware_at + timedelta(hours=5, minutes=30)
    (section,) = my_tasks(investigator_a, today=now.date(), now=now, clocks=True)
    (clock,) = section.clocks
    assert (clock.ae.pk, clock.hours_left, clock.overdue) == (ae.pk, 18, False)
    later = ae.aware_at + timedelta(hours=26)
    (section,) = my_tasks(investigator_a, today=later.date(), now=later, clocks=True)
    assert (section.clocks[0].overdue, section.clocks[0].hours_overdue) == (True, 2)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR])
def test_the_my_tasks_page_counts_the_tasks_once_for_itself_and_its_navigation(
    client, dosed, make_user, site_a, role
):
    client.force_login(make_user("someone", role, site_a if role != Role.MONITOR else None))
    client.get(reverse("my_tasks"))  # the stored counts made
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("my_tasks"))
    statements = [query["sql"] for query in queries.captured_queries]
    assert response.status_code == 200
    assert len(statements) == len(set(statements))  # no count made twice
    section = response.context["sections"][0]
    # The badge is the page's own total.
    badge = next(i for i in response.context["nav_items"] if i["name"] == "my_tasks")
    assert badge.get("count", 0) == sum(task.count for task in section.tasks)


@pytest.mark.parametrize("role", ["sponsor_safety", "anonymous"])
def test_my_tasks_needs_a_sign_in_and_lists_only_the_user_s_roles(client, make_user, role):
    if role == "anonymous":
        assert client.get(reverse("my_tasks")).status_code == 302
        return
    client.force_login(make_user("safety", Role.SPONSOR_SAFETY, None))
    content = client.get(reverse("my_tasks")).content.decode()
    assert "SUSAR reports due" in content and "Queries to answer" not in content


def test_navigation_counts_cost_the_same_at_5_and_200_subjects(
    client, settings, tmp_path, make_user, site_a, django_assert_max_num_queries
):
    settings.VAR_DIR = tmp_path
    users = [
        make_user("c", Role.COORDINATOR, site_a),
        make_user("i", Role.INVESTIGATOR, site_a),
        make_user("m", Role.MONITOR, None),
        make_user("d", Role.DATA_MANAGER, None),
        make_user("s", Role.SPONSOR_SAFETY, None),
    ]
    call_command("seed_large", "--subjects", "5", "--sites", "2", "--aes-per-subject", "2")
    measured = {}
    for user in users:
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        measured[user.username] = len(queries)
    call_command(
        "seed_large", "--subjects", "195", "--sites", "2", "--aes-per-subject", "2", "--force"
    )
    for user in users:
        client.force_login(user)
        with django_assert_max_num_queries(measured[user.username]):
            assert client.get(reverse("home")).status_code == 200
