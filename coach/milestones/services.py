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

The list reads every row of a page from one query: the reached date is worked out in
SQL (`add_days`), so the due, reached and claimed rows are filtered and ordered by the
database whatever the number of placements."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from coach.clients.services import may_see_client
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
    Placement,
    ServiceType,
    User,
    Worksite,
)
from coach.models.milestones import MAX_DAYS
from coach.records import get_or_404
from coach.timeutil import format_date

DUE_DAYS = 14  # "due": reached within the next two weeks (time to gather the proof)
REACHED_WINDOW_DAYS = 365  # reached or claimed milestones listed: those of the last year
STATES = {"due": "Due", "reached": "Reached", "claimed": "Claimed"}
# Rows shown per section: a state-wide provider has a thousand milestones due in a
# fortnight (the bench at L), a page no phone should render; the heading counts them all
# and the funder filter narrows them.
SHOWN = 50


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


def visible_milestones(user: User, *columns) -> sa.Select:
    """(placement, milestone) pairs of clients this user may see, each milestone of a
    funder the placement counts for, as `columns` (their ids by default): every query
    of the list starts here."""
    return (
        sa.select(*(columns or (Placement.id, Milestone.id)))
        .select_from(Placement)
        .join(Client, Client.id == Placement.client_id)
        .join(Milestone, counts_for_funder())
        .where(may_see_client(user))
    )


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


def milestone_rows(user: User, today: date, funder_id: int | None = None) -> tuple[dict, dict]:
    """({"due": [...], "reached": [...], "claimed": [...]}, their counts): milestones
    reached within the next DUE_DAYS (due), reached in the last year and not claimed, and
    claimed; in one query, oldest first (soonest first for the due), the first SHOWN of
    each section kept."""
    day = reached_date().label("day")
    claimer = so.aliased(User)
    query = (
        visible_milestones(
            user,
            Placement.id,
            Milestone.id,
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
            day,
            MilestoneClaim.id,
            claimer.name,
        )
        .join(Funder, Funder.id == Milestone.funder_id)
        .join(Worksite, Worksite.id == Placement.worksite_id)
        .join(Employer, Employer.id == Worksite.employer_id)
        .outerjoin(
            MilestoneClaim,
            sa.and_(
                MilestoneClaim.placement_id == Placement.id,
                MilestoneClaim.milestone_id == Milestone.id,
            ),
        )
        .outerjoin(claimer, claimer.id == MilestoneClaim.claimed_by_id)
        .where(
            # Jobs that may have a milestone in the window (a plain range on the start)...
            Placement.start_date <= today + timedelta(days=DUE_DAYS),
            Placement.start_date >= today - timedelta(days=REACHED_WINDOW_DAYS + MAX_DAYS),
            # ...and their milestones in it, reached while the job went on.
            sa.or_(Placement.end_date.is_(None), Placement.end_date >= reached_date()),
            reached_date() <= today + timedelta(days=DUE_DAYS),
            reached_date() >= today - timedelta(days=REACHED_WINDOW_DAYS),
        )
        .order_by(day, Client.last_name, Client.id, Milestone.days)
    )
    if funder_id:
        query = query.where(Milestone.funder_id == funder_id)
    lists, counts = {state: [] for state in STATES}, dict.fromkeys(STATES, 0)
    # Only the rows shown become MilestoneRows: a supervisor's list at L has 3,100 rows.
    for r in db.session.execute(query):
        state = "claimed" if r[13] is not None else ("reached" if r.day <= today else "due")
        counts[state] += 1
        if counts[state] <= SHOWN:
            lists[state].append(MilestoneRow(r[0], r[1], r[2], _name(r[3], r[4], r[5]), *r[6:]))
    return lists, counts


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
