"""After a phase: is every acknowledged write in the database, and is the file sound?"""

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Tally:
    acknowledged: int = 0
    present: int = 0
    missing: list = field(default_factory=list)  # acknowledged, not found (or not as saved)
    extra: list = field(default_factory=list)  # in the database, never acknowledged


def _rows(conn, sql: str) -> dict:
    """{coach id: {key: value}} from rows of (coach id, key, value)."""
    out = defaultdict(dict)
    for coach_id, key, value in conn.execute(sql):
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


def writes(db_path, phones) -> dict[str, Tally]:
    """Count rows per coach and kind, and compare them with what each phone was told."""
    conn = sqlite3.connect(db_path)
    try:
        visits = _rows(conn, "SELECT created_by_id, idempotency_key, tasks_observed FROM visits")
        open_visits = _rows(
            conn, "SELECT created_by_id, id, started_at FROM visits WHERE ended_at IS NULL"
        )
        trips = _rows(conn, "SELECT created_by_id, idempotency_key, purpose FROM trips")
        runs = _rows(conn, "SELECT created_by_id, idempotency_key, id FROM checklist_runs")
        scores = _rows(
            conn,
            "SELECT r.created_by_id, s.run_id || '/' || s.step_id, s.level"
            " FROM step_scores s JOIN checklist_runs r ON r.id = s.run_id",
        )
    finally:
        conn.close()
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


def integrity(db_path) -> tuple[str, int]:
    """SQLite's own check of the file, and the count of rows breaking a foreign key."""
    conn = sqlite3.connect(db_path)
    try:
        result = "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
        broken = len(conn.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        conn.close()
    return result, broken
