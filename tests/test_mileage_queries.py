"""Mileage pages run a handful of SQL statements, whatever the number of trips."""

from datetime import date

import pytest

from tests.conftest import statements_of
from tests.factories import make_client, make_trip, make_user

PAGES = [
    "/mileage/?month=2026-11",
    "/mileage/?month=2026-11&all=1",
    "/mileage/new",
    "/mileage/new?repeat={trip}",
    "/mileage/new?client={person}",
    "/mileage/{trip}/edit",
    "/mileage/submit?month=2026-11",
    "/mileage/log?month=2026-11",
]


def fill(coach, trips: int):
    person = make_client(coach, "Rosa", "Diaz")
    for day in range(trips):
        made = make_trip(coach, trip_date=date(2026, 11, 1 + day % 28), client_id=person.id)
    return person, made


@pytest.mark.parametrize("path", PAGES)
def test_a_coach_page_costs_the_same_with_more_trips(client, login_as, path):
    coach = login_as("coach")
    person, trip = fill(coach, 2)
    url = path.format(trip=trip.id, person=person.id)
    few = statements_of(client, url)
    fill(coach, 30)
    many = statements_of(client, url)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10


@pytest.mark.parametrize("path", ["/mileage/review", "/mileage/review?page=2", "/mileage/export"])
def test_a_supervisor_page_costs_the_same_with_more_trips(client, login_as, path):
    login_as("supervisor")
    coach = make_user("coach")
    person = make_client(coach, "Ben", "Ode")
    for _ in range(2):
        make_trip(coach, status="submitted", client_id=person.id)
    few = statements_of(client, path)
    for _ in range(40):
        make_trip(coach, status="submitted", client_id=person.id)
    many = statements_of(client, path)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10
