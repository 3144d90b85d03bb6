"""Employment plan rules: who sees which plan, writing goals, objectives and action steps
once per idempotency key, versions (a change to a signed version starts the next one),
the plan's document, and the person's signature (coach.signing's signed record)."""

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from coach import signing
from coach.agency import current_agency
from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.forms import options
from coach.models import (
    Client,
    Employer,
    EmploymentPlan,
    Placement,
    PlanAction,
    PlanGoal,
    PlanObjective,
    PlanSignature,
    TaskAnalysis,
    User,
    Visit,
    Worksite,
)
from coach.records import create_once, get_or_404, save_edit
from coach.tasks.services import TaskStanding, standings
from coach.timeutil import format_date, utcnow

# Free text about the person: the audit log names these fields, never their text.
PRIVATE = ("text", "who_name")


# --- who sees what ------------------------------------------------------------------


def visible_plans(user: User) -> sa.Select:
    """Plans of the clients this user may see: every query of plans starts here."""
    return (
        sa.select(EmploymentPlan)
        .join(Client, Client.id == EmploymentPlan.client_id)
        .where(may_see_client(user))
    )


def _in_visible_plan(model, user: User) -> sa.Select:
    """Rows of `model` (a part of a plan) whose plan this user may see."""
    return (
        sa.select(model)
        .join(EmploymentPlan, EmploymentPlan.id == model.plan_id)
        .join(Client, Client.id == EmploymentPlan.client_id)
        .where(may_see_client(user))
    )


def get_plan_for(user: User, plan_id: int, with_tree: bool = False) -> EmploymentPlan:
    """A plan this user may see, with its client (and its goals, objectives and action
    steps when `with_tree`), or 404."""
    query = (
        visible_plans(user)
        .where(EmploymentPlan.id == plan_id)
        .options(so.contains_eager(EmploymentPlan.client))
    )
    if with_tree:  # one row per step (or childless goal or objective), in one statement
        query = query.options(
            so.joinedload(EmploymentPlan.goals)
            .joinedload(PlanGoal.objectives)
            .joinedload(PlanObjective.actions)
        )
    return get_or_404(query)


def get_goal_for(user: User, goal_id: int) -> PlanGoal:
    query = (
        _in_visible_plan(PlanGoal, user)
        .where(PlanGoal.id == goal_id)
        .options(so.contains_eager(PlanGoal.plan).contains_eager(EmploymentPlan.client))
    )
    return get_or_404(query)


def get_objective_for(user: User, objective_id: int) -> PlanObjective:
    """An objective with its plan and client, and the plan's goals (to move it)."""
    query = (
        _in_visible_plan(PlanObjective, user)
        .where(PlanObjective.id == objective_id)
        .options(
            so.contains_eager(PlanObjective.plan).contains_eager(EmploymentPlan.client),
            so.contains_eager(PlanObjective.plan).selectinload(EmploymentPlan.goals),
        )
    )
    return get_or_404(query)


def get_action_for(user: User, action_id: int) -> PlanAction:
    query = (
        _in_visible_plan(PlanAction, user)
        .where(PlanAction.id == action_id)
        .options(
            so.contains_eager(PlanAction.plan).contains_eager(EmploymentPlan.client),
            so.joinedload(PlanAction.objective),
        )
    )
    return get_or_404(query)


def plans_of(user: User, client: Client) -> list[EmploymentPlan]:
    """The client's plans, newest first (for the client page)."""
    query = (
        visible_plans(user)
        .where(EmploymentPlan.client_id == client.id)
        .order_by(EmploymentPlan.start_date.desc(), EmploymentPlan.id.desc())
    )
    return list(db.session.scalars(query))


def signatures_of(plan: EmploymentPlan) -> list[PlanSignature]:
    """The plan's signed versions, newest first."""
    query = (
        sa.select(PlanSignature)
        .where(PlanSignature.plan_id == plan.id)
        .order_by(PlanSignature.document_version.desc())
    )
    return list(db.session.scalars(query))


def signature_of_version(plan: EmploymentPlan, version: int) -> PlanSignature | None:
    query = (
        sa.select(PlanSignature)
        .where(PlanSignature.plan_id == plan.id, PlanSignature.document_version == version)
        .options(so.joinedload(PlanSignature.witnessed_by))
    )
    return db.session.scalar(query)


def objectives_of(plan: EmploymentPlan) -> list[PlanObjective]:
    """The objectives of a plan read with its tree, in the page's order."""
    return [objective for goal in plan.goals for objective in goal.objectives]


