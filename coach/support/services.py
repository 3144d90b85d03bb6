"""Job-support plan rules: who sees which plan, one plan per job made once per
idempotency key, the natural supports, the fading schedule against the coach's actual
hours (from the visits at that job), tasks ready to fade, and the handoff to
follow-along."""

from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from werkzeug.exceptions import BadRequest

from coach.audit.services import record_event
from coach.charts import chart_geometry, nice_max
from coach.clients.services import may_see_client, set_client_status
from coach.extensions import db
from coach.models import (
    AccommodationRequest,
    ChecklistRun,
    Client,
    FadingWeek,
    NaturalSupport,
    Placement,
    StepScore,
    SupportPlan,
    TaskAnalysis,
    User,
    Visit,
    Worksite,
)
from coach.records import create_once, get_or_404, save_edit
from coach.tasks.services import mastery_met
from coach.timeutil import local_day_start, to_local

# Free text about the person and the people around them: the audit log names these
# fields, never their text.
PRIVATE = ("supports_needed", "name", "role", "helps_with")
# The chart and the actual hours reach this many weeks into the job.
MAX_WEEKS = 52


# --- who sees what ------------------------------------------------------------------


def visible_support_plans(user: User) -> sa.Select:
    """Job-support plans of the clients this user may see: every query of them (and of
    their parts) starts here."""
    return (
        sa.select(SupportPlan)
        .join(Client, Client.id == SupportPlan.client_id)
        .where(may_see_client(user))
    )


def with_job(query: sa.Select) -> sa.Select:
    """A plan query that also reads the plan's client, job, work site and employer."""
    return query.options(
        so.contains_eager(SupportPlan.client),
        so.joinedload(SupportPlan.placement)
        .joinedload(Placement.worksite)
        .joinedload(Worksite.employer),
    )


def get_support_for(user: User, support_id: int, full: bool = False) -> SupportPlan:
    """A job-support plan this user may see, with its client and job (and, `full`, its
    natural supports, weeks and linked requests), or 404."""
    query = with_job(visible_support_plans(user).where(SupportPlan.id == support_id))
    if full:
        query = query.options(*parts())
    return get_or_404(query)


def parts() -> list:
    return [
        so.selectinload(SupportPlan.people),
        so.selectinload(SupportPlan.weeks),
        so.selectinload(SupportPlan.requests),
    ]


def get_natural_support_for(user: User, person_id: int) -> NaturalSupport:
    """A natural support in a plan this user may see, with its plan and client, or 404."""
    query = (
        sa.select(NaturalSupport)
        .join(SupportPlan, SupportPlan.id == NaturalSupport.support_plan_id)
        .join(Client, Client.id == SupportPlan.client_id)
        .where(may_see_client(user), NaturalSupport.id == person_id)
        .options(
            so.contains_eager(NaturalSupport.plan).contains_eager(SupportPlan.client),
            so.contains_eager(NaturalSupport.plan).joinedload(SupportPlan.placement),
        )
    )
    return get_or_404(query)


def support_of_job(user: User, placement_id: int) -> SupportPlan | None:
    """The job's plan with its client, job and parts, or None: the job has no plan yet,
    or it is not this user's to see (get_placement_for tells which)."""
    query = visible_support_plans(user).where(SupportPlan.placement_id == placement_id)
    return db.session.scalars(
        with_job(query).options(so.selectinload(SupportPlan.requests))
    ).first()


def people_of(plan: SupportPlan) -> list:
    """The plan's natural supports, first named first, as plain rows (the page only shows
    them): id, name, role, helps_with."""
    person = NaturalSupport
    query = (
        sa.select(person.id, person.name, person.role, person.helps_with)
        .where(person.support_plan_id == plan.id)
        .order_by(person.id)
    )
    return db.session.execute(query).all()


def schedule_of(plan: SupportPlan) -> tuple[int, ...]:
    """The fading schedule's planned tenths, week 1 first (plain rows: the page only
    draws them)."""
    query = (
        sa.select(FadingWeek.planned_tenths)
        .where(FadingWeek.support_plan_id == plan.id)
        .order_by(FadingWeek.week)
    )
    return tuple(db.session.scalars(query))


def request_choices(user: User, plan: SupportPlan) -> list[AccommodationRequest]:
    """The client's accommodation requests the coach may link, oldest first."""
    query = (
        sa.select(AccommodationRequest)
        .join(Client, Client.id == AccommodationRequest.client_id)
        .where(may_see_client(user), AccommodationRequest.client_id == plan.client_id)
        .order_by(AccommodationRequest.id)
    )
    return list(db.session.scalars(query))


# --- writing ------------------------------------------------------------------------


def start_plan(user: User, placement: Placement, key: str, supports_needed: str):
    """The job's plan, made once per idempotency key (a second key for a job that has one
    gets that one): (plan, created). Logged and committed."""
    of_job = sa.select(SupportPlan).where(SupportPlan.placement_id == placement.id)
    existing = db.session.scalars(of_job).first()
    if existing is not None:
        return existing, False
    plan = SupportPlan(
        client_id=placement.client_id, placement_id=placement.id, supports_needed=supports_needed
    )
    try:
        plan, created = create_once(plan, user.id, key)
    except BadRequest:  # another phone (another key) started this job's plan a moment ago
        existing = db.session.scalars(of_job).first()
        if existing is None:
            raise
        return existing, False
    if created:
        record_event("create", "support_plan", plan.id, f"job {placement.id}")
        db.session.commit()
    return plan, created


def save_support_edit(record, entity_type: str, fields: list[str], apply: Callable) -> str:
    return save_edit(record, entity_type, fields, apply, PRIVATE)


