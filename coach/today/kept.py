"""Today's items kept as rows (coach/models/today.py).

Whenever a record one of the rules reads is written (a visit ends, a call is logged, a
job starts, a lead moves on, a client changes coach), the items of that record's client
are written again from the rules, in the same flush and so in the same transaction. The
Today page then reads an index (`DueItem` by coach and due time) instead of running
every rule over every client on each view: that took 26–35 ms of CPU for a coach and
59–189 ms for a supervisor at L (docs/performance.md).

A rule that reads another record or column adds it to `FEEDS`; the test
tests/test_today_kept.py checks that the kept rows equal the rules' answer after each
kind of write.
"""

from datetime import date
from functools import lru_cache

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.clients.locks import client_ids_of, hold_clients, wrote
from coach.models import (
    AccommodationRequest,
    AgencySettings,
    Authorization,
    CareerProfile,
    Client,
    ClientContact,
    DueItem,
    EmploymentPlan,
    Lead,
    LeadStatusChange,
    Placement,
    PlacementEvent,
    PlanAction,
    SupportPlan,
    Visit,
)
from coach.models.leads import lead_clients
from coach.models.today import ALWAYS, NEVER
from coach.timeutil import DEFAULT_TZ, utcnow
from coach.today import rules  # noqa: F401  (importing it lists the rules)
from coach.today.due import RULES, When

# The records the rules read, and the columns whose change can change an item. A new
# record counts whatever its columns; so does a deleted one.
FEEDS: dict[type, tuple[str, ...]] = {
    Visit: (
        *("client_id", "started_at", "ended_at", "deleted_at", "contact_type", "placement_id"),
        *("authorization_id", "billing_units", "billable"),
        *("review_status", "reviewed_at", "review_comment"),
    ),
    Authorization: ("client_id", "service_type_id", "number", "start_date", "end_date", "units"),
    ClientContact: ("client_id", "kind", "direction", "reached", "with_employer", "happened_at"),
    Placement: ("client_id", "start_date", "end_date", "created_at"),
    PlacementEvent: ("client_id", "placement_id", "kind", "happened_at"),
    AccommodationRequest: ("client_id", "follow_up_due", "follow_up_done_on"),
    Client: ("status", "coach_id", "contact_every_days", "created_at"),
    Lead: ("status", "created_at", "created_by_id", "clients"),
    LeadStatusChange: (),
    EmploymentPlan: ("client_id", "review_date"),
    PlanAction: ("client_id", "due_date", "done_on", "text"),
    CareerProfile: ("client_id", "reports_earnings_monthly", "earnings_report_due"),
    SupportPlan: ("client_id", "handoff_date", "handed_off"),
}
COLUMNS = ("kind", "client_id", "coach_id", "due_at", "todo", "source_id", "opens_at", "closes_at")
# Agency settings the rules read: changing one writes every client's items again.
SETTINGS = ("timezone", "weekly_contact_weeks", "later_contact_days")


def when_for_rules(connection: sa.Connection) -> When:
    """Now, and the agency's zone and follow-along rhythm, read on this connection."""
    settings = connection.execute(
        sa.select(
            AgencySettings.timezone,
            AgencySettings.weekly_contact_weeks,
            AgencySettings.later_contact_days,
        ).where(AgencySettings.id == 1)
    ).first()
    return When.at(utcnow(), *(settings or (DEFAULT_TZ, 4, 30)))


def rules_items(clients: sa.ColumnElement[bool], when: When, now) -> sa.Select:
    """Every rule's items for the clients `clients` selects, but those closed by `now`."""
    selects = []
    for each in RULES.values():
        found = each.items(clients, when)
        selects.extend(found if isinstance(found, tuple) else (found,))
    items = sa.union_all(*selects).subquery("items")
    opens_at = sa.func.coalesce(items.c.opens_at, ALWAYS)
    closes_at = sa.func.coalesce(items.c.closes_at, NEVER)
    c = items.c
    return (
        sa.select(c.kind, c.client_id, c.coach_id, c.due_at, c.todo, c.source_id)
        .add_columns(opens_at, closes_at)
        .where(
            closes_at > now,
            # No due time (a date beyond what SQL can add a day to) is no item: never a failed save.
            c.due_at.is_not(None),
        )
    )


