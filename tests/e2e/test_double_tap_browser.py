"""A finger taps a form's button twice, 50 ms apart, on a phone (390×844): every form
that saves makes one record or one change, and the page after shows what was saved,
not another form opened by the second tap (issue #16, item 4).

The taps are touches at the button's place on the screen, as a stray second tap is: it
lands on whatever is there then, the same button in flight or the next page."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from coach.accommodations.services import create_link
from coach.extensions import db
from coach.models import AuditEvent
from coach.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    make_application,
    make_client,
    make_employer,
    make_funder,
    make_lead,
    make_placement,
    make_plan,
    make_report,
    make_request,
    make_support,
    make_task,
    make_trip,
    make_user,
    make_visit,
    make_worksite,
)

WHERE = {"latitude": 39.9612, "longitude": -82.9988}
COACH, ADMIN, SUPERVISOR = "jordan@example.org", "ada@example.org", "maria@example.org"


def people():
    """A coach with a client in a job (with a task and a request), an admin and a supervisor."""
    coach = make_user("coach", email=COACH, name="Jordan Lee")
    make_user("admin", email=ADMIN, name="Ada Admin")
    make_user("supervisor", email=SUPERVISOR, name="Maria Alvarez")
    rosa = make_client(coach, "Rosa", "Rivera", disclosure="functional")
    employer = make_employer("Green Valley Grocery", created_by=coach, contact_name="Dana Brooks")
    site = make_worksite(employer, latitude=WHERE["latitude"], longitude=WHERE["longitude"])
    job = make_placement(rosa, site, "Cashier")
    task = make_task(rosa, coach)
    item = make_request(rosa, coach)
    return {
        "coach": coach,
        "rosa": rosa,
        "employer": employer,
        "task": task,
        "item": item,
        "job": job,
    }


def a_while_ago():
    return utcnow() - timedelta(minutes=20)


def link_token(records) -> str:
    """A sign-off link for the request, as the coach's send page makes one."""
    _, token = create_link(records["item"], "The request.", records["coach"], "Dana", "")
    db.session.commit()
    return token


def fill(page, values: dict) -> None:
    for name, value in values.items():
        field = page.locator(name if name.startswith("[") else f"form [name={name}]").first
        if value is True:
            field.check()
        elif field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


