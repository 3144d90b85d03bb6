"""Cards kept in memory (coach.fragments) show a record as it is now, never as it was."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.fragments import FragmentMemo
from coach.models import Trip, Visit
from tests.factories import ensure_agency, make_client, make_trip, make_visit


def test_a_changed_visit_shows_its_new_card_on_the_timeline(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Dana", "Reyes")
    visit = make_visit(person, coach, minutes=30, tasks_observed="Rolled silverware")
    page = client.get(f"/clients/{person.id}").text
    assert "Rolled silverware" in page and "30 min · 2 units" in page

    visit.tasks_observed = "Stocked the dairy cooler"
    visit.ended_at = visit.started_at.replace(hour=15)
    visit.duration_minutes, visit.service_units = 60, 4
    db.session.commit()
    page = client.get(f"/clients/{person.id}").text
    assert "Stocked the dairy cooler" in page and "60 min · 4 units" in page
    assert "Rolled silverware" not in page and "30 min" not in page


def test_a_card_follows_the_agency_time_zone(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_visit(person, coach, started_at=datetime(2026, 11, 2, 14, 0))
    ensure_agency(timezone="America/New_York")
    assert "Mon Nov 2, 9:00 AM" in client.get(f"/clients/{person.id}").text
    ensure_agency(timezone="America/Los_Angeles")
    page = client.get(f"/clients/{person.id}").text
    assert "Mon Nov 2, 6:00 AM" in page and "9:00 AM" not in page


def test_a_card_links_under_the_path_the_app_is_served_at(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    visit = make_visit(person, coach)
    assert f'href="/visits/{visit.id}"' in client.get(f"/clients/{person.id}").text
    page = client.get(f"/clients/{person.id}", environ_overrides={"SCRIPT_NAME": "/coach"}).text
    assert f'href="/coach/visits/{visit.id}"' in page


def test_an_approved_trip_loses_its_edit_link(client, login_as):
    coach = login_as("coach")
    trip = make_trip(coach, purpose="Drive to interview", status="draft")
    page = client.get("/mileage/?month=2026-11").text
    assert "Drive to interview" in page and f"/mileage/{trip.id}/edit" in page
    db.session.execute(sa.update(Trip).where(Trip.id == trip.id).values(status="approved"))
    db.session.commit()
    page = client.get("/mileage/?month=2026-11").text
    assert "Approved" in page and f"/mileage/{trip.id}/edit" not in page


class FakeMacro:
    """What FragmentMemo reads of a Jinja macro: its compiled function, and a call."""

    def __init__(self) -> None:
        self.calls = 0
        self._func = lambda *args: None

    def __call__(self, *args) -> str:
        self.calls += 1
        return f"<li>{args}</li>"


def test_the_memo_renders_a_piece_once_and_keeps_at_most_its_size(app):
    memo, macro = FragmentMemo(size=4), FakeMacro()
    with app.test_request_context("/"):
        ensure_agency()
        assert memo(macro, 1, "a") == memo(macro, 1, "a") == "<li>(1, 'a')</li>"
        assert macro.calls == 1
        assert memo(macro, 1, "b") == "<li>(1, 'b')</li>" and macro.calls == 2
        for n in range(10):
            memo(macro, n)
            assert len(memo.items) <= 4
        memo(macro, 9)  # the newest is still kept
        assert macro.calls == 12


def test_the_client_page_reads_open_and_done_visits_off_their_indexes(client, login_as):
    """Not each of the client's visits: those pages are read again after any write."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    coach = login_as("coach")
    person = make_client(coach)
    make_visit(person, coach)
    statements = []

    def listener(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(f"/clients/{person.id}").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    plans = []
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            if statement.startswith("SELECT") and "FROM visits" in statement:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plans.append(" ".join(row[3] for row in plan))
    assert any("COVERING INDEX ix_visits_open" in plan for plan in plans), plans
    assert any("COVERING INDEX ix_visits_client_done" in plan for plan in plans), plans
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1
