"""Issue 21 from end to end on phones: an admin adds a funder and a service, a coach
adds an authorization and logs visits that move its bar, a supervisor approves one note
and returns another, exports the month (the XLSX read back here), and the approved note
is locked, taking an addendum shown with its author and time."""

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.sync_api import expect

from coach.extensions import db
from coach.models import Visit
from coach.timeutil import local_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user

SHOTS = os.environ.get("SHOTS")  # a folder: save screenshots there to look at


def look(page, name: str) -> None:
    """Every page of the journey is checked as a phone user meets it."""
    assert_accessible(page)
    assert_fits_phone(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/journey21-{name}.png", full_page=True)


def more(page, link: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("link", name=link).click()


def write_up(page, client_id: int, start: str, end: str, observed: str) -> None:
    page.goto(f"/clients/{client_id}")
    page.get_by_role("link", name="Write up an earlier visit").click()
    service = page.get_by_label("Service")
    chosen = service.locator("option", has_text="Supported employment coaching")
    expect(service).to_have_value(chosen.get_attribute("value"))  # from the authorization
    page.get_by_label("Started").fill(start)
    page.get_by_label("Ended").fill(end)
    page.locator("summary", has_text="Tasks observed").click()
    page.get_by_label("Tasks observed").fill(observed)
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("Visit saved.")).to_be_visible()


def test_funder_to_billing_export_with_reviewed_notes(phone, live_app):
    with live_app.app_context():
        make_user("admin", email="ada@example.org", name="Ada Admin")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera")
        today = local_today("America/New_York")
    day = today - timedelta(days=1)

    # 1. The admin adds a funder and a service.
    admin = phone()
    log_in(admin, "ada@example.org", PASSWORD)
    more(admin, "Funders")
    admin.get_by_role("link", name="Add funder").click()
    admin.get_by_label("Name").fill("Ohio OOD")
    admin.get_by_label("Kind").select_option(label="State VR agency")
    admin.get_by_role("button", name="Add funder").click()
    expect(admin.get_by_text("Ohio OOD added.")).to_be_visible()
    admin.goto("/billing/services")
    admin.get_by_label("Code").fill("SE-COACH")
    admin.get_by_label("Name", exact=True).fill("Supported employment coaching")
    admin.get_by_label("Unit", exact=True).select_option(label="15 minutes")
    admin.get_by_label("Rate, $ per unit (optional)").fill("18.50")
    admin.get_by_role("button", name="Add service").click()
    expect(admin.get_by_text("Service SE-COACH added.")).to_be_visible()
    look(admin, "services")

    # 2. The coach adds an authorization on the client page.
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{rosa.id}")
    page.get_by_role("link", name="Add authorization").click()
    page.get_by_label("Funder").select_option(label="Ohio OOD")
    page.get_by_label("Service").select_option(label="Supported employment coaching")
    page.get_by_label("Authorization number").fill("VR-777")
    page.get_by_label("First day").fill((today - timedelta(days=40)).isoformat())
    page.get_by_label("Last day").fill((today + timedelta(days=90)).isoformat())
    page.get_by_label("Units authorized").fill("12")
    page.get_by_role("button", name="Save authorization").click()
    expect(page.get_by_text("Authorization VR-777 saved.")).to_be_visible()
    bar = page.locator("#authorizations .card")
    expect(bar).to_contain_text("0 of 12 units used (0 %) · 12 left")

    # 3. Visits logged move the bar.
    write_up(page, rosa.id, f"{day}T09:00", f"{day}T09:45", "Stocked the dairy case alone")
    page.goto(f"/clients/{rosa.id}")
    expect(bar).to_contain_text("3 of 12 units used (25 %) · 9 left")
    write_up(page, rosa.id, f"{day}T13:00", f"{day}T13:30", "Bagged groceries")
    page.goto(f"/clients/{rosa.id}")
    expect(bar).to_contain_text("5 of 12 units used")
    look(page, "client_bar")
    with live_app.app_context():
        first, second = db.session.scalars(sa.select(Visit).order_by(Visit.started_at)).all()

    # 4. The supervisor approves one note and returns the other.
    boss = phone()
    log_in(boss, "maria@example.org", PASSWORD)
    more(boss, "Review visit notes")
    boss.locator(f"#note-{first.id}").get_by_role("button", name=re.compile("^Approve")).click()
    expect(boss.get_by_text("Note approved.")).to_be_visible()
    card = boss.locator(f"#note-{second.id}")
    card.get_by_text("Return…").click()
    card.get_by_label("What needs fixing").fill("Say which tasks Rosa did without prompts.")
    card.get_by_role("button", name="Return to Jordan Lee").click()
    expect(boss.get_by_text("Note returned to the coach.")).to_be_visible()
    look(boss, "queue_done")

    # 5. The supervisor exports the month; only the approved visit is billed.
    more(boss, "Billing export")
    boss.get_by_label("Funder").select_option(label="Ohio OOD")
    boss.get_by_label("Month").fill(f"{day:%Y-%m}")
    boss.get_by_role("button", name="Preview").click()
    expect(boss.locator(".totals")).to_contain_text("1 visit to bill · 3 units · $55.50")
    look(boss, "preview")
    boss.get_by_role("button", name="Export 1 visit as a batch").click()
    expect(boss.get_by_text("exported: 1 visit billed.")).to_be_visible()
    batch = boss.locator(".card", has_text="Ohio OOD").first
    with boss.expect_download() as download:
        batch.get_by_role("link", name=re.compile("^XLSX of batch")).click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    visits = [row for row in rows if row[0] == "Visit"]
    assert [(row[1], row[3], row[4], row[8], row[10]) for row in visits] == [
        ("Rosa Rivera", "VR-777", "SE-COACH", 3, 55.5)
    ]
    assert rows[-1][0] == "Grand total" and rows[-1][8] == 3 and rows[-1][10] == 55.5
    look(boss, "exported")

    # 6. The approved note is locked; a later word is an addendum with its author and time.
    page.goto(f"/visits/{first.id}")
    expect(page.get_by_role("link", name="Amend")).to_have_count(0)
    page.get_by_role("link", name="Add an addendum").click()
    page.get_by_label("Addendum").fill("Her supervisor called: she moves to mornings.")
    page.get_by_role("button", name="Add the addendum").click()
    expect(page.get_by_text("Addendum added.")).to_be_visible()
    addenda = page.locator(".addenda")
    expect(addenda).to_contain_text("Her supervisor called: she moves to mornings.")
    expect(addenda).to_contain_text(re.compile(r"Jordan Lee · \w{3} \d+, \d{4} \d+:\d\d [AP]M"))
    expect(page.get_by_text("Stocked the dairy case alone")).to_be_visible()  # as approved
    look(page, "locked_addendum")