# Each form: who taps, how to get there (from the made records), what to type, the
# button, and what the page after shows (text, and the URL it is at).
CASES = {
    "new trip": (
        COACH,
        lambda r: "/mileage/new",
        {
            "origin": "Office",
            "destination": "Green Valley Grocery",
            "purpose": "Drove Rosa to work",
            "miles": "12.5",
        },
        "Save trip",
        "Trip saved: 12.5 mi.",
        r"/mileage/\?month=",
    ),
    "log a contact": (
        COACH,
        lambda r: f"/contacts/new?client={r['rosa'].id}",
        {"[value=text]": True},
        "Save contact",
        "Text message logged.",
        r"/clients/\d+",
    ),
    "log a job problem": (
        COACH,
        lambda r: f"/clients/placements/{r['job'].id}/events/new",
        {},
        "Save",
        "Job problem logged",
        r"/clients/\d+",
    ),
    "add a wage change": (
        COACH,
        lambda r: f"/clients/placements/{r['job'].id}",
        {"effective_date": "2026-06-15", "hourly_wage": "16.50"},
        "Save the change",
        "Wage and hours change saved.",
        r"/clients/placements/\d+$",
    ),
    "add to the work history": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/profile/jobs/new",
        {"employer_name": "Blue Door Bakery", "job_title": "Dishwasher"},
        "Save job",
        "Job added to the work history.",
        r"/clients/\d+/profile",
    ),
    "edit trip": (
        COACH,
        lambda r: f"/mileage/{make_trip(r['coach'], purpose='Errand').id}/edit",
        {"miles": "7"},
        "Save trip",
        "7.0 mi",
        r"/mileage/\?month=",
    ),
    "submit a month": (
        COACH,
        lambda r: (
            make_trip(r["coach"], trip_date=date(2026, 11, 2)) and "/mileage/submit?month=2026-11"
        ),
        {},
        "Yes, submit November",
        "1 trip submitted for approval.",
        r"/mileage/\?month=",
    ),
    "start a visit": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}",
        {},
        "Start visit",
        "Visit under way",
        r"/clients/\d+$",
    ),
    "end a visit": (
        COACH,
        lambda r: (
            make_visit(r["rosa"], r["coach"], minutes=None, started_at=a_while_ago())
            and f"/clients/{r['rosa'].id}"
        ),
        {},
        "End visit",
        "Visit saved:",
        r"/clients/\d+$",
    ),
    "save a visit note": (
        COACH,
        lambda r: make_visit(r["rosa"], r["coach"], minutes=None) and f"/clients/{r['rosa'].id}",
        {},
        "Save note",
        "Note saved at",
        r"/clients/\d+$",
    ),
    "earlier visit": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/visits/new",
        {"started_at": "2026-11-02T09:00", "ended_at": "2026-11-02T09:23"},
        "Save visit",
        "23 min · 2 units",
        r"/visits/\d+$",
    ),
    "start a checklist run": (
        COACH,
        lambda r: f"/tasks/{r['task'].id}",
        {},
        "Start a run",
        "Prompt levels",
        r"/runs/\d+$",
    ),
    "new task": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/tasks/new",
        {"title": "Fold towels", "steps": "Shake out\nFold in half"},
        "Save task",
        "Fold towels",
        r"/tasks/\d+$",
    ),
    "task settings": (
        COACH,
        lambda r: f"/tasks/{r['task'].id}/settings",
        {"title": "Roll cutlery"},
        "Save settings",
        "Roll cutlery",
        r"/tasks/\d+$",
    ),
    "add a step": (
        COACH,
        lambda r: f"/tasks/{r['task'].id}",
        {"text": "Step three"},
        "Add step",
        "Step three",
        r"/tasks/\d+$",
    ),
    "edit a step": (
        COACH,
        lambda r: f"/steps/{r['task'].steps[0].id}/edit",
        {"text": "Step one, tidied"},
        "Save step",
        "Step one, tidied",
        r"/tasks/\d+$",
    ),
    "new accommodation request": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/accommodations/new",
        {
            "functional_limitation": "Cannot stand long",
            "job_function": "Register",
            "accommodation": "A stool",
        },
        "Save request",
        "Request saved as a draft",
        r"/accommodations/\d+$",
    ),
    "edit accommodation request": (
        COACH,
        lambda r: f"/accommodations/{r['item'].id}/edit",
        {"accommodation": "A tall stool"},
        "Save request",
        "Saved.",
        r"/accommodations/\d+$",
    ),
    "send a sign-off link": (
        COACH,
        lambda r: f"/accommodations/{r['item'].id}/send",
        {"contact_name": "Dana Brooks", "[name=how][value=show]": True},
        "Make the link",
        "Sign-off link",
        r"/accommodations/\d+/send$",
    ),
    "log a meeting": (
        COACH,
        lambda r: f"/accommodations/{r['item'].id}#log",
        {"summary": "Met Dana about the stool"},
        "Add to the log",
        "Met Dana about the stool",
        r"/accommodations/\d+",
    ),
    "new employer": (
        COACH,
        lambda r: "/employers/new",
        {"name": "Riverside Diner"},
        "Save employer",
        "Riverside Diner",
        r"/employers/\d+$",
    ),
    "new worksite": (
        COACH,
        lambda r: f"/employers/{r['employer'].id}/worksites/new",
        {"name": "Airport store"},
        "Save worksite",
        "Airport store",
        r"/employers/\d+$",
    ),
    "log an employer contact": (
        COACH,
        lambda r: f"/jobdev/new?employer={r['employer'].id}&from=employer",
        {"note": "Manager wants two morning stockers"},
        "Save contact",
        "Contact with Green Valley Grocery logged.",
        r"/employers/\d+$",
    ),
    "new contact person": (
        COACH,
        lambda r: f"/employers/{r['employer'].id}/people/new",
        {"name": "Lee Park"},
        "Save person",
        "Lee Park",
        r"/employers/\d+$",
    ),
    "new client": (
        COACH,
        lambda r: "/clients/new",
        {"first_name": "Keisha", "last_name": "Allen"},
        "Save client",
        "Keisha Allen",
        r"/clients/\d+$",
    ),
    "edit client": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/edit",
        {"preferred_name": "Ro"},
        "Save changes",
        "Ro (Rosa) Rivera",
        r"/clients/\d+$",
    ),
    "new job": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/placements/new",
        {
            "worksite_id": "Green Valley Grocery — Main store",
            "job_title": "Stocker",
            "start_date": "2026-11-02",
        },
        "Save job",
        "Placement saved.",
        r"/clients/\d+$",
    ),
    "new job lead": (
        COACH,
        lambda r: "/leads/new",
        {"position": "Courtesy clerk", "employer_id": "Green Valley Grocery"},
        "Save lead",
        "Lead saved",
        r"/leads/\d+$",
    ),
    "move a lead": (
        COACH,
        lambda r: f"/leads/{make_lead(r['coach'], r['employer'], [r['rosa']]).id}",
        {},
        "Followed up",
        "Lead moved to followed up.",
        r"/leads/\d+$",
    ),
    "new application": (
        COACH,
        lambda r: f"/leads/clients/{r['rosa'].id}/applications/new",
        {"employer_name": "Riverside Diner", "position": "Dishwasher"},
        "Save application",
        "Application added to the search log.",
        r"/leads/clients/\d+/log",
    ),
    "new interview": (
        COACH,
        lambda r: f"/leads/clients/{r['rosa'].id}/interviews/new",
        {"employer_name": "Riverside Diner", "position": "Dishwasher"},
        "Save interview",
        "Interview added to the search log.",
        r"/leads/clients/\d+/log",
    ),
    "edit application": (
        COACH,
        lambda r: f"/leads/applications/{make_application(r['rosa'], r['coach']).id}/edit",
        {"result": "Interview"},
        "Save application",
        "Saved.",
        r"/leads/clients/\d+/log",
    ),
    "change my email": (
        COACH,
        lambda r: "/account/email",
        {"email": "jordan.lee@example.org", "current": PASSWORD},
        "Change email",
        "Your email is changed.",
        r"/account",
    ),
    "add a user": (
        ADMIN,
        lambda r: "/admin/users/new",
        {"name": "Sam Ortiz", "email": "sam@example.org"},
        "Add user",
        "Sam Ortiz",
        r"/admin/users",
    ),
    "agency settings": (
        ADMIN,
        lambda r: "/admin/settings",
        {"name": "Riverside Supported Work"},
        "Save settings",
        "Riverside Supported Work",
        r"/admin/settings|/menu",
    ),
    "add a mileage rate": (
        ADMIN,
        lambda r: "/mileage/rates",
        {"effective_from": "2027-01-01", "cents_per_mile": "74"},
        "Add rate",
        "74",
        r"/mileage/rates",
    ),
    "employer signs": (
        None,
        lambda r: f"/s/{link_token(r)}",
        {
            "[name=decision][value=approved]": True,
            "signer_name": "Dana Brooks",
            "signer_title": "Store Manager",
            "consent": True,
        },
        "Sign and send my decision",
        "your decision is recorded",
        r"/s/",
    ),
    "new plan goal": (
        COACH,
        lambda r: f"/plans/{make_plan(r['rosa'], r['coach'], objectives=0).id}/goals/new",
        {"text": "Work in a kitchen"},
        "Save the goal",
        "Goal 1: Work in a kitchen",
        r"/plans/\d+$",
    ),
    "the person signs the plan": (
        COACH,
        lambda r: f"/plans/{make_plan(r['rosa'], r['coach']).id}/sign",
        {"signer_name": "Rosa Rivera", "consent": True},
        "Sign my plan",
        "Signed by Rosa Rivera: version 1.",
        r"/plans/\d+$",
    ),
    "add a funder": (
        ADMIN,
        lambda r: "/billing/funders/new",
        {"name": "Ohio OOD", "contact_name": "Pat Lee"},
        "Add funder",
        "Ohio OOD added.",
        r"/billing/funders$",
    ),
    "add a service type": (
        ADMIN,
        lambda r: "/billing/services",
        {"code": "WSA", "name": "Work-site analysis"},
        "Add service",
        "Service WSA added.",
        r"/billing/services$",
    ),
    "add an authorization": (
        COACH,
        lambda r: (
            make_funder(r["coach"], "Ohio OOD")
            and f"/billing/clients/{r['rosa'].id}/authorizations/new"
        ),
        {
            "funder_id": "Ohio OOD",
            "service_type_id": "Job coaching, on-site training",
            "number": "VR-123",
            "start_date": "2026-11-01",
            "end_date": "2027-01-31",
            "units": "40",
        },
        "Save authorization",
        "Authorization VR-123 saved.",
        r"/clients/\d+",
    ),
    "add a milestone": (
        ADMIN,
        lambda r: f"/milestones/funders/{make_funder(r['coach'], 'Ohio OOD').id}",
        {"name": "180 days employed", "days": "180"},
        "Add milestone",
        "180 days employed added.",
        r"/milestones/funders/\d+$",
    ),
    "set the VR default milestones": (
        ADMIN,
        lambda r: f"/billing/funders/{make_funder(r['coach'], 'Ohio OOD').id}/edit",
        {},
        "Use the VR default: placement, 30, 60, 90 days",
        "Milestones set: placement, 30, 60 and 90 days.",
        r"/billing/funders/\d+/edit",
    ),
    "claim a milestone": (
        SUPERVISOR,
        lambda r: f"/milestones/?funder={reached_milestone(r)}",
        {},
        re.compile("^Mark claimed"),
        "Job placement marked claimed.",
        r"/milestones/",
    ),
    "start a job-support plan": (
        COACH,
        lambda r: f"/support/jobs/{r['job'].id}",
        {"supports_needed": "A written closing list"},
        "Start the job-support plan",
        "A written closing list",
        r"/support/jobs/\d+$",
    ),
    "add a natural support": (
        COACH,
        lambda r: f"/support/{make_support(r['job'], r['coach']).id}/people/new",
        {"name": "Dana Brooks", "role": "Shift lead"},
        "Save",
        "Dana Brooks",
        r"/support/jobs/\d+$",
    ),
    "export a billing batch": (
        SUPERVISOR,
        lambda r: f"/billing/export?funder_id={funder_with_an_approved_visit(r)}&month=2026-11",
        {},
        "Export 1 visit as a batch",
        "exported: 1 visit billed.",
        r"/billing/export",
    ),
    "start a monthly report": (
        COACH,
        lambda r: f"/clients/{r['rosa'].id}/reports",
        {},
        "Start the report",
        "Write the report",
        r"/reports/\d+/edit$",
    ),
    "write the monthly report": (
        COACH,
        lambda r: f"/reports/{make_report(r['rosa'], r['coach'], summary='').id}/edit",
        {"summary": "On time for every shift."},
        "Save",
        "On time for every shift.",
        r"/reports/\d+$",
    ),
    "approve a monthly report": (
        SUPERVISOR,
        lambda r: f"/reports/{make_report(r['rosa'], r['coach'], status='submitted').id}",
        {},
        re.compile("^Approve version"),
        "Version 1 approved.",
        r"/reports/\d+$",
    ),
    "share a monthly report": (
        COACH,
        lambda r: (
            f"/reports/{make_report(r['rosa'], r['coach'], approved_by=make_user('supervisor')).id}"
            "/share"
        ),
        {"contact_name": "Dana Cruz", "contact_email": "dana@vr.example.gov"},
        "Make the link",
        "Link ready",
        r"/reports/\d+/share$",
    ),
    "approve a trip": (
        SUPERVISOR,
        lambda r: make_trip(r["coach"], status="submitted") and "/mileage/review",
        {},
        re.compile("^Approve"),
        "No trips are waiting for approval.",
        r"/mileage/review",
    ),
    "approve a visit note": (
        SUPERVISOR,
        lambda r: make_visit(r["rosa"], r["coach"]) and "/notes/",
        {},
        re.compile("^Approve the note"),
        "No notes are waiting for review.",
        r"/notes/",
    ),
    "add an addendum": (
        COACH,
        lambda r: f"/notes/visits/{approved_visit(r)}/addendum",
        {"text": "She asked for the morning shift"},
        "Add the addendum",
        "She asked for the morning shift",
        r"/visits/\d+$",
    ),
}


