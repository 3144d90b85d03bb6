"""Random, huge, unicode and control-character input to the forms: never a 500,
never a row that breaks the rules."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.extensions import db
from coach.models import Client, Trip, Visit
from tests.factories import make_client, make_employer, make_placement, make_task, make_worksite

NASTY = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "\x07bell",
            "-1",
            "1e309",
            "NaN",
            "sNaN",
            "9" * 40,
            "2026-13-45",
            "9999-12-31T23:59",
            "<script>x</script>",
            "'; DROP TABLE",
        ]
    ),
    st.just("x" * 20_000),
)

FORMS = {
    "client": (
        "/clients/new",
        [
            "first_name",
            "last_name",
            "preferred_name",
            "phone",
            "email",
            "status",
            "disclosure",
            "notes",
        ],
    ),
    "placement": (
        "/clients/{client}/placements/new",
        ["worksite_id", "job_title", "start_date", "end_date", "hourly_wage", "weekly_hours"],
    ),
    "employer": ("/employers/new", ["name", "address", "contact_email", "contact_phone"]),
    "visit": (
        "/clients/{client}/visits/new",
        [
            "idempotency_key",
            "contact_type",
            "placement_id",
            "started_at",
            "ended_at",
            "tasks_observed",
            "tags",
        ],
    ),
    "task": (
        "/clients/{client}/tasks/new",
        [
            "title",
            "placement_id",
            "template_id",
            "steps",
            "strategy",
            "mastery_percent",
            "mastery_runs",
        ],
    ),
    "trip": (
        "/mileage/new",
        [
            "idempotency_key",
            "trip_date",
            "purpose",
            "origin",
            "destination",
            "miles",
            "odometer_start",
            "odometer_end",
            "client_id",
            "start_lat",
        ],
    ),
    "accommodation": (
        "/clients/{client}/accommodations/new",
        [
            "functional_limitation",
            "job_function",
            "accommodation",
            "estimated_cost",
            "payer",
            "date_needed",
            "contact_email",
        ],
    ),
}


@pytest.fixture
def world(login_as):
    coach = login_as("coach")
    person = make_client(coach)
    make_placement(person, make_worksite(make_employer()))
    make_task(person, coach, ["One"])
    return {"client": person.id}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_forms_survive_any_input(client, world, form):
    url, fields = FORMS[form]
    url = url.format(**world)

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({name: NASTY for name in fields}))
    def post(data):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code < 500, (url, data)
            assert "Traceback" not in response.text

    post()
    # Whatever was accepted obeys the rules.
    for person in db.session.scalars(sa.select(Client)):
        assert person.first_name.strip() and len(person.first_name) <= 80
        assert "\x00" not in person.notes
    for visit in db.session.scalars(sa.select(Visit)):
        assert visit.ended_at is None or visit.ended_at >= visit.started_at
    for trip in db.session.scalars(sa.select(Trip)):
        assert trip.miles_tenths > 0 and trip.purpose.strip()
