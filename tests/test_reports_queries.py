"""The monthly report's pages run a handful of SQL statements, whatever the size of the
month: a draft assembles its figures in five queries, an approved version reads them
frozen."""

from datetime import date, datetime, timedelta

from coach.extensions import db
from tests.conftest import FreshContextClient, statements_of
from tests.factories import (
    make_application,
    make_authorization,
    make_billed_visit,
    make_client,
    make_contact,
    make_employer,
    make_funder,
    make_interview,
    make_placement,
    make_plan,
    make_report,
    make_report_link,
    make_request,
    make_run,
    make_task,
    make_user,
    make_visit,
    make_worksite,
)
from tests.test_reports import november

PAGES = [
    "/reports/{draft}",
    "/reports/{approved}",
    "/reports/{approved}/versions/1",
    "/reports/{draft}/edit",
    "/reports/{approved}/share",
    "/clients/{person}/reports",
]


def grow(person, coach, n: int) -> None:
    """n more of everything the month's report reads, in the month and around it."""
    employer = make_employer(f"Employer {n}", created_by=coach)
    site = make_worksite(employer)
    funder = make_funder(coach, f"Funder {n}")
    make_authorization(person, coach, funder, code="FOLLOW")
    make_plan(person, coach, objectives=3, actions=3, start=date(2026, 10, 2))
    task = make_task(person, coach, title=f"Task {n}")
    one, two = (step.id for step in task.steps)
    for day in range(1, 29, 3):
        moment = datetime(2026, 11, day, 15)
        make_visit(person, coach, 40, moment)
        make_billed_visit(
            person, coach, "FOLLOW", minutes=20, started_at=moment + timedelta(hours=2)
        )
        make_run(task, coach, {one: "I", two: "V"}, started_at=moment)
        make_visit(person, coach, 40, moment - timedelta(days=40))  # October
    for day in (3, 9, 17):
        make_contact(coach, employer, date(2026, 11, day), "phone", [person])
        make_application(person, coach, applied_on=date(2026, 11, day))
        make_interview(person, coach, interview_on=date(2026, 11, day))
    make_placement(person, site, f"Job {n}", start_date=date(2026, 11, 20))
    make_request(person, coach, created_at=datetime(2026, 11, 3), request_date=date(2026, 11, 3))
    other = make_client(coach, f"Other{n}")  # someone else's month
    make_visit(other, coach, 30, datetime(2026, 11, 4, 15))


def test_every_report_page_costs_the_same_with_a_bigger_month(client, login_as):
    """Each page counted, then again once the month has grown (grown once for every
    page: growing it is most of the test's time)."""
    coach = login_as("coach")
    person = make_client(coach)
    november(person, coach)
    supervisor = make_user("supervisor")
    draft = make_report(person, coach, month=date(2026, 10, 1))
    approved = make_report(person, coach, approved_by=supervisor)
    make_report_link(approved, coach)
    urls = {p: p.format(draft=draft.id, approved=approved.id, person=person.id) for p in PAGES}
    few = {path: statements_of(client, url) for path, url in urls.items()}
    for n in range(4):
        grow(person, coach, n)
    make_report_link(approved, coach)
    many = {path: statements_of(client, url) for path, url in urls.items()}
    assert many == few
    assert max(few.values()) <= 10, few


def test_the_shared_page_and_the_review_queue_cost_the_same(app, client, login_as):
    supervisor = login_as("supervisor")
    coach = make_user("coach")
    person = make_client(coach)
    november(person, coach)
    report = make_report(person, coach, approved_by=make_user("supervisor"))
    token = make_report_link(report, coach)
    app.test_client_class = FreshContextClient
    stranger = app.test_client()
    stranger.get(f"/r/{token}")  # the first opening also notes when it was first opened
    counts = []
    for size in (1, 4):
        for n in range(size):
            waiting = make_client(coach, f"Waiting{size}{n}")
            make_report(waiting, coach, status="submitted", submitted_at=datetime(2026, 11, 29))
            grow(person, coach, 10 * size + n)
        counts.append(
            (statements_of(stranger, f"/r/{token}"), statements_of(client, "/reports/review"))
        )
    assert counts[0] == counts[1]
    assert counts[0][0] <= 6 and counts[0][1] <= 6
    assert supervisor.role == "supervisor"
    db.session.commit()
