"""A patient from registration to a signed SAE report, through the browser as each role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.adverse_events.factories import load_starter_dictionary
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


ANSWERS = {
    "histology_confirmed": "true",
    "refractory_to_second_line": "true",
    "no_standard_treatment": "true",
    "had_chemotherapy": "true",
    "had_radiotherapy": "false",
    "had_surgery": "false",
    "had_nitrosourea_or_mitomycin": "false",
    "had_other_trial_drug": "false",
    "tumour_near_major_vessels_or_trachea": "false",
    "unstable_angina": "false",
    "had_myocardial_infarction": "false",
    "arrhythmia_requiring_treatment": "false",
    "active_tuberculosis": "false",
    "active_hiv": "false",
    "active_hbv": "false",
    "hcv_infection": "false",
    "psychotropic_abuse_unable_to_quit": "false",
    "mental_disorder": "false",
    "immunosuppressive_treatment": "false",
    "drug_or_alcohol_abuse_history": "false",
    "allergy_to_study_drug": "false",
    "pregnancy_plan_within_window": "false",
    "investigator_excludes_for_concomitant_disease": "false",
}
NUMBERS = {
    "ecog": "1",
    "expected_survival_months": "6",
    "nyha_class": "1",
    "bacterial_or_fungal_infection_grade": "0",
    "lab_anc_value": "2.0",
    "lab_platelets_value": "150",
    "lab_haemoglobin_value": "120",
    "lab_bilirubin_value": "10",
    "lab_bilirubin_uln": "21",
    "lab_alt_value": "30",
    "lab_alt_uln": "40",
    "lab_ast_value": "30",
    "lab_ast_uln": "40",
    "lab_creatinine_value": "80",
    "lab_creatinine_uln": "110",
}


def fill_eligibility(page, *, assessed, last_chemo):
    page.fill("#id_assessment_date", assessed.isoformat())
    for name, value in ANSWERS.items():
        page.select_option(f"#id_{name}", value)
    for name, value in NUMBERS.items():
        page.fill(f"#id_{name}", value)
    page.fill("#id_last_chemotherapy_date", last_chemo.isoformat())
    page.check("#id_autoimmune_conditions_0")  # None of these
    page.check("#id_severe_allergy_history_0")  # None of these


def test_registration_to_signed_sae_report(
    new_page, shots, live_server, study, coordinator_a, investigator_a, monitor, eager_tasks
):
    load_starter_dictionary()
    today = timezone.localdate()
    assessed = today - timedelta(days=1)

    coordinator = new_page("coord_a", PASSWORD)
    coordinator.get_by_role("link", name="Register").click()
    coordinator.check("input[name=sex][value=M]")
    coordinator.fill("#id_date_of_birth", "1970-05-17")
    coordinator.select_option("#id_race", "not_reported")
    coordinator.select_option("#id_ethnicity", "not_reported")
    coordinator.select_option("#id_tumour_type", "melanoma")
    shots(coordinator, "register")
    coordinator.get_by_role("button", name="Register").click()
    coordinator.get_by_text("Registered FR01-S001").first.wait_for()

    coordinator.fill("#id_icf_version", "2.0")
    coordinator.fill("#id_signed_at", f"{(today - timedelta(days=3)).isoformat()}T10:00")
    coordinator.get_by_role("button", name="Record consent").click()
    coordinator.get_by_text("Consent recorded").first.wait_for()
    shots(coordinator, "consented")

    # An ineligible CRF: the last chemotherapy only 27 days before the assessment.
    coordinator.get_by_role("link", name="Fill in eligibility").click()
    fill_eligibility(coordinator, assessed=assessed, last_chemo=assessed - timedelta(days=27))
    coordinator.locator("#eligibility-result").get_by_text("Not eligible").first.wait_for()
    shots(coordinator, "live-result-not-eligible")
    coordinator.get_by_role("button", name="Save eligibility assessment").click()
    coordinator.get_by_text("Eligibility assessment saved").first.wait_for()
    assert "27 days before the assessment" in coordinator.content()
    shots(coordinator, "saved-not-eligible")

    # Corrected from the source document, with a reason for change.
    coordinator.get_by_role("link", name="Correct eligibility").click()
    coordinator.fill("#id_last_chemotherapy_date", (assessed - timedelta(days=60)).isoformat())
    coordinator.fill("#id_reason", "Date of last cycle misread; source: chemotherapy chart")
    coordinator.locator("#eligibility-result").get_by_text("Eligible").first.wait_for()
    coordinator.get_by_role("button", name="Save eligibility assessment").click()
    coordinator.get_by_text("Eligibility assessment saved").first.wait_for()
    shots(coordinator, "corrected-eligible")

    investigator = new_page("inv_a", PASSWORD)
    investigator.goto(coordinator.url)
    password = investigator.locator("form[action$='/eligibility/confirm/'] input[type=password]")
    if password.count():
        password.fill(PASSWORD)
    investigator.get_by_role("button", name="Confirm eligibility").click()
    investigator.get_by_text("Eligibility confirmed").first.wait_for()
    shots(investigator, "confirmed")

    coordinator.reload()
    coordinator.fill("#id_planned_c1d1", today.isoformat())
    coordinator.get_by_role("button", name="Enroll").click()
    coordinator.get_by_text("Enrolled as FR01-001 at DL1").first.wait_for()
    shots(coordinator, "enrolled")

    coordinator.get_by_role("link", name="Subject page").click()
    coordinator.get_by_role("link", name="Record dose").first.click()
    coordinator.fill("#id_administered_on", today.isoformat())
    coordinator.fill("#id_start_time", "09:30")
    coordinator.fill("#id_stop_time", "09:40")
    coordinator.fill("#id_volume_ml", "1.0")
    coordinator.fill("#id_injected_lesions", "T1 left cervical node")
    coordinator.fill("#id_lot_number", "LOT-0425")
    coordinator.fill("#id_pre_pulse_bpm", "72")
    coordinator.fill("#id_pre_systolic_mmhg", "124")
    coordinator.fill("#id_pre_diastolic_mmhg", "78")
    coordinator.get_by_role("button", name="Save dosing").click()
    coordinator.get_by_text("Dosing of C1D1 saved").first.wait_for()
    shots(coordinator, "first-dose")

    coordinator.get_by_role("link", name="Record an adverse event").click()
    options = coordinator.locator("#ctcae-terms option[value^='Fever']")
    coordinator.fill("#id_term", options.first.get_attribute("value"))
    with coordinator.expect_response(lambda r: "/ctcae/grades/" in r.url):
        coordinator.locator("#id_term").dispatch_event("change")
    coordinator.locator("#grade-3").check()
    coordinator.fill("#id_onset_date", today.isoformat())
    coordinator.check("#id_serious")
    coordinator.check("input[name=serious_criteria][value=hospitalisation]")
    coordinator.select_option("#id_action_taken", "dose_not_changed")
    coordinator.select_option("#id_outcome", "not_recovered")
    shots(coordinator, "ae-form")
    coordinator.get_by_role("button", name="Save adverse event").click()
    coordinator.wait_for_load_state()
    shots(coordinator, "ae-saved")
    coordinator.get_by_text("SAE: the report to the sponsor is due by").first.wait_for()
    shots(coordinator, "sae-recorded")
    ae_url = coordinator.url

    investigator.goto(ae_url)
    investigator.check("input[name=relationship][value=possible]")
    investigator.select_option("#id_expectedness", "unexpected")
    investigator.get_by_role("button", name="Save causality").click()
    investigator.get_by_text("Causality recorded").first.wait_for()
    assert "SUSAR" in investigator.content()
    investigator.get_by_role("link", name="Notifications").click()
    investigator.get_by_text("New SAE").first.wait_for()
    shots(investigator, "sae-notification")

    investigator.goto(ae_url)
    sae_sign = investigator.get_by_role("button", name="Sign: I approve this SAE report")
    investigator.locator("form", has=sae_sign).locator("input[type=password]").fill(PASSWORD)
    sae_sign.click()
    investigator.get_by_text("SAE report signed").first.wait_for()
    shots(investigator, "sae-signed")

    # A monitor queries the dose's lot number; the coordinator answers it.
    monitor_page = new_page("monitor", PASSWORD)
    monitor_page.goto(ae_url)
    monitor_page.get_by_role("link", name="subject FR01-001").first.click()
    monitor_page.get_by_role("link", name="Dosing: given as planned").first.click()
    monitor_page.get_by_text("Raise a query").click()
    monitor_page.select_option("select[name=field_name]", "lot_number")
    monitor_page.fill("textarea[name=text]", "Lot on the pharmacy log is LOT-0452: please check.")
    monitor_page.get_by_role("button", name="Raise query").click()
    monitor_page.get_by_text("Lot on the pharmacy log is LOT-0452").first.wait_for()
    shots(monitor_page, "query-raised")

    coordinator.get_by_role("link", name="Queries").first.click()
    coordinator.get_by_role("link", name="Lot on the pharmacy log is LOT-0452").first.click()
    coordinator.fill("#answer-text", "Checked the pharmacy log: LOT-0425 is right, log corrected.")
    coordinator.get_by_role("button", name="Answer").click()
    coordinator.get_by_text("LOT-0425 is right").first.wait_for()
    shots(coordinator, "query-answered")
    assert "answered" in coordinator.content().lower()
