"""A coach sends an accommodation request; the employer signs it on their own phone."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in, open_caseload
from tests.factories import (
    PASSWORD,
    make_client,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)


def test_coach_sends_and_employer_signs_in_another_browser(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera", disclosure="functional")
        employer = make_employer(
            "Green Valley Grocery",
            contact_name="Dana Brooks",
            contact_email="dana@grocery.example.com",
        )
        make_placement(rosa, make_worksite(employer), "Cashier")
    coach_page = phone()
    log_in(coach_page, "jordan@example.org", PASSWORD)
    open_caseload(coach_page)
    coach_page.get_by_role("link", name="Rosa Rivera").click()
    coach_page.get_by_role("link", name="New request").click()
    coach_page.get_by_label("Functional limitation").fill("Cannot stand for more than an hour")
    coach_page.get_by_label("Diagnosis (optional)").fill("Rheumatoid arthritis")
    coach_page.get_by_label("Job function affected").fill("Running the register")
    coach_page.get_by_label("Accommodation requested").fill(
        "A stool at the register for shifts over 4 hours"
    )
    coach_page.get_by_label("Estimated cost, $ (optional)").fill("45")
    coach_page.get_by_role("button", name="Save request").click()
    expect(coach_page.get_by_text("Request saved as a draft")).to_be_visible()
    assert_accessible(coach_page)
    assert_fits_phone(coach_page)

    coach_page.get_by_role("link", name="Send to employer").click()
    coach_page.get_by_label("Show a QR code or copy the link").check()
    coach_page.get_by_role("button", name="Make the link").click()
    expect(coach_page.locator(".qr svg")).to_be_visible()
    url = coach_page.get_by_label("Sign-off link").input_value()
    assert re.search(r"/s/[A-Za-z0-9_-]{43}$", url)
    assert_accessible(coach_page)
    coach_page.get_by_role("link", name="Done").click()
    expect(coach_page.get_by_text("Waiting for the employer")).to_be_visible()

    # The manager, on their own phone, with no account and no session.
    manager = phone()
    manager.goto(url)
    expect(manager.get_by_text("A stool at the register for shifts over 4 hours")).to_be_visible()
    expect(manager.get_by_text("Cannot stand for more than an hour")).to_be_visible()
    expect(manager.get_by_text("Rheumatoid")).to_have_count(0)
    expect(manager.get_by_role("link", name="Caseload")).to_have_count(0)
    assert_accessible(manager)
    assert_fits_phone(manager)
    manager.get_by_label("Approve with changes").check()
    manager.get_by_role("button", name="Sign and send my decision").click()
    # The first field to fix comes into view, below the long document, and takes focus.
    expect(manager.get_by_text("Please explain the changes")).to_be_in_viewport()
    expect(manager.get_by_label("Comment")).to_be_focused()
    manager.get_by_label("Comment").fill("A stool on weekend shifts; we will review in a month.")
    manager.get_by_label("Your full name (your signature)").fill("Dana Brooks")
    manager.get_by_label("Your job title").fill("Store Manager")
    manager.get_by_label("I agree to sign electronically").check()
    manager.get_by_role("button", name="Sign and send my decision").click()
    expect(manager.get_by_text("your decision is recorded")).to_be_visible()

    # The coach's page, still open, updates itself to the decision.
    expect(coach_page.get_by_text("Approved with changes by Dana Brooks")).to_be_visible(
        timeout=15_000
    )
    coach_page.get_by_role("link", name="Signed record").click()
    expect(coach_page.get_by_text("Verified.")).to_be_visible()
    assert_accessible(coach_page)

    manager.goto(url)
    expect(manager.get_by_text("A decision was already recorded")).to_be_visible()
