"""The soak's database: a fresh SQLite file in soak/out/, or a fresh PostgreSQL database.

`--database-url postgresql+psycopg://user:pass@host:5432/coach_soak` makes the database
anew (dropped first if it is left from a run before), and drops it at the end unless
--keep. Its name must contain "soak", as it is dropped; with no name after the host's
slash, one is made up per run (coach_soak_<pid>).
"""

import os
import re
from pathlib import Path

import sqlalchemy as sa


def target_url(given: str | None, sqlite_path: Path) -> str:
    """The URL the soak runs against: the given one (its name checked or derived)."""
    if not given:
        return f"sqlite:///{sqlite_path}"
    url = sa.engine.make_url(given.replace("postgresql://", "postgresql+psycopg://", 1))
    if url.get_backend_name() != "postgresql":
        raise SystemExit("--database-url: a postgresql:// URL (SQLite is the default)")
    if not url.database:
        url = url.set(database=f"coach_soak_{os.getpid()}")
    if "soak" not in url.database or not re.fullmatch(r"[a-z0-9_]+", url.database):
        raise SystemExit(
            f"--database-url: the soak drops and makes {url.database!r} anew; "
            "use a name of a-z, 0-9 and _ that contains 'soak'"
        )
    return url.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(sa.engine.make_url(url).database)


def _maintenance(url: str) -> sa.Engine:
    """An autocommit connection to the server's `postgres` database, to create and drop."""
    server = sa.engine.make_url(url).set(database="postgres")
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def create(url: str) -> None:
    """An empty database at `url` (a leftover of the same name goes first)."""
    if is_sqlite(url):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)
        return
    drop(url)
    name = sa.engine.make_url(url).database
    with _maintenance(url).connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    """Drop the PostgreSQL database (its open connections closed first); SQLite: kept."""
    if is_sqlite(url):
        return
    name = sa.engine.make_url(url).database
    with _maintenance(url).connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine(url: str) -> sa.Engine:
    """A plain engine for the checks and the lock holder: no pool left behind."""
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def described(url: str) -> str:
    if is_sqlite(url):
        return f"a fresh SQLite database at {sqlite_path(url)}"
    parsed = sa.engine.make_url(url)
    return f"a fresh PostgreSQL database {parsed.database} on {parsed.host}:{parsed.port or 5432}"