def approved_visit(records) -> int:
    """An approved (locked) visit note of Rosa's: its id."""
    visit = make_visit(records["rosa"], records["coach"], review_status="approved")
    return visit.id


def funder_with_an_approved_visit(records) -> int:
    """An approved, billable visit of Rosa's in November 2026; the funder's id."""
    from datetime import datetime

    from tests.factories import make_authorization, make_billed_visit

    funder = make_funder(records["coach"], "Ohio OOD")
    make_authorization(records["rosa"], records["coach"], funder)
    visit = make_billed_visit(records["rosa"], records["coach"], started_at=datetime(2026, 11, 3))
    visit.review_status = "approved"
    db.session.commit()
    return funder.id


def reached_milestone(records) -> int:
    """A funder paying for the placement, and the client's job of 40 days ago that counts
    for it: its placement milestone is reached. The funder's id."""
    from tests.factories import make_authorization, make_milestones

    today = utcnow().date()
    start = today - timedelta(days=40)
    site = make_worksite(records["employer"], "North store")
    job = make_placement(records["rosa"], site, "Bagger", start_date=start)
    funder = make_funder(records["coach"], "Ohio OOD")
    make_milestones(funder, records["coach"], [("Job placement", 0)])
    end = today + timedelta(days=300)
    make_authorization(records["rosa"], records["coach"], funder, start_date=start, end_date=end)
    return job and funder.id


