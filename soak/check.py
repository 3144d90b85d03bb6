"""After a phase: is every acknowledged write in the database, once, and is it sound?

Everything is read through SQLAlchemy, so the same checks run on SQLite and PostgreSQL.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from soak import database


@dataclass
class Tally:
    acknowledged: int = 0
    present: int = 0
    missing: list = field(default_factory=list)  # acknowledged, not found (or not as saved)
    extra: list = field(default_factory=list)  # in the database, never acknowledged


@dataclass
class Integrity:
    """The database's own check (SQLite's integrity_check), broken foreign keys, and
    rows that share what must be unique (two records made of one double tap)."""

    result: str
    broken: int
    duplicates: list

    @property
    def ok(self) -> bool:
        return self.result in ("ok", "n/a") and self.broken == 0 and not self.duplicates

    def __str__(self) -> str:
        found = "; ".join(f"{n} in {table} ({cols})" for table, cols, n in self.duplicates)
        return (
            f"integrity_check: {self.result}; foreign keys broken: {self.broken} rows; "
            f"duplicates: {found or 'none'}"
        )


# What one tap makes once: the creator's idempotency key, and a step's score in a run.
UNIQUE = {
    "visits": ("created_by_id", "idempotency_key"),
    "trips": ("created_by_id", "idempotency_key"),
    "checklist_runs": ("created_by_id", "idempotency_key"),
    "step_scores": ("run_id", "step_id"),
}


def _rows(conn, sql: str) -> dict:
    """{coach id: {key: value}} from rows of (coach id, key, value)."""
    out = defaultdict(dict)
    for coach_id, key, value in conn.execute(sa.text(sql)):
        out[coach_id][key] = value
    return out


def compare(tally: Tally, acknowledged: dict, stored: dict, coach: int) -> None:
    """Acknowledged {key: expected} against stored {key: value}; None expects only a row."""
    tally.acknowledged += len(acknowledged)
    for key, expected in acknowledged.items():
        if key in stored and (expected is None or stored[key] == expected):
            tally.present += 1
        else:
            tally.missing.append((coach, key, expected, stored.get(key)))
    tally.extra += [(coach, key) for key in stored.keys() - acknowledged.keys()]


def writes(url: str, phones) -> dict[str, Tally]:
    """Count rows per coach and kind, and compare them with what each phone was told."""
    engine = database.engine(url)
    try:
        with engine.connect() as conn:
            visits = _rows(
                conn, "SELECT created_by_id, idempotency_key, tasks_observed FROM visits"
            )
            open_visits = _rows(
                conn, "SELECT created_by_id, id, started_at FROM visits WHERE ended_at IS NULL"
            )
            trips = _rows(conn, "SELECT created_by_id, idempotency_key, purpose FROM trips")
            runs = _rows(conn, "SELECT created_by_id, idempotency_key, id FROM checklist_runs")
            scores = defaultdict(dict)
            for coach_id, run_id, step_id, level in conn.execute(
                sa.text(
                    "SELECT r.created_by_id, s.run_id, s.step_id, s.level"
                    " FROM step_scores s JOIN checklist_runs r ON r.id = s.run_id"
                )
            ):
                scores[coach_id][f"{run_id}/{step_id}"] = level
    finally:
        engine.dispose()
    tallies = {kind: Tally() for kind in ("visits", "trips", "checklist runs", "step scores")}
    for phone in phones:
        coach, ledger = phone.seed.user_id, phone.ledger
        # A visit acknowledged with its note must hold that note; one only started, a row.
        compare(tallies["visits"], ledger.visits, visits[coach], coach)
        compare(tallies["trips"], ledger.trips, trips[coach], coach)
        compare(tallies["checklist runs"], ledger.runs, runs[coach], coach)
        taps = {f"{run}/{step}": level for (run, step), level in ledger.scores.items()}
        compare(tallies["step scores"], taps, scores[coach], coach)
        # Every visit a phone started, it ended: one left open was an end never saved.
        tallies["visits"].extra += [(coach, f"open visit {v}") for v in open_visits[coach]]
    return tallies


def broken_foreign_keys(conn) -> int:
    """Rows whose foreign key names no row, found by query from the database's own
    constraints (PostgreSQL; SQLite has PRAGMA foreign_key_check)."""
    inspector = sa.inspect(conn)
    broken = 0
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            child = sa.table(table, *(sa.column(c) for c in fk["constrained_columns"]))
            parent = sa.table(fk["referred_table"], *(sa.column(c) for c in fk["referred_columns"]))
            pairs = zip(fk["constrained_columns"], fk["referred_columns"], strict=True)
            orphans = (
                sa.select(sa.func.count())
                .select_from(child)
                .where(
                    *(child.c[c].is_not(None) for c in fk["constrained_columns"]),
                    ~sa.exists().where(*(parent.c[p] == child.c[c] for c, p in pairs)),
                )
            )
            broken += conn.scalar(orphans)
    return broken


def duplicates(conn) -> list[tuple[str, str, int]]:
    """(table, columns, how many groups) of rows that share what one tap makes once."""
    found = []
    for table, columns in UNIQUE.items():
        t = sa.table(table, *(sa.column(c) for c in columns))
        groups = (
            sa.select(*t.c)
            .where(*(col.is_not(None) for col in t.c))
            .group_by(*t.c)
            .having(sa.func.count() > 1)
            .subquery()
        )
        n = conn.scalar(sa.select(sa.func.count()).select_from(groups))
        if n:
            found.append((table, ", ".join(columns), n))
    return found


def integrity(url: str) -> Integrity:
    """The database's soundness: SQLite checks its file and its foreign keys itself;
    on PostgreSQL the foreign keys are checked by query. Duplicates by query on both."""
    engine = database.engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("PRAGMA integrity_check")
                result = "; ".join(row[0] for row in rows)
                broken = len(conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall())
            else:
                result, broken = "n/a", broken_foreign_keys(conn)
            return Integrity(result, broken, duplicates(conn))
    finally:
        engine.dispose()
