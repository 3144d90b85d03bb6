"""Milestone rules: each funder's schedule (admins), when a placement reaches each
milestone, which funder a placement counts for, and the claims supervisors mark.

When a milestone is reached: a milestone of N days is reached on the job's start date
plus N days, if the client still had the job that day. A placement's `end_date` is the
last day of the job (a job loss logged on it sets it, coach/clients/events.py), so a job
that ended *on* day N still reaches the milestone of N days; one that ended the day
before never does. The placement milestone (0 days) is reached on the start date.

Which funder a placement counts for: a funder whose authorization for the client (any
service) covers the job's start date. The authorization is what says the funder pays
for this client's employment; one that began after the job started does not make the
funder pay for that job's milestones.

The rule is worked out in SQL (`add_days`), and the day each job reaches each milestone
is kept as a row with the records it comes from (kept.py): the list reads the rows of
its window by their day, whatever the number of jobs."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from coach.clients.services import BoundUser, may_see_client
from coach.extensions import db
from coach.forms import options
from coach.models import (
    VR_DEFAULT,
    Authorization,
    Client,
    Employer,
    Funder,
    Milestone,
    MilestoneClaim,
    MilestoneReach,
    Placement,
    ServiceType,
    User,
    Worksite,
)
from coach.records import get_or_404
from coach.timeutil import format_date

DUE_DAYS = 14  # "due": reached within the next two weeks (time to gather the proof)
REACHED_WINDOW_DAYS = 365  # reached or claimed milestones listed: those of the last year
STATES = {"due": "Due", "reached": "Reached", "claimed": "Claimed"}
# Rows shown per section: a state-wide provider has a thousand milestones due in a
# fortnight (the bench at L), a page no phone should render; the heading counts them (up
# to COUNTED_UP_TO) and the funder filter narrows them.
SHOWN = 50
COUNTED_UP_TO = 1000  # beyond it a section says "more than 1,000" (as the note queue)


class add_days(FunctionElement):
    """A date column plus a number of days, as a date, on SQLite and PostgreSQL."""

    type = sa.Date()
    name = "add_days"
    inherit_cache = True


@compiles(add_days)
def _add_days_postgresql(element, compiler, **kw):
    start, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"({start} + {days})"  # date + integer is a date


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    start, days = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({start}, '+' || {days} || ' days')"


# --- when a milestone is reached ----------------------------------------------------


def reached_on(start: date, end: date | None, days: int) -> date | None:
    """The day a milestone of `days` is reached by a job of these dates; None if the job
    ended before it (a job that ended on that very day reaches it)."""
    day = start + timedelta(days=days)
    return day if end is None or end >= day else None


def is_reached(placement: Placement, milestone: Milestone, today: date) -> bool:
    day = reached_on(placement.start_date, placement.end_date, milestone.days)
    return day is not None and day <= today


def reached_date() -> sa.ColumnElement:
    """In SQL: the day the row's milestone is reached by the row's placement."""
    return add_days(Placement.start_date, Milestone.days)


def counts_for_funder() -> sa.ColumnElement[bool]:
    """In SQL: the row's placement counts for the row's milestone's funder (an
    authorization of that funder for the client covers the job's start date)."""
    return (
        sa.exists()
        .where(
            Authorization.client_id == Placement.client_id,
            Authorization.funder_id == Milestone.funder_id,
            Authorization.start_date <= Placement.start_date,
            Authorization.end_date >= Placement.start_date,
        )
        .correlate_except(Authorization)
    )


# --- the list: who sees which milestones ------------------------------------------------


@dataclass
class MilestoneRow:
    placement_id: int
    milestone_id: int
    client_id: int
    client_name: str
    job_title: str
    employer: str
    milestone: str
    days: int
    funder: str
    amount_cents: int | None
    day: date
    claim_id: int | None
    claimed_by: str | None

    @property
    def claimed(self) -> bool:
        return self.claim_id is not None


SHOWN_ORDER = ("reached_on", "last_name", "id", "days")  # day, then client by name


def milestone_rows(user: User, today: date, funder_id: int | None = None) -> tuple[dict, dict]:
    """({"due": [...], "reached": [...], "claimed": [...]}, their counts): milestones
    reached within the next DUE_DAYS (due), reached in the last year and not claimed, and
    claimed; oldest first (soonest first for the due), the first SHOWN of each section.
    Read from the kept rows (kept.py) by their state and day: one statement counts the
    sections (each up to COUNTED_UP_TO + 1), one reads the rows shown. Each section
    takes its rows in the index's order (day, then job) and stops, however many jobs
    reach a milestone on one day (10,000 at XL); the rows shown are then sorted by day
    and name."""
    counting, showing = list_statements(user.sees_all_caseloads, funder_id is not None)
    values = {
        "user_id": user.id,
        "funder_id": funder_id,
        "today": today,
        "first_day": today - timedelta(days=REACHED_WINDOW_DAYS),
        "last_day": today + timedelta(days=DUE_DAYS),
        "shown": SHOWN,
        "counted": COUNTED_UP_TO + 1,
    }
    counts = dict(zip(STATES, db.session.execute(counting, values).one(), strict=True))
    lists = {name: [] for name in STATES}
    for r in db.session.execute(showing, values):
        lists[r.state].append(MilestoneRow(r[0], r[1], r[2], _name(r[3], r[4], r[5]), *r[6:15]))
    return lists, counts


