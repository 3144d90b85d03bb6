"""The Today page: the items due for the clients a user may see, read from the kept rows
(coach/today/kept.py), most urgent first, and how long is left on each."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.agency import current_agency
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import Client, DueItem, User
from coach.timeutil import to_local, utcnow
from coach.today.due import RULES, When

HORIZON_DAYS = 14  # Today lists what is overdue and what falls due within two weeks
COACH_LIST = 60  # a coach's page: the most urgent items
TEAM_COACHES = 10  # a supervisor's page: the coaches whose oldest item waits longest…
EACH_COACH = 3  # …with their most urgent items (a coach's own list shows them all)


def now_for_rules() -> When:
    agency = current_agency()
    return When.at(
        utcnow(), agency.timezone, agency.weekly_contact_weeks, agency.later_contact_days
    )


ITEM_COLUMNS = (
    DueItem.kind,
    DueItem.client_id,
    DueItem.coach_id,
    DueItem.due_at,
    DueItem.todo,
    DueItem.source_id,
)


def open_and_due(now, horizon) -> tuple:
    """Items open at `now` and due by `horizon` (values, or parameters bound later)."""
    return (DueItem.due_at <= horizon, DueItem.opens_at <= now, DueItem.closes_at > now)


def visible_due_items(user: User, when: When, coach_id: int | None = None) -> sa.Select:
    """The scope of the Today page: the open items due up to two weeks ahead of the
    clients `user` may see (a supervisor's: everyone's; a coach's: their own clients',
    and of a job lead's only the one they own); `coach_id` narrows it to one coach."""
    horizon = when.now + timedelta(days=HORIZON_DAYS)
    query = sa.select(DueItem).where(*open_and_due(when.now, horizon))
    if not user.sees_all_caseloads:
        clients = sa.select(Client.id).where(may_see_client(user))
        query = query.where(DueItem.coach_id == user.id, DueItem.client_id.in_(clients))
    if coach_id:
        query = query.where(DueItem.coach_id == coach_id)
    return query


@dataclass
class ShownItem:
    kind: str
    client_id: int
    client_name: str
    coach_id: int
    due_at: datetime
    todo: str
    source_id: int
    when: str  # "in 5 h", "2 days late"
    overdue: bool

    @property
    def label(self) -> str:
        return RULES[self.kind].label

    @property
    def link(self) -> str:
        return RULES[self.kind].link(self)


NAMES = (Client.first_name, Client.preferred_name, Client.last_name)
URGENT_FIRST = (DueItem.due_at, DueItem.kind, DueItem.source_id)
URGENT_ORDER = ("due_at", "kind", "source_id")


def urgent_items(user: User, when: When, limit: int, coach_id: int | None = None) -> sa.Select:
    """The most urgent items with the client's name, read in order off the coach's part
    of ix_due_items_coach_due (a supervisor's without `coach_id`: everyone's)."""
    return (
        visible_due_items(user, when, coach_id)
        .with_only_columns(*ITEM_COLUMNS, *NAMES)
        .join(Client, Client.id == DueItem.client_id)
        .order_by(*URGENT_FIRST)
        .limit(limit)
    )


def item_rows(user: User, when: When, limit: int, coach_id: int | None = None) -> list[ShownItem]:
    """The most urgent items, with the client's name: one query."""
    return shown_items(db.session.execute(urgent_items(user, when, limit, coach_id)), when)


def first_items_per_coach(user: User, when: When, coach_ids: list[int]) -> list[ShownItem]:
    """Each of these coaches' most urgent items (EACH_COACH of them), for a user who sees
    every caseload (the team page): one query."""
    if not user.sees_all_caseloads:  # the statement's scope is every caseload
        raise ValueError("the team's items are for users who see every caseload")
    if not coach_ids:
        return []
    values = {f"coach_{n}": coach_id for n, coach_id in enumerate(coach_ids)}
    values.update(now=when.now, horizon=when.now + timedelta(days=HORIZON_DAYS))
    return shown_items(db.session.execute(team_items(len(coach_ids)), values), when)


@lru_cache(maxsize=TEAM_COACHES)
def team_items(coaches: int) -> sa.CompoundSelect:
    """first_items_per_coach's statement for so many coaches: a branch per coach that
    reads their first few items off ix_due_items_coach_due and stops, the branches joined
    by UNION ALL. Neither a correlated `id IN (… LIMIT 3)` (PostgreSQL ran it once per
    item of the agency: 1.3 s at L) nor LATERAL (not in SQLite) serves both databases.
    Built once per number of coaches (building ten branches took 3–4 ms of CPU, their SQL
    0.5–0.9 ms); it holds no data: the coaches and the time are bound at each run."""
    now, horizon = sa.bindparam("now"), sa.bindparam("horizon")
    branches = [
        sa.select(
            sa.select(*ITEM_COLUMNS, *NAMES)
            .join(Client, Client.id == DueItem.client_id)
            .where(DueItem.coach_id == sa.bindparam(f"coach_{n}"), *open_and_due(now, horizon))
            .order_by(DueItem.due_at)  # the index's order: it stops after the first few
            .limit(EACH_COACH)
            .subquery()
        )
        for n in range(coaches)
    ]
    items = sa.union_all(*branches)
    return items.order_by(*(items.selected_columns[name] for name in URGENT_ORDER))


def shown_items(rows, when: When) -> list[ShownItem]:
    return [
        ShownItem(
            kind=row.kind,
            client_id=row.client_id,
            client_name=f"{row.preferred_name or row.first_name} {row.last_name}",
            coach_id=row.coach_id,
            due_at=row.due_at,
            todo=row.todo,
            source_id=row.source_id,
            when=due_label(row.due_at, when),
            overdue=row.due_at < when.now,
        )
        for row in rows
    ]


@dataclass
class CoachGroup:
    coach_id: int
    name: str
    overdue: int
    total: int
    items: list[ShownItem]


@dataclass
class CoachPage:
    """Which page of coaches a supervisor's Today shows, for the `pager` macro: the same
    attributes as a Flask-SQLAlchemy page, whose count would cost a second pass over
    every coach's items (2–3 ms at L)."""

    page: int
    pages: int

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def team_groups(
    user: User, when: When, coach_id: int | None = None, page: int = 1
) -> tuple[list[CoachGroup], CoachPage]:
    """A supervisor's Today: a page of the coaches with items, whoever's item has waited
    longest first, each with their overdue count and their most urgent items;
    `coach_id`: that coach with all their items. Three queries whatever the number of
    coaches: the page of coaches (and how many there are), their counts, their items."""
    rows = db.session.execute(coaches_by_oldest_item(user, when, coach_id, page)).all()
    counts = coach_counts(user, when).where(DueItem.coach_id.in_([row.id for row in rows]))
    count_of = {row.coach_id: row for row in db.session.execute(counts)}
    groups = {
        row.id: CoachGroup(row.id, row.name, count_of[row.id].overdue, count_of[row.id].total, [])
        for row in rows
    }
    if coach_id:
        items = item_rows(user, when, COACH_LIST, coach_id)
    else:
        items = first_items_per_coach(user, when, list(groups))
    for item in items:
        groups[item.coach_id].items.append(item)
    pages = -(-rows[0].coaches // TEAM_COACHES) if rows else 0
    return list(groups.values()), CoachPage(page, pages)


def coaches_by_oldest_item(user: User, when: When, coach_id: int | None, page: int) -> sa.Select:
    """A page of the people with open items, by their oldest item's due time (a seek per
    person in the index: counting every coach's items to sort them took 2 ms at L, and
    grew with the agency), with how many such people there are."""
    oldest = (
        visible_due_items(user, when, coach_id)
        .with_only_columns(DueItem.due_at)
        .where(DueItem.coach_id == User.id)
        .order_by(DueItem.due_at)
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    people = sa.select(User.id, User.name, oldest.label("oldest")).subquery("people")
    return (
        sa.select(people.c.id, people.c.name, sa.func.count().over().label("coaches"))
        .where(people.c.oldest.is_not(None))
        .order_by(people.c.oldest, people.c.name, people.c.id)
        .limit(TEAM_COACHES)
        .offset((page - 1) * TEAM_COACHES)
    )


def coach_counts(user: User, when: When) -> sa.Select:
    """Each coach's open items: how many are overdue, and how many in all."""
    overdue = sa.func.count(sa.case((DueItem.due_at < when.now, 1)))
    return (
        visible_due_items(user, when)
        .with_only_columns(
            DueItem.coach_id, overdue.label("overdue"), sa.func.count().label("total")
        )
        .group_by(DueItem.coach_id)
    )


def due_label(due_at: datetime, when: When) -> str:
    """How long is left, or how late it is: "in 40 min", "in 5 h", "tomorrow",
    "in 3 days", "2 h late", "2 days late". Under a day it counts hours; from a day on,
    days between the agency's local dates (so "tomorrow" is tomorrow there)."""
    seconds = (due_at - when.now).total_seconds()
    late = seconds < 0
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min late" if late else f"in {max(minutes, 1)} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h late" if late else f"in {minutes // 60} h"
    days = abs((to_local(due_at, when.tz).date() - when.today).days) or 1
    if late:
        return "1 day late" if days == 1 else f"{days} days late"
    return "tomorrow" if days == 1 else f"in {days} days"


def flagged(client_id) -> sa.Exists:
    """The team-review rule has an item for the client (3 outreach attempts nobody
    answered since they were last seen), in SQL."""
    return (
        sa.select(DueItem.id)
        .where(DueItem.client_id == client_id, DueItem.kind == "team_review")
        .exists()
    )


def needs_team_review(client: Client) -> bool:
    """Whether the client is flagged for the team's review."""
    return bool(db.session.scalar(flagged(client.id).select()))


def team_review_flag():
    """A loader option for a client query: `Client.flagged_for_review` read in the same
    statement (the client page has no query to spare)."""
    return so.with_expression(Client.flagged_for_review, flagged(Client.id))


def open_items_of(user: User, client_id: int) -> set[tuple]:
    """One client's items on Today: {(kind, source_id, due_at, todo)}. Read before and
    after an act (ending a visit) to say what the act cleared."""
    query = (
        visible_due_items(user, now_for_rules())
        .with_only_columns(DueItem.kind, DueItem.source_id, DueItem.due_at, DueItem.todo)
        .where(DueItem.client_id == client_id)
    )
    return {tuple(row) for row in db.session.execute(query)}


def cleared(before: set[tuple], after: set[tuple]) -> list[str]:
    """What an act cleared: the items open before it and not after ("Reply: Call back").
    A rhythm item that moved on (the next follow-along) counts as cleared."""
    return [
        f"{RULES[kind].label}: {todo}"
        for kind, _, _, todo in sorted(before - after, key=lambda item: item[2])
    ]