def changes(app) -> int:
    """Changes recorded in the audit log (views left out)."""
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action != "view")
        )


def settled(page) -> None:
    """Wait until the page takes taps (app.js holds them for a moment after it appears)."""
    page.wait_for_load_state()
    expect(page.locator("html.settling")).to_have_count(0)


def double_tap(page, button) -> None:
    """Two touches at the button's place, 50 ms apart."""
    button.scroll_into_view_if_needed()
    settled(page)
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(50)
    page.touchscreen.tap(x, y)


@pytest.mark.parametrize("case", CASES.keys())
def test_a_double_tapped_save_saves_once_and_shows_the_result(phone, live_app, case):
    who, where, values, button, shows, url = CASES[case]
    with live_app.app_context():
        records = people()
        path = where(records)
    page = phone(geolocation=WHERE, permissions=["geolocation"])
    if who:
        log_in_as(page, who)
    page.goto(path)
    if case == "log a meeting":
        page.get_by_text("Log a meeting or conversation").click()
    fill(page, values)
    before = changes(live_app)

    double_tap(page, page.get_by_role("button", name=button, exact=isinstance(button, str)))

    expect(page.get_by_text(shows).first).to_be_visible()
    page.wait_for_timeout(600)  # time for a second request, had one gone out
    expect(page).to_have_url(re.compile(url))
    expect(page.get_by_text(shows).first).to_be_visible()
    assert changes(live_app) - before == 1, f"{case}: one tap's change, once"


