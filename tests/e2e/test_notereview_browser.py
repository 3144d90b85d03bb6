"""Visit notes reviewed on phones: a coach writes up two visits, a supervisor approves
one and returns the other with a comment, the coach sees the comment and fixes the note,
and the approved note is locked and takes an addendum shown with its author and time."""

import os
import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from coach.extensions import db
from coach.models import Visit
from coach.timeutil import local_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user

SHOTS = os.environ.get("SHOTS")  # a folder: save screenshots there to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def write_up(page, client_id: int, start: str, end: str, observed: str) -> None:
    page.goto(f"/clients/{client_id}")
    page.get_by_role("link", name="Write up an earlier visit").click()
    page.get_by_label("Started").fill(start)
    page.get_by_label("Ended").fill(end)
    page.locator("summary", has_text="Tasks observed").click()
    page.get_by_label("Tasks observed").fill(observed)
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("Visit saved.")).to_be_visible()


def test_a_supervisor_approves_one_note_and_returns_another(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        make_user("supervisor", email="maria@example.org", name="Maria Alvarez")
        rosa = make_client(coach, "Rosa", "Rivera")
        day = (local_today("America/New_York") - timedelta(days=1)).isoformat()
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    write_up(page, rosa.id, f"{day}T09:00", f"{day}T09:45", "Stocked the dairy case alone")
    write_up(page, rosa.id, f"{day}T13:00", f"{day}T13:30", "Bagged groceries")
    with live_app.app_context():
        first, second = db.session.scalars(sa.select(Visit).order_by(Visit.started_at)).all()

    boss = phone()
    log_in(boss, "maria@example.org", PASSWORD)
    boss.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    boss.get_by_role("link", name="Review visit notes").click()
    expect(boss.get_by_text("2 notes waiting; flagged ones first.")).to_be_visible()
    expect(boss.locator(f"#note-{first.id}")).to_contain_text("No GPS check")
    assert_accessible(boss)
    assert_fits_phone(boss)
    shot(boss, "notes_queue")
    boss.locator(f"#note-{first.id}").get_by_role("button", name=re.compile("^Approve")).click()
    expect(boss.get_by_text("Note approved.")).to_be_visible()
    card = boss.locator(f"#note-{second.id}")
    card.get_by_text("Return…").click()
    card.get_by_label("What needs fixing").fill("Say which tasks Rosa did without prompts.")
    assert_accessible(boss)
    card.get_by_role("button", name="Return to Jordan Lee").click()
    expect(boss.get_by_text("Note returned to the coach.")).to_be_visible()
    expect(boss.get_by_text("No notes are waiting for review.")).to_be_visible()

    # The coach: the returned note on Today, with the comment on the visit; the fix.
    page.goto("/today/")
    expect(page.get_by_text("Fix the visit note: Say which tasks Rosa did")).to_be_visible()
    page.get_by_role("link", name=re.compile("Fix the visit note")).first.click()
    expect(page).to_have_url(re.compile(f"/visits/{second.id}$"))
    expect(page.get_by_text("Say which tasks Rosa did without prompts.")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "note_returned")
    page.get_by_role("link", name="Amend").click()
    page.get_by_label("Tasks observed").fill("Bagged groceries; packed eggs on top without prompts")
    page.get_by_role("button", name="Save amendment").click()
    expect(page.get_by_text("Visit amended")).to_be_visible()
    expect(page.locator(".review-panel")).to_contain_text("Waiting for review")

    # The approved note is locked: no Amend, an addendum instead.
    page.goto(f"/visits/{first.id}")
    expect(page.locator(".review-panel")).to_contain_text("Approved by Maria Alvarez")
    expect(page.get_by_role("link", name="Amend")).to_have_count(0)
    page.get_by_role("link", name="Add an addendum").click()
    assert_accessible(page)
    page.get_by_label("Addendum").fill("Her supervisor called later: she will move to mornings.")
    page.get_by_role("button", name="Add the addendum").click()
    expect(page.get_by_text("Addendum added.")).to_be_visible()
    addenda = page.locator(".addenda")
    expect(addenda).to_contain_text("Her supervisor called later: she will move to mornings.")
    expect(addenda).to_contain_text(re.compile(r"Jordan Lee · \w{3} \d+, \d{4} \d+:\d\d [AP]M"))
    expect(page.get_by_text("Stocked the dairy case alone")).to_be_visible()  # as approved
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "note_locked_addendum")
