"""The employment plan on the coach's phone: a goal, two objectives and three steps; the
person signs it on the same phone; an edit makes version 2, and version 1 stays readable."""

import os
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.factories import PASSWORD, make_client, make_user

SHOTS = os.environ.get("SHOTS")  # a folder: screenshots of each page, to look at


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def later(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def add_objective(page, goal: int, text: str, days: int) -> None:
    page.get_by_role("link", name=f"Add an objective to goal {goal}").click()
    page.get_by_label("Objective", exact=True).fill(text)
    page.get_by_label("Target date").fill(later(days))
    page.get_by_role("button", name="Save the objective").click()
    expect(page.get_by_role("heading", name=re.compile(f"Objective.*{text}"))).to_be_visible()


def add_step(page, objective: str, text: str, who: str, days: int) -> None:
    page.get_by_role("link", name=f"Add a step to objective {objective}").click()
    page.get_by_label("Action step").fill(text)
    page.get_by_label(who, exact=True).check()
    if who == "Someone else":
        page.get_by_label("Their name, if someone else").fill("Sam, the shift lead")
    page.get_by_label("Due date").fill(later(days))
    page.get_by_role("button", name="Save the step").click()
    expect(page.get_by_role("link", name=re.compile(text))).to_be_visible()


def test_write_sign_and_revise_a_plan(phone, live_app):
    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera")
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{rosa.id}")
    page.get_by_role("link", name="New plan").click()
    page.get_by_label("Review date").fill(later(90))
    assert_accessible(page)
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_text("No goal yet.")).to_be_visible()

    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("Goal", exact=True).fill("Work in a restaurant kitchen")
    page.get_by_role("button", name="Save the goal").click()
    add_objective(page, 1, "Arrives on time for 4 of 5 shifts", 60)
    page.get_by_role("link", name="Add an objective to goal 1").click()
    page.get_by_role("button", name="Save the objective").click()  # nothing typed
    expect(page.get_by_text("Write the objective.")).to_be_visible()
    assert_accessible(page)
    shot(page, "objective-errors")
    page.get_by_role("link", name="Plan").click()
    add_objective(page, 1, "Runs the dish machine alone", 75)
    add_step(page, "1.1", "Set two alarms", "The person", 7)
    add_step(page, "1.1", "Practise the bus route", "The coach", 14)
    add_step(page, "1.2", "Show the machine", "Someone else", 21)
    expect(page.get_by_text("Sam, the shift lead")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "plan")

    # Rosa signs on the coach's phone.
    page.get_by_role("link", name="Sign version 1 with Rosa").click()
    expect(page.get_by_label("The plan")).to_contain_text("Set two alarms")
    page.get_by_label("Your full name (your signature)").fill("Rosa Rivera")
    page.get_by_label("I agree to sign electronically").check()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "sign")
    page.get_by_role("button", name="Sign my plan").click()
    expect(page.get_by_text("Signed by Rosa Rivera: version 1.")).to_be_visible()
    expect(page.get_by_text("Version 1 is signed.")).to_be_visible()

    # A change after signing makes version 2; version 1 stays as signed.
    page.get_by_role("link", name="Edit goal 1").click()
    expect(page.get_by_text("a change here starts version 2")).to_be_visible()
    page.get_by_label("Goal", exact=True).fill("Work as a line cook")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_text("this change starts a new version")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("version 2"))).to_be_visible()
    expect(page.get_by_role("link", name="Sign version 2 with Rosa")).to_be_visible()
    shot(page, "plan-v2")
    page.get_by_role("link", name=re.compile("Version 1 signed")).click()
    document = page.get_by_label("The plan as signed")
    expect(document).to_contain_text("Work in a restaurant kitchen")
    expect(document).not_to_contain_text("line cook")
    expect(page.get_by_text("Verified.")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "version-1")
    page.emulate_media(media="print")
    shot(page, "version-1-print")


def test_link_a_visit_to_an_objective_and_remove_another(phone, live_app):
    """A visit written up for objective 1.1 shows under it on the plan page; objective 1.2
    is removed after its confirmation page."""
    from tests.factories import make_plan, make_run, make_task

    def objectives_of(plan_id: int):  # their ids differ on PostgreSQL, whose sequences go on
        from coach.extensions import db
        from coach.models import PlanObjective

        return db.session.scalars(db.select(PlanObjective).filter_by(plan_id=plan_id)).all()

    with live_app.app_context():
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera")
        plan = make_plan(rosa, coach, objectives=2, start=date.today() - timedelta(days=20))
        plan_id = plan.id
        first = min(o.id for o in objectives_of(plan_id))
        task = make_task(rosa, coach, title="Roll silverware", objective_id=first, mastery_runs=1)
        make_run(task, coach, {step.id: "I" for step in task.steps})
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{rosa.id}")
    page.get_by_role("link", name="Write up an earlier visit").click()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    page.get_by_label("Started").fill(f"{yesterday}T09:00")
    page.get_by_label("Ended").fill(f"{yesterday}T09:40")
    page.get_by_label("Plan objective it serves (optional)").select_option(
        label="Goal 1 · Objective 1.1: Objective 1: on time for 4 of 5 shifts"
    )
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "visit-objective")
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("Visit saved.")).to_be_visible()

    page.goto(f"/plans/{plan_id}")
    served = page.locator(".plan-objective").first
    expect(served.get_by_text("Visits that served it")).to_be_visible()
    expect(served.get_by_text("40 min")).to_be_visible()
    expect(served.get_by_role("link", name=re.compile("Roll silverware"))).to_be_visible()
    expect(served.get_by_text("100% independent")).to_be_visible()
    expect(served.get_by_text("Ready to fade")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "plan-links")
    if SHOTS:  # the links as the phone shows them, between the header and the tab bar
        served.get_by_text("Ready to fade").scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/plan-links-screen.png")

    page.get_by_role("link", name="Edit objective 1.2").click()
    page.get_by_role("link", name="Remove…").click()
    expect(page.get_by_text("Its 1 action step is removed with it.")).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    shot(page, "remove-objective")
    page.get_by_role("button", name="Yes, remove the objective").click()
    expect(page.get_by_text("The objective removed.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Objective 1.2"))).to_have_count(0)