def log_in_as(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/today/|/setup|/account"))


def test_a_double_tapped_plain_post_is_sent_once_and_its_button_comes_back(phone, live_app):
    """The export is a plain post (no htmx) answered by a download, so no page follows:
    the second tap sends nothing, and the button works again a few seconds later."""
    with live_app.app_context():
        records = people()
        make_trip(records["coach"], trip_date=date(2026, 11, 2), status="approved")
    page = phone()
    log_in_as(page, SUPERVISOR)
    page.goto("/mileage/export?month=2026-11")
    page.get_by_label("CSV").check()
    download = page.get_by_role("button", name="Download")
    before = changes(live_app)

    with page.expect_download():
        double_tap(page, download)
    page.wait_for_timeout(600)
    assert changes(live_app) - before == 1, "one export"
    expect(download).to_be_disabled()
    expect(download).to_be_enabled(timeout=8000)  # never left dead
    with page.expect_download():
        download.click()
    assert changes(live_app) - before == 2


def test_the_tabs_take_no_taps_while_a_page_settles(phone, live_app):
    """A Save button in the bottom bar sits just above the tabs, so the second tap of a
    double tap can land on a tab of the page the first one brought."""
    with live_app.app_context():
        people()
    page = phone()
    log_in_as(page, COACH)
    settled(page)
    visits = page.get_by_role("navigation", name="Main").get_by_role("link", name="Visits")
    box = visits.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    page.evaluate("document.documentElement.classList.add('settling')")  # as a page arrives
    page.touchscreen.tap(x, y)
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(r"/today/"))

    page.evaluate("document.documentElement.classList.remove('settling')")
    page.touchscreen.tap(x, y)
    expect(page).to_have_url(re.compile(r"/visits/"))
