"""A monthly progress report from the coach's phone to the counsellor's browser, at phone
size and on a supervisor's desktop: written, sent for approval, approved, shared, and
read through its link in a browser with no session; then the supervisor opens the
outcomes page and follows a figure to the records behind it (issue 22's three steps).
axe finds nothing on any page."""

import os
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.clock import freeze_clock
from tests.e2e.conftest import PHONE, assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user
from tests.test_reports import november

DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("SHOTS")  # a folder: keep screenshots of the pages there


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def screen(browser, live_app):
    """Open a page at a viewport in a context of its own (no shared cookies)."""
    contexts = []

    def open_page(viewport):
        context = browser.new_context(
            viewport=viewport,
            device_scale_factor=1 if viewport == DESKTOP else 2,
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
            base_url=live_app.config["LIVE_URL"],
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_write_approve_share_and_follow_the_outcomes(screen, live_app, monkeypatch, viewport):
    freeze_clock(monkeypatch, datetime(2026, 11, 29, 10))
    size = "phone" if viewport == PHONE else "desktop"
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
        rosa = make_client(coach, "Rosa", "Rivera")
        november(rosa, coach)
        rosa_id = rosa.id

    page = screen(viewport)
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{rosa_id}")
    page.get_by_role("link", name="Reports of Rosa").click()
    page.wait_for_url("**/reports")
    page.get_by_label("Month", exact=True).select_option(label="November 2026")
    assert_accessible(page)
    page.get_by_role("button", name="Start the report").click()
    page.get_by_label("Summary of the month").fill("Rosa started as a courtesy clerk.")
    page.get_by_label("Focus for next month").fill("Ask for a second shift.")
    page.get_by_label("Addressed to").select_option(label="State VR (Dana Cruz)")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Rosa started as a courtesy clerk.")).to_be_visible()
    expect(page.get_by_text("2 visits")).to_be_visible()
    expect(page.get_by_text("Going up")).to_be_visible()
    assert_accessible(page)
    if viewport == PHONE:
        assert_fits_phone(page)
    shot(page, f"{size}-draft")
    page.get_by_role("button", name="Send for approval").click()
    expect(page.get_by_text("Sent for approval.")).to_be_visible()

    boss = screen(viewport)
    log_in(boss, "maria@example.org", PASSWORD)
    boss.goto("/reports/review")
    assert_accessible(boss)
    boss.get_by_role("link", name="Rosa Rivera · November 2026").click()
    assert_accessible(boss)
    shot(boss, f"{size}-to-approve")
    boss.get_by_role("button", name="Approve version 1").click()
    expect(boss.get_by_text("Version 1 approved.")).to_be_visible()
    expect(boss.get_by_text("The figures are frozen")).to_be_visible()

    page.reload()
    page.get_by_role("link", name="Share with the counsellor").click()
    expect(page.get_by_label("Counsellor's name")).to_have_value("Dana Cruz")
    page.get_by_label("Show a QR code or copy the link").check()
    assert_accessible(page)
    page.get_by_role("button", name="Make the link").click()
    expect(page.get_by_role("heading", name="Link ready")).to_be_visible()
    url = page.get_by_label("Report link").input_value()
    assert "/r/" in url

    counsellor = screen(viewport)  # a browser with no session
    counsellor.goto(url)
    expect(counsellor.get_by_role("heading", name="Monthly progress report")).to_be_visible()
    expect(counsellor.get_by_text("Rosa started as a courtesy clerk.")).to_be_visible()
    expect(counsellor.get_by_text("State VR, Dana Cruz")).to_be_visible()
    assert counsellor.locator("nav").count() == 0  # nothing else of the app
    assert_accessible(counsellor)
    if viewport == PHONE:
        assert_fits_phone(counsellor)
    shot(counsellor, f"{size}-shared")
    counsellor.emulate_media(media="print")
    expect(counsellor.get_by_role("button", name="Print")).to_be_hidden()
    shot(counsellor, f"{size}-shared-print")

    # 3. The supervisor's outcomes page: a figure and the records behind it.
    boss.get_by_role("link", name="More").click()
    boss.get_by_role("link", name="Outcomes").click()
    size_card = boss.locator(".stat", has=boss.get_by_role("heading", name="Caseload size"))
    expect(size_card.locator(".stat-value")).to_have_text("1")
    assert_accessible(boss)
    if viewport == PHONE:
        assert_fits_phone(boss)
    shot(boss, f"{size}-outcomes")
    boss.get_by_role("link", name="The 1 client", exact=True).click()
    expect(boss.get_by_role("heading", name="Clients on the caseload")).to_be_visible()
    expect(boss.get_by_role("link", name="Rosa Rivera", exact=True)).to_be_visible()
    assert_accessible(boss)
    shot(boss, f"{size}-outcome-records")
