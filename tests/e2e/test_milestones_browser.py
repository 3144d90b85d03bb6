"""Milestones on a phone: an admin gives a funder the VR default schedule in one tap,
and a supervisor sees a client's reached milestone and marks it claimed (and undoes it)."""

import os
from datetime import timedelta

from playwright.sync_api import expect

from coach.timeutil import local_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import (
    PASSWORD,
    make_authorization,
    make_client,
    make_employer,
    make_funder,
    make_placement,
    make_user,
    make_worksite,
)

SHOTS = os.environ.get("SHOTS")  # a folder: save screenshots there to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_admin_sets_the_vr_default_and_a_supervisor_claims_a_reached_milestone(phone, live_app):
    with live_app.app_context():
        admin = make_user("admin", email="ada@example.org", name="Ada Admin")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera")
        today = local_today("America/New_York")
        start = today - timedelta(days=40)  # 30 days reached 10 days ago; 60 due in 20
        site = make_worksite(make_employer("Green Valley Grocery", created_by=coach))
        make_placement(rosa, site, "Stocker", start_date=start)
        funder = make_funder(admin, "Ohio OOD")
        end = today + timedelta(days=300)
        make_authorization(rosa, admin, funder, start_date=start, end_date=end)

    page = phone()
    log_in(page, "ada@example.org", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("link", name="Funders").click()
    page.get_by_role("link", name="Edit Ohio OOD").click()
    expect(page.get_by_text("No milestones yet.")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "funder_no_milestones")
    page.get_by_role("button", name="Use the VR default: placement, 30, 60, 90 days").click()
    expect(page.get_by_text("Milestones set: placement, 30, 60 and 90 days.")).to_be_visible()
    expect(page.locator(".card-title", has_text="90 days employed")).to_be_visible()
    assert_accessible(page)
    shot(page, "funder_milestones")
    page.get_by_role("link", name="Change the milestones").click()
    page.get_by_role("link", name="Edit 30 days employed").click()
    expect(page.get_by_role("heading", name="Edit milestone")).to_be_visible()
    page.get_by_label("Amount, $ (optional)").fill("500")
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "milestone_form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_text("30 days · $500.00")).to_be_visible()
    assert_accessible(page)
    shot(page, "schedule")

    page = phone()
    log_in(page, "maria@example.org", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("link", name="Milestones to claim").click()
    expect(page.get_by_role("heading", name="Reached (2)")).to_be_visible()
    expect(page.get_by_role("heading", name="Due (0)")).to_be_visible()
    card = page.locator(".card", has_text="30 days employed")
    expect(card).to_contain_text("Rosa Rivera")
    expect(card).to_contain_text("Stocker at Green Valley Grocery")
    expect(card).to_contain_text("$500.00")
    reached = (start + timedelta(days=30)).strftime("%b %-d, %Y")
    expect(card).to_contain_text(f"Ohio OOD · reached {reached}")
    page.get_by_label("Funder").select_option(label="Ohio OOD")
    page.get_by_role("button", name="Show milestones").click()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "milestones")
    card.get_by_role("button", name="Mark claimed").click()
    expect(page.get_by_text("30 days employed marked claimed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Claimed (1)")).to_be_visible()
    claimed = page.locator(".card", has_text="Claimed by Maria Alvarez")
    expect(claimed).to_contain_text("30 days employed")
    assert_accessible(page)
    shot(page, "milestones_claimed")
    claimed.get_by_role("button", name="Undo claim").click()
    expect(page.get_by_text("30 days employed is no longer marked claimed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reached (2)")).to_be_visible()
