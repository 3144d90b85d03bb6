"""The lead list, a lead, the search log and the client page with its log run a handful
of SQL statements, whatever the number of leads and entries."""

from datetime import date, timedelta

import pytest

from coach.extensions import db
from coach.timeutil import utcnow
from tests import conftest
from tests.conftest import capture_statements, sqlite_plan
from tests.factories import (
    make_application,
    make_client,
    make_employer,
    make_interview,
    make_lead,
    make_user,
)


def statements_of(client, path: str) -> int:
    db.session.remove()
    return conftest.statements_of(client, path)


def fill(coach, n: int):
    """n leads of each status group for the coach (some overdue), each for two clients,
    and n applications and interviews for one client."""
    employer = make_employer(f"Employer {n}", created_by=coach)
    people = [make_client(coach, "P", f"L{n}-{i}") for i in range(2)]
    for i in range(n):
        made = utcnow() - timedelta(hours=i * 7)
        lead = make_lead(coach, employer, people, position=f"Job {i}", created_at=made)
        make_lead(coach, employer, people[:1], position=f"Applied {i}", status="applied")
        make_lead(coach, employer, people[1:], position=f"Closed {i}", status="closed")
        make_application(people[0], coach, applied_on=date(2026, 11, 1 + i % 28))
        make_interview(people[0], coach, interview_on=date(2026, 11, 1 + i % 28))
    return people[0], lead


PAGES = [
    "/leads/",
    "/leads/?show=closed",
    "/leads/{lead}",
    "/leads/{lead}/hire",
    "/leads/{lead}/edit",
    "/leads/new",
    "/clients/{person}",
    "/leads/clients/{person}/log?month=2026-11",
    "/leads/clients/{person}/applications/new",
]


def test_every_coach_page_costs_the_same_with_ten_times_the_leads(client, login_as):
    """Each page counted, then again with ten times the leads (added once for every page:
    adding them is most of the test's time)."""
    coach = login_as("coach")
    person, lead = fill(coach, 3)
    few = {
        path: statements_of(client, path.format(person=person.id, lead=lead.id)) for path in PAGES
    }
    person, lead = fill(coach, 30)
    many = {
        path: statements_of(client, path.format(person=person.id, lead=lead.id)) for path in PAGES
    }
    assert many == few
    assert max(few.values()) <= 10, few


SUPERVISOR_PAGES = ["/leads/", "/leads/?show=closed", "/leads/?coach={coach}"]


def test_the_supervisors_lead_lists_cost_the_same_with_ten_times_the_leads(client, login_as):
    login_as("supervisor")
    coaches = [make_user("coach"), make_user("coach")]
    for coach in coaches:
        fill(coach, 3)
    urls = {path: path.format(coach=coaches[0].id) for path in SUPERVISOR_PAGES}
    few = {path: statements_of(client, url) for path, url in urls.items()}
    for coach in coaches:
        fill(coach, 30)
    many = {path: statements_of(client, url) for path, url in urls.items()}
    assert many == few
    assert max(few.values()) <= 10, few


def test_the_supervisors_lead_list_is_read_off_its_index(client, login_as):
    """A page of every coach's open leads costs the same with 40 or 40,000: no sort."""

    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    login_as("supervisor")
    coach = make_user("coach")
    make_lead(coach, make_employer(created_by=coach))
    with capture_statements() as statements:
        assert client.get("/leads/").status_code == 200
    statement, parameters = next((s, p) for s, p in statements if "ORDER BY" in s and "leads" in s)
    plan = " ".join(sqlite_plan(statement, parameters))
    assert "ix_leads_open_order" in plan and "TEMP B-TREE" not in plan, plan
