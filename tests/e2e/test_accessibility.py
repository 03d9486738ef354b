"""axe-core (WCAG 2.1 A and AA) on every page, as every role: the suite fails on any violation.

The pages are those of the permission matrix (tests/trial/test_permission_matrix.py) that
answer 200 to a GET for the role, built for the role's own site: a page added to the URL conf
needs its matrix row, and with it is checked here. NOT_PAGES lists what is not a page (files,
JSON, htmx fragments, the API's third-party documentation page), each with its reason;
EXTRA_PAGES adds states a plain GET does not reach (a filtered list, a form's errors).

axe-core itself comes from the axe-playwright-python package (a test dependency; no CDN):
its script is evaluated in the page by Playwright, which the Content Security Policy allows.
"""

import json

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.trial.matrix_data import OWN, ROLES, build_matrix_data
from tests.trial.test_permission_matrix import GET, MATRIX, _url_params

pytestmark = pytest.mark.django_db(transaction=True)

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

NOT_PAGES = {
    "healthz": "plain-text liveness check",
    "dashboard_download": "a chart's file",
    "export_download": "an export's file",
    "export_run_status": "htmx fragment of the export page",
    "ctcae_grades": "htmx fragment of the AE form",
    "ctcae_search": "htmx fragment of the AE form",
    "api-schema": "OpenAPI YAML",
    "api-docs": "Swagger UI, a third-party page (drf-spectacular-sidecar)",
}

# (label, path builder taking the matrix data, roles that see it): pages in states that a
# plain GET of a URL name does not show.
EXTRA_PAGES = [
    (
        "ae_list filtered",
        lambda data: reverse("ae_list") + "?grade=3&serious=yes",
        {"coordinator", "investigator", "monitor", "data_manager", "admin"},
    ),
]


def pages_for(role: str, data) -> list[tuple[str, str]]:
    """(label, path) of every page `role` may open, own-site objects for the site roles."""
    pages = []
    for name, checks in MATRIX.items():
        if name in NOT_PAGES or name.startswith("api-"):
            continue
        for check in checks:
            if check.method != GET or check.expected(role, OWN) != 200:
                continue
            kwargs = data.url_kwargs(check.kind, OWN, _url_params(name))
            label = f"{name}[{check.kind}]" if len(checks) > 1 else name
            pages.append((label, reverse(name, kwargs=kwargs)))
    for label, path, roles in EXTRA_PAGES:
        if role in roles:
            pages.append((label, path(data)))
    return pages


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def describe(violations) -> list[str]:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:3]]
        detail = v["nodes"][0].get("failureSummary", "").replace("\n", " ")[:300]
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {targets} {detail}")
    return lines


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_no_wcag_21_aa_violation_on_any_page(browser, live_server, shots, role, settings):
    data = build_matrix_data()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(20000)
        if role != "anonymous":
            page.goto(live_server.url + reverse("login"))
            page.fill("#id_username", data.users[role].username)
            page.fill("#id_password", PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(live_server.url + "/")
        pages = pages_for(role, data)
        assert len(pages) >= (1 if role == "anonymous" else 10), pages
        found = {}
        for label, path in pages:
            response = page.goto(live_server.url + path)
            assert response.ok, f"{label} {path}: {response.status}"
            assert response.headers["content-type"].startswith("text/html"), label
            violations = axe_violations(page)
            if violations:
                found[f"{label} {path}"] = describe(violations)
                shots(page, label.replace("[", "-").replace("]", ""))
        assert not found, f"axe, as {role}:\n" + json.dumps(found, indent=1)
    finally:
        context.close()
