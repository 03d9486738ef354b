"""The eligibility CRF can be completed with the keyboard alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from screening.models import EligibilityAssessment
from tests.conftest import PASSWORD
from tests.e2e.test_coordinator_path import ANSWERS, NUMBERS
from tests.screening.factories import consented_subject

pytestmark = pytest.mark.django_db(transaction=True)


def _type_date(page, value):
    # Chromium's date input in the en-US locale takes month, day, year as typed digits.
    page.keyboard.type(value.strftime("%m%d%Y"))


def test_eligibility_form_completed_with_the_keyboard_only(
    new_page, shots, live_server, study, site_a, coordinator_a
):
    subject = consented_subject(study=study, site=site_a, by=coordinator_a)
    today = timezone.localdate()
    assessed = today - timedelta(days=1)
    dates = {
        "assessment_date": assessed,
        "last_chemotherapy_date": assessed - timedelta(days=60),
    }
    page = new_page("coord_a", PASSWORD)
    page.goto(f"{live_server.url}/subjects/{subject.pk}/eligibility/")
    page.locator("#id_assessment_date").focus()
    visited = set()
    for _ in range(400):
        name = page.evaluate("document.activeElement.name || ''")
        kind = page.evaluate("document.activeElement.type || document.activeElement.tagName")
        if kind == "submit":
            break
        if name in dates and name not in visited:
            _type_date(page, dates[name])
        elif name in ANSWERS and name not in visited:
            page.keyboard.type("Yes" if ANSWERS[name] == "true" else "No")
        elif name in NUMBERS and name not in visited:
            page.keyboard.type(NUMBERS[name])
        elif name in ("autoimmune_conditions", "severe_allergy_history") and name not in visited:
            # The first box of each list is "None of these".
            page.keyboard.press("Space")
        visited.add(name)
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.locator("#eligibility-result").get_by_text("Eligible").first.wait_for()
    shots(page, "filled-by-keyboard")
    page.keyboard.press("Enter")
    page.get_by_text("Eligibility assessment saved").first.wait_for()
    assessment = EligibilityAssessment.objects.get(subject=subject)
    assert assessment.status == "eligible"
    assert assessment.last_chemotherapy_date == dates["last_chemotherapy_date"]