@lru_cache(maxsize=8)
def write_items_of_clients(tz: str, today: date, weekly_weeks: int, later_days: int) -> sa.Insert:
    """The INSERT of some clients' items (`client_ids`) open at `now`, both bound when it
    runs. Built once per agency setting and day and reused: building the statement of
    every rule takes 14 ms at L, running it 1 ms, and it runs on every save of a visit
    or a call (the write mix went from 5.6 to 15–26 ms of CPU a request before this).
    It holds no data: the clients and the moment are parameters of each run."""
    when = When(now=None, tz=tz, today=today, weekly_weeks=weekly_weeks, later_days=later_days)
    clients = Client.id.in_(sa.bindparam("client_ids", expanding=True))
    items = rules_items(clients, when, sa.bindparam("now", type_=sa.DateTime))
    return sa.insert(DueItem).from_select(COLUMNS, items)


def refresh_clients(connection: sa.Connection, client_ids: set[int], lead_ids: set[int]) -> None:
    """Write again the items of these clients, and of these leads' job seekers. The new
    leads naming these clients are written again too: a lead's item moves to another of
    its job seekers when the one it sits under moves to another coach or is closed."""
    if client_ids:
        named = sa.select(lead_clients.c.lead_id).where(lead_clients.c.client_id.in_(client_ids))
        new_leads = sa.select(Lead.id).where(Lead.id.in_(named), Lead.status == "new")
        lead_ids = lead_ids | set(connection.scalars(new_leads))
    if lead_ids:
        seekers = sa.select(lead_clients.c.client_id).where(lead_clients.c.lead_id.in_(lead_ids))
        client_ids = client_ids | set(connection.scalars(seekers))
        # A lead's item sits under its first job seeker, who may have left the lead.
        connection.execute(
            sa.delete(DueItem).where(DueItem.kind == "lead", DueItem.source_id.in_(lead_ids))
        )
    if client_ids:
        hold_clients(connection, client_ids)
        connection.execute(sa.delete(DueItem).where(DueItem.client_id.in_(client_ids)))
        when = when_for_rules(connection)
        insert = write_items_of_clients(when.tz, when.today, when.weekly_weeks, when.later_days)
        connection.execute(insert, {"client_ids": sorted(client_ids), "now": when.now})


def refresh_every_client(connection: sa.Connection) -> None:
    """Write every client's items again: after a change of the agency's settings or of
    the rules (`flask --app app refresh-today`)."""
    connection.execute(sa.delete(DueItem))
    if connection.scalar(sa.select(Client.id).limit(1)) is None:
        # A new install's first settings: no client, no item. Compiling every rule's
        # statement takes 90 ms, once per process here but once per test in the suite.
        return
    when = when_for_rules(connection)
    items = rules_items(sa.true(), when, when.now)
    connection.execute(sa.insert(DueItem).from_select(COLUMNS, items))


def keep_due_items(session: so.Session, flush_context) -> None:
    """After each flush: write again the items of the clients whose records it wrote."""
    client_ids: set[int] = set()
    lead_ids: set[int] = set()
    everyone = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AgencySettings):
            everyone = everyone or wrote(obj, session, SETTINGS)
            continue
        names = FEEDS.get(type(obj))
        if names is None or not wrote(obj, session, names):
            continue
        if isinstance(obj, Lead | LeadStatusChange):
            lead_ids.add(obj.id if isinstance(obj, Lead) else obj.lead_id)
        else:
            client_ids |= client_ids_of(obj)
    if everyone:
        refresh_every_client(session.connection())
    elif client_ids or lead_ids:
        refresh_clients(session.connection(), client_ids, lead_ids)


def start_keeping(session) -> None:
    """Listen to the app's session (called once, from create_app)."""
    if not sa.event.contains(session, "after_flush", keep_due_items):
        sa.event.listen(session, "after_flush", keep_due_items)
