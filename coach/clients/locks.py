"""One lock order for the rows kept with a client's records.

A write to a client's records rewrites rows other writers share: the client's Today
items (coach/today/kept.py), the day's visit sums (coach/visits/days.py) and the
client's billing months (coach/billing/months.py). Two transactions writing one
client's visits took those in different orders (one flush summed the day, a later one
rewrote the items) and PostgreSQL found them deadlocked (the bench's write mix at L,
four workers). Each listener first holds the clients' rows, in id order, so writers of
one client queue there before touching any of them.
`client_ids_of` gives the listeners those clients from a flushed record, and `wrote`
tells them whether the record's flush wrote anything they keep rows from.
"""

import sqlalchemy as sa

from coach.models import Client


def hold_clients(connection: sa.Connection, client_ids) -> list[int]:
    """Lock these clients' rows (ids, or a SELECT of them) until the transaction ends
    (FOR NO KEY UPDATE on PostgreSQL, which a new visit's foreign-key check does not wait
    for; SQLite has one writer and ignores it). Returns their ids, in order."""
    if not (isinstance(client_ids, sa.Select) or client_ids):
        return []
    chosen = client_ids if isinstance(client_ids, sa.Select) else sorted(client_ids)
    return list(
        connection.scalars(
            sa.select(Client.id)
            .where(Client.id.in_(chosen))
            .order_by(Client.id)
            .with_for_update(key_share=True)
        )
    )


def wrote(obj, session, names: tuple[str, ...]) -> bool:
    """Whether flushing `obj` wrote any of these columns: a new or deleted record did;
    a changed one did if one of them changed (most edits touch none: a note's text)."""
    if obj not in session.dirty:
        return True
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def client_ids_of(obj) -> set[int]:
    """The client a flushed record is about (a Client: itself), before and after the
    flush."""
    if isinstance(obj, Client):
        return {obj.id}
    history = sa.inspect(obj).attrs.client_id.history
    return {id for id in (*history.added, *history.unchanged, *history.deleted) if id}
