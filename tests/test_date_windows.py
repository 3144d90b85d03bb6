"""Dates people type lie in a sensible window around the agency's today.

The clock stands at noon on Sunday, Nov 29, 2026 in New York. Something done is dated
within the last year and up to 3 days ahead; a date needed up to two years ahead.
"""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AccommodationRequest, RequestEvent, Trip, Visit
from tests.clock import freeze_clock
from tests.factories import make_client, make_request, make_trip

DONE = "Enter a date from Nov 29, 2025 to Dec 2, 2026."
NEEDED = "Enter a date from Nov 29, 2025 to Nov 28, 2028."
TRIP = {
    "purpose": "Drove Rosa to her interview",
    "origin": "Office",
    "destination": "Store",
    "miles": "12.5",
    "client_id": 0,
}
REQUEST = {
    "placement_id": 0,
    "functional_limitation": "Cannot stand for long",
    "job_function": "Register",
    "accommodation": "A stool",
    "payer": "employer",
    "request_method": "in_person",
}


@pytest.fixture(autouse=True)
def sunday_noon(monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 29, 12, 0))


def error_beside(html: str, name: str) -> str:
    marker = f'id="{name}-error">'
    return html.split(marker, 1)[1].split("</p>", 1)[0] if marker in html else ""


@pytest.mark.parametrize(
    "day,saved",
    [
        ("2100-12-31", False),
        ("2025-11-28", False),
        ("2026-12-03", False),
        ("2025-11-29", True),
        ("2026-12-02", True),
    ],
)
def test_a_trip_date_must_be_within_the_window(client, login_as, day, saved):
    login_as("coach")
    response = client.post(
        "/mileage/new", data={**TRIP, "trip_date": day, "idempotency_key": f"trip-{day}"}
    )
    count = db.session.scalar(sa.select(sa.func.count(Trip.id)))
    if saved:
        assert response.status_code == 302 and count == 1
    else:
        assert error_beside(response.text, "trip_date") == DONE and count == 0


def test_an_older_trip_keeps_its_date_when_corrected(client, login_as):
    coach = login_as("coach")
    trip = make_trip(coach, trip_date=date(2025, 6, 2), status="returned")
    data = {**TRIP, "trip_date": "2025-06-02", "miles": "9.5"}
    assert client.post(f"/mileage/{trip.id}/edit", data=data).status_code == 302
    db.session.refresh(trip)
    assert trip.miles_tenths == 95
    moved = client.post(f"/mileage/{trip.id}/edit", data={**data, "trip_date": "2025-06-01"})
    assert error_beside(moved.text, "trip_date") == DONE


def test_a_visit_outside_the_window_is_refused(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    response = client.post(
        f"/clients/{person.id}/visits/new",
        data={
            "idempotency_key": "old-visit-key",
            "contact_type": "phone",
            "placement_id": 0,
            "started_at": "2024-11-02T09:00",
            "ended_at": "2024-11-02T09:30",
        },
    )
    assert error_beside(response.text, "started_at") == DONE
    assert db.session.scalar(sa.select(sa.func.count(Visit.id))) == 0


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"request_date": "2100-12-31"}, "request_date", DONE),
        ({"request_date": "2026-11-29", "date_needed": "2029-01-01"}, "date_needed", NEEDED),
        ({"request_date": "2026-11-29", "date_needed": "2028-06-01"}, None, None),
    ],
)
def test_request_dates_are_within_their_windows(client, login_as, fields, field, message):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    response = client.post(f"/clients/{person.id}/accommodations/new", data={**REQUEST, **fields})
    count = db.session.scalar(sa.select(sa.func.count(AccommodationRequest.id)))
    if field:
        assert error_beside(response.text, field) == message and count == 0
    else:
        assert response.status_code == 302 and count == 1


def test_log_and_put_in_place_dates_are_within_the_window(client, login_as):
    coach = login_as("coach")
    item = make_request(make_client(coach, "Rosa", "Rivera"), coach, status="approved")
    logged = client.post(
        f"/accommodations/{item.id}/events",
        data={"kind": "meeting", "occurred_on": "2100-12-31", "summary": "Met Dana"},
        follow_redirects=True,
    )
    assert DONE in logged.text
    assert db.session.scalar(sa.select(sa.func.count(RequestEvent.id))) == 0
    placed = client.post(
        f"/accommodations/{item.id}/implemented",
        data={"implemented_on": "2100-12-31"},
        follow_redirects=True,
    )
    assert DONE in placed.text
    db.session.refresh(item)
    assert item.implemented_on is None and item.follow_up_due is None
