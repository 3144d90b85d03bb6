"""The plan pages run a handful of SQL statements, whatever the size of the plan."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from coach.extensions import db
from coach.models import Client, PlanAction, PlanGoal, PlanObjective
from tests.conftest import statements_of
from tests.factories import make_client, make_plan, make_run, make_task, make_visit

PAGES = [
    "/plans/{plan}",
    "/plans/{plan}/versions/1",
    "/plans/{plan}/versions/2",
    "/plans/{plan}/sign",
    "/plans/{plan}/objectives/new",
    "/plans/objectives/{objective}/edit",
    "/plans/actions/{action}/edit",
    "/plans/goals/{goal}/remove",
    "/plans/objectives/{objective}/remove",
    "/plans/actions/{action}/remove",
    "/clients/{person}/visits/new",  # offers the client's objectives
    "/tasks/{task}/settings",
    "/clients/{person}",
]


def link(person, coach, objective_id: int, visits: int, runs: int):
    """Visits and a task (with scored runs) that serve an objective."""
    for n in range(visits):
        make_visit(
            person,
            coach,
            started_at=datetime(2026, 10, 1, 8) + timedelta(hours=n),
            objective_id=objective_id,
        )
    task = make_task(person, coach, objective_id=objective_id)
    for n in range(runs):
        levels = {task.steps[0].id: "I", task.steps[1].id: "V" if n % 2 else "I"}
        make_run(task, coach, levels, started_at=datetime(2026, 10, 1) + timedelta(days=n))
    return task


def grow(plan, coach, goals: int) -> None:
    """More goals, each with three objectives of four steps, each served by visits and a
    task."""
    person = db.session.get(Client, plan.client_id)
    for _ in range(goals):
        goal = PlanGoal(plan_id=plan.id, created_by_id=coach.id, text="Another goal")
        db.session.add(goal)
        db.session.flush()
        for _ in range(3):
            objective = PlanObjective(
                plan_id=plan.id,
                goal_id=goal.id,
                created_by_id=coach.id,
                text="Measurable",
                target_date=plan.start_date,
            )
            db.session.add(objective)
            db.session.flush()
            db.session.add_all(
                PlanAction(
                    plan_id=plan.id,
                    client_id=plan.client_id,
                    objective_id=objective.id,
                    created_by_id=coach.id,
                    text="Do it",
                    due_date=plan.start_date,
                )
                for _ in range(4)
            )
            db.session.commit()
            link(person, coach, objective.id, visits=8, runs=6)
    db.session.commit()


def test_every_plan_page_costs_the_same_with_a_bigger_plan(client, login_as):
    """Each page counted with a small plan, then again once the plan has grown (the
    plan is grown once for every page: growing it is most of the test's time)."""
    coach = login_as("coach")
    person = make_client(coach)
    plan = make_plan(person, coach, signed=True)
    plan.version = 2  # version 1 signed, version 2 being written
    db.session.commit()
    objective = db.session.scalars(sa.select(PlanObjective)).first()
    action = db.session.scalars(sa.select(PlanAction)).first()
    task = link(person, coach, objective.id, visits=1, runs=1)
    ids = dict(objective=objective.id, action=action.id, goal=objective.goal_id, task=task.id)
    urls = {path: path.format(plan=plan.id, person=person.id, **ids) for path in PAGES}
    few = {path: statements_of(client, url) for path, url in urls.items()}
    grow(plan, coach, 8)
    for _ in range(3):
        make_plan(person, coach)
    many = {path: statements_of(client, url) for path, url in urls.items()}
    assert many == few
    for path, count in few.items():
        assert count <= (16 if path.startswith("/clients") else 10), (path, count)
