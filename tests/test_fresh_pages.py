"""Pages show a record as it is now, never as it was: cards, sections, the tab bar."""

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import Client, Placement, StepScore, TaskAnalysis, Trip, Visit
from tests.conftest import capture_statements, sqlite_plan
from tests.factories import (
    ensure_agency,
    make_client,
    make_employer,
    make_placement,
    make_request,
    make_run,
    make_task,
    make_trip,
    make_visit,
    make_worksite,
)


def test_a_changed_visit_shows_its_new_card_on_the_timeline(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Dana", "Reyes")
    visit = make_visit(person, coach, minutes=30, tasks_observed="Rolled silverware")
    page = client.get(f"/clients/{person.id}/visits").text
    assert "Rolled silverware" in page and "30 min · 2 units" in page

    visit.tasks_observed = "Stocked the dairy cooler"
    visit.ended_at = visit.started_at.replace(hour=15)
    visit.duration_minutes, visit.service_units = 60, 4
    db.session.commit()
    page = client.get(f"/clients/{person.id}/visits").text
    assert "Stocked the dairy cooler" in page and "60 min · 4 units" in page
    assert "Rolled silverware" not in page and "30 min" not in page


def test_the_client_page_shows_each_change_to_the_client_their_jobs_tasks_and_requests(
    client, login_as
):
    coach = login_as("coach")
    person = make_client(coach, "Dana", "Reyes", phone="555-0100")
    job = make_placement(person, make_worksite(make_employer()), title="Stocker")
    page = client.get(f"/clients/{person.id}").text
    assert "555-0100" in page and "Stocker" in page and "Current" in page
    assert "No task analyses yet." in page and "No accommodation requests." in page

    db.session.execute(
        sa.update(Placement).where(Placement.id == job.id).values(end_date=date(2026, 2, 1))
    )
    db.session.commit()
    page = client.get(f"/clients/{person.id}").text
    assert "Ended" in page and "Current" not in page

    make_task(person, coach, title="Fold towels")
    assert "Fold towels" in client.get(f"/clients/{person.id}").text
    make_request(person, coach, accommodation="Written task list at the station")
    assert "Written task list at the station" in client.get(f"/clients/{person.id}").text
    db.session.execute(sa.update(Client).where(Client.id == person.id).values(phone="555-0199"))
    db.session.commit()
    page = client.get(f"/clients/{person.id}").text
    assert "555-0199" in page and "555-0100" not in page


def test_the_units_table_counts_a_new_visit(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_visit(person, coach, minutes=30)
    assert "<td>1</td><td>30</td><td>2</td>" in client.get(f"/clients/{person.id}/visits").text
    make_visit(person, coach, minutes=15)
    page = client.get(f"/clients/{person.id}/visits").text
    assert "<td>2</td><td>45</td><td>3</td>" in page


def test_the_progress_page_shows_a_new_run_a_changed_score_and_a_changed_goal(client, login_as):
    coach = login_as("coach")
    task = make_task(make_client(coach), coach, steps=("Lay napkin", "Place fork"))
    napkin, fork = (step.id for step in task.steps)
    make_run(task, coach, {napkin: "I", fork: "V"}, started_at=datetime(2026, 11, 2, 15))
    page = client.get(f"/tasks/{task.id}/progress").text
    assert "1 runs. Run 1: 50%." in page and "Not met yet" in page

    run = make_run(task, coach, {napkin: "I", fork: "I"}, started_at=datetime(2026, 11, 3, 15))
    page = client.get(f"/tasks/{task.id}/progress").text
    assert "2 runs. Run 1: 50%. Run 2: 100%." in page

    db.session.execute(
        sa.update(StepScore)
        .where(StepScore.run_id == run.id, StepScore.step_id == fork)
        .values(level="V")
    )
    db.session.commit()
    page = client.get(f"/tasks/{task.id}/progress").text
    assert "Run 2: 50%." in page and page.count('class="lvl lvl-V"><abbr') == 2
    db.session.execute(
        sa.update(StepScore)
        .where(StepScore.run_id == run.id, StepScore.step_id == fork)
        .values(level="G")
    )
    db.session.commit()  # the same percent, another prompt in the grid
    page = client.get(f"/tasks/{task.id}/progress").text
    assert page.count('class="lvl lvl-V"><abbr') == 1 and 'class="lvl lvl-G"><abbr' in page

    db.session.execute(
        sa.update(TaskAnalysis)
        .where(TaskAnalysis.id == task.id)
        .values(mastery_percent=50, mastery_runs=1)
    )
    db.session.commit()
    assert "Ready to fade support." in client.get(f"/tasks/{task.id}/progress").text


def test_kept_score_rows_post_to_their_own_run_and_show_each_tap(client, login_as):
    coach = login_as("coach")
    task = make_task(make_client(coach), coach, steps=("Lay napkin", "Place fork"))
    napkin, fork = (step.id for step in task.steps)
    first = make_run(task, coach, {napkin: "V"})
    second = make_run(task, coach, {napkin: "V"})
    assert f"/runs/{first.id}/steps/{fork}" in client.get(f"/runs/{first.id}").text
    page = client.get(f"/runs/{second.id}").text
    assert f"/runs/{second.id}/steps/{fork}" in page and f"/runs/{first.id}/" not in page

    pressed = 'value="{}" class="lvl lvl-{}" aria-label="{}" aria-pressed="true"'
    tap = client.post(
        f"/runs/{second.id}/steps/{fork}", data={"level": "G"}, headers={"HX-Request": "true"}
    )
    assert pressed.format("G", "G", "Gestural prompt") in tap.text
    page = client.get(f"/runs/{second.id}").text
    assert pressed.format("G", "G", "Gestural prompt") in page
    assert pressed.format("V", "V", "Verbal prompt") in page  # the napkin row, as it was


def test_a_card_follows_the_agency_time_zone(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_visit(person, coach, started_at=datetime(2026, 11, 2, 14, 0))
    ensure_agency(timezone="America/New_York")
    assert "Mon Nov 2, 9:00 AM" in client.get(f"/clients/{person.id}/visits").text
    ensure_agency(timezone="America/Los_Angeles")
    page = client.get(f"/clients/{person.id}/visits").text
    assert "Mon Nov 2, 6:00 AM" in page and "9:00 AM" not in page


def test_a_card_links_under_the_path_the_app_is_served_at(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    visit = make_visit(person, coach)
    assert f'href="/visits/{visit.id}"' in client.get(f"/clients/{person.id}/visits").text
    page = client.get(
        f"/clients/{person.id}/visits", environ_overrides={"SCRIPT_NAME": "/coach"}
    ).text
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


def test_the_client_page_and_its_history_read_visits_off_their_indexes(client, login_as):
    """Not each of the client's visits: those pages are read again after any write."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    coach = login_as("coach")
    person = make_client(coach)
    make_visit(person, coach)
    with capture_statements() as statements:
        assert client.get(f"/clients/{person.id}").status_code == 200
        assert client.get(f"/clients/{person.id}/visits").status_code == 200  # its history
    plans = [
        " ".join(sqlite_plan(s, p))
        for s, p in statements
        if s.startswith("SELECT") and "FROM visits" in s
    ]
    assert any("USING INDEX ix_visits_open" in plan for plan in plans), plans
    assert any("COVERING INDEX ix_visits_client_done" in plan for plan in plans), plans
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 1


SUPERVISOR_PAGES = ("/notes/", "/billing/export")


@pytest.mark.parametrize(
    "path, tab",
    [
        ("/clients/", "Caseload"),
        ("/visits/", "Visits"),
        ("/mileage/", "Mileage"),
        ("/menu", "More"),
        ("/employers/", "More"),
        ("/notes/", "More"),
        ("/milestones/", "More"),
        ("/billing/export", "More"),
        ("/outcomes/", "More"),
    ],
)
def test_the_tab_bar_marks_the_page_s_own_tab(client, login_as, path, tab):
    login_as("supervisor" if path in SUPERVISOR_PAGES else "coach")
    page = client.get(path).text
    marked = r'aria-current="page">\s*<span class="tab-icon"[^>]*>[^<]*</span>(\w+)'
    assert re.findall(marked, page) == [tab]
