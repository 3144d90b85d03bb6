"""Today on a phone: a client calls, the reply shows as due, logging it clears it."""

import os
import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: save what the phone showed


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_call_shows_on_today_and_the_reply_clears_it(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_client(coach, "Rosa", "Rivera")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)  # home is Today
    expect(page.get_by_text("Nothing due in the next two weeks")).to_be_visible()
    assert_accessible(page)

    # 1. Rosa calls: from her page, log it in three taps.
    page.get_by_role("link", name="Caseload").click()
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("link", name="Log a contact").click()
    page.get_by_label("They contacted me").check()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "contact-form")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("Phone call logged.")).to_be_visible()
    expect(page.get_by_text("Phone call from them")).to_be_visible()

    # 2. It shows on Today, due in a day.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    item = page.locator(".due", has_text="Rosa Rivera")
    expect(item).to_contain_text("Reply: Call back")
    expect(item).to_contain_text(re.compile(r"in 23 h|tomorrow"))
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "today-coach")

    # 3. One tap opens the reply, already "I contacted them"; save, back on Today.
    item.click()
    expect(page.get_by_label("I contacted them")).to_be_checked()
    page.get_by_role("button", name="Save contact").click()

    # 4. It clears.
    expect(page.get_by_text("Phone call logged.")).to_be_visible()
    expect(page.get_by_text("Nothing due in the next two weeks")).to_be_visible()
    expect(page.locator(".due")).to_have_count(0)
