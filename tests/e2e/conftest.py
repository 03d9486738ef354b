"""Browser tests: Playwright driving Debian's Chromium against Django's live server on the
real test database. Screenshots of each step go to test-artifacts/e2e/."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ECRF_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

# Playwright's sync API runs an event loop in the test thread; the test itself only drives
# the browser, while Django code runs in the live server's threads.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (bin/test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(request):
    """shots("name") saves a full-page screenshot of the page under test-artifacts/e2e/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name):
        counter["n"] += 1
        page.screenshot(path=str(folder / f"{counter['n']:02d}-{name}.png"), full_page=True)

    return take


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(username, password):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(live_server.url + "/")
        return page

    yield make
    for context in contexts:
        context.close()
