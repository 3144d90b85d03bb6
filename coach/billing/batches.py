"""The billing export: a funder's month of approved, billable visits, exported as a
batch that marks them billed and keeps its rows, so that it downloads the same file
every time; a supervisor may reopen a batch (audited) to bill its visits again.

Which visits: ended, not deleted, billable, approved by a supervisor, counted against
an authorization of the funder, started in the month (the agency's local month), and in
no batch yet."""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from coach.agency import agency_today, current_agency
from coach.billing.export_file import Totals, pack, unpack
from coach.billing.months import APPROVED, count_as_billed, next_month, sum_month_again
from coach.billing.services import rates_in
from coach.clients.locks import hold_clients
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import (
    Authorization,
    BilledVisit,
    BillingBatch,
    BillingMonth,
    Client,
    Funder,
    ServiceType,
    User,
    Visit,
)
from coach.records import create_once, get_or_404
from coach.timeutil import local_clock, local_day_start, utcnow

CLIENTS_SHOWN = 50  # clients the preview lists; the file has them all


# --- the month ------------------------------------------------------------------------


def month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def month_bounds_utc(first: date) -> tuple[datetime, datetime]:
    """The month in the agency's zone as naive-UTC bounds [start, end): a visit at 23:30
    local on the last day belongs to it, whatever the offset or a DST change."""
    tz = current_agency().timezone
    return local_day_start(first, tz), local_day_start(next_month(first), tz)


def default_month() -> date:
    """Last month: the month a supervisor usually bills."""
    today = agency_today()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


# --- who sees what ----------------------------------------------------------------------


def visible_batches(user: User) -> sa.Select:
    """Batches: supervisors and admins see them all; coaches none."""
    query = sa.select(BillingBatch)
    return query if user.sees_all_caseloads else query.where(sa.false())


def get_batch_for(user: User, batch_id: int, with_file: bool = False) -> BillingBatch:
    """The batch with its funder (and its kept rows, for a download), or 404."""
    query = visible_batches(user).where(BillingBatch.id == batch_id)
    query = query.options(so.joinedload(BillingBatch.funder))
    return get_or_404(query.options(so.undefer(BillingBatch.rows_gz)) if with_file else query)


def recent_batches(user: User, limit: int = 20) -> list[BillingBatch]:
    """The newest batches with their funder and who made and reopened them."""
    return db.session.scalars(
        visible_batches(user)
        .options(
            so.joinedload(BillingBatch.funder),
            so.joinedload(BillingBatch.created_by),
            so.joinedload(BillingBatch.reopened_by),
        )
        .order_by(BillingBatch.id.desc())
        .limit(limit)
    ).all()


def funder_options() -> list[tuple[int, str]]:
    return list(db.session.execute(sa.select(Funder.id, Funder.name).order_by(Funder.name)))


def month_visits(user: User, funder_id: int, first: date) -> sa.Select:
    """Ended, not deleted visits of clients the user may see, counted against one of the
    funder's authorizations, started in the month. Every export query starts here."""
    start, end = month_bounds_utc(first)
    granted = sa.select(Authorization.id).where(grants(funder_id))
    return (
        sa.select(Visit)
        .join(Client, Client.id == Visit.client_id)
        .where(may_see_client(user))
        .where(Visit.authorization_id.in_(granted.scalar_subquery()))
        .where(Visit.started_at >= start, Visit.started_at < end)
        .where(Visit.ended_at.is_not(None), Visit.deleted_at.is_(None))
    )


# --- the preview -------------------------------------------------------------------------


@dataclass
class Preview:
    ready: int = 0
    units: int = 0
    amount_cents: int = 0
    unrated: int = 0  # ready visits of a service with no rate: no amount
    waiting: int = 0  # billable, not approved yet (waiting for review or returned)
    not_billable: int = 0  # counted against the funder but outside what it authorized
    billed: int = 0  # already in a batch
    clients: list = field(default_factory=list)  # (client, visits, units, cents), first 50
    more_clients: int = 0


def visible_months(user: User, funder_id: int, first: date) -> sa.Select:
    """The kept sums of the funder's month (coach/billing/months.py) of the clients the
    user may see: a row per client and service."""
    query = sa.select(BillingMonth).where(
        BillingMonth.month_start == first, BillingMonth.funder_id == funder_id
    )
    if not user.sees_all_caseloads:
        query = query.join(Client, Client.id == BillingMonth.client_id).where(may_see_client(user))
    return query


