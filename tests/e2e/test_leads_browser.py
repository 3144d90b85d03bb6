"""A job lead from a client's page to the job it makes, on a phone (390×844)."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in, open_caseload
from tests.factories import (
    PASSWORD,
    make_client,
    make_employer,
    make_user,
    make_worksite,
)


def test_add_a_lead_see_it_due_mark_it_hired_and_find_the_job(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera", status="job_search")
        employer = make_employer("Green Valley Grocery", created_by=coach)
        make_worksite(employer, "Main Street store")
        rosa_id = rosa.id
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)  # home is Today
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("link", name="Add a job lead").click()
    page.get_by_label("Position").fill("Courtesy clerk")
    page.get_by_label("Employer").select_option(label="Green Valley Grocery")
    page.get_by_label("Hourly wage, $ (optional)").fill("15.25")
    page.get_by_label("Shift (optional)").fill("weekday mornings")
    expect(page.get_by_label("Rosa Rivera")).to_be_checked()  # from her page
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_role("button", name="Save lead").click()
    expect(page.get_by_text("Lead saved: follow it up within 48 hours.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Follow-up due in 48 h"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Leads").click()
    card = page.get_by_role("link", name=re.compile("Courtesy clerk · Green Valley Grocery"))
    expect(card).to_contain_text("due in 48 h")
    expect(card).to_contain_text("For Rosa Rivera")
    assert_accessible(page)
    assert_fits_phone(page)

    card.click()
    page.get_by_role("link", name="Hired: record the job").click()
    expect(page.get_by_label("Job title")).to_have_value("Courtesy clerk")
    expect(page.get_by_label("Hourly wage, $ (optional)")).to_have_value("15.25")
    page.get_by_label("Start date").fill("2026-11-23")
    page.get_by_label("Hours a week (optional)").fill("20")
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_role("button", name="Save the job").click()

    expect(page).to_have_url(re.compile(rf"/clients/{rosa_id}$"))
    expect(page.get_by_text("Rosa Rivera is hired: the job is on their page.")).to_be_visible()
    jobs = page.locator("section[aria-labelledby=jobs-h]")
    expect(jobs).to_contain_text("Courtesy clerk")
    expect(jobs).to_contain_text("Green Valley Grocery")
    expect(jobs).to_contain_text("$15.25/h")
    expect(page.locator(".page-head .badge")).to_have_text("Employed")
    assert_accessible(page)
