"""Fixtures: a fresh database per test, a client, and login helpers.

Set DATABASE_URL to a PostgreSQL database whose name contains "test" to run
the same suite there; its tables are emptied before every test.
"""

import atexit
import copy
import functools
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from coach import create_app
from coach.billing.services import seed_service_types
from coach.extensions import db, limiter
from coach.mileage.services import seed_default_rates
from tests.factories import PASSWORD, make_user

FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


def database_for(tmp_path) -> tuple[str, bool]:
    """This test's database URL, and whether it is ready (an untouched copy of the
    SQLite template) or must be emptied and seeded first."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        # One file per process, under the same name for every test so its engine is
        # reused (_one_engine_per_database); a fresh copy of the template per test.
        path = _scratch() / "test.db"
        if path in _files:  # a second app of the same test opens the same file
            return f"sqlite:///{path}", False
        shutil.copyfile(_sqlite_template(), path)
        _files.append(path)
        return f"sqlite:///{path}", True
    return _worker_database(url.replace("postgresql://", "postgresql+psycopg://", 1)), False


@functools.cache
def _scratch() -> Path:
    """Where this test process keeps its SQLite files: in memory (/dev/shm) where the
    machine has it. A test database needs no durability, and the app asks SQLite to wait
    for the disk at every commit (synchronous=FULL): on disk that was half of the suite's
    setup time. Removed when the process ends."""
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="coach-tests-", dir=where))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def _sqlite_template() -> Path:
    """An empty database with every table and the seeded rows, made once per process;
    each test starts from a copy of it instead of creating 70 tables again."""
    path = _scratch() / "template.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"})
    with app.app_context():
        _create_and_empty()
        db.engine.dispose()
    with sqlite3.connect(path) as connection:  # the WAL folded in: one file holds it all
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


def _create_and_empty() -> None:
    db.create_all()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    seed_default_rates()  # as the migration does
    seed_service_types()  # as the migration does
    db.session.commit()


@functools.cache
def _worker_database(url: str) -> str:
    """The PostgreSQL database this test process may empty.

    Under pytest-xdist (`make test` runs one worker per CPU) each worker gets its own
    database, named after DATABASE_URL's with the worker's id (coach_test_gw0, …),
    created here on first use, so two workers never empty each other's tables.
    """
    base = sa.engine.make_url(url)
    if "test" not in base.database:
        raise pytest.UsageError(
            "DATABASE_URL must name a database with 'test' in it: the tests empty it."
        )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    mine = base.set(database=f"{base.database}_{worker}")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            found = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": mine.database},
            )
            if not found:
                connection.execute(sa.text(f'CREATE DATABASE "{mine.database}"'))
    except sa.exc.SQLAlchemyError as error:
        raise pytest.UsageError(
            f"could not make {mine.database} for test worker {worker}: give the role "
            f"CREATEDB, or create it, or run pytest with -n 0 ({error})"
        ) from error
    finally:
        engine.dispose()
    return mine.render_as_string(hide_password=False)


_apps = []
_files: list[Path] = []
_engines: dict[str, sa.Engine] = {}


def _one_engine_per_database(bind_key, options, app) -> sa.Engine:
    """Each test builds its own app, as production does once; the apps of one test
    process that open the same database with the same options share one engine, and so
    its cache of compiled statements. Built afresh, every test compiled every statement
    it ran again (tests/test_visits.py in one process: 21.3 s → 18.0 s)."""
    key = repr(sorted(options.items()))
    if key not in _engines:
        _engines[key] = sa.engine_from_config(options, prefix="")
    return _engines[key]


db._make_engine = _one_engine_per_database


@pytest.fixture(autouse=True)
def _close_databases():
    """Close every connection a test's apps opened, so none outlives its test, and
    remove its SQLite file."""
    yield
    while _apps:
        app = _apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    while _files:
        path = _files.pop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def make_app(tmp_path, **overrides):
    url, ready = database_for(tmp_path)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **FAST_HASHING,
        **overrides,
    }
    app = create_app(config)
    if not ready:
        with app.app_context():
            _create_and_empty()
    _apps.append(app)
    return app


@pytest.fixture
def app(tmp_path):
    """The app most tests use: one per test process, reused with a fresh database and
    its settings put back after each test. Building it compiled its 190 URL rules and,
    on first use, each template again (tests/test_visits.py in one process: 18.0 s →
    8.7 s). A test that changes the environment or needs other settings calls make_app,
    which builds a new one."""
    global _default_app, _default_config
    if _default_app is None:
        _default_app = make_app(tmp_path)
        _default_config = copy.deepcopy(dict(_default_app.config))
    else:
        # The limiter is one object for every app: an app made since with the limit
        # on (make_app(…, RATELIMIT_ENABLED=True)) left it on.
        limiter.enabled = _default_app.config["RATELIMIT_ENABLED"]
        url, ready = database_for(tmp_path)
        assert url == _default_app.config["SQLALCHEMY_DATABASE_URI"]
        if not ready:
            with _default_app.app_context():
                _create_and_empty()
        _apps.append(_default_app)
    yield _default_app
    _default_app.config.clear()
    _default_app.config.update(copy.deepcopy(_default_config))


_default_app = None
_default_config: dict = {}


@pytest.fixture
def ctx(app):
    """An app context for tests that build data directly."""
    with app.app_context():
        yield app


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production: a new `g` and a new
    database session, even while the test holds a context of its own for factories."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return self._client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(ctx, auth):
    """Create a user of a role and log the test client in as them."""

    def _login(role: str = "coach", email: str | None = None):
        user = make_user(role=role, email=email)
        response = auth.login(user.email)
        assert response.status_code == 302, "login failed in fixture"
        return user

    return _login


@contextmanager
def capture_statements():
    """Every SQL statement sent to the database inside the block, with its parameters:
    (statement, parameters) pairs, for a test that reads a statement's plan."""
    statements: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def sqlite_plan(statement: str, parameters) -> list[str]:
    """SQLite's plan of a statement, step by step (EXPLAIN QUERY PLAN)."""
    with db.engine.connect() as conn:
        steps = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return [row[3] for row in steps]


@contextmanager
def count_queries():
    """Count SQL statements sent to the database inside the block: every one (a SET too,
    which costs a round trip like any other: PostgreSQL's SET LOCAL before a view's
    audit row was the client page's eleventh there, issue 24)."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def statements_of(client, path: str) -> int:
    """How many SQL statements a GET of `path` sends (it must answer 200)."""
    with count_queries() as statements:
        assert client.get(path).status_code == 200, path
    return len(statements)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
