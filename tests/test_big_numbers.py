"""Ids no row can have (beyond the database's integers, zero, negative, not numbers),
in a URL, a query string or a form: 404 or a message beside the field, never a 500."""

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import ChecklistRun, Trip
from tests.factories import make_client, make_task, make_visit

HUGE = [str(2**63), str(2**63 - 1), str(10**30), "9" * 5000, "-1", "0", "abc", "１２"]


@pytest.fixture(params=["coach", "supervisor"])
def user(request, login_as):
    return login_as(request.param)


@pytest.mark.parametrize(
    "url",
    [
        "/mileage/new?visit=9223372036854775808",
        f"/mileage/new?repeat={10**30}",
        f"/mileage/log?coach={2**63}",
    ],
)
def test_huge_ids_in_query_strings_are_not_found(client, user, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Traceback" not in response.text


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("name", ["visit", "repeat"])
def test_any_bad_id_for_a_new_trip_is_not_found(client, user, name, value):
    assert client.get(f"/mileage/new?{name}={value}").status_code == 404


@pytest.mark.parametrize("value", HUGE)
def test_any_bad_coach_id_for_the_mileage_log_is_not_found(client, user, value):
    assert client.get(f"/mileage/log?coach={value}").status_code == 404


def test_a_new_trip_without_ids_still_opens(client, user):
    assert client.get("/mileage/new").status_code == 200
    assert client.get("/mileage/new?visit=").status_code == 200
    assert client.get("/mileage/log").status_code == 200


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "-5", "0"])
def test_a_posted_visit_id_beyond_the_range_gets_a_message_and_saves_nothing(client, user, value):
    response = client.post(
        "/mileage/new",
        data={
            "idempotency_key": "bignumber-1",
            "visit_id": value,
            "trip_date": "2026-11-02",
            "purpose": "Drove to the store",
            "origin": "Office",
            "destination": "Store",
            "miles": "3",
            "client_id": "0",
        },
    )
    assert response.status_code == 200
    assert "Not a known record" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0


def test_a_run_with_a_huge_visit_id_is_not_started(client, user):
    task = make_task(make_client(user), user, ["One"])
    response = client.post(
        f"/tasks/{task.id}/runs", data={"idempotency_key": "bignumber-2", "visit_id": str(2**63)}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ChecklistRun.id))) == 0


@pytest.mark.parametrize("value", [str(2**63), str(2**31), "-1", "0", "1.5"])
def test_ids_in_the_path_beyond_the_range_are_not_found(client, user, value):
    person = make_client(user)
    make_visit(person, user)
    for url in (f"/clients/{value}", f"/visits/{value}", f"/mileage/{value}/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/visits/{value}/end").status_code == 404
