"""A supervisor narrows the visit list to one coach by typing part of a name."""

from datetime import datetime

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user, make_visit


def test_supervisor_picks_a_coach_by_typing_part_of_a_name(phone, live_app):
    with live_app.app_context():
        make_user("supervisor", email="boss@example.org", name="Dana Boss")
        alma, bert = make_user("coach", name="Alma Ortiz"), make_user("coach", name="Bert Nash")
        for i in range(30):
            make_user("coach", name=f"Pat Coach{i:02d}")
        make_visit(make_client(alma, "Rosa", "Rivera"), alma, started_at=datetime(2026, 11, 2, 15))
        make_visit(make_client(bert, "Liam", "Brown"), bert, started_at=datetime(2026, 11, 3, 15))
    page = phone()
    log_in(page, "boss@example.org", PASSWORD)
    page.goto("/visits/?start=2026-11-01")
    expect(page.get_by_text("Liam Brown")).to_be_visible()

    box = page.get_by_label("Coach")
    box.click()  # the names to start from: twenty, not the whole agency
    expect(page.locator("#coach-matches li")).to_have_count(20)
    box.fill("alm")
    expect(page.locator("#coach-matches li")).to_have_count(1)
    page.screenshot(path="/tmp/coach-picker.png")
    assert_accessible(page)
    page.get_by_role("link", name="Alma Ortiz (Coach)").click()

    expect(page.get_by_text("Showing Alma Ortiz (Coach).")).to_be_visible()
    expect(page.get_by_text("Rosa Rivera")).to_be_visible()
    expect(page.get_by_text("Liam Brown")).to_have_count(0)
    # Another filter keeps the coach.
    page.get_by_label("Client name").fill("rosa")
    page.get_by_role("button", name="Show visits").click()
    expect(page.get_by_text("Rosa Rivera")).to_be_visible()
    assert "coach=" in page.url
    assert_fits_phone(page)
    page.get_by_role("link", name="Show all coaches").click()
    expect(page.get_by_text("Showing all coaches.")).to_be_visible()


def test_supervisor_moves_a_client_to_a_coach_found_by_name(phone, live_app):
    with live_app.app_context():
        make_user("supervisor", email="boss@example.org", name="Dana Boss")
        alma, bert = make_user("coach", name="Alma Ortiz"), make_user("coach", name="Bert Nash")
        for i in range(30):
            make_user("coach", name=f"Pat Coach{i:02d}")
        rosa_id = make_client(alma, "Rosa", "Rivera").id
    page = phone()
    log_in(page, "boss@example.org", PASSWORD)
    page.goto(f"/clients/{rosa_id}/edit")
    coach = page.get_by_role("group", name="Coach")
    expect(coach.get_by_role("radio")).to_have_count(1)  # the coach now, not 33 names
    expect(coach.get_by_role("radio", name="Alma Ortiz (Coach)")).to_be_checked()
    page.get_by_label("Find another coach").fill("bert")
    coach.get_by_role("radio", name="Bert Nash (Coach)").check()
    assert_accessible(page)
    assert_fits_phone(page)
    page.get_by_label("Find another coach").fill("pat")  # searching again keeps the pick
    expect(coach.get_by_role("radio", name="Pat Coach00 (Coach)")).to_be_visible()
    expect(coach.get_by_role("radio", name="Bert Nash (Coach)")).to_be_checked()
    page.get_by_label("Find another coach").press("Enter")  # searches; never saves the form
    expect(page.get_by_role("heading", name="Edit details")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Rosa Rivera")).to_be_visible()
    with live_app.app_context():
        from coach.extensions import db
        from coach.models import Client

        assert db.session.get(Client, rosa_id).coach_id == bert.id
