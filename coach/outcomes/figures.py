"""The outcome figures, each defined in one function, computed in SQL.

Every function takes a Scope (coach/outcomes/services.py: whose records, which agency-
local dates) and runs one statement. Its docstring says what it counts and what it
leaves out; docs/features.md repeats the definitions; tests/test_outcomes_figures.py
checks each against a fixture computed by hand, on SQLite and PostgreSQL. Medians are
read with LIMIT and OFFSET (coach/outcomes/sql.py), which both databases run.

Each statement is built by a `_name(scope)` function from a scope whose values are bind
parameters, once per shape of scope (see `run`), and run with the scope's values.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import sqlalchemy as sa

from coach.extensions import db
from coach.models import (
    END_REASONS,
    Client,
    EmployerContact,
    Placement,
    User,
    Visit,
    VisitDay,
)
from coach.models.visit import in_the_community
from coach.outcomes import services as sv
from coach.outcomes.sql import days_between, median_and_count


@dataclass
class Caseload:
    size: int
    employed: int

    @property
    def percent_employed(self) -> float | None:
        return 100 * self.employed / self.size if self.size else None


@lru_cache(maxsize=64)
def statement(build, shape: tuple[bool, bool]) -> sa.Select:
    """A figure's statement for a shape of scope (sv.Scope.shape), built once: building
    the ten figures' statements took 8 of the outcomes page's 30 ms of CPU at L (bench
    figures in docs/performance.md). It holds no data: who and when are parameters,
    bound at each run (tests/test_outcomes_figures.py runs one statement for two users)."""
    return build(sv.bound_scope(shape))


def run(build, scope: sv.Scope) -> sa.Result:
    """Run the statement `build` makes, with this scope's user, coach and dates."""
    return db.session.execute(statement(build, scope.shape), scope.values)


def _caseload(scope) -> sa.Select:
    return sa.select(
        sa.func.count(),
        sa.func.count(sa.case((sv.employed_on(scope.as_of), 1))),
    ).where(*sv.caseload_where(scope))


def caseload(scope: sv.Scope) -> Caseload:
    """Caseload size: the clients in scope whose status is not closed, now (the date
    range does not apply: the app keeps no history of statuses). Employed: those of them
    with a job on the as-of day (the period's last day, or today if earlier): started on
    or before it, and no last day before it. Closed clients are left out of both."""
    size, employed = run(_caseload, scope).one()
    return Caseload(size, employed)


@dataclass
class Starts:
    months: list[tuple[date, int]] = field(default_factory=list)  # first day, starts
    quarters: list[tuple[str, int]] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.months)


def _job_starts(scope) -> sa.Select:
    year = sa.extract("year", Placement.start_date)
    month = sa.extract("month", Placement.start_date)
    return (
        sv.scoped_jobs(scope, year, month, sa.func.count())
        .where(*sv.starts_where(scope))
        .group_by(year, month)
    )


def job_starts(scope: sv.Scope) -> Starts:
    """Job starts per month, quarter and year: placements of clients in scope whose
    start date is in the period, counted in SQL by the month of the start date (an
    agency-local date). A client with two jobs counts twice. Months of the period with
    no start show 0; quarters and years add up their months."""
    counted = {(int(y), int(m)): n for y, m, n in run(_job_starts, scope)}
    starts = Starts()
    quarters: dict[str, int] = {}
    years: dict[int, int] = {}
    y, m = scope.start.year, scope.start.month
    while (y, m) <= (scope.end.year, scope.end.month):
        n = counted.get((y, m), 0)
        starts.months.append((date(y, m, 1), n))
        quarter = f"{y} Q{(m - 1) // 3 + 1}"
        quarters[quarter] = quarters.get(quarter, 0) + n
        years[y] = years.get(y, 0) + n
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    starts.quarters, starts.years = list(quarters.items()), list(years.items())
    return starts


@dataclass
class Median:
    value: float | None
    count: int


