"""Nothing a coordinator types is lost (issue 13), through the browser: the CTCAE grade after
an error, a form saved after the idle sign-out, and a monitor's read-only CRF."""

import pytest
from django.utils import timezone

from tests.adverse_events.factories import load_starter_dictionary
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject, enrolled_subject, visit_of

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username):
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_chosen_grade_is_kept_after_a_validation_error(
    new_page, shots, live_server, study, site_a, coordinator_a, investigator_a
):
    load_starter_dictionary()
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    page = new_page("coord_a", PASSWORD)
    page.goto(f"{live_server.url}/subjects/{subject.pk}/adverse-events/new/")
    term = page.locator("#ctcae-terms option[value^='Fever']").first.get_attribute("value")
    page.fill("#id_term", term)
    with page.expect_response(lambda r: "/ctcae/grades/" in r.url):
        page.locator("#id_term").dispatch_event("change")
    page.locator("#grade-3").check()
    page.fill("#id_onset_date", timezone.localdate().isoformat())
    page.check("#id_serious")  # serious, but no ICH E2A criterion ticked: refused
    page.select_option("#id_action_taken", "dose_not_changed")
    page.select_option("#id_outcome", "not_recovered")
    page.fill("#id_treatment_given", "Paracetamol 1 g")
    page.get_by_role("button", name="Save adverse event").click()
    page.get_by_text("seriousness criterion", exact=False).first.wait_for()
    shots(page, "refused-with-grade-kept")

    assert page.locator("#grade-3").is_checked()
    assert page.input_value("#id_term") == term
    assert page.input_value("#id_treatment_given") == "Paracetamol 1 g"
    assert page.locator("#id_serious").is_checked()
    page.check("input[name=serious_criteria][value=hospitalisation]")
    page.get_by_role("button", name="Save adverse event").click()
    page.get_by_text("AE1 recorded").first.wait_for()
    shots(page, "saved")


def test_form_saved_after_the_idle_sign_out_is_restored_after_sign_in(
    new_page, shots, live_server, settings, study, site_a, coordinator_a, investigator_a
):
    # A 6-second idle limit with the warning 3 seconds before it (2 minutes in production).
    settings.ECRF_IDLE_TIMEOUT_MINUTES = 0.1
    settings.ECRF_IDLE_WARNING_SECONDS = 3
    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    page = new_page("coord_a", PASSWORD)
    dosing_url = f"{live_server.url}/visits/{visit_of(subject, 'C1D1').pk}/dosing/"
    page.goto(dosing_url)
    page.fill("#id_administered_on", timezone.localdate().isoformat())
    page.fill("#id_start_time", "09:30")
    page.fill("#id_lot_number", "LOT-0425")
    page.fill("#id_injected_lesions", "T1 left cervical node")
    page.fill("#id_pre_pulse_bpm", "72")

    # The warning, and "Stay signed in" keeps the session.
    stay = page.get_by_role("button", name="Stay signed in")
    stay.wait_for(state="visible", timeout=10000)
    assert "signed out in" in page.locator("#idle-warning").inner_text()
    shots(page, "idle-warning")
    stay.click()
    page.locator("#idle-warning").wait_for(state="hidden")

    # Then idle past the limit: the save arrives on an ended session.
    page.wait_for_timeout(7000)
    page.get_by_role("button", name="Save dosing").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    assert "What you had entered was kept" in page.content()
    assert "LOT-0425" not in page.url
    shots(page, "signed-out")

    settings.ECRF_IDLE_TIMEOUT_MINUTES = 15
    sign_in(page, live_server, "coord_a")
    page.wait_for_url(dosing_url)
    page.get_by_text("is back on the form").first.wait_for()
    shots(page, "restored")
    assert page.input_value("#id_lot_number") == "LOT-0425"
    assert page.input_value("#id_injected_lesions") == "T1 left cervical node"
    assert page.input_value("#id_pre_pulse_bpm") == "72"
    assert page.input_value("#id_start_time") == "09:30"


def test_monitor_reads_the_dosing_crf_without_save_or_enabled_inputs(
    new_page, shots, live_server, study, site_a, coordinator_a, investigator_a, monitor
):
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    page = new_page("monitor", PASSWORD)
    page.goto(f"{live_server.url}/visits/{visit_of(subject, 'C1D1').pk}/dosing/")
    page.get_by_text("Read-only").first.wait_for()
    shots(page, "read-only")

    crf = page.locator("form[data-crf]")
    assert page.get_by_role("button", name="Save dosing").count() == 0
    assert crf.locator("fieldset.crf-body").get_attribute("disabled") is not None
    enabled = crf.locator("fieldset.crf-body").locator(
        "input:enabled, select:enabled, textarea:enabled"
    )
    assert enabled.count() == 0
    assert page.input_value("#id_lot_number") == "LOT-2026-07"
