"""A supervisor opens the outcomes page and follows a figure to its records, on a phone
(390×844) and on a desktop (1280×800); a coach adds a raise on a job page."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coach.agency import agency_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import (
    PASSWORD,
    make_client,
    make_contact,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)

DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("SHOTS")  # a folder: save what the test saw there


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def caseload(live_app):
    with live_app.app_context():
        today = agency_today()
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
        employer = make_employer("Green Valley Grocery")
        site = make_worksite(employer)
        rosa = make_client(coach, "Rosa", "Rivera", referral_date=today - timedelta(days=200))
        job = make_placement(
            rosa,
            site,
            "Cashier",
            start_date=today - timedelta(days=150),
            hourly_wage_cents=1525,
            weekly_hours_tenths=200,
        )
        sam = make_client(coach, "Sam", "Ode", referral_date=today - timedelta(days=120))
        make_placement(
            sam,
            site,
            "Stocker",
            start_date=today - timedelta(days=100),
            end_date=today - timedelta(days=20),
            end_reason="better_job",
            hourly_wage_cents=1400,
        )
        make_contact(coach, employer, contact_date=today - timedelta(days=180), clients=[rosa])
        return job.id


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_supervisor_follows_a_figure_to_its_records(phone, browser, live_app, size):
    caseload(live_app)
    if size == "phone":
        page = phone()
    else:
        context = browser.new_context(viewport=DESKTOP, base_url=live_app.config["LIVE_URL"])
        page = context.new_page()
    log_in(page, "maria@example.org", PASSWORD)
    page.get_by_role("link", name="More").click()
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes")).to_be_visible()
    employed = page.locator(".stat", has=page.get_by_role("heading", name="Employed"))
    expect(employed.locator(".stat-value")).to_have_text("50 %")
    expect(page.get_by_role("img", name="Job starts per month")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, f"outcomes-{size}")
    page.get_by_role("link", name="The 1 with a job").click()
    expect(page.get_by_role("heading", name="Clients with a job")).to_be_visible()
    expect(page.get_by_role("link", name="Rosa Rivera", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Sam Ode")).to_have_count(0)
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, f"outcome-records-{size}")
    page.get_by_role("link", name="Outcomes").first.click()
    page.get_by_role("link", name="Left for a better job: 1").click()
    expect(page.get_by_role("link", name="Sam Ode", exact=True)).to_be_visible()
    if size == "desktop":
        context.close()


def test_a_coach_adds_a_raise_on_the_job_page(phone, live_app):
    job_id = caseload(live_app)
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/placements/{job_id}")
    expect(page.get_by_text("$15.25 an hour").first).to_be_visible()
    page.get_by_label("From").fill(date.today().isoformat())
    page.get_by_label("Hourly wage, $ (optional)").fill("16.75")
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_text("Wage and hours change saved.")).to_be_visible()
    expect(page.get_by_text("$16.75 an hour").first).to_be_visible()
    assert_accessible(page)
    shot(page, "job-page-phone")