def link_requests(user: User, plan: SupportPlan, chosen: list[int]) -> Callable:
    """An `apply` for save_edit: link exactly the chosen requests of the client."""

    def apply(record: SupportPlan) -> None:
        wanted = set(chosen)
        record.requests = [r for r in request_choices(user, plan) if r.id in wanted]

    return apply


def set_schedule(tenths: list[int]) -> Callable:
    """An `apply` for save_edit: the fading schedule becomes `tenths`, week 1 first."""

    def apply(plan: SupportPlan) -> None:
        weeks = {week.week: week for week in plan.weeks}
        for number, value in enumerate(tenths, start=1):
            if number in weeks:
                weeks[number].planned_tenths = value
            else:
                plan.weeks.append(FadingWeek(week=number, planned_tenths=value))
        plan.weeks[:] = [week for week in plan.weeks if week.week <= len(tenths)]

    return apply


def add_person(user: User, plan: SupportPlan, key: str, **fields) -> NaturalSupport:
    person, created = create_once(NaturalSupport(support_plan_id=plan.id, **fields), user.id, key)
    if created:
        record_event("create", "natural_support", person.id, f"support plan {plan.id}")
        db.session.commit()
    return person


def remove_person(person: NaturalSupport) -> None:
    record_event("delete", "natural_support", person.id, f"support plan {person.support_plan_id}")
    db.session.delete(person)
    db.session.commit()


def record_handoff(plan: SupportPlan, day: date, today: date) -> str:
    """Set the handoff date. On or before today the handoff is done: intensive coaching
    closes and the client moves to follow-along (audited); a later date is planned (a
    Today item falls due that day). Moving a done handoff to a later date reopens
    intensive coaching: a client still in follow-along is employed again. Committed."""
    done = day <= today

    def apply(record: SupportPlan) -> None:
        undone = record.handed_off and not done
        record.handoff_date, record.handed_off = day, done
        if done:
            set_client_status(record.client, "follow_along")
        elif undone and record.client.status == "follow_along":
            set_client_status(record.client, "employed")

    return save_edit(plan, "support_plan", ["handoff_date", "handed_off"], apply)


# --- hours --------------------------------------------------------------------------


def week_start(placement: Placement, week: int) -> date:
    """The first day of week `week` (1-based) of the job."""
    return placement.start_date + timedelta(days=7 * (week - 1))


def actual_tenths(placement: Placement, tz: str) -> list[int]:
    """The coach's hours at this job week by week (tenths), from the ended visits' times
    (deleted ones left out), weeks counted from the job's start in the agency's zone;
    up to the last week with a visit, at most MAX_WEEKS."""
    first = local_day_start(placement.start_date, tz)
    last = local_day_start(week_start(placement, MAX_WEEKS + 1), tz)
    rows = db.session.execute(
        sa.select(Visit.started_at, Visit.ended_at).where(
            Visit.placement_id == placement.id,
            Visit.deleted_at.is_(None),
            Visit.ended_at.is_not(None),
            Visit.started_at >= first,
            Visit.started_at < last,
        )
    ).all()
    minutes: dict[int, float] = {}
    for started, ended in rows:
        week = (to_local(started, tz).date() - placement.start_date).days // 7
        minutes[week] = minutes.get(week, 0) + max((ended - started).total_seconds(), 0) / 60
    weeks = max(minutes, default=-1) + 1
    return [round(minutes.get(week, 0) / 6) for week in range(weeks)]


def weekly_rows(placement: Placement, planned: tuple[int, ...], actual: list[int]) -> list:
    """One row per week: (week, its first day, planned tenths or None, actual tenths)."""
    weeks = max(len(planned), len(actual))
    return [
        (
            n + 1,
            week_start(placement, n + 1),
            planned[n] if n < len(planned) else None,
            actual[n] if n < len(actual) else 0,
        )
        for n in range(weeks)
    ]


def fading_chart(rows: list) -> dict | None:
    """The planned and actual hours on the one line chart (coach.charts), or None for no
    week yet."""
    if not rows:
        return None
    actual = [a / 10 for _, _, _, a in rows]
    planned = [None if p is None else p / 10 for _, _, p, _ in rows]
    top, step = nice_max(actual + planned)
    return chart_geometry(
        actual, ("Planned", planned), y_max=top, step=step, unit=" h", name="Actual"
    )


# --- ready to fade ------------------------------------------------------------------


def ready_to_fade(placement: Placement) -> list[tuple[int, str]]:
    """(task id, title) of the job's task analyses that meet their mastery criterion,
    in one query of every run's scores."""
    attempted = sa.func.sum(sa.case((StepScore.level != "NA", 1), else_=0))
    independent = sa.func.sum(sa.case((StepScore.level == "I", 1), else_=0))
    task = TaskAnalysis
    rows = db.session.execute(
        sa.select(task.id, task.title, task.mastery_percent, task.mastery_runs)
        .add_columns(attempted, independent)
        .join(ChecklistRun, ChecklistRun.task_id == task.id)
        .outerjoin(StepScore, StepScore.run_id == ChecklistRun.id)
        .where(task.placement_id == placement.id)
        .group_by(task.id, task.title, task.mastery_percent, task.mastery_runs, ChecklistRun.id)
        .order_by(task.title, task.id, ChecklistRun.started_at, ChecklistRun.id)
    ).all()
    percents: dict[tuple, list] = {}
    for tid, title, percent, runs, tried, done in rows:
        share = 100.0 * (done or 0) / tried if tried else None
        percents.setdefault((tid, title, percent, runs), []).append(share)
    return [
        (tid, title)
        for (tid, title, percent, runs), shares in percents.items()
        if mastery_met(shares, percent, runs)
    ]
