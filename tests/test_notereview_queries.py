"""The note review queue runs a handful of SQL statements, whatever the number of notes
waiting; so do the visit page of an approved note with its addenda and the addendum form."""

from datetime import timedelta

import pytest

from coach.extensions import db
from coach.models import VisitAddendum
from coach.notereview.flags import refresh_flags
from coach.notereview.services import approve_visit
from coach.timeutil import utcnow
from tests.conftest import statements_of
from tests.factories import make_client, make_user, make_visit


def waiting(coaches, each: int) -> None:
    for n, coach in enumerate(coaches):
        person = make_client(coach, "Ben", f"Ode{n}")
        for hour in range(each):
            status = "not_checked" if hour % 3 == 0 else "on_site"
            visit = make_visit(
                person,
                coach,
                started_at=utcnow() - timedelta(hours=hour + 2),
                location_status=status,
                tasks_observed="Bagged groceries",
            )
            refresh_flags(visit)
    db.session.commit()


@pytest.mark.parametrize("path", ["/notes/", "/notes/?page=2"])
def test_the_queue_costs_the_same_with_more_notes_waiting(client, login_as, path):
    login_as("supervisor")
    coaches = [make_user("coach"), make_user("coach")]
    waiting(coaches, 15)  # 30: the second page shows some too
    few = statements_of(client, path)
    waiting([*coaches, make_user("coach")], 20)
    many = statements_of(client, path)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 10


def test_a_locked_notes_page_costs_the_same_with_more_addenda(client, login_as):
    supervisor = login_as("supervisor")
    coach = make_user("coach")
    person = make_client(coach)
    visit = make_visit(person, coach)
    approve_visit(visit, supervisor)
    db.session.commit()

    def add(count: int) -> None:
        for n in range(count):
            key = f"addendum-{visit.id}-{n}-{count}"
            db.session.add(
                VisitAddendum(
                    visit_id=visit.id, created_by_id=coach.id, idempotency_key=key, text="More"
                )
            )
        db.session.commit()

    add(1)
    few = [
        statements_of(client, f"/visits/{visit.id}"),
        statements_of(client, f"/notes/visits/{visit.id}/addendum"),
    ]
    add(10)
    many = [
        statements_of(client, f"/visits/{visit.id}"),
        statements_of(client, f"/notes/visits/{visit.id}/addendum"),
    ]
    assert many == few, (few, many)
