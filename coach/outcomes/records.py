"""The records behind each figure: the same rows the figure counts (coach/outcomes/
services.py), listed a page at a time. Each kind gives its rows as cards: whose record,
and a few labelled values."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from coach.models import (
    COMMUNITY_TYPES,
    CONTACT_TYPES,
    END_REASONS,
    Client,
    Employer,
    EmployerContact,
    Placement,
    PlacementChange,
    User,
    Visit,
    Worksite,
)
from coach.models.caseload import CLIENT_STATUSES, display_name
from coach.outcomes import services as sv
from coach.outcomes.sql import days_between
from coach.timeutil import format_date, format_local


@dataclass
class Card:
    """One record behind a figure: the person (if any), a title and labelled values."""

    title: str
    values: list[tuple[str, str]]
    client_id: int | None = None
    placement_id: int | None = None


KINDS = {
    "caseload": "Clients on the caseload",
    "employed": "Clients with a job",
    "starts": "Job starts",
    "first_contact": "Days from program entry to the first employer contact",
    "first_start": "Days from program entry to the first job start",
    "retention": "90-day retention",
    "endings": "Job endings",
    "pay": "Wage and hours of the jobs held",
    "progression": "Wage progression",
    "contacts": "Employer contacts per coach",
    "community": "Coaching hours in the community",
}

NAME = (Client.id, Client.first_name, Client.preferred_name, Client.last_name)
BY_NAME = (Client.last_name, Client.first_name, Client.id)
JOB = (Placement.id.label("placement_id"), Placement.job_title, Employer.name.label("employer"))
PAY_ORDER = (*BY_NAME, Placement.start_date, Placement.id)


def _name(row) -> str:
    return display_name(row.first_name, row.preferred_name, row.last_name)


def _money(cents) -> str:
    return "—" if cents is None else f"${cents / 100:,.2f}"


def _hours(tenths) -> str:
    return "—" if tenths is None else f"{tenths / 10:g} h"


def _jobs(query: sa.Select) -> sa.Select:
    return (
        query.join(Client, Client.id == Placement.client_id)
        .join(Worksite, Worksite.id == Placement.worksite_id)
        .join(Employer, Employer.id == Worksite.employer_id)
    )


def month_bounds(value: str | None) -> tuple[date, date] | None:
    """'2026-03' → its first and last day; anything else None."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def caseload(scope, args) -> tuple[sa.Select, callable]:
    query = (
        sa.select(*NAME, Client.status, sv.entry_date().label("entry"))
        .where(*sv.caseload_where(scope))
        .order_by(*BY_NAME)
    )

    def card(row):
        values = [("Status", CLIENT_STATUSES.get(row.status, row.status))]
        values.append(("Program entry", format_date(row.entry) or "not recorded"))
        return Card(_name(row), values, row.id)

    return query, card


def employed(scope, args):
    query, card = caseload(scope, args)
    return query.where(sv.employed_on(scope.as_of)), card


def starts(scope, args):
    where = sv.starts_where(scope)
    if month := month_bounds(args.get("month")):
        where.append(Placement.start_date.between(*month))
    query = _jobs(sa.select(*NAME, *JOB, Placement.start_date)).where(*where)
    query = query.order_by(Placement.start_date, Placement.id)
    return query, lambda row: Card(
        _name(row),
        [("Job", f"{row.job_title} at {row.employer}"), ("Started", format_date(row.start_date))],
        row.id,
        row.placement_id,
    )


def _first(subquery, label):
    def make(scope, args):
        first = subquery(scope)
        query = (
            sa.select(*NAME, first.c.entry, first.c.first)
            .join(first, first.c.client_id == Client.id)
            .order_by(days_between(first.c.first, first.c.entry), Client.id)
        )

        def card(row):
            days = (row.first - row.entry).days
            return Card(
                _name(row),
                [
                    ("Program entry", format_date(row.entry)),
                    (label, format_date(row.first)),
                    ("Days", str(days)),
                ],
                row.id,
            )

        return query, card

    return make


def retention(scope, args):
    kept = sv.kept_to_day_90()
    query = _jobs(
        sa.select(*NAME, *JOB, Placement.start_date, Placement.end_date, kept.label("kept"))
    )
    query = query.where(*sv.retention_where(scope)).order_by(Placement.start_date, Placement.id)

    def card(row):
        day_90 = date.fromordinal(row.start_date.toordinal() + 89)
        return Card(
            _name(row),
            [
                ("Job", f"{row.job_title} at {row.employer}"),
                ("Started", format_date(row.start_date)),
                ("Day 90", format_date(day_90)),
                ("Last day", format_date(row.end_date) or "still employed"),
                ("Kept to day 90", "Yes" if row.kept else "No"),
            ],
            row.id,
            row.placement_id,
        )

    return query, card


def endings(scope, args):
    where = sv.endings_where(scope)
    reason = args.get("reason")
    if reason is not None and (reason in END_REASONS or reason == ""):
        where.append(Placement.end_reason == reason)
    query = _jobs(sa.select(*NAME, *JOB, Placement.end_date, Placement.end_reason)).where(*where)
    query = query.order_by(Placement.end_date, Placement.id)
    return query, lambda row: Card(
        _name(row),
        [
            ("Job", f"{row.job_title} at {row.employer}"),
            ("Last day", format_date(row.end_date)),
            ("Why", END_REASONS.get(row.end_reason, "Not recorded")),
        ],
        row.id,
        row.placement_id,
    )


