"""A local time the clocks skipped is refused; a repeated fall hour keeps its meaning."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import Visit
from tests.clock import freeze_clock
from tests.factories import make_client, make_visit

GAP = "2:30 AM does not exist on Mar 8, 2026: clocks moved forward an hour."


@pytest.fixture
def rosa(login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 3, 20, 12, 0))
    coach = login_as("coach")
    return coach, make_client(coach, "Rosa", "Rivera")


def visit_data(start: str, end: str, **extra) -> dict:
    return {
        "contact_type": "phone",
        "placement_id": 0,
        "started_at": start,
        "ended_at": end,
        **extra,
    }


def error_beside(html: str, name: str) -> str:
    """The message shown beside a field (the macro writes it just before the input)."""
    return (
        html.split(f'id="{name}-error">', 1)[1].split("</p>", 1)[0]
        if f'id="{name}-error">' in html
        else ""
    )


def test_a_visit_written_afterwards_in_the_spring_gap_is_refused(client, rosa):
    _, person = rosa
    response = client.post(
        f"/clients/{person.id}/visits/new",
        data=visit_data("2026-03-08T02:30", "2026-03-08T03:30", idempotency_key="gap-key-0001"),
    )
    assert error_beside(response.text, "started_at") == GAP
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


def test_amending_a_visit_into_the_gap_is_refused_and_changes_nothing(client, rosa):
    coach, person = rosa
    visit = make_visit(person, coach, minutes=60, started_at=datetime(2026, 3, 9, 14, 0))
    response = client.post(
        f"/visits/{visit.id}/edit",
        data=visit_data("2026-03-08T01:30", "2026-03-08T02:30", reason="typo"),
    )
    assert error_beside(response.text, "ended_at") == GAP
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert (stored.started_at, stored.duration_minutes) == (datetime(2026, 3, 9, 14, 0), 60)


def test_ending_a_visit_at_a_skipped_time_is_refused(client, rosa):
    coach, person = rosa
    visit = make_visit(person, coach, minutes=None, started_at=datetime(2026, 3, 8, 6, 0))
    response = client.post(
        f"/visits/{visit.id}/end", data=visit_data("2026-03-08T01:00", "2026-03-08T02:30")
    )
    assert GAP in response.text
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).ended_at is None


def test_the_hour_either_side_of_the_gap_is_kept(client, rosa):
    _, person = rosa
    client.post(
        f"/clients/{person.id}/visits/new",
        data=visit_data("2026-03-08T01:30", "2026-03-08T03:30", idempotency_key="gap-key-0002"),
    )
    visit = db.session.scalar(sa.select(Visit))
    # 1:30 EST is 06:30 UTC, 3:30 EDT is 07:30 UTC: one real hour.
    assert (visit.started_at, visit.ended_at) == (
        datetime(2026, 3, 8, 6, 30),
        datetime(2026, 3, 8, 7, 30),
    )
    assert visit.duration_minutes == 60


def test_a_visit_in_the_repeated_fall_hour_is_still_accepted(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 20, 12, 0))
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    response = client.post(
        f"/clients/{person.id}/visits/new",
        data=visit_data("2026-11-01T01:15", "2026-11-01T01:45", idempotency_key="fold-key-0001"),
    )
    assert response.status_code == 302
    visit = db.session.scalar(sa.select(Visit))
    # The first 1:15 of the night (EDT): 05:15 UTC.
    assert visit.started_at == datetime(2026, 11, 1, 5, 15) and visit.duration_minutes == 30
    # Left as shown, the second 1:30 (EST, 06:30 UTC) keeps its meaning on an amendment.
    second = make_visit(person, coach, minutes=60, started_at=datetime(2026, 11, 1, 6, 30))
    client.post(
        f"/visits/{second.id}/edit",
        data=visit_data("2026-11-01T01:30", "2026-11-01T02:30", concerns="note only"),
    )
    db.session.expire_all()
    assert db.session.get(Visit, second.id).started_at == datetime(2026, 11, 1, 6, 30)
