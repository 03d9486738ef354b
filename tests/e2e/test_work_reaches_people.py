"""The subject matrix with every form state, and a query's notifications round trip
(monitor raises -> coordinator notified -> answers -> monitor notified -> closes), in
Chromium at 1366 px."""

import pytest
from django.utils import timezone

from review.form_status import FormStatus
from review.services import query_raise, record_lock, record_verify
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject
from tests.review.factories import c1d1_dose, correct_c1d1, sign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data_manager(make_user, study):
    from trial.models import Role

    return make_user("dm", Role.DATA_MANAGER, None)


def test_subject_matrix_shows_every_state_and_opens_the_form(
    new_page,
    shots,
    live_server,
    study,
    site_a,
    coordinator_a,
    investigator_a,
    monitor,
    data_manager,
):
    now = timezone.now()
    locked = dosed_subject(study, site_a, coordinator_a, investigator_a)
    sign(c1d1_dose(locked), investigator_a, now=now)
    record_lock(record=c1d1_dose(locked), by=data_manager, now=now)
    query_raise(record=c1d1_dose(locked), by=monitor, text="Lot number?", now=now)
    verified = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_verify(record=c1d1_dose(verified), by=monitor, now=now)
    incomplete = dosed_subject(study, site_a, coordinator_a, investigator_a)
    correct_c1d1(incomplete, coordinator_a, post_pulse_bpm=None)

    page = new_page("monitor", PASSWORD)
    page.get_by_role("link", name="Matrix").click()
    page.get_by_role("heading", name="Subject matrix").wait_for()
    matrix = page.get_by_test_id("subject-matrix")
    shown = set(
        matrix.locator("[data-status]").evaluate_all("els => els.map(e => e.dataset.status)")
    )
    assert shown == {s.value for s in FormStatus}  # every state, on one page
    assert matrix.locator("[data-open-queries]").count() == 1
    legend = page.get_by_test_id("legend").inner_text()
    for label in (
        "Not started",
        "Incomplete",
        "Complete",
        "Signed",
        "Source-verified",
        "Locked",
        "Open query",
    ):
        assert label in legend
    # Each icon has its text alternative, read by a screen reader.
    row = matrix.locator(f"tr[data-subject='{locked}']")
    assert "Dosing: Locked, 1 open query" in row.inner_text()
    shots(page, "matrix")

    page.fill("#id_q", str(incomplete))
    page.get_by_role("button", name="Filter").click()
    assert matrix.locator("tbody tr").count() == 1
    shots(page, "matrix-search")
    matrix.locator("[data-status='incomplete']").first.click()
    page.wait_for_url(f"**/visits/{incomplete.visits.get(code='C1D1').pk}/dosing/")
    shots(page, "opened-form")


def test_query_notifications_round_trip(
    new_page,
    shots,
    live_server,
    study,
    site_a,
    coordinator_a,
    investigator_a,
    monitor,
    eager_tasks,
):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    c1d1 = subject.visits.get(code="C1D1")

    mon = new_page("monitor", PASSWORD)
    mon.goto(f"{live_server.url}/visits/{c1d1.pk}/dosing/")
    mon.get_by_text("Raise a query").click()
    mon.get_by_label("Query text").fill("Please confirm the infused volume against the chart.")
    mon.get_by_role("button", name="Raise query").click()
    mon.get_by_text("Query raised").first.wait_for()
    shots(mon, "raised")

    coord = new_page("coord_a", PASSWORD)
    notifications = coord.get_by_role("link", name="Notifications, 1 unread")
    notifications.wait_for()
    coord.get_by_role("link", name="My tasks").click()
    tasks = coord.get_by_test_id("tasks-coordinator")
    assert (
        tasks.locator("[data-task='queries_to_answer'] [data-testid=task-count]").inner_text()
        == "1"
    )
    shots(coord, "coordinator-tasks")
    coord.get_by_role("link", name="Notifications, 1 unread").click()
    shots(coord, "coordinator-notifications")
    coord.get_by_test_id("notification").first.click()
    coord.get_by_role("heading", name="Query").first.wait_for()
    coord.get_by_role("link", name="Notifications, 0 unread").wait_for()  # opened: read
    coord.fill("#answer-text", "1.00 mL, as in the infusion chart.")
    coord.get_by_role("button", name="Answer").click()
    coord.get_by_text("Query answered").first.wait_for()
    shots(coord, "answered")

    mon.goto(live_server.url + "/")
    mon.get_by_role("link", name="Notifications, 1 unread").click()
    assert "Query answered by coord_a" in mon.get_by_test_id("notification").first.inner_text()
    mon.get_by_test_id("notification").first.click()
    mon.get_by_role("button", name="Close").click()
    mon.get_by_text("Query closed").first.wait_for()
    shots(mon, "closed")

    coord.goto(live_server.url + "/notifications/")
    assert "Query closed by monitor" in coord.get_by_test_id("notification").first.inner_text()