def pay(scope, args):
    wage = sv.pay_on(scope.as_of, PlacementChange.hourly_wage_cents).label("wage")
    hours = sv.pay_on(scope.as_of, PlacementChange.weekly_hours_tenths).label("hours")
    query = _jobs(sa.select(*NAME, *JOB, wage, hours)).where(*sv.held_where(scope))
    query = query.order_by(*PAY_ORDER)
    return query, lambda row: Card(
        _name(row),
        [
            ("Job", f"{row.job_title} at {row.employer}"),
            ("Hourly wage", _money(row.wage)),
            ("Hours a week", _hours(row.hours)),
        ],
        row.id,
        row.placement_id,
    )


def pay_pick(scope, enough: int) -> sa.Select:
    """The jobs of a page of pay records, picked by name from the held jobs of the first
    `enough` clients who hold one: each holds at least one, so the page's jobs are
    theirs. The clients are read in name order (ix_clients_last_name) and the walk stops;
    sorting every held job by name took 20 ms of SQL at XL."""
    holders = (
        sa.select(Client.id)
        .where(sv.clients_rule(scope), sv.employed_on(scope.as_of))
        .order_by(*BY_NAME)
        .limit(enough)
    )
    held = sa.select(Placement.id).join(Client, Client.id == Placement.client_id)
    held = held.where(*sv.held_where(scope), Placement.client_id.in_(holders))
    return held.order_by(*PAY_ORDER)


def progression(scope, args):
    """The people of the wage progression (sv.progression: those with a job on the as-of
    day, their first wage and the wage of the held job that started last), read a client
    at a time in name order (ix_clients_last_name) until the page is full, not from every
    job held: at XL the page read all 27,000 held jobs twice, 108 and 123 ms of SQL."""
    current = (
        sa.select(sv.pay_on(scope.as_of, PlacementChange.hourly_wage_cents))
        .where(Placement.client_id == Client.id, *sv.held_on(scope.as_of))
        .order_by(Placement.start_date.desc(), Placement.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(*NAME, Client.first_wage_cents.label("first_wage"), current.label("current"))
        .where(sv.clients_rule(scope), Client.first_wage_cents.is_not(None), current.is_not(None))
        .order_by(*BY_NAME)
    )

    def card(row):
        change = row.current - row.first_wage
        sign = "+" if change > 0 else ("−" if change < 0 else "±")
        return Card(
            _name(row),
            [
                ("First wage", _money(row.first_wage)),
                ("Current wage", _money(row.current)),
                ("Change", f"{sign}{_money(abs(change))}"),
            ],
            row.id,
        )

    return query, card


def contacts(scope, args):
    """The coaches of the figure with their contacts: each counted by its own range of
    ix_employer_contacts_coach_date, so the page's count reads whether they have any,
    not every contact of the period (XL, 312,000 contacts: 59 ms of SQL)."""
    theirs = [EmployerContact.created_by_id == User.id, *sv.contacts_where(scope)]
    made = sa.select(sa.func.count()).where(*theirs).scalar_subquery().label("n")
    query = (
        sa.select(User.id, User.name, made)
        .where(sa.or_(sa.and_(*sv.coaches_where(scope)), sa.exists().where(*theirs)))
        .order_by(made.desc(), User.name, User.id)
    )
    weeks = scope.weeks
    return query, lambda row: Card(
        row.name,
        [("Contacts", str(row.n)), ("A week", f"{row.n / weeks:.1f}" if weeks else "—")],
    )


def community(scope, args):
    query = (
        sa.select(*NAME, Visit.id.label("visit_id"), Visit.started_at, Visit.contact_type)
        .add_columns(Visit.duration_minutes)
        .join(Client, Client.id == Visit.client_id)
        .where(*sv.visits_where(scope))
        .order_by(Visit.started_at, Visit.id)
    )
    return query, lambda row: Card(
        _name(row),
        [
            ("When", format_local(row.started_at, scope.tz)),
            ("Where", CONTACT_TYPES.get(row.contact_type, row.contact_type)),
            ("Minutes", str(row.duration_minutes or 0)),
            ("Counts as", "Community" if row.contact_type in COMMUNITY_TYPES else "Not community"),
        ],
        row.id,
    )


BUILDERS = {
    "caseload": caseload,
    "employed": employed,
    "starts": starts,
    "first_contact": _first(sv.first_contacts, "First employer contact"),
    "first_start": _first(sv.first_starts, "First job start"),
    "retention": retention,
    "endings": endings,
    "pay": pay,
    "progression": progression,
    "contacts": contacts,
    "community": community,
}

# Lean reads of a page's keys (enough for its rows: page × per page), where sorting every
# row in full cost more than the page.
PICKS = {"pay": pay_pick}


def records_behind(kind: str, scope, args, page: int, per_page: int):
    """(page of the rows, the cards for them) behind the figure `kind`."""
    query, card = BUILDERS[kind](scope, args)
    pick = PICKS[kind](scope, page * per_page) if kind in PICKS else None
    rows = sv.page_of(query, page, per_page, pick)
    return rows, [card(row) for row in rows.items]
