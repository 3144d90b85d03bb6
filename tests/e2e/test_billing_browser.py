"""A funder's authorization from the admin's list to the coach's visits, on a phone:
the bar moves with each visit, and a visit over the limit is saved and marked."""

import os
from datetime import timedelta

from playwright.sync_api import expect

from coach.timeutil import local_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user

SHOTS = os.environ.get("SHOTS")  # a folder: save screenshots there to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def write_up(page, start: str, end: str) -> None:
    """Write up an earlier visit from the client page, with the service left as given."""
    page.get_by_role("link", name="Write up an earlier visit").click()
    expect(page.get_by_label("Service")).to_have_value(
        page.get_by_label("Service")
        .locator("option", has_text="Job coaching")
        .get_attribute("value")
    )
    page.get_by_label("Started").fill(start)
    page.get_by_label("Ended").fill(end)
    assert_accessible(page)
    shot(page, "visit_form")
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("Visit saved.")).to_be_visible()


def test_admin_adds_a_funder_and_a_coach_bills_visits_against_an_authorization(phone, live_app):
    with live_app.app_context():
        make_user("admin", email="ada@example.org", name="Ada Admin")
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera")
        today = local_today("America/New_York")
    yesterday = today - timedelta(days=1)

    admin = phone()
    log_in(admin, "ada@example.org", PASSWORD)
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    admin.get_by_role("link", name="Funders").click()
    admin.get_by_role("link", name="Add funder").click()
    admin.get_by_label("Name").fill("Ohio OOD")
    admin.get_by_label("Kind").select_option(label="State VR agency")
    admin.get_by_label("Counsellor or case manager (optional)").fill("Pat Lee")
    admin.get_by_label("Their email (optional)").fill("pat@ood.example")
    assert_accessible(admin)
    assert_fits_phone(admin)
    shot(admin, "funder_form")
    admin.get_by_role("button", name="Add funder").click()
    expect(admin.get_by_text("Ohio OOD added.")).to_be_visible()
    assert_accessible(admin)
    shot(admin, "funders")
    admin.goto("/billing/services")
    expect(admin.locator(".card-title", has_text="Job coaching, on-site training")).to_be_visible()
    assert_accessible(admin)
    shot(admin, "services")
    # The funder's rate for job coaching, from this month.
    admin.get_by_role("link", name="Edit Job coaching, on-site training").click()
    admin.get_by_label("Rate, $ per unit (leave blank for no rate)").fill("15.50")
    expect(admin.get_by_label("From the month")).to_have_value(f"{today:%Y-%m}")
    admin.get_by_role("button", name="Save the rate").click()
    expect(admin.get_by_text(f"rate from {today:%B %Y}: none → $15.50")).to_be_visible()
    expect(admin.locator(".card", has_text=f"From {today:%B %Y}")).to_contain_text("$15.50")
    assert_accessible(admin)
    assert_fits_phone(admin)
    shot(admin, "service_rates")
    admin.goto("/billing/services")
    expect(admin.get_by_text("$15.50 a unit this month")).to_be_visible()

    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{rosa.id}")
    page.get_by_role("link", name="Add authorization").click()
    page.get_by_label("Funder").select_option(label="Ohio OOD")
    page.get_by_label("Service").select_option(label="Job coaching, on-site training")
    page.get_by_label("Authorization number").fill("VR-123")
    page.get_by_label("First day").fill((today - timedelta(days=10)).isoformat())
    page.get_by_label("Last day").fill((today + timedelta(days=90)).isoformat())
    page.get_by_label("Units authorized").fill("6")
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "authorization_form")
    page.get_by_role("button", name="Save authorization").click()
    expect(page.get_by_text("Authorization VR-123 saved.")).to_be_visible()
    card = page.locator("#authorizations .card")
    expect(card).to_contain_text("0 of 6 units used (0 %) · 6 left")

    write_up(page, f"{yesterday}T09:00", f"{yesterday}T09:45")  # 3 units
    page.get_by_role("link", name="Rosa").first.click()
    expect(card).to_contain_text("3 of 6 units used (50 %) · 3 left")
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "client_page")

    write_up(page, f"{yesterday}T13:00", f"{yesterday}T14:00")  # 4 more: over by 1
    expect(
        page.get_by_text("Not billable: Exceeds authorization VR-123: 1 unit over")
    ).to_be_visible()
    assert_accessible(page)
    shot(page, "visit_over")
    page.goto(f"/clients/{rosa.id}")
    expect(card).to_contain_text("3 of 6 units used (50 %) · 3 left")  # it is not billed
    page.goto(f"/visits/?start={yesterday}")
    expect(page.get_by_text("Not billable: Exceeds authorization VR-123")).to_be_visible()
    assert_accessible(page)
    shot(page, "visit_list")
