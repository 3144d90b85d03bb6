"""Three facts of each client kept on their row, in the same flush as the records they
come from, for the outcome figures:

- `first_contact_on`: the first employer contact made for them (one that names them)
  on or after their program entry;
- `first_start_on`: their first job start on or after entry;
- `first_wage_cents`: the first wage of their first job with a wage recorded (the
  job's kept `start_wage_cents`, coach/clients/pay_columns.py).

None of them depends on the day the figures are asked about, so the medians of days to
first contact and first start, and wage progression, read one row per person instead of
looking up each person's contacts and jobs (at L: 2.4, 1.2 and 2 ms of SQL a view).
tests/test_outcomes_firsts.py checks the kept values against the records after each kind
of write.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.clients.locks import client_ids_of, wrote
from coach.clients.pay_columns import placements_of
from coach.models import Client, EmployerContact, Placement, PlacementChange
from coach.models import contact_clients as cc
from coach.outcomes.services import entry_date

# The columns whose change can move a fact: a new or removed record counts whatever.
WATCHED = {
    Client: ("intake_date", "referral_date"),
    Placement: ("client_id", "start_date", "hourly_wage_cents"),
    EmployerContact: ("contact_date", "clients"),
}


def first_contact_on() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.min(EmployerContact.contact_date))
        .join(cc, cc.c.contact_id == EmployerContact.id)
        .where(cc.c.client_id == Client.id, EmployerContact.contact_date >= entry_date())
        .scalar_subquery()
    )


def first_start_on() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.min(Placement.start_date))
        .where(Placement.client_id == Client.id, Placement.start_date >= entry_date())
        .scalar_subquery()
    )


def first_wage_cents() -> sa.ScalarSelect:
    return (
        sa.select(Placement.start_wage_cents)
        .where(Placement.client_id == Client.id, Placement.start_wage_cents.is_not(None))
        .order_by(Placement.start_date, Placement.id)
        .limit(1)
        .scalar_subquery()
    )


def set_client_firsts(connection: sa.Connection, client_ids) -> None:
    """Set the kept facts of these clients (every client when None) from their records.
    `updated_at` is kept as it was: nobody edited the client."""
    update = sa.update(Client).values(
        first_contact_on=first_contact_on(),
        first_start_on=first_start_on(),
        first_wage_cents=first_wage_cents(),
        updated_at=Client.updated_at,
    )
    if client_ids is not None:
        update = update.where(Client.id.in_(sorted(client_ids)))
    connection.execute(update, execution_options={"synchronize_session": False})


def clients_of(obj, session: so.Session) -> tuple[set[int], set[int], set[int]]:
    """(clients, jobs, contacts) whose facts a flushed record may have moved: the
    clients it names before and after, or the jobs and contacts to look them up by."""
    state = sa.inspect(obj)
    names = WATCHED.get(type(obj))
    if isinstance(obj, PlacementChange):
        return set(), placements_of(obj), set()
    if names is None or not wrote(obj, session, names):
        return set(), set(), set()
    if isinstance(obj, Client | Placement):
        return client_ids_of(obj), set(), set()
    history = state.attrs.clients.history
    named = {client.id for client in (*history.added, *history.unchanged, *history.deleted)}
    return named, set(), {obj.id}


def keep_client_firsts(session: so.Session, flush_context) -> None:
    """After each flush (and after the jobs' kept pay columns): the kept facts of the
    clients whose contacts, jobs, pay or entry dates it wrote."""
    client_ids: set[int] = set()
    job_ids: set[int] = set()
    contact_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        clients, jobs, contacts = clients_of(obj, session)
        client_ids |= clients
        job_ids |= jobs
        contact_ids |= contacts
    connection = session.connection() if client_ids or job_ids or contact_ids else None
    if job_ids:
        jobs = sa.select(Placement.client_id).where(Placement.id.in_(sorted(job_ids)))
        client_ids |= set(connection.scalars(jobs))
    if contact_ids:  # the people a contact names now, its collection loaded or not
        named = sa.select(cc.c.client_id).where(cc.c.contact_id.in_(sorted(contact_ids)))
        client_ids |= set(connection.scalars(named))
    if client_ids:
        set_client_firsts(connection, client_ids)


def start_keeping(session) -> None:
    """Listen to the app's session (called once, from create_app, after the jobs' pay
    columns, which the first wage reads)."""
    if not sa.event.contains(session, "after_flush", keep_client_firsts):
        sa.event.listen(session, "after_flush", keep_client_firsts)
