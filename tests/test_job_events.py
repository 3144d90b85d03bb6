"""Job problems and job losses, logged on the client's job: Today asks for the
employer within 24 hours, and a loss ends the job with its reason."""

from datetime import date, datetime

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Placement, PlacementEvent
from tests.clock import freeze_clock
from tests.factories import make_client, make_employer, make_placement, make_worksite


def setup_job(login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    job = make_placement(person, make_worksite(make_employer()), "Stocker")
    return coach, person, job


def post(client, job, key="event-key-0001", **fields):
    data = {"idempotency_key": key, "kind": "problem", **fields}
    return client.post(f"/clients/placements/{job.id}/events/new", data=data)


def test_the_client_page_offers_it_on_a_current_job(client, login_as):
    _, person, job = setup_job(login_as)
    page = client.get(f"/clients/{person.id}").text
    assert f'href="/clients/placements/{job.id}/events/new"' in page


def test_a_job_problem_puts_the_employer_on_today(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    _, person, job = setup_job(login_as)
    response = post(client, job, note="Late three times this week")
    assert response.location == f"/clients/{person.id}"
    event = db.session.scalars(sa.select(PlacementEvent)).one()
    assert (event.kind, event.client_id, event.happened_at) == (
        "problem",
        person.id,
        datetime(2026, 11, 30, 14, 0),
    )
    today = client.get("/today/").text
    assert "See the employer about the job problem" in today
    assert f"client={person.id}&amp;direction=out&amp;employer=1" in today
    assert db.session.get(Placement, job.id).end_date is None


def test_the_employer_contact_from_today_clears_it(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    _, person, job = setup_job(login_as)
    post(client, job)
    form = client.get(f"/contacts/new?client={person.id}&direction=out&employer=1").text
    assert 'checked id="with_employer"' in form
    client.post(
        "/contacts/new",
        data={
            "idempotency_key": "contact-key-01",
            "client_id": person.id,
            "kind": "call",
            "direction": "out",
            "with_employer": "y",
        },
    )
    assert "See the employer" not in client.get("/today/").text


def test_a_job_loss_ends_the_job_with_its_reason(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    _, person, job = setup_job(login_as)
    post(client, job, kind="loss", end_reason="laid_off")
    db.session.expire_all()
    ended = db.session.get(Placement, job.id)
    assert (ended.end_date, ended.end_reason) == (date(2026, 11, 30), "laid_off")
    page = client.get(f"/clients/{person.id}").text
    assert "Ended: Laid off" in page
    assert "See the employer about the job loss" in client.get("/today/").text
    update = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity_type == "placement"
        )
    ).one()
    assert "laid_off" in update.summary


def test_a_job_loss_needs_a_reason_and_a_sensible_date(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    _, _, job = setup_job(login_as)
    assert "Choose why the job ended." in post(client, job, kind="loss").text
    assert (
        "Enter a date from"
        in post(client, job, kind="loss", end_reason="quit", end_date="2020-01-01").text
    )
    assert (
        "Choose one of the options shown"
        in post(client, job, kind="loss", end_reason="vanished").text
    )
    assert db.session.scalar(sa.select(sa.func.count(PlacementEvent.id))) == 0
    assert db.session.get(Placement, job.id).end_date is None
    post(client, job, kind="loss", end_reason="better_job", end_date="2026-11-27")
    db.session.expire_all()
    assert db.session.get(Placement, job.id).end_date == date(2026, 11, 27)


def test_a_double_tap_logs_one_event_and_ends_the_job_once(client, login_as):
    _, _, job = setup_job(login_as)
    post(client, job, kind="loss", end_reason="quit")
    post(client, job, kind="loss", end_reason="fired")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(PlacementEvent.id))) == 1
    assert db.session.get(Placement, job.id).end_reason == "quit"
