"""A supervisor bills a funder's month from the phone: opens Billing, previews November,
exports it as a batch, downloads the XLSX and sees the batch in the list."""

import io
import os
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.sync_api import expect

from coach.extensions import db
from coach.models import BillingBatch
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import (
    PASSWORD,
    make_authorization,
    make_billed_visit,
    make_client,
    make_funder,
    make_user,
    set_rate,
)

SHOTS = os.environ.get("SHOTS")  # a folder: save the pages as PNGs to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"billing-{name}.png"), full_page=True)


def test_a_supervisor_previews_exports_and_downloads_a_month(phone, live_app):
    with live_app.app_context():
        boss = make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        set_rate("JOBCOACH", 1500)
        vr = make_funder(boss, "Ohio OOD")
        for first, last, case in (("Rosa", "Rivera", "OOD-1"), ("Ben", "Ode", "OOD-2")):
            person = make_client(coach, first, last)
            make_authorization(person, boss, vr, funder_case_number=case)
            for day in (2, 9):
                visit = make_billed_visit(person, coach, started_at=datetime(2026, 11, day, 15))
                visit.review_status, visit.reviewed_by_id = "approved", boss.id
            make_billed_visit(person, coach, started_at=datetime(2026, 11, 16, 15))  # waiting
        db.session.commit()
        assert date.today() >= date(2026, 11, 1)

    page = phone()
    log_in(page, "maria@example.org", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    page.get_by_role("link", name="Billing export").click()
    expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
    page.get_by_label("Funder").select_option(label="Ohio OOD")
    page.get_by_label("Month").fill("2026-11")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Ohio OOD, November 2026")).to_be_visible()
    expect(page.locator(".totals")).to_contain_text("4 visits to bill · 8 units · $120.00")
    expect(page.get_by_text("2 billable visits not approved yet")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "preview")

    page.get_by_role("button", name="Export 4 visits as a batch").click()
    expect(page.get_by_text("exported: 4 visits billed.")).to_be_visible()
    with live_app.app_context():  # its number is its id: PostgreSQL's sequences carry over
        n = db.session.scalars(sa.select(BillingBatch.id)).one()
    batch = page.locator(".card", has_text=f"Batch {n} · Ohio OOD")
    expect(batch).to_contain_text("4 visits · 8 units · $120.00")
    expect(batch).to_contain_text("Exported by Maria Alvarez")
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "exported")

    with page.expect_download() as download:
        batch.get_by_role("link", name=f"XLSX of batch {n}").click()
    assert download.value.suggested_filename == f"billing-batch-{n}-2026-11.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    visits = [r for r in rows if r[0] == "Visit"]
    assert [(r[1], r[2], r[8], r[10]) for r in visits] == [
        ("Ben Ode", "OOD-2", 2, 30.0),
        ("Ben Ode", "OOD-2", 2, 30.0),
        ("Rosa Rivera", "OOD-1", 2, 30.0),
        ("Rosa Rivera", "OOD-1", 2, 30.0),
    ]
    assert rows[-1][0] == "Grand total" and rows[-1][8] == 8 and rows[-1][10] == 120.0

    # Reopening asks first, then says what it did.
    batch.get_by_text("Reopen…").click()
    shot(page, "reopen")
    batch.get_by_role("button", name=f"Reopen batch {n}").click()
    expect(page.get_by_text(f"Batch {n} reopened: 4 visits can be exported again.")).to_be_visible()
    expect(page.get_by_text("Reopened by Maria Alvarez")).to_be_visible()
    assert_accessible(page)