def number(value) -> float | None:
    """A median or an average as read (PostgreSQL gives a Decimal), or None."""
    return None if value is None else float(value)


def _median(build, scope: sv.Scope) -> Median:
    value, n = run(build, scope).one()
    return Median(number(value), n or 0)


def _first_contact(scope) -> sa.Select:
    first = sv.first_contacts(scope)
    return sa.select(*median_and_count(sa.select(days_between(first.c.first, first.c.entry))))


def days_to_first_contact(scope: sv.Scope) -> Median:
    """Median days from program entry (intake date, or referral date before an intake)
    to the first employer contact made for the person (a job-development contact that
    names them), over the clients in scope who entered in the period and have had one
    on or after entry. Left out: clients with no entry date, those not yet presented to
    an employer, and contacts before entry."""
    return _median(_first_contact, scope)


def _first_start(scope) -> sa.Select:
    first = sv.first_starts(scope)
    return sa.select(*median_and_count(sa.select(days_between(first.c.first, first.c.entry))))


def days_to_first_start(scope: sv.Scope) -> Median:
    """Median days from program entry to the first job start on or after it, over the
    clients in scope who entered in the period and have started a job since. Left out:
    clients with no entry date or no job yet, and jobs that started before entry."""
    return _median(_first_start, scope)


@dataclass
class Retention:
    starts: int
    kept: int

    @property
    def percent(self) -> float | None:
        return 100 * self.kept / self.starts if self.starts else None


def _retention(scope) -> sa.Select:
    kept = sa.func.count(sa.case((sv.kept_to_day_90(), 1)))
    return sv.scoped_jobs(scope, sa.func.count(), kept).where(*sv.retention_where(scope))


def retention_90(scope: sv.Scope) -> Retention:
    """90-day retention: of the job starts in the period whose day 90 has passed (day 1
    is the start date, day 90 the start date + 89 days; counted once the start was at
    least 90 days before today), the share still employed on day 90: no end date, or a
    last day on or after day 90. A job that ended on day 89 is not kept. Each start
    counts on its own (a client with two jobs has two); starts too recent are left out."""
    starts, retained = run(_retention, scope).one()
    return Retention(starts, retained)


def _endings(scope) -> sa.Select:
    return (
        sv.scoped_jobs(scope, Placement.end_reason, sa.func.count())
        .where(*sv.endings_where(scope))
        .group_by(Placement.end_reason)
        .order_by(sa.func.count().desc(), Placement.end_reason)
    )


def job_endings(scope: sv.Scope) -> list[tuple[str, str, int]]:
    """Job endings by reason: placements of clients in scope whose last day is in the
    period, counted per end reason (from the job-loss event or the job form); a job
    ended without a reason counts as "Not recorded". (reason, label, count), most first."""
    rows = run(_endings, scope)
    return [(reason, END_REASONS.get(reason, "Not recorded"), n) for reason, n in rows]


@dataclass
class Pay:
    wage_cents: float | None
    wages: int
    hours_tenths: float | None
    hours: int


@dataclass
class Progression:
    people: int
    raised: int
    first_cents: float | None
    current_cents: float | None


def _pay_and_progression(scope) -> sa.Select:
    held = sv.held_pay(scope)
    wage, wages = median_and_count(sa.select(held.c.wage))
    hours, hour_count = median_and_count(sa.select(held.c.hours))
    people = sv.progression(held)
    first, n = median_and_count(sa.select(people.c.first_wage))
    current, _ = median_and_count(sa.select(people.c.current_wage))
    raised = (
        sa.select(sa.func.count())
        .select_from(people)
        .where(people.c.current_wage > people.c.first_wage)
        .scalar_subquery()
    )
    return sa.select(wage, wages, hours, hour_count, n, raised, first, current)


