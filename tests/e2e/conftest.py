"""Browser tests: Debian's Chromium driven by Playwright at phone size (390×844).

They skip, saying why, where /usr/bin/chromium or Playwright is missing;
`.ci/run` installs Chromium so they run in CI.
"""

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A raw touch (page.touchscreen.tap) sent while a page is being replaced by the
    # next can wait forever for its answer when each page gets a new frame host
    # (RenderDocument): a double-tap test hung CI for 300 s at stop 33. With it on, 5 of
    # 6 loops of 60 double taps on a form that posts and redirects hung; with it off,
    # 600 double taps at gaps of 0-80 ms did not. Pages behave the same either way.
    "--disable-features=RenderDocument",
]

if not os.path.exists(CHROMIUM):
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright")


@pytest.fixture
def live_app(tmp_path):
    """The app with CSRF on, served on a free loopback port in a thread."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    # Wait for the requests still being served: a page's last fetch, answered after the
    # test's database was removed, opened an empty file in its place, and the next test
    # found no tables (CI on c8d1923: "no such table: agency_settings"). The server
    # closes each connection after its response, so no idle one holds this wait.
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_app):
    """Open a phone-sized page; keyword arguments go to the browser context
    (geolocation, permissions…). Every context is closed after the test."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            base_url=live_app.config["LIVE_URL"],
            **options,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(phone):
    return phone()


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/today/")  # home is Today


def open_caseload(page) -> None:
    """The Caseload tab (the home page is Today)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Caseload").click()
    page.wait_for_url("**/clients/")


def assert_accessible(page) -> None:
    """axe-core (WCAG 2.1 A and AA) finds nothing on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    assert results.violations_count == 0, results.generate_report()


def assert_fits_phone(page) -> None:
    """Nothing scrolls sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"


def assert_no_drafts_left(page) -> None:
    """The browser dropped its drafts (htmx clears them as it settles the swap)."""
    page.wait_for_function(
        "!Object.keys(localStorage).some(k => k.startsWith('coach-draft:'))", timeout=5000
    )
