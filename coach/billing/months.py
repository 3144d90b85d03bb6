"""Each client's visits summed per agency-local month, funder and service (BillingMonth),
kept with the visits, for the billing preview.

After every flush that wrote a visit counted against an authorization (before or after
the flush) in a column the sums read, the client's months it was in are summed again
from the visits, in the same transaction; an authorization moved to another funder sums
again every month of its client. As with the day sums (coach/visits/days.py), summing
again rather than adding a difference keeps the rows right whatever wrote the visit,
and the clients' rows are held first (coach/clients/locks.py), so two writers of one
client's visits queue there. A batch marks and releases its visits (BilledVisit rows) in
one statement, which no flush sees: a new batch moves its visits from ready to billed
(`count_as_billed`, the one difference that is exact), a reopened one sums its clients'
month again.

The preview of a funder's month then reads a row per client instead of every visit
(100,000 at L: two aggregates, 440 ms of SQL on PostgreSQL, 400 ms on SQLite at XL).
tests/test_billing_months.py checks the rows equal the visits' sums after each kind of
write, and under two writers on PostgreSQL.
"""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.clients.locks import client_ids_of, hold_clients, wrote
from coach.models import AgencySettings, Authorization, BilledVisit, BillingMonth, Visit
from coach.timeutil import local_day_start, to_local
from coach.visits.days import agency_zone

# What an export bills: ended, not deleted (every sum below), billable, approved by a
# supervisor, and in no batch yet (no BilledVisit row: month_sums joins them).
APPROVED = sa.and_(Visit.billable, Visit.review_status == "approved")
BILLED = BilledVisit.visit_id.is_not(None)
READY = sa.and_(APPROVED, BilledVisit.visit_id.is_(None))
# The visit columns the sums read (a batch writes its visits' sums itself).
WATCHED = (
    *("client_id", "started_at", "ended_at", "deleted_at", "authorization_id"),
    *("service_type_id", "billing_units", "billable", "review_status"),
)
CHUNK = 1000  # clients summed again in one statement
COLUMNS = (
    "client_id",
    "funder_id",
    "service_type_id",
    "ready",
    "ready_units",
    "waiting",
    "not_billable",
    "billed",
    "month_start",
)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_sums(first: date, tz: str) -> sa.Select:
    """The month's rows, computed from the visits: per client, funder and service, the
    ended, not deleted visits counted against one of the funder's authorizations that
    started in the local month beginning on `first`, by what an export does with them."""

    def count(condition) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    units = sa.case((READY, sa.func.coalesce(Visit.billing_units, 0)), else_=0)
    return (
        sa.select(
            Visit.client_id,
            Authorization.funder_id,
            Visit.service_type_id,
            count(READY),
            sa.func.coalesce(sa.func.sum(units), 0),
            count(sa.and_(Visit.billable, Visit.review_status != "approved")),
            count(sa.not_(Visit.billable)),
            count(BILLED),
            sa.literal(first, sa.Date),
        )
        .join(Authorization, Authorization.id == Visit.authorization_id)
        .outerjoin(BilledVisit, BilledVisit.visit_id == Visit.id)
        .where(
            Visit.started_at >= local_day_start(first, tz),
            Visit.started_at < local_day_start(next_month(first), tz),
            Visit.ended_at.is_not(None),
            Visit.deleted_at.is_(None),
        )
        .group_by(Visit.client_id, Authorization.funder_id, Visit.service_type_id)
    )