@lru_cache(maxsize=4)
def list_statements(sees_all: bool, one_funder: bool) -> tuple[sa.Select, sa.Select]:
    """The list's two statements (the sections' counts, and their rows shown) for a
    kind of user and of filter, built once: building them took 7.5 of the page's 32 ms
    of CPU at S (the page: 48.5 → 30.1 million instructions a request). They hold no
    data: the user, the funder, the days and the numbers of rows are bind parameters,
    given at each run (`milestone_rows`; tests/test_milestones.py runs them for two
    coaches and two funders in turn)."""
    reach = MilestoneReach
    user = BoundUser(sees_all, sa.bindparam("user_id", type_=sa.Integer))
    today = sa.bindparam("today", type_=sa.Date)
    window = (
        sa.select()
        .select_from(reach)
        .where(
            reach.reached_on >= sa.bindparam("first_day", type_=sa.Date),
            reach.reached_on <= sa.bindparam("last_day", type_=sa.Date),
        )
    )
    if not sees_all:  # a coach: their own caseload's rows
        window = window.where(reach.client_id.in_(sa.select(Client.id).where(may_see_client(user))))
    if one_funder:
        funder = sa.bindparam("funder_id", type_=sa.Integer)
        window = window.where(
            reach.milestone_id.in_(sa.select(Milestone.id).where(Milestone.funder_id == funder))
        )
    sections = {
        "due": sa.and_(~reach.claimed, reach.reached_on > today),
        "reached": sa.and_(~reach.claimed, reach.reached_on <= today),
        "claimed": reach.claimed,
    }
    counting = sa.select(*(_count(window, where) for where in sections.values()))
    shown = sa.union_all(*(_section(window, where, name) for name, where in sections.items()))
    return counting, shown.order_by(*SHOWN_ORDER)  # by the names of the rows' columns


def _count(window: sa.Select, where: sa.ColumnElement[bool]) -> sa.ScalarSelect:
    """How many rows a section has, counted no further than COUNTED_UP_TO + 1 (a year's
    unclaimed milestones of a statewide agency are tens of thousands: 14 ms at XL)."""
    rows = window.add_columns(MilestoneReach.placement_id).where(where)
    counted = rows.limit(sa.bindparam("counted", type_=sa.Integer)).subquery()
    return sa.select(sa.func.count()).select_from(counted).scalar_subquery()


def _section(window: sa.Select, where: sa.ColumnElement[bool], name: str) -> sa.Select:
    """A section's first SHOWN rows, with what the list says of each."""
    reach, claimer = MilestoneReach, so.aliased(User)
    return (
        window.add_columns(
            reach.placement_id,
            reach.milestone_id,
            Client.id,
            Client.first_name,
            Client.preferred_name,
            Client.last_name,
            Placement.job_title,
            Employer.name,
            Milestone.name,
            Milestone.days,
            Funder.name,
            Milestone.amount_cents,
            reach.reached_on,
            MilestoneClaim.id,
            claimer.name,
            sa.literal(name).label("state"),
        )
        .join(Client, Client.id == reach.client_id)
        .join(Placement, Placement.id == reach.placement_id)
        .join(Worksite, Worksite.id == Placement.worksite_id)
        .join(Employer, Employer.id == Worksite.employer_id)
        .join(Milestone, Milestone.id == reach.milestone_id)
        .join(Funder, Funder.id == Milestone.funder_id)
        .outerjoin(
            MilestoneClaim,
            sa.and_(
                MilestoneClaim.placement_id == reach.placement_id,
                MilestoneClaim.milestone_id == reach.milestone_id,
            ),
        )
        .outerjoin(claimer, claimer.id == MilestoneClaim.claimed_by_id)
        .where(where)
        .order_by(reach.reached_on, reach.placement_id, reach.milestone_id)
        .limit(sa.bindparam("shown", type_=sa.Integer))
        .subquery()
        .select()
    )


def _name(first: str, preferred: str, last: str) -> str:
    return f"{preferred or first} {last}"


def funder_filter_choices() -> list:
    """Funders that have a milestone schedule, for the list's filter."""
    has_schedule = sa.exists().where(Milestone.funder_id == Funder.id)
    query = sa.select(Funder.id, Funder.name).where(has_schedule).order_by(Funder.name)
    return options([(0, "Every funder"), *db.session.execute(query)])


# --- claims ----------------------------------------------------------------------------


def visible_placements(user: User) -> sa.Select:
    return (
        sa.select(Placement)
        .join(Client, Client.id == Placement.client_id)
        .where(may_see_client(user))
    )


