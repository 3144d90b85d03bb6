"""A trip from the coach's phone to finance's file."""

import csv
import io
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user


def test_log_submit_approve_and_export(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_client(coach, "Rosa", "Rivera")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.get_by_role("link", name="Mileage").click()
    page.get_by_role("link", name="New trip").click()
    page.get_by_label("Date").fill("2026-11-02")
    page.get_by_label("From").fill("Office")
    page.get_by_label("To").fill("Green Valley Grocery")
    page.get_by_label("Business purpose").fill("Drove Rosa to her interview")
    page.get_by_label("Client transported (optional)").select_option(label="Rosa Rivera")
    page.get_by_label("…or miles driven").fill("12.5")
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_role("button", name="Save trip").click()
    expect(page.get_by_text("Trip saved: 12.5 mi.")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("$9.06")  # 12.5 mi × 72.5¢, half up
    page.get_by_role("link", name="Submit November for approval (1 trip)").click()
    page.get_by_role("button", name="Yes, submit November").click()
    expect(page.get_by_text("1 trip submitted for approval.")).to_be_visible()
    assert_accessible(page)

    boss = phone()
    log_in(boss, "maria@example.org", PASSWORD)
    boss.goto("/mileage/review")
    expect(boss.get_by_text("Drove Rosa to her interview")).to_be_visible()
    assert_accessible(boss)
    boss.get_by_role("button", name="Approve").click()
    expect(boss.get_by_text("No trips are waiting for approval.")).to_be_visible()
    boss.goto("/mileage/export?month=2026-11")
    boss.get_by_label("Coach", exact=True).fill("jord")  # the coach search, not a list
    # Focusing the box lists every name at once and the typed search answers 300 ms
    # later: a tap on the first list as the second replaces it can land on neither link
    # (CI on effa63f). Tap once the search has answered, as a person would.
    expect(boss.locator("#coach-matches li")).to_have_count(1)
    boss.get_by_role("link", name="Jordan Lee (Coach)").click()
    expect(boss.get_by_text("Showing Jordan Lee (Coach).")).to_be_visible()
    expect(boss.get_by_label("From")).to_have_value("2026-11-01")  # the dates kept
    assert_accessible(boss)
    assert_fits_phone(boss)
    boss.get_by_label("CSV").check()
    with boss.expect_download() as download:
        boss.get_by_role("button", name="Download").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][4] == "Drove Rosa to her interview" and rows[1][8] == "9.06"
    assert rows[1][5].startswith("C-") and "Rivera" not in text
    assert next(r for r in rows if r and r[0] == "Grand total")[4] == "9.06"