def sum_month_again(connection: sa.Connection, first: date, client_ids, tz: str) -> None:
    """Write again the rows of these clients (held: hold_clients) for the month beginning
    on `first`, a thousand clients a statement (a batch can name every client)."""
    ids = sorted(client_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        connection.execute(
            sa.delete(BillingMonth).where(
                BillingMonth.month_start == first, BillingMonth.client_id.in_(chunk)
            )
        )
        rows = month_sums(first, tz).where(Visit.client_id.in_(chunk))
        connection.execute(sa.insert(BillingMonth).from_select(COLUMNS, rows))


def count_as_billed(connection: sa.Connection, batch_id: int, funder_id: int, first: date):
    """Move a new batch's visits from ready to billed in their month's rows. Its marking
    INSERT is the one change since the rows were last right, and it marked exactly the
    month's ready visits of the funder that were in no batch: the difference is exact.
    One statement over the batch's visits (summing its 30,000 clients again took 0.8 s
    at XL)."""
    moved = (
        sa.select(
            Visit.client_id,
            Visit.service_type_id,
            sa.func.count().label("visits"),
            sa.func.sum(sa.func.coalesce(Visit.billing_units, 0)).label("units"),
        )
        .join(BilledVisit, BilledVisit.visit_id == Visit.id)
        .where(BilledVisit.batch_id == batch_id)
        .group_by(Visit.client_id, Visit.service_type_id)
        .subquery()
    )
    connection.execute(
        sa.update(BillingMonth)
        .where(
            BillingMonth.month_start == first,
            BillingMonth.funder_id == funder_id,
            BillingMonth.client_id == moved.c.client_id,
            BillingMonth.service_type_id.is_not_distinct_from(moved.c.service_type_id),
        )
        .values(
            ready=BillingMonth.ready - moved.c.visits,
            ready_units=BillingMonth.ready_units - moved.c.units,
            billed=BillingMonth.billed + moved.c.visits,
        )
    )


def sum_every_month_again(connection: sa.Connection, tz: str) -> None:
    """Every month's rows from the visits: after the agency's time zone changes, and from
    `flask --app app sum-visit-days`."""
    connection.execute(sa.delete(BillingMonth))
    counted = sa.select(sa.func.min(Visit.started_at), sa.func.max(Visit.started_at)).where(
        Visit.authorization_id.is_not(None)
    )
    first, last = connection.execute(counted).one()
    if first is None:
        return
    month, last_month = month_of(to_local(first, tz).date()), month_of(to_local(last, tz).date())
    while month <= last_month:
        connection.execute(sa.insert(BillingMonth).from_select(COLUMNS, month_sums(month, tz)))
        month = next_month(month)


def where_it_was(connection: sa.Connection, visit: Visit, tz: str) -> tuple[set, set]:
    """(clients, local months) of a visit before and after this flush. A column the
    session has not loaded was not written by it: its stored value is the one."""
    state = sa.inspect(visit)
    if state.unloaded & {"client_id", "started_at"}:
        stored = sa.select(Visit.client_id, Visit.started_at).where(Visit.id == visit.id)
        client_id, started_at = connection.execute(stored).one()
        return {client_id}, {month_of(to_local(started_at, tz).date())}
    history = state.attrs.started_at.history
    moments = (*history.added, *history.unchanged, *history.deleted)
    months = {month_of(to_local(moment, tz).date()) for moment in moments if moment}
    return client_ids_of(visit), months


def counted(visit: Visit) -> bool:
    """Whether the visit counts against an authorization, before or after this flush
    (most writes do not touch billing: a visit under way, a note's text). Not loaded:
    it may."""
    state = sa.inspect(visit)
    if "authorization_id" in state.unloaded:
        return True
    history = state.attrs.authorization_id.history
    return any((*history.added, *history.unchanged, *history.deleted))


def keep_billing_months(session: so.Session, flush_context) -> None:
    """After each flush: sum again the months of the visits it wrote that count against
    an authorization, and every month of a client whose authorization changed funder."""
    visits: list[Visit] = []
    moved: set[int] = set()  # clients with an authorization moved to another funder
    zone_changed = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Visit):
            if wrote(obj, session, WATCHED) and counted(obj):
                visits.append(obj)
        elif isinstance(obj, Authorization) and obj in session.dirty:
            if wrote(obj, session, ("funder_id", "client_id")):
                moved |= client_ids_of(obj)
        elif isinstance(obj, AgencySettings) and obj not in session.new:
            zone_changed = zone_changed or sa.inspect(obj).attrs.timezone.history.has_changes()
    if not (visits or moved or zone_changed):
        return
    connection = session.connection()
    tz = agency_zone(connection)
    if zone_changed:
        sum_every_month_again(connection, tz)
        return
    months: dict[date, set[int]] = {}
    for visit in visits:
        clients, visit_months = where_it_was(connection, visit, tz)
        for month in visit_months:
            months.setdefault(month, set()).update(clients)
    hold_clients(connection, set().union(moved, *months.values()))
    if moved:  # every month they have rows for
        kept = sa.select(BillingMonth.month_start, BillingMonth.client_id).where(
            BillingMonth.client_id.in_(sorted(moved))
        )
        for month, client_id in connection.execute(kept.distinct()):
            months.setdefault(month, set()).add(client_id)
    for month, clients in sorted(months.items()):
        sum_month_again(connection, month, clients, tz)


def start_keeping(session) -> None:
    """Listen to the app's session (called once, from create_app)."""
    if not sa.event.contains(session, "after_flush", keep_billing_months):
        sa.event.listen(session, "after_flush", keep_billing_months)
