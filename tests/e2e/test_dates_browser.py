"""A trip logged late on the last evening of a month lands on that day and month."""

from datetime import datetime

from playwright.sync_api import expect

from tests.clock import freeze_clock
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_user


def test_a_late_evening_trip_lands_on_the_local_day(phone, live_app, monkeypatch):
    # 11:30 pm on Sunday, May 31 in New York: Monday, June 1 in UTC.
    freeze_clock(monkeypatch, datetime(2026, 5, 31, 23, 30))
    with live_app.app_context():
        make_user("coach", email="jordan@example.org", name="Jordan Lee")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.get_by_role("link", name="Mileage").click()
    expect(page.get_by_role("heading", name="Mileage May 2026")).to_be_visible()
    page.get_by_role("link", name="New trip").click()
    expect(page.get_by_label("Date")).to_have_value("2026-05-31")
    page.get_by_label("From").fill("Green Valley Grocery")
    page.get_by_label("To").fill("Home")
    page.get_by_label("Business purpose").fill("Drove back from a late shift")
    page.get_by_label("…or miles driven").fill("6.4")
    page.get_by_role("button", name="Save trip").click()
    expect(page.get_by_text("Trip saved: 6.4 mi.")).to_be_visible()
    expect(page.get_by_text("Sun May 31 · 6.4 mi")).to_be_visible()
    expect(page.get_by_role("link", name="Submit May for approval (1 trip)")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    page.screenshot(path="/tmp/i16-dates-trip.png")
