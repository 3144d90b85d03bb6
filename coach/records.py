"""The shapes every area repeats, written once: read one record the user may see (or
404), create a record once per idempotency key, save an edit with its audit event, and
count a long list only as far as its pages need. Each area's services.py says *which*
rows a user may see (its scope function); these say what to do with them."""

from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, flash
from sqlalchemy.exc import IntegrityError

from coach.audit.services import record_event
from coach.extensions import db


def get_or_404(query: sa.Select):
    """The one record `query` selects, or 404.

    `query` starts from the area's scope function, so a record that exists but is not
    the user's answers exactly as one that does not exist: nothing leaks.
    """
    record = db.session.scalars(query).unique().first()
    if record is None:
        abort(404)
    return record


# A list counts its rows no further than this and then says "more than 1,000": a page then
# costs the same however many rows there are.
COUNTED_UP_TO = 1000


def count_cap(page: int, per_page: int) -> int:
    """COUNTED_UP_TO + 1, or one past the page shown, so a deep page keeps its Next link."""
    return max(COUNTED_UP_TO, page * per_page) + 1


def count_up_to(rows: sa.Select, page: int, per_page: int) -> int:
    """How many rows `rows` selects, counted no further than count_cap: reaching it means
    there are more than that (more_than)."""
    counted = rows.with_only_columns(sa.literal(1), maintain_column_froms=True)
    counted = counted.order_by(None).limit(count_cap(page, per_page)).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(counted))


def more_than(count: int, page: int, per_page: int) -> int | None:
    """For a count of count_up_to: the number a list says there are more than, if it
    stopped counting (else None)."""
    cap = count_cap(page, per_page)
    return cap - 1 if count == cap else None


def create_once(record, user_id: int, key: str) -> tuple[object, bool]:
    """Add `record` as made by `user_id` under idempotency `key`: (record, created).

    A double tap or a retried POST sends the same key; it gets the record the first
    one made (a unique constraint on the model's (created_by_id, idempotency_key)
    settles two taps racing on two workers). Nothing is committed here.
    """
    model = type(record)
    same_key = sa.select(model).where(model.created_by_id == user_id, model.idempotency_key == key)
    existing = db.session.scalars(same_key).first()
    if existing is not None:
        return existing, False
    record.created_by_id, record.idempotency_key = user_id, key
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # the other tap got there first, on another worker
        db.session.rollback()
        existing = db.session.scalars(same_key).first()
        if existing is None:  # the key is someone else's: not a retry of this user's form
            abort(400)
        return existing, False
    return record, True


def changes_between(before: dict, record, fields: list[str], private=()) -> str:
    """'field: old → new' for each field that changed, for the audit summary; a
    `private` field (free text that may name a person, a diagnosis or a home) is only
    named: the audit log must not become a second copy of the record's text."""
    return "; ".join(
        f"{name} changed" if name in private else f"{name}: {before[name]!r} → {value!r}"
        for name in fields
        if before[name] != (value := getattr(record, name))
    )


def save_edit(record, entity_type: str, fields: list[str], apply: Callable, private=()) -> str:
    """Apply a form to `record`, log what changed, commit, and tell the user.

    `apply(record)` copies the form's values (form.populate_obj, or an area's own
    function). Only the `fields` listed are compared, so the audit summary names what
    a person changed (the `private` ones by name only); an edit that changed nothing
    logs nothing.
    """
    before = {name: getattr(record, name) for name in fields}
    apply(record)
    changes = changes_between(before, record, fields, private)
    if changes:
        record_event("update", entity_type, record.id, changes)
    db.session.commit()
    flash("Saved." if changes else "Nothing changed.", "success")
    return changes
