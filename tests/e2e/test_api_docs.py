"""Swagger UI renders the API's operations under the Content Security Policy (no inline
script: its start-up script comes from /api/docs/?script)."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_shows_the_api_operations_with_no_csp_violation(
    new_page, shots, live_server, coordinator_a
):
    page = new_page("coord_a", PASSWORD)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock-summary-path").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    shots(page, "swagger-ui")
    assert "/api/subjects/" in paths and "/api/adverse-events/{id}/" in paths
    assert violations == []