def preview(user: User, funder_id: int, first: date) -> Preview:
    """What an export would hold, and what of the month it would leave out and why: two
    statements over the month's kept sums, a row per client (the month's visits were
    100,000 at L), whatever the number of visits. The rows are summed per service, in the
    order of their index, and each service's rate of the month applied to its sums (a
    rate read for each of the 30,000 rows of a month at XL took 18-20 ms of SQL against
    14)."""
    sums = [BillingMonth.ready, BillingMonth.ready_units, BillingMonth.waiting]
    sums += [BillingMonth.not_billable, BillingMonth.billed]
    per_service = db.session.execute(
        visible_months(user, funder_id, first)
        .with_only_columns(
            BillingMonth.service_type_id, *(sa.func.sum(c).label(c.key) for c in sums)
        )
        .group_by(BillingMonth.service_type_id)
    ).all()
    rates = rates_in(first)
    result = Preview()
    for service_id, ready, units, waiting, not_billable, billed in per_service:
        result.ready += ready
        result.units += units
        result.waiting += waiting
        result.not_billable += not_billable
        result.billed += billed
        if service_id in rates:
            result.amount_cents += units * rates[service_id]
        else:  # no rate: no amount
            result.unrated += ready
    if result.ready:
        result.clients = client_totals(user, funder_id, first, rates)
        result.more_clients = max(0, len(result.clients) - CLIENTS_SHOWN)
        result.clients = result.clients[:CLIENTS_SHOWN]
    return result


def client_totals(user: User, funder_id: int, first: date, rates: dict) -> list[tuple]:
    """(id, name, visits, units, cents) of the first clients of the export by name, one
    more than the preview shows, to know whether there are more. The clients are read in
    name order until enough have visits to bill, each one's sums then read from their own
    rows: the same few rows at any size (summing every client's first took 10 ms at L)."""
    months = visible_months(user, funder_id, first).where(BillingMonth.client_id == Client.id)

    def total(column) -> sa.Select:
        return months.with_only_columns(sa.func.coalesce(sa.func.sum(column), 0))

    rate = sa.case(rates, value=BillingMonth.service_type_id) if rates else sa.null()
    query = (
        sa.select(
            Client.id,
            Client.first_name,
            Client.last_name,
            total(BillingMonth.ready).scalar_subquery(),
            total(BillingMonth.ready_units).scalar_subquery(),
            total(BillingMonth.ready_units * rate).scalar_subquery(),
        )
        .where(months.where(BillingMonth.ready > 0).exists())
        .order_by(Client.last_name, Client.first_name, Client.id)
        .limit(CLIENTS_SHOWN + 1)
    )
    rows = db.session.execute(query).all()
    return [(id, f"{name} {last}", n, u, c) for id, name, last, n, u, c in rows]


# --- the batch ------------------------------------------------------------------------------


def create_batch(user: User, funder_id: int, first: date, key: str) -> tuple[BillingBatch, int]:
    """Export the funder's month as a new batch: (batch, visits billed). A second tap with
    the same key gets the first tap's batch and bills nothing more. The visits are marked
    first, a BilledVisit row each in one INSERT that skips a visit already in a batch
    (its key), so two supervisors exporting at once cannot bill a visit twice; then the
    batch's rows are read by its id and kept. Nothing is committed here; with no visit
    to bill nothing is made (None, 0)."""
    batch = BillingBatch(funder_id=funder_id, month_start=first, rows_gz=b"")
    batch, created = create_once(batch, user.id, key)
    if not created:
        return batch, 0
    connection = db.session.connection()
    # The funder's clients first, as every writer of kept rows holds them (locks.py).
    hold_clients(connection, sa.select(Authorization.client_id).where(grants(funder_id)))
    # The month's approved visits; those in a batch already are skipped by their key (a
    # NOT EXISTS here was planned against the table as it was, empty at the first export,
    # and read it again for each visit as it filled: 143 s at L).
    ready = month_visits(user, funder_id, first).where(APPROVED)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    marked = connection.execute(
        dialect.insert(BilledVisit)
        .from_select(["visit_id", "batch_id"], ready.with_only_columns(Visit.id, batch_id(batch)))
        .on_conflict_do_nothing(index_elements=["visit_id"]),
        execution_options={"preserve_rowcount": True},  # an INSERT's count is not kept else
    ).rowcount
    if not marked:
        db.session.rollback()
        return None, 0
    # No flush sees that INSERT: its visits are counted billed in the kept month sums here.
    count_as_billed(connection, batch.id, funder_id, first)
    rows_gz, totals = pack(batch_rows(batch.id, rates_in(first)))
    batch.rows_gz = rows_gz
    batch.visits, batch.units = totals.visits, totals.units
    batch.amount_cents, batch.unrated = totals.amount_cents, totals.unrated
    return batch, marked