def get_placement_for(user: User, placement_id: int) -> Placement:
    """The placement, if this user may see its client; 404 otherwise."""
    return get_or_404(visible_placements(user).where(Placement.id == placement_id))


def get_milestone_of(placement: Placement, milestone_id: int) -> Milestone:
    """The milestone, if it belongs to a funder the placement counts for; 404 otherwise."""
    counts = (
        sa.select(Authorization.id)
        .where(
            Authorization.client_id == placement.client_id,
            Authorization.funder_id == Milestone.funder_id,
            Authorization.start_date <= placement.start_date,
            Authorization.end_date >= placement.start_date,
        )
        .exists()
    )
    return get_or_404(sa.select(Milestone).where(Milestone.id == milestone_id, counts))


def claim(
    placement: Placement, milestone: Milestone, user: User, today: date
) -> tuple[MilestoneClaim | None, bool, str]:
    """Mark the milestone claimed: (the claim, created, "") or (None, False, why not). A
    milestone not yet reached (or never reached: the job ended before it) is refused. A
    second tap gets the claim the first one made. Nothing is committed here."""
    if not is_reached(placement, milestone, today):
        return None, False, not_reached_reason(placement, milestone)
    if (existing := claim_of(placement, milestone)) is not None:
        return existing, False, ""
    record = MilestoneClaim(
        placement_id=placement.id, milestone_id=milestone.id, claimed_by_id=user.id
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # the other tap got there first, on another worker
        db.session.rollback()
        return claim_of(placement, milestone), False, ""
    return record, True, ""


def not_reached_reason(placement: Placement, milestone: Milestone) -> str:
    day = reached_on(placement.start_date, placement.end_date, milestone.days)
    if day is None:
        return f"{milestone.name} was not reached: the job ended before it."
    return f"{milestone.name} is not reached yet: it is due on {format_date(day)}."


def claim_of(placement: Placement, milestone: Milestone) -> MilestoneClaim | None:
    query = sa.select(MilestoneClaim).where(
        MilestoneClaim.placement_id == placement.id, MilestoneClaim.milestone_id == milestone.id
    )
    return db.session.scalars(query).first()


# --- each funder's schedule (admins) -----------------------------------------------------


def get_funder(funder_id: int) -> Funder:
    return get_or_404(sa.select(Funder).where(Funder.id == funder_id))


def get_milestone(milestone_id: int) -> Milestone:
    query = (
        sa.select(Milestone)
        .where(Milestone.id == milestone_id)
        .options(so.joinedload(Milestone.funder))
    )
    return get_or_404(query)


def schedule_of(funder_id: int) -> list[Milestone]:
    """The funder's milestones, with their service types, by days."""
    query = (
        sa.select(Milestone)
        .where(Milestone.funder_id == funder_id)
        .options(so.joinedload(Milestone.service_type))
        .order_by(Milestone.days, Milestone.id)
    )
    return list(db.session.scalars(query))


def days_taken(funder_id: int, days: int, milestone_id: int | None = None, retry_of=None) -> bool:
    """Whether another milestone of the funder is set at this many days; `retry_of`
    (user id, idempotency key): the one a first tap of the same form made is not
    another."""
    query = sa.select(Milestone.id).where(Milestone.funder_id == funder_id, Milestone.days == days)
    if milestone_id:
        query = query.where(Milestone.id != milestone_id)
    if retry_of:
        made_by, key = retry_of
        query = query.where(
            sa.or_(Milestone.created_by_id != made_by, Milestone.idempotency_key != key)
        )
    return db.session.scalar(query) is not None


def add_vr_default(funder: Funder, user: User) -> int:
    """Give a funder without a schedule the VR default (placement, 30, 60, 90 days): the
    number of milestones added (0 when it has some: a second tap adds nothing).
    Nothing is committed here."""
    if db.session.scalar(sa.select(Milestone.id).where(Milestone.funder_id == funder.id)):
        return 0
    for name, days in VR_DEFAULT:
        db.session.add(
            Milestone(
                funder_id=funder.id,
                name=name,
                days=days,
                created_by_id=user.id,
                idempotency_key=f"vr-default-{funder.id}-{days}",
            )
        )
    try:
        db.session.flush()
    except IntegrityError:  # the other tap got there first, on another worker
        db.session.rollback()
        return 0
    return len(VR_DEFAULT)


def milestone_claimed(milestone: Milestone) -> bool:
    """Whether a claim names the milestone: then it is kept (its days cannot change)."""
    query = sa.select(MilestoneClaim.id).where(MilestoneClaim.milestone_id == milestone.id)
    return db.session.scalar(query.limit(1)) is not None


def service_options(keep_id: int | None = None) -> list:
    """Service types of unit "per milestone", for the milestone form's select."""
    query = sa.select(ServiceType.id, ServiceType.name).where(
        ServiceType.unit == "milestone",
        sa.or_(ServiceType.active, ServiceType.id == (keep_id or 0)),
    )
    return options([(0, "No service type"), *db.session.execute(query.order_by(ServiceType.name))])
