"""The soak's checks (soak/check.py) on SQLite and on PostgreSQL: lost and extra writes,
broken foreign keys and duplicates, all read through SQLAlchemy."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from coach.extensions import db
from soak import check, database
from soak.phone import Ledger
from soak.seed import CoachSeed
from tests.factories import make_client, make_task, make_trip, make_user


def url_of(app) -> str:
    with app.app_context():
        return db.engine.url.render_as_string(hide_password=False)


def phone(coach_id: int, trips: dict):
    return SimpleNamespace(seed=CoachSeed(coach_id, "c@soak.test", []), ledger=Ledger(trips=trips))


def test_acknowledged_writes_are_found_and_the_rest_reported(app):
    with app.app_context():
        coach = make_user("coach")
        kept = make_trip(coach, purpose="Interview").idempotency_key
        never = make_trip(coach, purpose="Not acknowledged").idempotency_key
        db.session.commit()
        coach_id = coach.id
    acknowledged = {kept: "Interview", "trip-lost-00001": "Lost on the way"}
    tallies = check.writes(url_of(app), [phone(coach_id, acknowledged)])
    trips = tallies["trips"]
    assert (trips.acknowledged, trips.present) == (2, 1)
    assert trips.missing == [(coach_id, "trip-lost-00001", "Lost on the way", None)]
    assert trips.extra == [(coach_id, never)]


def test_a_sound_database_passes_the_integrity_check(app):
    with app.app_context():
        coach = make_user("coach")
        make_task(make_client(coach), coach)
        db.session.commit()
        sqlite = db.engine.dialect.name == "sqlite"
    integrity = check.integrity(url_of(app))
    assert integrity.ok
    assert integrity.result == ("ok" if sqlite else "n/a")
    assert (integrity.broken, integrity.duplicates) == (0, [])


def test_a_row_pointing_nowhere_is_found(app):
    """A task step whose task is gone: SQLite's foreign_key_check on SQLite, the query on
    both (on PostgreSQL the constraint is deferred inside a transaction rolled back)."""
    url = url_of(app)
    engine = database.engine(url)  # no app pragmas: SQLite enforces no foreign keys here
    orphan = sa.text(
        "INSERT INTO task_steps (task_id, position, text, created_at)"
        " VALUES (999999, 1, 'Nowhere', CURRENT_TIMESTAMP)"
    )
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                name = next(
                    fk["name"]
                    for fk in sa.inspect(conn).get_foreign_keys("task_steps")
                    if fk["referred_table"] == "task_analyses"
                )
                conn.exec_driver_sql(
                    f"ALTER TABLE task_steps ALTER CONSTRAINT {name} DEFERRABLE INITIALLY DEFERRED"
                )
                conn.execute(orphan)
                assert check.broken_foreign_keys(conn) == 1
                conn.rollback()  # the orphan and the change to the constraint
                return
            conn.execute(orphan)
            conn.commit()
            assert check.broken_foreign_keys(conn) == 1
        integrity = check.integrity(url)
        assert integrity.broken == 1 and not integrity.ok
    finally:
        engine.dispose()


def test_two_rows_of_one_tap_are_reported_as_duplicates():
    """The unique constraints forbid them; the check still counts them, from the data."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        for table, (a, b) in check.UNIQUE.items():
            conn.exec_driver_sql(f"CREATE TABLE {table} ({a}, {b})")
        conn.exec_driver_sql("INSERT INTO trips VALUES (1, 'k1'), (1, 'k1'), (2, 'k1'), (1, NULL)")
        conn.exec_driver_sql("INSERT INTO step_scores VALUES (5, 7), (5, 7), (5, 7), (5, 8)")
        found = check.duplicates(conn)
    assert found == [
        ("trips", "created_by_id, idempotency_key", 1),
        ("step_scores", "run_id, step_id", 1),
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgresql://coach:coach@db:5432/coach_soak_ci",
            "postgresql+psycopg://coach:coach@db:5432/coach_soak_ci",
        ),
        (None, "sqlite:///"),
    ],
)
def test_the_soak_runs_against_the_given_database_or_sqlite(given, expected, tmp_path):
    assert database.target_url(given, tmp_path / "soak.db").startswith(expected)


def test_a_database_without_soak_in_its_name_is_refused(tmp_path):
    """The soak drops the database it runs against: never one that may be real."""
    for name in ("coach", "coach_test", "Coach_Soak; DROP"):
        with pytest.raises(SystemExit, match="soak"):
            database.target_url(f"postgresql://u:p@h/{name}", tmp_path / "soak.db")
    derived = database.target_url("postgresql://u:p@h/", tmp_path / "soak.db")
    assert sa.engine.make_url(derived).database.startswith("coach_soak_")
