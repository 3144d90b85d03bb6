"""A database that is locked, stopped or unreachable: a plain 503, nothing lost, then recovery."""

import sqlite3

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import StepScore, Trip
from tests.conftest import FreshContextClient, make_app
from tests.factories import PASSWORD, make_client, make_run, make_task, make_user

TRIP = {
    "trip_date": "2026-11-02",
    "purpose": "Drove Rosa to her interview",
    "origin": "Home",
    "destination": "Store",
    "miles": "12.5",
    "client_id": 0,
}
HTMX = {"HX-Request": "true"}


def locked(*args, **kwargs):
    """What SQLAlchemy raises when SQLite's busy timeout runs out."""
    raise sa.exc.OperationalError(
        "INSERT INTO trips", {}, sqlite3.OperationalError("database is locked")
    )


def assert_plain_503(response):
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "The service is briefly unavailable" in response.text
    assert "Your draft is kept on this phone" in response.text
    assert "Traceback" not in response.text and "INSERT" not in response.text
    assert "locked" not in response.text


def trip_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Trip.id)))


PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "cache_size")


def test_a_locked_database_answers_503_with_a_plain_page(client, login_as, monkeypatch):
    login_as("coach")
    monkeypatch.setattr("coach.mileage.routes.ms.create_trip", locked)
    response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0001"})
    assert_plain_503(response)
    assert "<html" in response.text and 'class="tabs"' not in response.text  # its own page
    assert trip_count() == 0

    # The session was rolled back: the next request works, and the same key saves once.
    monkeypatch.undo()
    response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0001"})
    assert response.status_code == 302
    assert trip_count() == 1


def test_htmx_gets_a_503_that_leaves_the_page_alone(client, login_as, monkeypatch):
    coach = login_as("coach")
    task = make_task(make_client(coach), coach)
    run = make_run(task, coach, {})
    step = task.steps[0]
    monkeypatch.setattr("coach.tasks.routes.ts.score_step", locked)
    response = client.post(f"/runs/{run.id}/steps/{step.id}", data={"level": "I"}, headers=HTMX)
    assert_plain_503(response)
    # No swap: the form stays as the coach left it, and app.js shows a banner.
    assert response.headers["HX-Reswap"] == "none"
    assert "<html" not in response.text
    assert db.session.scalar(sa.select(sa.func.count(StepScore.id))) == 0


def test_a_boosted_form_post_also_keeps_its_page(client, login_as, monkeypatch):
    login_as("coach")
    monkeypatch.setattr("coach.mileage.routes.ms.create_trip", locked)
    response = client.post(
        "/mileage/new",
        data={**TRIP, "idempotency_key": "trip-key-0002"},
        headers={**HTMX, "HX-Boosted": "true"},
    )
    assert_plain_503(response)
    assert response.headers["HX-Reswap"] == "none"


def test_pool_timeout_is_a_503_too(client, login_as, monkeypatch):
    login_as("coach")

    def exhausted(*args, **kwargs):
        raise sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")

    monkeypatch.setattr("coach.mileage.routes.ms.create_trip", exhausted)
    response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0003"})
    assert_plain_503(response)


def test_a_really_locked_sqlite_file_answers_503_then_recovers(tmp_path, monkeypatch):
    """Another connection holds SQLite's write lock longer than the busy timeout."""
    monkeypatch.delenv("DATABASE_URL", raising=False)  # SQLite, also in the PostgreSQL run
    app = make_app(tmp_path, SQLITE_BUSY_TIMEOUT_MS=100)
    with app.app_context():
        email = make_user("coach").email
    app.test_client_class = FreshContextClient
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302

    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0004"})
        assert_plain_503(response)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    # Released: the phone sends the same form again and it is saved once.
    response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0004"})
    assert response.status_code == 302
    with app.app_context():
        assert trip_count() == 1


def test_postgresql_refusing_connections_answers_503():
    """Nothing listens on the port (a stopped server): connecting fails, the page says 503."""
    pytest.importorskip("psycopg")
    from coach import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://coach:coach@127.0.0.1:9/down_test",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 3}},
        }
    )
    assert_plain_503(app.test_client().get("/login"))


def test_sqlite_pragmas_are_set_on_every_pooled_connection(app):
    """WAL, full sync, foreign keys and the busy timeout, on each new connection."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        db.engine.dispose()  # the next connections are fresh ones from the pool
        with db.engine.connect() as first, db.engine.connect() as second:
            for conn in (first, second):
                values = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMAS}
                assert values == {
                    "journal_mode": "wal",
                    "synchronous": 2,  # FULL: a commit is on disk before the answer
                    "foreign_keys": 1,
                    "busy_timeout": 5000,
                    "cache_size": -32000,  # 32 MB of pages per connection
                }


def test_a_postgresql_lock_timeout_is_the_same_503(client, login_as, monkeypatch):
    """psycopg's LockNotAvailable (SQLSTATE 55P03), as SQLAlchemy wraps it: the same page."""
    errors = pytest.importorskip("psycopg.errors")

    def lock_timeout(*args, **kwargs):
        raise sa.exc.OperationalError(
            "INSERT INTO trips",
            {},
            errors.LockNotAvailable("canceling statement due to lock timeout"),
        )

    login_as("coach")
    monkeypatch.setattr("coach.mileage.routes.ms.create_trip", lock_timeout)
    response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0005"})
    assert_plain_503(response)
    assert trip_count() == 0


def postgresql_app(tmp_path, **overrides):
    """An app on the test run's PostgreSQL database; skipped on SQLite."""
    app = make_app(tmp_path, **overrides)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only (SQLite has its busy timeout, tested above)")
    return app


def test_postgresql_connections_wait_for_a_lock_no_longer_than_lock_timeout(tmp_path):
    app = postgresql_app(tmp_path)
    with app.app_context():
        db.engine.dispose()  # the next connections are fresh ones from the pool
        with db.engine.connect() as first, db.engine.connect() as second:
            for conn in (first, second):
                assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "5s"
                conn.rollback()  # the pool's reset on return keeps the setting
                assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "5s"


def test_postgresql_connections_compile_no_statement_just_in_time(tmp_path):
    """JIT is off on the app's connections: compiling the outcomes page's pay figures
    took 1.45 s at XL for a statement that runs in 0.12 s."""
    app = postgresql_app(tmp_path)
    with app.app_context():
        db.engine.dispose()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"


def test_a_really_locked_postgresql_table_answers_503_then_recovers(tmp_path):
    """Another connection holds an exclusive lock on trips longer than lock_timeout."""
    app = postgresql_app(tmp_path, POSTGRES_LOCK_TIMEOUT_MS=200)
    with app.app_context():
        email = make_user("coach").email
        db.session.commit()
        url = db.engine.url
    app.test_client_class = FreshContextClient
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302

    holder = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql("LOCK TABLE trips IN ACCESS EXCLUSIVE MODE")
            response = client.post(
                "/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0006"}
            )
            assert_plain_503(response)
            htmx = client.post(
                "/mileage/new",
                data={**TRIP, "idempotency_key": "trip-key-0006"},
                headers={**HTMX, "HX-Boosted": "true"},
            )
            assert_plain_503(htmx)
            assert htmx.headers["HX-Reswap"] == "none"
            conn.rollback()
    finally:
        holder.dispose()

    # Released: the phone sends the same form again and it is saved once.
    response = client.post("/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0006"})
    assert response.status_code == 302
    with app.app_context():
        assert trip_count() == 1
