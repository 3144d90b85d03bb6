"""The audit log: every create, change, delete and view of a person's record."""

from collections.abc import Iterable
from contextlib import contextmanager

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from coach.extensions import db
from coach.models import AuditEvent
from coach.timeutil import utcnow
from coach.web import client_ip


def record_event(
    action: str,
    entity_type: str,
    entity_id: int | None = None,
    summary: str = "",
    user_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    event = AuditEvent(
        user_id=user_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary[:2000],
        ip=client_ip() if has_request_context() else "",
        user_agent=(request.user_agent.string[:300] if has_request_context() else ""),
    )
    db.session.add(event)
    return event


_EVENTS = AuditEvent.__table__
_VIEW_COLUMNS = ("at", "user_id", "entity_type", "entity_id", "ip", "user_agent")
_INSERT_VIEW = sa.insert(_EVENTS).values(action="view", summary="")
# PostgreSQL: the INSERT itself turns synchronous_commit off for its transaction
# (set_config(…, true) is SET LOCAL), so a view is one statement there as on SQLite: a
# SET before it was the client page's eleventh (issue 24).
_INSERT_VIEW_RELAXED = sa.insert(_EVENTS).from_select(
    [*_VIEW_COLUMNS, "action", "summary"],
    sa.select(
        *(sa.bindparam(name, type_=_EVENTS.c[name].type) for name in _VIEW_COLUMNS),
        sa.literal("view"),
        sa.literal(""),
    ).where(sa.func.set_config("synchronous_commit", "off", sa.true()) == "off"),
)


def view_insert(connection: sa.Connection) -> sa.Insert:
    """The INSERT of page-view rows (values: _VIEW_COLUMNS), for
    commit_without_waiting_for_the_disk()."""
    return _INSERT_VIEW if connection.dialect.name == "sqlite" else _INSERT_VIEW_RELAXED


def audit_view(entity_type: str, entity_id: int) -> None:
    """Log that the current user was shown this record (a page or a form about it).

    Written with a plain INSERT on the session's connection, not through the ORM: it is
    on every record page, and the ORM's bookkeeping cost more than the insert itself.
    """
    with commit_without_waiting_for_the_disk():
        connection = db.session.connection()
        connection.execute(view_insert(connection), _view_values(entity_type, entity_id))


def audit_views(entity_type: str, entity_ids: Iterable[int]) -> None:
    """Log that the current user was shown these records (a list with a row for each),
    one audit row per record, in one statement; nothing when the list was empty."""
    ids = sorted(set(entity_ids))
    if ids:
        who = _view_values(entity_type, 0)  # who, when and from where: once for the list
        with commit_without_waiting_for_the_disk():
            connection = db.session.connection()
            rows = [{**who, "entity_id": id} for id in ids]
            connection.execute(view_insert(connection), rows)


def _view_values(entity_type: str, entity_id: int) -> dict:
    return {
        "at": utcnow(),
        "user_id": current_user.id if current_user.is_authenticated else None,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "ip": client_ip(),
        "user_agent": request.user_agent.string[:300],
    }


@contextmanager
def commit_without_waiting_for_the_disk():
    """Run the block and commit it without waiting for the disk to flush the commit.

    For the audit rows of page views: each is written before its page is shown, and a
    crash of the app loses none; only the machine losing power in the moment before
    the next flush could (the next change to a record, or SQLite's next checkpoint,
    flushes them). Waiting for the flush on every view took a tenth of the client
    page's time under load. Changes to records still wait for it. PostgreSQL offers
    this trade for such rows (synchronous_commit off for one transaction: the block's
    INSERT, view_insert(), sets it itself); SQLite in WAL mode with synchronous=NORMAL
    keeps the database consistent either way.
    """
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"  # PostgreSQL's: the INSERT sets it
    if sqlite and not connection.connection.driver_connection.in_transaction:
        # Else a change is under way: it commits as changes do. SQLite takes the setting
        # between transactions only: here, before the block's first write, and back in
        # full_sync_on_return() once the commit has handed the connection back to the
        # pool, before any other request (or thread) can take it.
        connection.connection.driver_connection.execute("PRAGMA synchronous=NORMAL")
        connection.connection.info[_RELAXED] = True
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


_RELAXED = "synchronous_normal"  # marks a pooled SQLite connection to put back to FULL


def full_sync_on_return(dbapi_connection, connection_record) -> None:
    """The pool's checkin hook: a relaxed connection is back to synchronous=FULL.

    It runs after the pool's rollback and before the connection is free for another
    thread; putting it back after the commit, as this did, touched a connection that
    another thread might already hold (500s under gunicorn --threads).
    """
    if connection_record.info.pop(_RELAXED, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA synchronous=FULL")


def audit_page_query(entity_type: str | None = None, user_id: int | None = None):
    query = sa.select(AuditEvent).options(sa.orm.joinedload(AuditEvent.user))
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if user_id:
        query = query.where(AuditEvent.user_id == user_id)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
