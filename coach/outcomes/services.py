"""Whose records the outcome figures count, and the records behind each figure.

Every figure (coach/outcomes/figures.py) and its "records behind" list start from the
same rows, written once here: the clients in scope (`visible_outcome_clients`: the
caseload rule of coach/clients, narrowed to one coach when the filter asks), and for
each kind of figure the rows it counts (`starts_where`, `endings_where` ...). So a
figure and the list a supervisor opens from it cannot disagree.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.charts import chart_geometry, nice_max
from coach.clients.services import BoundUser, may_see_client
from coach.extensions import db
from coach.models import Client, EmployerContact, Placement, PlacementChange, User, Visit
from coach.outcomes.sql import days_between
from coach.records import count_up_to, more_than
from coach.timeutil import from_local

DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class Scope:
    """Who is counted (the user's view, maybe one coach's caseload) and when: the
    agency-local dates `start` to `end`, both included; `today` is the agency's."""

    user: User
    coach_id: int | None
    start: date
    end: date
    today: date
    tz: str
    coach: tuple[int, str] | None = None  # (id, label) of the filtered coach, to show

    @property
    def as_of(self) -> date:
        """The day "now" figures are taken on: the period's last day, or today if that
        is later than today."""
        return min(self.end, self.today)

    @property
    def weeks(self) -> float:
        """The weeks of the period lived so far (to the as-of day): days still ahead
        had no contact to count yet. Zero for a period that starts later."""
        return max(0, (self.as_of - self.start).days + 1) / 7

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The period as stored (naive UTC) moments: from the agency's midnight starting
        `start` to the one ending `end` (a visit at 8 pm in New York on the 31st is on
        the 31st, though its UTC date is the 1st)."""
        first = from_local(datetime.combine(self.start, time()), self.tz)
        last = from_local(datetime.combine(self.end + timedelta(days=1), time()), self.tz)
        return first, last

    @property
    def retained_before(self) -> date:
        """Starts on or before this day have passed their day 90 (see retention_where)."""
        return self.today - timedelta(days=90)

    @property
    def args(self) -> dict:
        """The filters as query arguments, for links to the records and the CSV."""
        args = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.coach_id:
            args["coach"] = self.coach_id
        return args

    @property
    def shape(self) -> tuple[bool, bool]:
        """What the statements of a scope depend on beyond its values: whether the user
        sees every caseload, and whether the filter names one coach."""
        sees_all = self.user.sees_all_caseloads
        return sees_all, sees_all and self.coach_id is not None

    @property
    def values(self) -> dict:
        """The scope's values, for the bind parameters of `bound_scope`'s statements."""
        first, last = self.utc_bounds
        return {
            "scope_user": self.user.id,
            "scope_coach": self.coach_id,
            "scope_start": self.start,
            "scope_end": self.end,
            "scope_as_of": self.as_of,
            "scope_retained_before": self.retained_before,
            "scope_first": first,
            "scope_last": last,
        }


@dataclass(frozen=True)
class BoundScope:
    """A Scope whose values are bind parameters (named as in `Scope.values`), for a
    statement built once per shape and run with any scope of that shape."""

    user: BoundUser
    coach_id: sa.BindParameter | None
    start: sa.BindParameter
    end: sa.BindParameter
    as_of: sa.BindParameter
    retained_before: sa.BindParameter
    utc_bounds: tuple[sa.BindParameter, sa.BindParameter]


def bound_scope(shape: tuple[bool, bool]) -> BoundScope:
    sees_all, one_coach = shape

    def day(name):
        return sa.bindparam(f"scope_{name}", type_=sa.Date)

    def moment(name):
        return sa.bindparam(f"scope_{name}", type_=sa.DateTime)

    return BoundScope(
        user=BoundUser(sees_all, sa.bindparam("scope_user", type_=sa.Integer)),
        coach_id=sa.bindparam("scope_coach", type_=sa.Integer) if one_coach else None,
        start=day("start"),
        end=day("end"),
        as_of=day("as_of"),
        retained_before=day("retained_before"),
        utc_bounds=(moment("first"), moment("last")),
    )


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months: from the first day of the month 11 months back to today."""
    month = today.year * 12 + today.month - 1 - (DEFAULT_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1), today


def starts_chart(starts) -> dict:
    """Job starts per month on the app's one line chart (coach.charts)."""
    values = [n for _, n in starts.months]
    top, step = nice_max(values, floor=4, whole=True)
    return chart_geometry(values, y_max=top, step=step, unit="", name="Job starts")


