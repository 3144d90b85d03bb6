"""Issue 20's "done when", end to end on one phone (390×844), axe clean on every page:
fill a profile; write a plan (one goal, two objectives, three steps); the person signs
it; an edit makes version 2 with version 1 still readable; a visit is linked to an
objective; a fading schedule of 20 → 10 → 5 hours; visits logged at the job show on the
chart against the plan; a mastered task suggests stepping down."""

import re
from datetime import date, datetime, time, timedelta

from playwright.sync_api import expect

from coach.agency import agency_today
from tests.e2e.conftest import assert_accessible, assert_fits_phone, log_in
from tests.e2e.test_plan_browser import add_objective, add_step, later
from tests.e2e.test_profile_browser import edit, save
from tests.factories import (
    PASSWORD,
    make_client,
    make_employer,
    make_placement,
    make_run,
    make_task,
    make_user,
    make_worksite,
)


def checked(page) -> None:
    assert_accessible(page)
    assert_fits_phone(page)


def fill_profile(page) -> None:
    page.get_by_role("link", name="Career profile").click()
    edit(page, "work preferences")
    page.get_by_label("Kinds of work they want").fill("Dish room, prep cook")
    page.get_by_label("Shifts they can work (optional)").fill("Weekday mornings")
    checked(page)
    save(page, "work preferences")
    expect(page.get_by_text("Weekday mornings")).to_be_visible()
    edit(page, "strengths and skills")
    page.get_by_label("Strengths").fill("Punctual, careful")
    page.get_by_label("Skills").fill("Food handler card")
    save(page, "strengths and skills")
    expect(page.get_by_text("Food handler card")).to_be_visible()
    checked(page)


def write_plan(page) -> None:
    page.get_by_role("link", name="New plan").click()
    page.get_by_label("Review date").fill(later(90))
    page.get_by_role("button", name="Start the plan").click()
    page.get_by_role("link", name="Add a goal").click()
    page.get_by_label("Goal", exact=True).fill("Work in a restaurant kitchen")
    page.get_by_role("button", name="Save the goal").click()
    add_objective(page, 1, "Arrives on time for 4 of 5 shifts", 60)
    add_objective(page, 1, "Runs the dish machine alone", 75)
    add_step(page, "1.1", "Set two alarms", "The person", 7)
    add_step(page, "1.1", "Practise the bus route", "The coach", 14)
    add_step(page, "1.2", "Show the machine", "Someone else", 21)
    checked(page)


def sign_and_revise(page) -> None:
    page.get_by_role("link", name="Sign version 1 with Rosa").click()
    page.get_by_label("Your full name (your signature)").fill("Rosa Rivera")
    page.get_by_label("I agree to sign electronically").check()
    checked(page)
    page.get_by_role("button", name="Sign my plan").click()
    expect(page.get_by_text("Signed by Rosa Rivera: version 1.")).to_be_visible()
    page.get_by_role("link", name="Edit goal 1").click()
    page.get_by_label("Goal", exact=True).fill("Work as a line cook")
    page.get_by_role("button", name="Save the goal").click()
    expect(page.get_by_role("heading", name=re.compile("version 2"))).to_be_visible()
    page.get_by_role("link", name=re.compile("Version 1 signed")).click()
    document = page.get_by_label("The plan as signed")
    expect(document).to_contain_text("Work in a restaurant kitchen")
    expect(document).not_to_contain_text("line cook")
    checked(page)


def choose(select, text: str) -> None:
    """Pick the option of a select whose label holds `text`."""
    select.select_option(select.locator("option", has_text=text).get_attribute("value"))


def write_up_visit(page, day: date, minutes: int, objective: str | None = None) -> None:
    """An earlier visit at the job, from 9:00, written up on the client page."""
    page.get_by_role("link", name="Write up an earlier visit").click()
    expect(page).to_have_url(re.compile(r"/visits/new"))
    page.get_by_label("Started").fill(f"{day.isoformat()}T09:00")
    end = 9 * 60 + minutes
    page.get_by_label("Ended").fill(f"{day.isoformat()}T{end // 60:02d}:{end % 60:02d}")
    choose(page.get_by_label("Job", exact=True), "Dishwasher")
    if objective:
        choose(page.get_by_label("Plan objective it serves (optional)"), objective)
        checked(page)
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text("Visit saved.")).to_be_visible()


def test_profile_plan_signature_links_and_fading_on_one_phone(phone, live_app):
    with live_app.app_context():
        today = agency_today()
        start = today - timedelta(days=14 + today.weekday())  # a Monday, two weeks back
        coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
        rosa = make_client(coach, "Rosa", "Rivera", status="employed")
        job = make_placement(
            rosa, make_worksite(make_employer("Blue Door Bakery")), "Dishwasher", start_date=start
        )
        task = make_task(rosa, coach, title="Dish station", placement_id=job.id, mastery_runs=2)
        for day in (1, 3):
            scored = datetime.combine(start + timedelta(days=day), time(15))
            make_run(task, coach, {step.id: "I" for step in task.steps}, scored)
        rosa_id, job_id = rosa.id, job.id
    page = phone()
    log_in(page, "jordan@example.org", PASSWORD)
    page.goto(f"/clients/{rosa_id}")

    fill_profile(page)  # 1
    page.goto(f"/clients/{rosa_id}")
    write_plan(page)  # 2
    sign_and_revise(page)  # 3 and 4
    plan_url = page.url.split("/versions/")[0]

    # 5 and 7: visits at the job, one linked to objective 1.1 (6 h in week 1, 3 h in week 2).
    page.goto(f"/clients/{rosa_id}")
    write_up_visit(page, start, 240, objective="Objective 1.1")
    page.goto(f"/clients/{rosa_id}")
    write_up_visit(page, start + timedelta(days=2), 120)
    page.goto(f"/clients/{rosa_id}")
    write_up_visit(page, start + timedelta(days=8), 180)
    page.goto(plan_url)
    served = page.locator(".plan-objective").first
    expect(served.get_by_text("Visits that served it")).to_be_visible()
    expect(served.get_by_text("240 min")).to_be_visible()
    checked(page)

    # 6: the job-support plan's fading schedule, 20 → 10 → 5 hours, reached from the plan.
    page.get_by_role("link", name=re.compile("Dishwasher, Blue Door Bakery")).click()
    expect(page).to_have_url(re.compile(f"/support/jobs/{job_id}$"))
    page.get_by_label("Supports needed").fill("A written closing checklist")
    page.get_by_role("button", name="Start the job-support plan").click()
    page.get_by_role("link", name="Edit schedule").click()
    expect(page).to_have_url(re.compile(r"/fading"))
    weeks = page.locator("input[name^=weeks-]")
    for n, hours in enumerate(("20", "10", "5")):
        weeks.nth(n).fill(hours)
    checked(page)
    page.get_by_role("button", name="Save the schedule").click()

    # 7: the chart draws the plan against the visits' hours.
    chart = page.locator("svg.line-chart")
    description = chart.locator("desc")
    expect(description).to_contain_text("Week 1: planned 20 h, actual 6 h.")
    expect(description).to_contain_text("Week 2: planned 10 h, actual 3 h.")
    expect(description).to_contain_text("Week 3: planned 5 h, actual 0 h.")
    expect(chart.locator("path.series")).to_have_count(2)
    # 8: the mastered task suggests a step down.
    expect(page.get_by_text("Dish station met its mastery criterion")).to_be_visible()
    checked(page)
