"""A coach fills a person's career profile on their phone, one section at a time."""

import os
from datetime import timedelta

from playwright.sync_api import expect

from coach.agency import agency_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in, open_caseload
from tests.factories import PASSWORD, make_client, make_user

SHOTS = os.environ.get("SHOTS")  # a folder: save screenshots there to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def edit(page, section: str) -> None:
    page.get_by_role("link", name=f"Edit {section}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(section, ignore_case=True)


def save(page, section: str) -> None:
    page.get_by_role("button", name=f"Save {section}").click()
    expect(page.get_by_text("Saved.")).to_be_visible()


def test_fill_a_career_profile(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_client(coach, "Rosa", "Rivera")
        today = agency_today()
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("link", name="Career profile").click()
    expect(page.get_by_role("heading", name="Work preferences")).to_be_visible()
    assert_accessible(page)

    edit(page, "work preferences")
    page.get_by_label("Kinds of work they want").fill("Stocking, bakery work")
    page.get_by_label("Hours a week they want (optional)").fill("20")
    page.get_by_label("Shifts they can work (optional)").fill("Weekday mornings")
    page.get_by_label("Settings to avoid (optional)").fill("Loud kitchens")
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "1-work-form")
    save(page, "work preferences")
    expect(page.get_by_text("Weekday mornings")).to_be_visible()

    edit(page, "strengths and skills")
    page.get_by_label("Strengths").fill("Punctual, friendly")
    page.get_by_label("Skills").fill("Forklift certificate")
    save(page, "strengths and skills")

    page.get_by_role("link", name="Add job").click()
    page.get_by_label("Employer").fill("Blue Door Bakery")
    page.get_by_label("Job", exact=True).fill("Dishwasher")
    page.get_by_label("Started (optional)").fill("2021-06-30")
    page.get_by_label("Ended (optional)", exact=True).fill("2019-03-01")
    page.get_by_role("button", name="Save job").click()
    expect(page.get_by_text("The end is before the start.")).to_be_visible()
    assert_accessible(page)
    shot(page, "2-job-error")
    page.get_by_label("Started (optional)").fill("2019-03-01")
    page.get_by_label("Ended (optional)", exact=True).fill("2021-06-30")
    page.get_by_label("Why it ended (optional)").fill("The bakery closed")
    page.get_by_role("button", name="Save job").click()
    expect(page.get_by_text("Job added to the work history.")).to_be_visible()
    expect(page.get_by_text("The bakery closed")).to_be_visible()

    edit(page, "education")
    page.get_by_label("Education and training").fill("High school diploma")
    save(page, "education")
    edit(page, "barriers and supports")
    page.get_by_label("Barriers to work").fill("Anxious with new people")
    page.get_by_label("Supports that help").fill("A written task list")
    save(page, "barriers and supports")
    edit(page, "transport")
    page.get_by_label("How they get to work (optional)").fill("Bus 14")
    page.get_by_label("Travel training").select_option(label="In progress")
    save(page, "transport")

    edit(page, "benefits")
    page.get_by_label("SSI", exact=True).check()
    page.get_by_label("Medicaid").check()
    page.get_by_label("Referred to benefits counselling on (optional)").fill(
        (today - timedelta(days=10)).isoformat()
    )
    page.get_by_label("Reports earnings every month").check()
    page.get_by_role("button", name="Save benefits").click()
    expect(page.get_by_text("Enter when the next report is due, for Today.")).to_be_visible()
    assert_accessible(page)
    shot(page, "3-benefits-error")
    page.get_by_label("Next earnings report due (if they report monthly)").fill(
        (today + timedelta(days=6)).isoformat()
    )
    save(page, "benefits")
    expect(page.get_by_text("SSI, Medicaid")).to_be_visible()

    edit(page, "disclosure")
    page.get_by_label("What they agreed to tell employers").select_option(
        label="Functional limitations only"
    )
    page.get_by_label("Their reasons (optional)").fill("Wants help explaining breaks")
    page.get_by_label("Date they agreed (optional)").fill(today.isoformat())
    save(page, "disclosure")
    edit(page, "family")
    page.get_by_label("May we involve their family?").select_option(value="yes")
    page.get_by_label("Whom (optional)").fill("Ana Rivera, her sister")
    save(page, "family")

    expect(page.get_by_text("Functional limitations only")).to_be_visible()
    expect(page.get_by_text("Ana Rivera, her sister")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "4-profile")

    page.goto("/today/")
    expect(page.get_by_text("Help report this month's earnings")).to_be_visible()