def overdue(action: PlanAction, today: date) -> bool:
    return action.done_on is None and action.due_date < today


# --- what serves each objective: visits and task analyses --------------------------

VISITS_SHOWN = 5  # per objective on the plan page; the rest are counted


class ServedBy(NamedTuple):
    """A visit that served an objective, and how many visits served it in all."""

    visit_id: int
    objective_id: int
    started_at: object
    ended_at: object
    duration_minutes: int | None
    total: int


def objective_choices(user: User, client_id: int) -> list:
    """The objectives of the client's plans for a select (newest plan first, in the plan
    page's order and numbering), after a "None" choice: one query."""
    goal_number = (
        sa.select(sa.func.count(PlanGoal.id))
        .where(PlanGoal.plan_id == PlanObjective.plan_id, PlanGoal.id <= PlanObjective.goal_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        _in_visible_plan(PlanObjective, user)
        .with_only_columns(PlanObjective.id, PlanObjective.text, PlanObjective.goal_id, goal_number)
        .add_columns(EmploymentPlan.id, EmploymentPlan.start_date)
        .where(EmploymentPlan.client_id == client_id)
        .order_by(
            EmploymentPlan.start_date.desc(),
            EmploymentPlan.id.desc(),
            PlanObjective.goal_id,
            PlanObjective.target_date,
            PlanObjective.id,
        )
    ).all()
    several = len({row[4] for row in rows}) > 1
    choices, last_goal, n = [], None, 0
    for objective_id, text, goal_id, g, _, start in rows:
        n = n + 1 if goal_id == last_goal else 1
        last_goal = goal_id
        plan = f"Plan of {format_date(start)} · " if several else ""
        short = text if len(text) <= 40 else text[:39].rstrip() + "…"
        choices.append((objective_id, f"{plan}Goal {g} · Objective {g}.{n}: {short}"))
    return options([(0, "No plan objective"), *choices])


def visits_serving(plan: EmploymentPlan, objective_ids: list[int]) -> dict[int, list[ServedBy]]:
    """The newest VISITS_SHOWN visits that served each objective (each row with the
    objective's total), in one query whatever the number of objectives."""
    if not objective_ids:
        return {}
    order = (Visit.started_at.desc(), Visit.id.desc())
    ranked = (
        sa.select(
            Visit.id.label("visit_id"),
            Visit.objective_id,
            Visit.started_at,
            Visit.ended_at,
            Visit.duration_minutes,
            sa.func.count().over(partition_by=Visit.objective_id).label("total"),
            sa.func.row_number().over(partition_by=Visit.objective_id, order_by=order).label("n"),
        )
        .where(
            Visit.objective_id.in_(objective_ids),
            Visit.client_id == plan.client_id,
            Visit.deleted_at.is_(None),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(*(ranked.c[name] for name in ServedBy._fields))
        .where(ranked.c.n <= VISITS_SHOWN)
        .order_by(ranked.c.objective_id, ranked.c.n)
    )
    served: dict[int, list[ServedBy]] = {}
    for row in rows:
        served.setdefault(row.objective_id, []).append(ServedBy(*row))
    return served


def tasks_serving(plan: EmploymentPlan, objective_ids: list[int]) -> dict[int, list]:
    """Each objective's linked task analyses with their latest percent independent and
    mastery (coach.tasks.services.standings: one query)."""
    if not objective_ids:
        return {}
    linked = sa.and_(
        TaskAnalysis.objective_id.in_(objective_ids), TaskAnalysis.client_id == plan.client_id
    )
    served: dict[int, list[TaskStanding]] = {}
    for standing in standings(linked):
        served.setdefault(standing.objective_id, []).append(standing)
    return served


def linked_to(objective_ids: list[int]) -> tuple[int, int]:
    """How many visits and task analyses are linked to these objectives."""
    if not objective_ids:
        return 0, 0
    visits = sa.select(sa.func.count(Visit.id)).where(Visit.objective_id.in_(objective_ids))
    tasks = sa.select(sa.func.count(TaskAnalysis.id)).where(
        TaskAnalysis.objective_id.in_(objective_ids)
    )
    row = db.session.execute(sa.select(visits.scalar_subquery(), tasks.scalar_subquery()))
    return tuple(row.one())


# --- versions -----------------------------------------------------------------------


def change_plan(plan_id: int) -> bool:
    """Note a change to the plan's document, before writing it: one UPDATE of the plan's
    row (which also holds off a signature being taken at this moment). A change to the
    version the person signed starts the next version; True when it did. What was signed
    stays readable: the signature holds its own copy."""
    plan = EmploymentPlan
    with db.session.no_autoflush:  # the plan's row first, then the change itself
        started = signing.take_once(
            plan,
            plan_id,
            {"version": plan.version + 1, "updated_at": utcnow()},
            plan.signed_version == plan.version,
        )
        if not started:
            db.session.execute(
                sa.update(plan).where(plan.id == plan_id).values(updated_at=utcnow())
            )
    if started:
        record_event("update", "employment_plan", plan_id, "signed version changed: new version")
    return started


def save_plan_edit(record, entity_type: str, fields: list[str], fill: Callable, content=None):
    """Save an edit of a plan or a part of it (coach.records.save_edit) and commit; a
    change to the `content` fields (those in the signed document; all `fields` unless
    given) of a signed version starts the next version. True when it did."""
    content = fields if content is None else content
    plan_id = record.id if isinstance(record, EmploymentPlan) else record.plan_id
    started = []

    def apply(item) -> None:
        before = [getattr(item, name) for name in content]
        fill(item)
        if [getattr(item, name) for name in content] != before:
            started.append(change_plan(plan_id))

    save_edit(record, entity_type, fields, apply, private=PRIVATE)
    return any(started)


def _add(user: User, record, key: str, entity_type: str, summary: str) -> tuple[object, bool]:
    """Add a part of a plan once per idempotency key and commit: (record, started a new
    version). A repeated key changes nothing."""
    started = change_plan(record.plan_id)
    record, created = create_once(record, user.id, key)
    if not created:
        db.session.rollback()
        return record, False
    record_event("create", entity_type, record.id, summary)
    db.session.commit()
    return record, started


def create_plan(user: User, client: Client, key: str, start: date, review: date):
    """A new plan for the client (once per idempotency key): (plan, created)."""
    plan = EmploymentPlan(client_id=client.id, start_date=start, review_date=review)
    plan, created = create_once(plan, user.id, key)
    if created:
        record_event("create", "employment_plan", plan.id, f"client {client.id}")
    db.session.commit()
    return plan, created


def add_goal(user: User, plan: EmploymentPlan, key: str, text: str):
    return _add(user, PlanGoal(plan_id=plan.id, text=text), key, "plan_goal", f"plan {plan.id}")


def add_objective(user: User, plan: EmploymentPlan, key: str, goal_id: int, **fields):
    if goal_id not in {goal.id for goal in plan.goals}:
        abort(404)  # the form offers only the plan's own goals
    objective = PlanObjective(plan_id=plan.id, goal_id=goal_id, **fields)
    return _add(user, objective, key, "plan_objective", f"plan {plan.id}")


def add_action(user: User, objective: PlanObjective, key: str, **fields):
    plan = objective.plan
    action = PlanAction(
        plan_id=plan.id, client_id=plan.client_id, objective_id=objective.id, **fields
    )
    return _add(user, action, key, "plan_action", f"objective {objective.id}")


# --- removing a goal, an objective or an action step --------------------------------


class Removal(NamedTuple):
    """What removing a part of a plan takes with it (for the confirmation and the log)."""

    objective_ids: list[int]
    actions: int
    visits: int
    tasks: int


def removal_of(record) -> Removal:
    """What goes with a goal (its objectives and their steps), an objective (its steps),
    or a step; and the visits and tasks linked to the objectives, which stay, unlinked."""
    if isinstance(record, PlanAction):
        return Removal([], 1, 0, 0)
    if isinstance(record, PlanGoal):
        where = PlanObjective.goal_id == record.id
        objective_ids = list(db.session.scalars(sa.select(PlanObjective.id).where(where)))
    else:
        objective_ids = [record.id]
    actions = db.session.scalar(
        sa.select(sa.func.count(PlanAction.id)).where(PlanAction.objective_id.in_(objective_ids))
    )
    return Removal(objective_ids, actions, *linked_to(objective_ids))


def remove_part(record, entity_type: str) -> tuple[Removal, bool]:
    """Remove a goal, an objective or an action step and what goes with it, audited, and
    commit: (what went, started a new version). A change to the signed version starts the
    next one; signatures keep their own text. Linked visits and tasks are unlinked, not
    removed. Steps are deleted one by one through the session, so Today's kept rows
    (coach/today/kept.py) follow."""
    removal = removal_of(record)
    started = change_plan(record.plan_id)
    ids = removal.objective_ids
    if ids:
        for model in (Visit, TaskAnalysis):
            db.session.execute(
                sa.update(model).where(model.objective_id.in_(ids)).values(objective_id=None)
            )
        steps = sa.select(PlanAction).where(PlanAction.objective_id.in_(ids))
        for action in db.session.scalars(steps).all():
            db.session.delete(action)
        db.session.flush()
        db.session.execute(sa.delete(PlanObjective).where(PlanObjective.id.in_(ids)))
    if isinstance(record, PlanGoal):
        db.session.execute(sa.delete(PlanGoal).where(PlanGoal.id == record.id))
    elif isinstance(record, PlanAction):
        db.session.delete(record)
    summary = (
        f"plan {record.plan_id}: {len(ids)} objectives, {removal.actions} steps; "
        f"unlinked {removal.visits} visits, {removal.tasks} tasks"
    )
    record_event("delete", entity_type, record.id, summary)
    db.session.commit()
    return removal, started


# --- the document and the signature -------------------------------------------------


def document_for(plan: EmploymentPlan) -> str:
    """The plan as the person reads and signs it (a plan read with its tree). Done dates
    are progress, not the plan: they are not in it."""
    client = plan.client
    lines = [
        "INDIVIDUAL EMPLOYMENT PLAN",
        f"Agency: {current_agency().name}",
        f"Person: {client.first_name} {client.last_name}",
        f"Plan version: {plan.version}",
        f"Start date: {format_date(plan.start_date)}",
        f"Review date: {format_date(plan.review_date)}",
    ]
    for g, goal in enumerate(plan.goals, 1):
        lines += ["", f"Goal {g}: {goal.text}"]
        for o, objective in enumerate(goal.objectives, 1):
            lines.append(f"  Objective {g}.{o}: {objective.text}")
            lines.append(f"    Target date: {format_date(objective.target_date)}")
            for action in objective.actions:
                lines.append(
                    f"    - {action.text} ({action.who_label}; due {format_date(action.due_date)})"
                )
    return "\n".join(lines) + "\n"


def reread_tree(user: User, plan_id: int) -> EmploymentPlan:
    """The plan and its tree as stored now (after taking the row), not as first read."""
    db.session.expire_all()
    return get_plan_for(user, plan_id, with_tree=True)


def sign_plan(
    user: User,
    plan: EmploymentPlan,
    shown_sha256: str,
    signer_name: str,
    signed_on: date,
    ip: str,
    user_agent: str,
) -> tuple[PlanSignature | None, str]:
    """The person signs the version they were shown, on the coach's phone, and it is
    committed: (signature, ""), or (None, why not): 'signed' (already signed, by another
    tap a moment ago), 'changed' (the plan changed since the page was shown). Once per
    version, taken with one conditional UPDATE (coach.signing.take_once)."""
    version = plan.version
    model = EmploymentPlan
    if not signing.take_once(
        model,
        plan.id,
        {"signed_version": version},
        model.version == version,
        sa.or_(model.signed_version.is_(None), model.signed_version < version),
    ):
        db.session.rollback()
        return None, "signed"
    plan = reread_tree(user, plan.id)
    document = signing.Document.of(version, document_for(plan))
    if document.document_sha256 != shown_sha256:
        db.session.rollback()
        return None, "changed"
    signature = PlanSignature(
        plan_id=plan.id,
        witnessed_by_id=user.id,
        signer_name=signer_name,
        signed_on=signed_on,
        **signing.signed_record_fields(document, ip, user_agent, utcnow()),
    )
    db.session.add(signature)
    db.session.flush()
    record_event("sign", "employment_plan", plan.id, f"version {version}")
    db.session.commit()
    return signature, ""


class JobHeld(NamedTuple):
    placement_id: int
    job_title: str
    employer: str


def jobs_held(plan: EmploymentPlan, today: date) -> list[JobHeld]:
    """The person's jobs not ended by `today`, newest first: the plan page links each to
    its job-support plan, where the plan goes on once they work. One query."""
    rows = db.session.execute(
        sa.select(Placement.id, Placement.job_title, Employer.name)
        .join(Worksite, Worksite.id == Placement.worksite_id)
        .join(Employer, Employer.id == Worksite.employer_id)
        .where(
            Placement.client_id == plan.client_id,
            sa.or_(Placement.end_date.is_(None), Placement.end_date >= today),
        )
        .order_by(Placement.start_date.desc(), Placement.id.desc())
    )
    return [JobHeld(*row) for row in rows]
