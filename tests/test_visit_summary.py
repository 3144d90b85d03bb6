"""One visit, one capture: ending a visit shows what it captured (note, runs, units),
the due items it cleared, and one tap to add its trip, which is linked to the visit."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from coach.extensions import db
from coach.models import ClientContact, Trip, Visit
from coach.timeutil import local_input_value
from tests.clock import freeze_clock
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_run,
    make_task,
    make_user,
    make_visit,
    make_worksite,
)

HTMX = {"HX-Request": "true"}
NOW = datetime(2026, 11, 30, 9, 0)  # local


def world(login_as, monkeypatch):
    now = freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    site = make_worksite(make_employer("Green Valley Grocery"), address="12 Main St")
    job = make_placement(person, site, "Courtesy clerk")
    # Rosa called an hour ago: a reply is due.
    db.session.add(
        ClientContact(
            client_id=person.id,
            coach_id=coach.id,
            created_by_id=coach.id,
            idempotency_key="call-key-0001",
            kind="call",
            direction="in",
            happened_at=now - timedelta(hours=1),
        )
    )
    db.session.commit()
    return coach, person, job, now


def start_and_end(client, person, job, now, headers=HTMX):
    client.post(
        f"/clients/{person.id}/visits/start",
        data={"idempotency_key": "v" * 32, "placement_id": job.id, "contact_type": "on_site"},
    )
    visit = db.session.scalar(sa.select(Visit))
    visit.started_at = now - timedelta(minutes=40)
    db.session.commit()
    started = local_input_value(visit.started_at, "America/New_York")
    data = {
        "contact_type": "on_site",
        "placement_id": job.id,
        "started_at": f"{started:%Y-%m-%dT%H:%M}",
        "tasks_observed": "Bagged groceries, fast and careful",
    }
    return visit, client.post(f"/visits/{visit.id}/end", data=data, headers=headers)


def test_a_visit_under_way_does_not_clear_the_reply_yet(client, login_as, monkeypatch):
    _, person, job, _ = world(login_as, monkeypatch)
    client.post(
        f"/clients/{person.id}/visits/start",
        data={"idempotency_key": "v" * 32, "placement_id": job.id, "contact_type": "on_site"},
    )
    assert "Call back" in client.get("/today/").text


def test_ending_shows_the_summary_with_what_it_cleared_and_the_trip(client, login_as, monkeypatch):
    coach, person, job, now = world(login_as, monkeypatch)
    task = make_task(person, coach, ["Bag", "Hand over"], title="Bag groceries")
    client.post(
        f"/clients/{person.id}/visits/start",
        data={"idempotency_key": "v" * 32, "placement_id": job.id, "contact_type": "on_site"},
    )
    visit = db.session.scalar(sa.select(Visit))
    run = make_run(task, coach, {task.steps[0].id: "I", task.steps[1].id: "V"})
    run.visit_id = visit.id
    visit.started_at = now - timedelta(minutes=40)
    db.session.commit()
    started = local_input_value(visit.started_at, "America/New_York")
    response = client.post(
        f"/visits/{visit.id}/end",
        data={
            "contact_type": "on_site",
            "placement_id": job.id,
            "started_at": f"{started:%Y-%m-%dT%H:%M}",
            "tasks_observed": "Bagged groceries, fast and careful",
        },
        headers=HTMX,
    )
    page = response.text
    assert "Visit ended" in page and "40 min · 3 units" in page
    assert "Bagged groceries, fast and careful" in page
    assert "Run: Bag groceries, 1 of 2 steps independent" in page
    assert "Cleared: Reply: Call back" in page
    assert f'href="/mileage/new?visit={visit.id}"' in page
    assert "Call back" not in client.get("/today/").text


def test_without_htmx_the_client_page_shows_the_summary(client, login_as, monkeypatch):
    _, person, job, now = world(login_as, monkeypatch)
    visit, response = start_and_end(client, person, job, now, headers={})
    assert response.location == f"/clients/{person.id}?ended={visit.id}#visit-panel"
    page = client.get(response.location).text
    assert "Visit ended" in page and "Cleared: Reply: Call back" in page
    assert page.count("Cleared:") == 1  # not repeated among the page's messages
    assert f'href="/mileage/new?visit={visit.id}"' in page


def test_a_summary_shows_only_an_ended_visit_of_that_client(client, login_as, monkeypatch):
    coach, person, job, _ = world(login_as, monkeypatch)
    other = make_client(coach)
    theirs = make_visit(make_client(make_user("coach")), coach)
    elsewhere = make_visit(other, coach)
    open_one = make_visit(person, coach, minutes=None)
    for visit_id in (theirs.id, elsewhere.id, open_one.id, 999999):
        assert "Visit ended" not in client.get(f"/clients/{person.id}?ended={visit_id}").text


def test_the_trip_from_the_summary_is_prefilled_and_linked_to_the_visit(
    client, login_as, monkeypatch
):
    _, person, job, now = world(login_as, monkeypatch)
    visit, _ = start_and_end(client, person, job, now)
    form = client.get(f"/mileage/new?visit={visit.id}").text
    assert 'value="2026-11-30"' in form and "12 Main St" in form
    response = client.post(
        "/mileage/new",
        data={
            "idempotency_key": "trip-key-0001",
            "visit_id": visit.id,
            "trip_date": "2026-11-30",
            "purpose": "Job-site visit",
            "client_id": person.id,
            "origin": "Office",
            "destination": "Green Valley Grocery, 12 Main St",
            "miles": "4.2",
        },
    )
    assert response.status_code == 302
    trip = db.session.scalars(sa.select(Trip)).one()
    assert trip.visit_id == visit.id and trip.client_id == person.id
