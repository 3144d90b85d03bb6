"""A visit on the phone: start it at the job site, write the note, survive a reload, end it."""

from playwright.sync_api import expect

from tests.e2e.conftest import (
    assert_accessible,
    assert_fits_phone,
    assert_no_drafts_left,
    log_in,
    open_caseload,
)
from tests.factories import (
    PASSWORD,
    make_client,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)

STORE = (39.9896, -83.0063)


def seed(app):
    with app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera", status="employed")
        site = make_worksite(
            make_employer("Green Valley Grocery"),
            name="High Street store",
            latitude=STORE[0],
            longitude=STORE[1],
        )
        make_placement(rosa, site, "Courtesy clerk")
        return rosa.id


def test_visit_note_survives_a_reload_and_lands_on_the_timeline(phone, live_app):
    rosa_id = seed(live_app)
    page = phone(
        geolocation={"latitude": STORE[0] + 0.0004, "longitude": STORE[1]},
        permissions=["geolocation"],
    )
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)

    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("button", name="Start visit").click()
    expect(page.get_by_role("heading", name="Visit under way")).to_be_visible()
    expect(page.locator("#visit-panel .badge-loc-on_site")).to_have_text("At the worksite")
    assert_accessible(page)
    assert_fits_phone(page)

    # Sections are folded until tapped.
    tasks = page.get_by_label("Tasks observed")
    expect(tasks).to_be_hidden()
    page.locator("summary", has_text="Tasks observed").click()
    tasks.fill("Bagged groceries; asked for help with the price scanner.")
    page.locator("summary", has_text="Next steps").click()
    page.get_by_label("Next steps").fill("Practise the scanner on Thursday.")
    page.get_by_text("Task training").click()

    # The battery dies, the page reloads: the text is still there.
    page.reload()
    expect(page.get_by_text("Restored what you typed earlier")).to_be_visible()
    expect(page.get_by_label("Tasks observed")).to_have_value(
        "Bagged groceries; asked for help with the price scanner."
    )
    expect(page.get_by_label("Next steps")).to_have_value("Practise the scanner on Thursday.")
    expect(page.get_by_label("Task training")).to_be_checked()

    page.get_by_role("button", name="End visit").click()
    history = page.locator("#visit-history")
    expect(history.get_by_text("Bagged groceries; asked for help")).to_be_visible()
    expect(history.get_by_text("At the worksite")).to_be_visible()
    expect(page.get_by_role("button", name="Start visit")).to_be_visible()
    expect(page.get_by_text("Visit saved:")).to_be_visible()
    assert page.url.endswith(f"/clients/{rosa_id}")  # no page load: still the same page
    assert_no_drafts_left(page)
    assert_accessible(page)

    # The saved visit opens with its note, units and location.
    history.get_by_role("link").first.click()
    page.wait_for_url("**/visits/*")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Visit")
    expect(page.get_by_text("Practise the scanner on Thursday.")).to_be_visible()
    expect(page.get_by_text("Location")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)

    # A fresh client page loads its visit history once the coach scrolls down to it.
    page.goto(f"/clients/{rosa_id}")
    expect(page.get_by_role("link", name="Show visits")).to_be_attached()
    page.locator("#visit-history").scroll_into_view_if_needed()
    expect(page.locator("#visit-history").get_by_text("Bagged groceries; asked")).to_be_visible()
    expect(page.get_by_role("link", name="Show visits")).to_have_count(0)
    assert_accessible(page)


def test_visit_without_location_permission_still_saves(phone, live_app):
    seed(live_app)
    page = phone()  # no geolocation permission: the browser refuses
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("button", name="Start visit").click()
    expect(page.locator("#visit-panel").get_by_text("Location not checked")).to_be_visible()
    page.get_by_role("button", name="End visit").click()
    expect(page.locator("#visit-history").get_by_text("Location not checked")).to_be_visible()


def test_write_up_an_earlier_visit_and_amend_it(page, live_app):
    seed(live_app)
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("link", name="Write up an earlier visit").click()
    page.get_by_label("Started").fill("2026-11-02T09:00")
    page.get_by_label("Ended").fill("2026-11-02T09:23")
    page.locator("summary", has_text="Performance").click()
    page.get_by_label("Performance").fill("Kept pace at the register.")
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("23 min · 2 units")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Amend").click()
    page.locator("summary", has_text="Concerns").click()
    page.get_by_label("Concerns").fill("Asked about more hours.")
    page.get_by_label("Reason for the change (optional)").fill("Forgot to add")
    page.get_by_role("button", name="Save amendment").click()
    expect(page.get_by_text("Visit amended")).to_be_visible()
    expect(page.get_by_text("23 min · 2 units")).to_be_visible()
    expect(page.get_by_text("Version 1, replaced")).to_be_visible()
