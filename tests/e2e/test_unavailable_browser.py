"""The database is away when the coach saves a visit note: the note stays on the phone."""

import sqlite3

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_drafts_left, log_in, open_caseload
from tests.factories import PASSWORD, make_client, make_user

NOTE = "Stocked the cooler; needed one prompt for the date labels."


def database_locked(*args, **kwargs):
    raise sa.exc.OperationalError(
        "INSERT INTO audit_events", {}, sqlite3.OperationalError("database is locked")
    )


def test_a_503_on_save_keeps_the_visit_note_draft(phone, live_app, monkeypatch):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org")
        make_client(coach, "Rosa", "Rivera", status="employed")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    open_caseload(page)
    page.get_by_role("link", name="Rosa Rivera").click()
    page.get_by_role("button", name="Start visit").click()
    expect(page.get_by_role("heading", name="Visit under way")).to_be_visible()
    page.locator("summary", has_text="Tasks observed").click()
    page.get_by_label("Tasks observed").fill(NOTE)

    monkeypatch.setattr("coach.visits.services.record_event", database_locked)
    with page.expect_response(lambda r: r.url.endswith("/save")) as saved:
        page.get_by_role("button", name="Save note").click()
    assert saved.value.status == 503
    expect(page.get_by_role("alert")).to_contain_text("briefly unavailable")
    # Nothing was swapped: the text is still in the form, and in this phone's storage.
    expect(page.get_by_label("Tasks observed")).to_have_value(NOTE)
    drafts = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('coach-draft:'))"
        ".map(k => localStorage.getItem(k)).join(' ')"
    )
    assert NOTE in drafts

    # The coach reloads (or the battery dies): the draft comes back.
    page.reload()
    expect(page.get_by_text("Restored what you typed earlier")).to_be_visible()
    expect(page.get_by_label("Tasks observed")).to_have_value(NOTE)

    # A minute later the database is back: the save goes through and the draft is dropped.
    monkeypatch.undo()
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved at")).to_be_visible()
    assert_no_drafts_left(page)
