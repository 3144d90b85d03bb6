"""A page view's audit row commits without waiting for the disk flush; changes still wait.
On PostgreSQL the view's INSERT says so itself: no statement before it."""

import pytest
import sqlalchemy as sa

from coach.audit.services import commit_without_waiting_for_the_disk, view_insert
from coach.extensions import db
from coach.models import AuditEvent, Client
from coach.timeutil import utcnow
from tests.conftest import count_queries
from tests.factories import make_client, make_user

FULL, NORMAL = 2, 1


def view_row() -> dict:
    return {"at": utcnow(), "user_id": None, "entity_type": "client", "entity_id": 1}


def insert_view() -> None:
    connection = db.session.connection()
    connection.execute(view_insert(connection), {**view_row(), "ip": "", "user_agent": ""})


def count_views() -> int:
    with db.engine.connect() as other:  # what another worker would see
        return other.scalar(sa.select(sa.func.count(AuditEvent.id)))


def sync_level() -> int | str:
    if db.engine.dialect.name == "sqlite":
        return db.session.connection().exec_driver_sql("PRAGMA synchronous").scalar()
    return db.session.connection().exec_driver_sql("SHOW synchronous_commit").scalar()


def test_a_view_row_commits_without_the_flush_and_the_connection_goes_back_to_full(ctx):
    with count_queries() as statements, commit_without_waiting_for_the_disk():
        insert_view()
        inside = sync_level()
    assert count_views() == 1
    if db.engine.dialect.name == "sqlite":
        assert (inside, sync_level()) == (NORMAL, FULL)
    else:
        assert (inside, sync_level()) == ("off", "on")
    assert len(statements) == 2  # the INSERT and reading the setting: nothing else


def test_a_failed_view_row_is_rolled_back_and_the_connection_goes_back_to_full(ctx):
    with pytest.raises(RuntimeError), commit_without_waiting_for_the_disk():
        insert_view()
        raise RuntimeError("the page failed")
    assert count_views() == 0
    assert sync_level() in (FULL, "on")


def test_a_change_under_way_commits_with_the_flush(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's setting is per connection; PostgreSQL's per transaction")
    person = make_client(make_user("coach"), "Ada")
    db.session.execute(sa.update(Client).where(Client.id == person.id).values(first_name="Bo"))
    with commit_without_waiting_for_the_disk():
        insert_view()
        assert sync_level() == FULL
    assert count_views() == 1
    with db.engine.connect() as other:
        assert other.scalar(sa.select(Client.first_name)) == "Bo"