def visible_outcome_clients(user: User, coach_id: int | None = None) -> sa.ColumnElement[bool]:
    """The one scope rule of outcomes, on Client: the clients this user may see (a coach
    their caseload, supervisors and admins everyone's), and only `coach_id`'s caseload
    when the filter names one. A coach's filter can only be themselves."""
    rule = may_see_client(user)
    if coach_id is not None and user.sees_all_caseloads:
        rule = sa.and_(rule, Client.coach_id == coach_id)
    return rule


def clients_rule(scope: Scope) -> sa.ColumnElement[bool]:
    return visible_outcome_clients(scope.user, scope.coach_id)


def entry_date():
    """Program entry: the intake date, or the referral date before an intake."""
    return sa.func.coalesce(Client.intake_date, Client.referral_date)


def caseload_where(scope: Scope) -> list:
    """Clients counted in the caseload: in scope, not closed, and in the program by the
    as-of day (entered by then, or with no entry date): a past period's share employed
    did not divide by people referred after it."""
    entry = entry_date()
    entered = sa.or_(entry.is_(None), entry <= scope.as_of)
    return [clients_rule(scope), Client.status != "closed", entered]


def held_on(day: date, job=Placement) -> list:
    """Jobs held on `day` (of `job`, Placement or an alias of it): started by then and
    not ended before it."""
    return [job.start_date <= day, sa.or_(job.end_date.is_(None), job.end_date >= day)]


def employed_on(day: date) -> sa.ColumnElement[bool]:
    """Whether the client has a job on `day` (started by then, not ended before it)."""
    return sa.select(Placement.id).where(Placement.client_id == Client.id, *held_on(day)).exists()


def starts_where(scope: Scope) -> list:
    """Jobs started in the period, of clients in scope (joined to Client)."""
    return [clients_rule(scope), Placement.start_date.between(scope.start, scope.end)]


def endings_where(scope: Scope) -> list:
    """Jobs whose last day is in the period, of clients in scope (joined to Client)."""
    return [clients_rule(scope), Placement.end_date.between(scope.start, scope.end)]


def retention_where(scope: Scope) -> list:
    """Starts in the period whose day 90 has passed: day 1 is the start date, day 90 is
    the start date + 89 days, and it has passed when the start was at least 90 days
    before today."""
    return [*starts_where(scope), Placement.start_date <= scope.retained_before]


def kept_to_day_90():
    """Still employed on day 90: no end date, or a last day on or after day 90."""
    return sa.or_(
        Placement.end_date.is_(None), days_between(Placement.end_date, Placement.start_date) >= 89
    )


def held_where(scope: Scope) -> list:
    """Jobs held on the as-of day, of clients in scope (joined to Client)."""
    return [clients_rule(scope), *held_on(scope.as_of)]


