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

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.models import (
    AccommodationRequest,
    AgencySettings,
    Client,
    ClientContact,
    DueItem,
    Lead,
    LeadStatusChange,
    Placement,
    PlacementEvent,
    Visit,
)
from coach.models.leads import lead_clients
from coach.timeutil import DEFAULT_TZ, to_local, utcnow
from coach.today import rules  # noqa: F401  (importing it lists the rules)
from coach.today.due import RULES, When

# The records the rules read, and the columns whose change can change an item. A new
# record counts whatever its columns; so does a deleted one.
FEEDS: dict[type, tuple[str, ...]] = {
    Visit: ("client_id", "started_at", "ended_at", "deleted_at", "contact_type", "placement_id"),
    ClientContact: ("client_id", "kind", "direction", "reached", "with_employer", "happened_at"),
    Placement: ("client_id", "start_date", "end_date", "created_at"),
    PlacementEvent: ("client_id", "placement_id", "kind", "happened_at"),
    AccommodationRequest: ("client_id", "follow_up_due", "follow_up_done_on"),
    Client: ("status", "coach_id", "contact_every_days", "created_at"),
    Lead: ("status", "created_at", "created_by_id", "clients"),
    LeadStatusChange: (),
}
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
    tz, weeks, days = settings or (DEFAULT_TZ, 4, 30)
    now = utcnow()
    return When(now=now, tz=tz, today=to_local(now, tz).date(), weekly_weeks=weeks, later_days=days)


def rules_items(clients: sa.ColumnElement[bool], when: When) -> sa.Select:
    """Every rule's items for the clients `clients` selects, but those closed already."""
    selects = []
    for each in RULES.values():
        found = each.items(clients, when)
        selects.extend(found if isinstance(found, tuple) else (found,))
    items = sa.union_all(*selects).subquery("items")
    return sa.select(items).where(sa.or_(items.c.closes_at.is_(None), items.c.closes_at > when.now))


def write_items(connection: sa.Connection, clients: sa.ColumnElement[bool]) -> None:
    columns = ("kind", "client_id", "coach_id", "due_at", "todo", "source_id")
    columns += ("opens_at", "closes_at")
    items = rules_items(clients, when_for_rules(connection))
    connection.execute(sa.insert(DueItem).from_select(columns, items))


def refresh_clients(connection: sa.Connection, client_ids: set[int], lead_ids: set[int]) -> None:
    """Write again the items of these clients, and of these leads' job seekers."""
    if lead_ids:
        seekers = sa.select(lead_clients.c.client_id).where(lead_clients.c.lead_id.in_(lead_ids))
        client_ids = client_ids | set(connection.scalars(seekers))
        # A lead's item sits under its first job seeker, who may have left the lead.
        connection.execute(
            sa.delete(DueItem).where(DueItem.kind == "lead", DueItem.source_id.in_(lead_ids))
        )
    if client_ids:
        connection.execute(sa.delete(DueItem).where(DueItem.client_id.in_(client_ids)))
        write_items(connection, Client.id.in_(client_ids))


def refresh_every_client(connection: sa.Connection) -> None:
    """Write every client's items again: after a change of the agency's settings or of
    the rules (`flask --app app refresh-today`)."""
    connection.execute(sa.delete(DueItem))
    write_items(connection, sa.true())


def changed(obj, names: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def client_ids_of(obj) -> set[int]:
    """The client a record is about, before and after this flush."""
    if isinstance(obj, Client):
        return {obj.id}
    history = sa.inspect(obj).attrs.client_id.history
    return {id for id in (*history.added, *history.unchanged, *history.deleted) if id}


def keep_due_items(session: so.Session, flush_context) -> None:
    """After each flush: write again the items of the clients whose records it wrote."""
    client_ids: set[int] = set()
    lead_ids: set[int] = set()
    everyone = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, AgencySettings):
            everyone = everyone or obj in session.new or changed(obj, SETTINGS)
            continue
        names = FEEDS.get(type(obj))
        if names is None or (obj in session.dirty and not changed(obj, names)):
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
