"""Submitting a month of trips asks first, with or without JavaScript: a single stray
tap (a post without the question page's answer) never submits a month."""

from datetime import date

import sqlalchemy as sa

from coach.extensions import db
from coach.models import Trip
from tests.factories import make_trip, make_user


def statuses():
    return db.session.scalars(sa.select(Trip.status).order_by(Trip.id)).all()


def test_the_trips_page_links_to_a_question_not_a_submit_button(client, auth, ctx):
    coach = make_user("coach")
    make_trip(coach, trip_date=date(2026, 11, 2))
    auth.login(coach.email)
    page = client.get("/mileage/?month=2026-11").text
    assert 'href="/mileage/submit?month=2026-11"' in page
    assert 'action="/mileage/submit"' not in page

    question = client.get("/mileage/submit?month=2026-11")
    assert question.status_code == 200
    assert "Submit November 2026 for approval?" in question.text
    assert 'name="confirm" value="yes"' in question.text
    assert statuses() == ["draft"]


def test_a_post_without_the_answer_submits_nothing_and_asks(client, auth, ctx):
    coach = make_user("coach")
    make_trip(coach, trip_date=date(2026, 11, 2))
    auth.login(coach.email)
    response = client.post("/mileage/submit", data={"month": "2026-11"})
    assert response.status_code == 200 and "for approval?" in response.text
    assert statuses() == ["draft"]

    answered = client.post("/mileage/submit", data={"month": "2026-11", "confirm": "yes"})
    assert answered.status_code == 302
    assert statuses() == ["submitted"]
