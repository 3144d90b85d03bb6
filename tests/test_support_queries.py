"""The job-support page, with its chart, runs a handful of SQL statements whatever the
size of the plan: more weeks, natural supports, linked requests, visits and task runs
cost no more statements."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import FadingWeek, NaturalSupport
from tests.conftest import statements_of
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_request,
    make_run,
    make_support,
    make_task,
    make_visit,
    make_worksite,
)

PAGES = [
    "/support/jobs/{job}",
    "/support/{plan}/fading",
    "/support/{plan}/accommodations",
    "/support/{plan}/needs",
    "/support/{plan}/handoff",
    "/support/people/{person}/edit",
    "/clients/{client}",
]


def grow(plan, job, person, coach, size: int) -> None:
    """More weeks (after the first two), people, linked requests, visits at the job and
    mastered tasks."""
    start = datetime(2026, 1, 5, 14, 0)
    db.session.add_all(
        FadingWeek(support_plan_id=plan.id, week=3 + n, planned_tenths=50) for n in range(size)
    )
    db.session.add_all(
        NaturalSupport(
            support_plan_id=plan.id,
            created_by_id=coach.id,
            idempotency_key=f"grow-{plan.id}-{n}",
            name=f"Helper {n}",
        )
        for n in range(size)
    )
    db.session.commit()
    for n in range(size):
        make_visit(person, coach, 90, start + timedelta(days=2 * n), placement_id=job.id)
        plan.requests.append(make_request(person, coach))
        task = make_task(person, coach, title=f"Task {n}", placement_id=job.id)
        for _ in range(3):
            make_run(task, coach, {step.id: "I" for step in task.steps})
    db.session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_the_job_support_pages_cost_the_same_with_a_bigger_plan(client, login_as, path):
    coach = login_as("coach")
    person = make_client(coach)
    job = make_placement(person, make_worksite(make_employer()), "Cook")
    plan = make_support(job, coach, weeks=(20, 10), people=1)
    make_visit(person, coach, 60, datetime(2026, 1, 6, 14, 0), placement_id=job.id)
    natural = db.session.scalar(sa.select(NaturalSupport.id))
    url = path.format(job=job.id, plan=plan.id, person=natural, client=person.id)
    few = statements_of(client, url)
    plan = db.session.merge(plan)
    db.session.refresh(plan, ["requests"])
    grow(plan, job, person, coach, 12)
    many = statements_of(client, url)
    print(f"{path}: {few} → {many}")
    assert many == few
    assert few <= (16 if path.startswith("/clients") else 10)
