"""Issue 18's whole path on a phone (390×844): from home, a contact with a new prospect
in three taps; a lead there for a client, due in 48 h; the hire; the job on the client's
page; the week's counter moved; axe clean on every page on the way."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in, open_caseload
from tests.factories import PASSWORD, make_client, make_user


def check(page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)


def test_contact_lead_hire_and_the_week_counter(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa_id = make_client(coach, "Rosa", "Rivera", disclosure="functional").id
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    counter = page.locator(".week-counter")
    expect(counter).to_contain_text("This week: 0 of 6 employer contacts (0 in person)")
    check(page)

    # 1. A contact with a new prospect, three taps from home.
    page.get_by_role("link", name="Log employer contact").click()
    expect(page.get_by_label("Employer", exact=True)).to_be_focused()
    page.keyboard.type("Blue Door Bakery")
    page.get_by_label("Add “Blue Door Bakery” as a new prospect").check()
    page.get_by_label("Rosa Rivera").check()  # presented to the owner: not a tap we count
    check(page)
    page.get_by_role("button", name="Save contact").click()
    # 6. The week's counter moved.
    expect(counter).to_contain_text("This week: 1 of 6 employer contacts (1 in person)")
    check(page)

    # 2. A lead there for Rosa, from her page.
    open_caseload(page)  # home is Today
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("link", name="Add a job lead").click()
    page.get_by_label("Position").fill("Baker's assistant")
    page.get_by_label("Employer").select_option(label="Blue Door Bakery")
    page.get_by_label("Hourly wage, $ (optional)").fill("16.50")
    expect(page.get_by_label("Rosa Rivera")).to_be_checked()
    check(page)
    page.get_by_role("button", name="Save lead").click()
    expect(page.get_by_text("Lead saved: follow it up within 48 hours.")).to_be_visible()

    # 3. Due in 48 h on the lead list.
    page.goto("/leads/")
    card = page.get_by_role("link", name=re.compile("Baker's assistant · Blue Door Bakery"))
    expect(card).to_contain_text("due in 48 h")
    check(page)

    # 4. Hired: the job in one step, filled from the lead; the prospect has no worksite
    # yet, so its address makes one.
    card.click()
    page.get_by_role("link", name="Hired: record the job").click()
    expect(page.get_by_label("Job title")).to_have_value("Baker's assistant")
    page.get_by_label("Start date").fill("2026-11-23")
    page.get_by_label("…or the address of a new worksite").fill("12 Main St, Columbus")
    check(page)
    page.get_by_role("button", name="Save the job").click()

    # 5. The job is on Rosa's page, and the bakery is an employer now, not a prospect.
    expect(page).to_have_url(re.compile(rf"/clients/{rosa_id}$"))
    jobs = page.locator("section[aria-labelledby=jobs-h]")
    expect(jobs).to_contain_text("Baker's assistant")
    expect(jobs).to_contain_text("Blue Door Bakery")
    expect(page.locator(".page-head .badge")).to_have_text("Employed")
    check(page)
    page.goto("/employers/?kind=prospect")
    expect(page.locator("#employer-list")).not_to_contain_text("Blue Door Bakery")

    page.goto("/")
    expect(counter).to_contain_text("This week: 1 of 6 employer contacts (1 in person)")