def batch_rows(batch_id: int, rates: dict[int, int]):
    """The rows to keep of a batch's visits, in the file's order (by client, then time),
    read 1,000 at a time; times in the agency's zone, the amount in integer cents at the
    rate of the batch's month (`rates`, coach/billing/services.py rates_in).

    The batch's visits are read first, from its own rows, and then sorted: read through
    a cursor, PostgreSQL otherwise prefers to walk every client by name and look for
    their visits in the batch, which took 46 s at L when the batch's rows were new to
    its statistics (and would read every visit of the agency)."""
    local = local_clock(current_agency().timezone)
    approver = so.aliased(User)
    rows = (
        sa.select(
            Client.id.label("client_id"),
            Client.first_name,
            Client.last_name,
            Authorization.funder_case_number,
            Authorization.number,
            ServiceType.code,
            Visit.service_type_id,
            Visit.started_at,
            Visit.ended_at,
            Visit.billing_units,
            User.name.label("coach"),
            approver.name.label("approver"),
            Visit.id.label("visit_id"),
        )
        .select_from(BilledVisit)
        .join(Visit, Visit.id == BilledVisit.visit_id)
        .join(Client, Client.id == Visit.client_id)
        .join(Authorization, Authorization.id == Visit.authorization_id)
        .join(ServiceType, ServiceType.id == Visit.service_type_id)
        .join(User, User.id == Visit.coach_id)
        .outerjoin(approver, approver.id == Visit.reviewed_by_id)
        .where(BilledVisit.batch_id == batch_id)
        .cte("batch_rows")
        .prefix_with("MATERIALIZED")  # read the batch, then sort it (both databases)
    )
    query = (
        sa.select(rows)
        .order_by(rows.c.last_name, rows.c.first_name, rows.c.client_id)
        .order_by(rows.c.started_at, rows.c.visit_id)
        .execution_options(yield_per=1000)
    )
    # Plain rows from the connection, without the ORM's loading of each: reading a
    # 100,000-visit batch's rows took a third less (py-spy at XL, 244 → 160 samples).
    for row in db.session.connection().execute(query):
        (client_id, first, last, case, number, code, service_id, started, ended, units) = row[:10]
        coach, approved_by, visit_id = row[10:]
        rate = rates.get(service_id)
        start, end = local(started), local(ended)
        units = units or 0
        amount = None if rate is None else units * rate
        yield [
            client_id,
            f"{first} {last}",
            case,
            number,
            code,
            start.date().isoformat(),
            f"{start.hour:02d}:{start.minute:02d}",
            f"{end.hour:02d}:{end.minute:02d}",
            units,
            rate,
            amount,
            coach,
            approved_by or "",
            visit_id,
        ]


def kept_rows(batch: BillingBatch):
    """The batch's rows as exported (for its CSV and XLSX)."""
    return unpack(batch.rows_gz)


def reopen_batch(user: User, batch: BillingBatch) -> int:
    """Release the batch's visits for a new batch; the batch keeps its file, marked
    reopened. Returns the visits released. Nothing is committed here."""
    connection = db.session.connection()
    held = hold_clients(connection, clients_of(batch))
    released = connection.execute(
        sa.delete(BilledVisit).where(BilledVisit.batch_id == batch.id)
    ).rowcount
    # No flush sees that DELETE: the batch's clients' kept month sums are written here.
    sum_month_again(connection, batch.month_start, held, current_agency().timezone)
    batch.reopened_at, batch.reopened_by_id = utcnow(), user.id
    return released


def batch_id(batch: BillingBatch) -> sa.ColumnElement[int]:
    return sa.literal(batch.id, sa.Integer)


def clients_of(batch: BillingBatch) -> sa.Select:
    """The clients of the batch's visits."""
    return (
        sa.select(Visit.client_id)
        .join(BilledVisit, BilledVisit.visit_id == Visit.id)
        .where(BilledVisit.batch_id == batch.id)
    )


def grants(funder_id: int) -> sa.ColumnElement[bool]:
    return Authorization.funder_id == funder_id


def batch_totals(batch: BillingBatch) -> Totals:
    return Totals(batch.visits, batch.units, batch.amount_cents, batch.unrated)
