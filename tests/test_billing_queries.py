"""Billing pages, and the pages billing adds to, run a handful of SQL statements
whatever the number of authorizations, funders, services and visits."""

from datetime import date, datetime, timedelta

import pytest

from tests.conftest import capture_statements, sqlite_plan, statements_of
from tests.factories import make_authorization, make_billed_visit, make_client, make_funder

COACH_PAGES = [
    "/clients/{person}",
    "/clients/{person}/visits",
    "/clients/{person}/visits/new",
    "/visits/{visit}",
    "/visits/{visit}/edit",
    "/visits/?start=2026-01-01",
    "/billing/clients/{person}/authorizations/new",
    "/billing/authorizations/{grant}/edit",
    "/today/",
]


def grow(person, coach, funder, first_year: int, years: int, visits: int) -> None:
    """Yearly authorizations of two services, each with visits counted against it."""
    for year in range(first_year, first_year + years):
        for code in ("JOBCOACH", "TRAVEL"):
            make_authorization(
                person,
                coach,
                funder,
                code=code,
                start_date=date(year, 1, 1),
                end_date=date(year, 12, 31),
                units=8,
            )
        for i in range(visits):
            started = datetime(year, 3, 1, 14, 0) + timedelta(days=i)
            make_billed_visit(person, coach, started_at=started)


@pytest.mark.parametrize("path", COACH_PAGES)
def test_a_page_costs_the_same_with_more_authorizations_and_visits(client, login_as, path):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    funder = make_funder(coach)
    grant = make_authorization(person, coach, funder, start_date=date(2026, 11, 1), units=6)
    visit = make_billed_visit(person, coach, started_at=datetime(2026, 11, 2, 14, 0))
    make_billed_visit(person, coach, started_at=datetime(2026, 11, 3, 14, 0))
    grow(person, coach, funder, 2022, 1, 2)
    url = path.format(person=person.id, visit=visit.id, grant=grant.id)
    few = statements_of(client, url)
    grow(person, coach, funder, 2023, 3, 6)
    many = statements_of(client, url)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10


@pytest.mark.parametrize("path", ["/billing/services", "/billing/funders"])
def test_an_admin_list_costs_the_same_with_more_rows(client, login_as, path):
    admin = login_as("admin")
    make_funder(admin)
    few = statements_of(client, path)
    for n in range(30):
        make_funder(admin, f"Funder {n}")
    many = statements_of(client, path)
    assert many == few and few <= 10


def test_the_client_page_during_a_visit_costs_the_same(client, login_as):
    """The note of a visit under way has the service select: still 10 statements."""
    from tests.factories import make_visit

    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    funder = make_funder(coach)
    make_authorization(person, coach, funder, start_date=date(2026, 11, 1), units=6)
    make_visit(person, coach, minutes=None)
    grow(person, coach, funder, 2022, 1, 2)
    few = statements_of(client, f"/clients/{person.id}")
    grow(person, coach, funder, 2023, 3, 6)
    many = statements_of(client, f"/clients/{person.id}")
    assert many == few and few <= 10


def test_units_used_read_the_billed_visits_index_even_when_most_visits_have_none(client, login_as):
    """After the upgrade no visit counts against an authorization yet, and ANALYZE then
    rates a plain index on authorization_id as useless: the client page scanned every
    visit of the agency (141 ms at L). The partial index of billed visits is read instead."""
    import sqlalchemy as sa

    from coach.extensions import db
    from tests.factories import make_visit

    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    coach = login_as("coach")
    person = make_client(coach)
    make_authorization(person, coach, make_funder(coach))
    for _ in range(30):
        make_visit(person, coach)  # none of them billed
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    with capture_statements() as statements:
        assert client.get(f"/clients/{person.id}").status_code == 200
    plans = [
        " ".join(sqlite_plan(s, p))
        for s, p in statements
        if s.startswith("SELECT") and "sum(visits.billing_units)" in s
    ]
    assert plans and all("COVERING INDEX ix_visits_billed" in plan for plan in plans), plans
    assert not any("SCAN visits" in plan for plan in plans), plans