def pay_on(day: date, column):
    """A job's wage or hours (`column` of PlacementChange) on `day`: its own (the latest
    change's) unless that change is dated after `day`; then its latest change from that
    day or before, or its own without one. The kept `pay_changed_on` spares the lookup
    for nearly every job (coach/clients/pay_columns.py)."""
    own = getattr(Placement, column.key)
    latest = (
        sa.select(column)
        .where(PlacementChange.placement_id == Placement.id, PlacementChange.effective_date <= day)
        .order_by(PlacementChange.effective_date.desc(), PlacementChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    current = sa.or_(Placement.pay_changed_on.is_(None), Placement.pay_changed_on <= day)
    return sa.case((current, own), else_=sa.func.coalesce(latest, own))


def first_after_entry(scope: Scope, name: str, first) -> sa.CTE:
    """Per client in scope whose program entry is in the period and who has had the
    event since, by the as-of day (a job that starts next month is no start yet): the
    entry date and the event's first day (`first`, a column of Client kept with the
    records by coach/outcomes/firsts.py)."""
    entry = entry_date()
    return (
        sa.select(Client.id.label("client_id"), entry.label("entry"), first.label("first"))
        .where(clients_rule(scope), entry.between(scope.start, scope.end), first <= scope.as_of)
        .cte(name)
    )


def first_contacts(scope: Scope) -> sa.CTE:
    """Per client entering in the period: the first employer contact made for them (a
    contact that names them as a job seeker) on or after entry."""
    return first_after_entry(scope, "first_contacts", Client.first_contact_on)


def first_starts(scope: Scope) -> sa.CTE:
    """Per client entering in the period: their first job start on or after entry."""
    return first_after_entry(scope, "first_starts", Client.first_start_on)


def progression(held: sa.CTE) -> sa.CTE:
    """Per person with a job on the as-of day: their first wage (the first wage
    recorded for their first job with one, kept on the client's row: `first_wage_cents`)
    and their current wage (on the as-of day, of the job they hold that started last):
    the jobs of `held` (`held_pay`) that are their person's latest."""
    return (
        sa.select(held.c.client_id, held.c.first_wage, held.c.wage.label("current_wage"))
        .where(held.c.latest, held.c.first_wage.is_not(None), held.c.wage.is_not(None))
        .cte("progression")
    )


def scoped_jobs(scope: Scope, *columns) -> sa.Select:
    """A SELECT of `columns` of the jobs of clients in scope, for a figure to narrow
    with its rows (`starts_where` ...). Over every caseload no client's row is read:
    every client is in, and every job has one (XL: the starts per month 20 → 12 ms of
    SQL, the endings 14 → 4 ms)."""
    query = sa.select(*columns).select_from(Placement)
    if sees_everyone(scope):
        return query
    return query.join(Client, Client.id == Placement.client_id)


def held_pay(scope: Scope) -> sa.CTE:
    """The jobs held on the as-of day by clients in scope, read once for the pay medians
    and the wage progression: each job's wage and hours that day, its client and their
    first wage, and whether it is the client's latest (no later-started job of theirs is
    held that day: a lookup through their jobs by start date, `ix_placements_client_start`;
    ranking the held jobs with a window function took 3.4 ms at L against 0.7 ms).
    Computed once per statement (MATERIALIZED: SQLite 3.35+, PostgreSQL 12+)."""
    day = scope.as_of
    later = so.aliased(Placement)
    held_later = (
        sa.select(later.id)
        .where(
            later.client_id == Placement.client_id,
            *held_on(day, later),
            sa.or_(
                later.start_date > Placement.start_date,
                sa.and_(later.start_date == Placement.start_date, later.id > Placement.id),
            ),
        )
        .exists()
    )
    return (
        sa.select(
            Placement.client_id,
            pay_on(day, PlacementChange.hourly_wage_cents).label("wage"),
            pay_on(day, PlacementChange.weekly_hours_tenths).label("hours"),
            Client.first_wage_cents.label("first_wage"),
            sa.not_(held_later).label("latest"),
        )
        .join(Client, Client.id == Placement.client_id)
        .where(*held_where(scope))
        .cte("held_pay")
        .prefix_with("MATERIALIZED")
    )


def sees_everyone(scope: Scope) -> bool:
    """Whether the scope is every client (no row needs its client read to be counted)."""
    return scope.user.sees_all_caseloads and scope.coach_id is None


def contacts_where(scope: Scope) -> list:
    """Employer contacts in the period made by the coaches in scope: a coach's own; for
    supervisors and admins everyone's, or the filtered coach's."""
    rule = [EmployerContact.contact_date.between(scope.start, scope.end)]
    if not scope.user.sees_all_caseloads:
        rule.append(EmployerContact.created_by_id == scope.user.id)
    elif scope.coach_id is not None:
        rule.append(EmployerContact.created_by_id == scope.coach_id)
    return rule


def coaches_where(scope: Scope) -> list:
    """The coaches a per-coach figure divides by: the coach themselves, the filtered
    coach, or every active coach."""
    if not scope.user.sees_all_caseloads:
        return [User.id == scope.user.id]
    if scope.coach_id is not None:
        return [User.id == scope.coach_id]
    return [User.role == "coach", User.active.is_(True)]


def visits_where(scope: Scope) -> list:
    """Ended, not deleted visits to clients in scope that started in the period (the
    agency's local days)."""
    first, last = scope.utc_bounds
    return [
        *([] if sees_everyone(scope) else [clients_rule(scope)]),
        Visit.deleted_at.is_(None),
        Visit.ended_at.is_not(None),
        Visit.started_at >= first,
        Visit.started_at < last,
    ]


# --- pages of records -------------------------------------------------------------------


@dataclass
class RecordsPage:
    """A page of records with what the pager macro reads."""

    items: list
    total: int
    page: int
    per_page: int
    more_than: int | None = None  # the count stopped (count_up_to): more than this

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_of(query: sa.Select, page: int, per_page: int, pick: sa.Select | None = None):
    """One page of `query`'s rows (it carries its own order), and how many there are,
    counted only as far as the pages need (count_up_to).

    `pick`, a lean SELECT of the rows' key in the same order, chooses the page's rows
    before `query` reads them in full: sorting every row with all its joins and columns
    cost more than the page (the pay records at XL: 54 → 24 ms of SQL)."""
    total = count_up_to(query, page, per_page)
    skipped = (page - 1) * per_page
    if pick is None:
        query = query.limit(per_page).offset(skipped)
    else:
        key = pick.selected_columns[0]
        query = query.where(key.in_(pick.limit(per_page).offset(skipped)))
    rows = db.session.execute(query).all()
    return RecordsPage(rows, total or 0, page, per_page, more_than(total, page, per_page))
