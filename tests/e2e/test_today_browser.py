"""Today on a phone: a client calls, the reply shows as due, logging it clears it; a job
starts in 5 days and both meetings show; a visit ends with its summary, and its trip is
added from there in one tap, linked to the visit."""

import os
import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from coach.agency import agency_today
from coach.extensions import db
from coach.models import Trip, Visit
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import (
    PASSWORD,
    make_client,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)

SHOTS = os.environ.get("SHOTS")  # a folder: save what the phone showed


def shot(page, name: str, full_page: bool = True) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=full_page)


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


def test_a_job_start_a_visit_its_summary_and_its_trip(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        sam = make_client(coach, "Sam", "Okafor")
        site = make_worksite(make_employer("Green Valley Grocery"), address="12 Main St")
        today = agency_today()
        make_placement(sam, site, "Stocker", start_date=today + timedelta(days=5))
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)

    # 5. The job starts in 5 days: both meetings show.
    before = page.locator(".due", has_text="Meet before the job starts")
    expect(before).to_contain_text("in 5 days")
    expect(page.locator(".due", has_text="Meet in the first 3 days of the job")).to_be_visible()
    assert_accessible(page)

    # 6. One tap opens Sam's page: start the visit, end it; the summary sums it up.
    before.click()
    page.get_by_role("button", name="Start visit").click()
    expect(page.get_by_role("heading", name="Visit under way")).to_be_visible()
    page.get_by_role("button", name="End visit").click()
    summary = page.locator(".visit-summary")
    expect(summary).to_contain_text("Visit ended")
    expect(summary).to_contain_text("Cleared: Job starts soon: Meet before the job starts")
    assert_accessible(page)
    assert_fits_phone(page)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "visit-summary", full_page=False)

    # 7. One tap adds the trip, on the visit's date, for Sam (a visit at a job site
    # also fills in the site: tests/test_visit_summary.py; this one was before the job).
    summary.get_by_role("link", name="Add the trip").click()
    expect(page.get_by_label("Date")).to_have_value(today.isoformat())
    expect(page.get_by_label("Business purpose")).to_have_value("Job-site visit")
    expect(page.get_by_label("Client transported (optional)")).to_have_value(re.compile(r"\d+"))
    assert_accessible(page)
    page.get_by_label("From").fill("Office")
    page.get_by_label("To").fill("Sam's home")
    page.get_by_label("…or miles driven").fill("4.2")
    page.get_by_role("button", name="Save trip").click()
    expect(page.get_by_text("Trip saved: 4.2 mi.")).to_be_visible()

    # 8. The trip is the visit's.
    with live_app.app_context():
        visit = db.session.scalars(sa.select(Visit)).one()
        trip = db.session.scalars(sa.select(Trip)).one()
        assert trip.visit_id == visit.id and trip.client_id == visit.client_id

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.locator(".due", has_text="Meet before the job starts")).to_have_count(0)
    expect(page.locator(".due", has_text="Meet in the first 3 days of the job")).to_be_visible()


def test_a_supervisor_sees_each_coachs_most_urgent_and_opens_one_coachs_list(phone, live_app):
    from tests.factories import make_request

    with live_app.app_context():
        make_user("supervisor", email="sam@example.org", name="Sam Park")
        today = agency_today()
        for n, name in enumerate(("Ana Ortiz", "Ben Hall", "Cleo Diaz")):
            coach = make_user("coach", name=name)
            for k in range(4 - n):  # Ana has the most items, all overdue
                person = make_client(coach, f"Client{n}", f"Number{k}")
                make_request(person, coach, follow_up_due=today - timedelta(days=k + 1))
        later = today + timedelta(days=30)  # beyond Today's two weeks
        make_request(make_client(coach, "Later", "Person"), coach, follow_up_due=later)
    page = phone()
    log_in(page, "sam@example.org", PASSWORD)
    groups = page.locator(".due-group")
    expect(groups).to_have_count(3)
    expect(groups.first).to_contain_text("Ana Ortiz · 4 overdue of 4")
    expect(groups.first.locator(".due")).to_have_count(3)  # her three most urgent
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "today-supervisor")
    groups.first.get_by_role("link", name="All 4 of Ana Ortiz’s items").click()
    expect(page.get_by_text("Showing the items of Ana Ortiz")).to_be_visible()
    expect(page.locator(".due")).to_have_count(4)
    assert_accessible(page)