def pay_and_progression(scope: sv.Scope) -> tuple[Pay, Progression]:
    """The two figures of the jobs held on the as-of day, from one read of them
    (sv.held_pay).

    Pay: the median hourly wage and median weekly hours of the jobs held on the as-of
    day by clients in scope, each as it was that day (the latest wage or hours change
    on or before it, so a raise in the middle of a month counts from its date). A client
    with two jobs counts each. Jobs with no wage (or no hours) recorded are left out of
    that median.

    Wage progression, per person: of the clients in scope with a job on the as-of day,
    their first wage (at the start of their first job with a wage recorded) against
    their current wage (on the as-of day, of the job they hold that started last). Gives
    how many people, how many earn more than at first, and the median of each. Left out:
    people without a job that day or without a wage recorded."""
    wage, wages, hours, hour_count, n, raised, first, current = run(
        _pay_and_progression, scope
    ).one()
    pay = Pay(number(wage), wages or 0, number(hours), hour_count or 0)
    return pay, Progression(n or 0, raised or 0, number(first), number(current))


@dataclass
class ContactRate:
    contacts: int
    coaches: int
    weeks: float

    @property
    def per_coach_week(self) -> float | None:
        return self.contacts / self.coaches / self.weeks if self.coaches and self.weeks else None


def _contacts(scope) -> sa.Select:
    contacts = (
        sa.select(sa.func.count()).select_from(EmployerContact).where(*sv.contacts_where(scope))
    )
    coaches = sa.select(sa.func.count()).select_from(User).where(*sv.coaches_where(scope))
    return sa.select(contacts.scalar_subquery(), coaches.scalar_subquery())


def contacts_per_coach_week(scope: sv.Scope) -> ContactRate:
    """Employer contacts per coach per week: the employer contacts (job development)
    dated in the period made by the coaches in scope (a coach: their own; the filtered
    coach; or everyone's), divided by the number of coaches (the coach, or every active
    user with the coach role) and by the period's weeks lived so far (its days to the
    as-of day / 7). Contacts by
    supervisors count in the total but they are not counted as coaches."""
    made, staff = run(_contacts, scope).one()
    return ContactRate(made, staff, scope.weeks)


@dataclass
class Community:
    community_minutes: int
    total_minutes: int

    @property
    def percent(self) -> float | None:
        return 100 * self.community_minutes / self.total_minutes if self.total_minutes else None


IPS_COMMUNITY_TARGET = 65


def _community(scope) -> sa.Select:
    if sv.sees_everyone(scope):
        return sa.select(
            sa.func.sum(VisitDay.community_minutes), sa.func.sum(VisitDay.minutes)
        ).where(VisitDay.day.between(scope.start, scope.end))
    minutes = sa.func.coalesce(Visit.duration_minutes, 0)
    outside = sa.case((in_the_community(Visit.contact_type), minutes), else_=0)
    return (
        sa.select(sa.func.sum(outside), sa.func.sum(minutes))
        .join(Client, Client.id == Visit.client_id)
        .where(*sv.visits_where(scope))
    )


def community_share(scope: sv.Scope) -> Community:
    """The share of coaching hours spent in the community: minutes of ended, not deleted
    visits to clients in scope that started in the period (agency-local days), those
    on site (COMMUNITY_TYPES: not the office, a phone or a video call) against all. Open and
    deleted visits are left out. IPS asks for 65 % or more. Over every caseload it adds
    up the agency's days (VisitDay, the same visits summed per local day)."""
    community, total = run(_community, scope).one()
    return Community(int(community or 0), int(total or 0))


def all_figures(scope: sv.Scope) -> dict:
    """Every figure of the outcomes page, one statement each (pay and progression:
    one for both)."""
    pay, progression = pay_and_progression(scope)
    return dict(
        caseload=caseload(scope),
        starts=job_starts(scope),
        first_contact=days_to_first_contact(scope),
        first_start=days_to_first_start(scope),
        retention=retention_90(scope),
        endings=job_endings(scope),
        pay=pay,
        progression=progression,
        contacts=contacts_per_coach_week(scope),
        community=community_share(scope),
    )
