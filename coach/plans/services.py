"""Employment plan rules: who sees which plan, writing goals, objectives and action steps
once per idempotency key, versions (a change to a signed version starts the next one),
the plan's document, and the person's signature (coach.signing's signed record)."""

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from coach import signing
from coach.agency import current_agency
from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import (
    Client,
    EmploymentPlan,
    PlanAction,
    PlanGoal,
    PlanObjective,
    PlanSignature,
    User,
)
from coach.records import create_once, get_or_404, save_edit
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
    if with_tree:
        query = query.options(
            so.selectinload(EmploymentPlan.goals)
            .selectinload(PlanGoal.objectives)
            .selectinload(PlanObjective.actions)
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
