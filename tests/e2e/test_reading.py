"""Reading what is there (issue 13), in Chromium at 1366 px: the audit trail's Reason is in
view, and a CRF opens with its first field focused."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject, enrolled_subject, visit_of
from tests.e2e.conftest import ARTIFACTS
from tests.review.factories import correct_c1d1

pytestmark = pytest.mark.django_db(transaction=True)


def test_audit_trail_fits_1366_px_with_its_reason_in_view(
    new_page, shots, live_server, study, site_a, coordinator_a, investigator_a, monitor
):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    correct_c1d1(subject, coordinator_a, reason="Lot misread on the label", lot_number="LOT-9")
    page = new_page("monitor", PASSWORD)
    page.goto(live_server.url + reverse("subject_audit", args=[subject.pk]))
    shots(page, "audit-1366")
    page.screenshot(path=str(ARTIFACTS / "audit-1366-viewport.png"))

    reason = page.get_by_role("columnheader", name="Reason").bounding_box()
    assert reason["x"] + reason["width"] <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert page.get_by_text("Lot misread on the label").first.is_visible()

    page.get_by_role("link", name="Print view").click()
    page.get_by_text("Printed ").first.wait_for()
    assert page.locator("nav").count() == 0
    shots(page, "audit-print-view")


def test_a_crf_opens_with_its_first_field_focused_and_a_save_focuses_the_message(
    new_page, shots, live_server, study, site_a, coordinator_a, investigator_a
):
    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    page = new_page("coord_a", PASSWORD)
    page.goto(f"{live_server.url}/visits/{visit_of(subject, 'C1D1').pk}/dosing/")
    assert page.evaluate("document.activeElement.id") == "id_dose_change"

    # The skip link is the first stop of the keyboard, and leads to the content.
    page.goto(live_server.url + reverse("subject_detail", args=[subject.pk]))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    shots(page, "skip-link")

    # After a save, the focus is on the message that says what happened.
    page.goto(live_server.url + reverse("screening_register"))
    page.check("input[name=sex][value=F]")
    page.fill("#id_date_of_birth", "1980-03-04")
    page.select_option("#id_race", "not_reported")
    page.select_option("#id_ethnicity", "not_reported")
    page.select_option("#id_tumour_type", "sts")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("Registered FR01-S002").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "messages"
    shots(page, "focus-on-message")


def test_the_subject_matrix_scrolls_inside_its_table_not_the_page_at_1366_px(
    new_page, shots, live_server, study, site_a, coordinator_a, investigator_a, monitor
):
    from tests.screening.factories import register_subject

    dosed_subject(study, site_a, coordinator_a, investigator_a)
    register_subject(study=study, site=site_a, by=coordinator_a)  # no visit yet: hidden texts
    page = new_page("monitor", PASSWORD)
    page.goto(live_server.url + reverse("subject_matrix"))
    shots(page, "matrix-1366")
    wrap = page.locator(".matrix-wrap")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")  # wider than the screen
    # ...and it scrolls in its own box: the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
