"""`make soak`: load and faults against gunicorn on loopback, with bounded time.

    python -m soak [--seconds 60] [--coaches 30] [--port 5901] [--think 0.05] [--kills 1]
                   [--threads 4]

Builds a fresh SQLite database in soak/out/, serves it with gunicorn (2 workers; with
--threads N, 2 gthread workers of N threads, so requests share a worker's connection
pool), and runs three phases with the same simulated coaches:

1. plain: every coach writes visits, checklist taps and trips for --seconds;
2. the same while one gunicorn worker is killed with SIGKILL halfway through (or
   --kills of them, spread out): the master must replace each, and the phones retry
   what died on the wire with the same idempotency key;
3. the database is locked (another connection holds BEGIN EXCLUSIVE past the busy
   timeout): writes must answer a plain 503, then work again once it is released;
4. a flaky network (soak/flaky.py): 20 % of requests dropped before or after the
   server answers; each phone keeps what got no answer in an outbox and sends it again
   in order, with the same idempotency keys, until the outbox is empty.

After phases 1, 2 and 4 every acknowledged write is looked up in the database, per coach
and kind, and SQLite checks the file. Exits non-zero on any lost write, 5xx, extra row,
failed check or unexpected answer.
"""

import argparse
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.gunicorn import port_open, start_gunicorn
from soak import check
from soak.flaky import DROP, FlakyPhone
from soak.phone import Phone, Stats, hidden
from soak.seed import build

OUT = Path(__file__).parent / "out"
DB = OUT / "soak.db"


def serve(port: int, env: dict, log, threads: int = 1) -> subprocess.Popen:
    def both_workers_up(proc):
        return len(workers(proc.pid)) == 2

    try:
        return start_gunicorn(
            port, env, ready=both_workers_up, threads=threads, stdout=log, stderr=log
        )
    except RuntimeError as error:
        raise SystemExit(f"{error}; see soak/out/gunicorn.log") from None


def workers(master: int) -> set[int]:
    """The gunicorn worker pids: the master's children, read from /proc."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:  # field 4 is the parent pid
            pids.add(int(entry))
    return pids


def run_phones(phones, seconds: float, think: float, during=None) -> float:
    """Every phone works for `seconds`; `during(start)` runs alongside. Wall time back."""
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=p.work, args=(until, think)) for p in phones]
    began = time.monotonic()
    for t in threads:
        t.start()
    if during:
        during(began)
    for t in threads:
        t.join()
    return time.monotonic() - began


def kill_workers(master: int, times: list[float], kills: list[dict]):
    """SIGKILL a worker at each of `times` (seconds in); wait for the master to replace it."""

    def during(began: float) -> None:
        for at in times:
            time.sleep(max(0.0, began + at - time.monotonic()))
            before = workers(master)
            victim = min(before)
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            kill = {"at": at, "killed": victim, "before": sorted(before)}
            kills.append(kill)
            while time.monotonic() - killed_at < 30:
                now = workers(master)
                if len(now) == 2 and victim not in now:
                    kill.update(new=sorted(now - before), replaced_in=time.monotonic() - killed_at)
                    break
                time.sleep(0.05)

    return during


def print_phase(title: str, stats: Stats, wall: float, tallies, integrity, notes) -> bool:
    """The phase's figures; True when nothing was lost, doubled, refused or broken."""
    lat = sorted(stats.latencies) or [0.0]
    p = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1000  # noqa: E731
    print(f"\n== {title}")
    for note in notes:
        print(f"   {note}")
    print(
        f"   {stats.requests} requests in {wall:.0f} s ({stats.requests / wall:.0f}/s), "
        f"p50 {p(0.5):.0f} ms, p95 {p(0.95):.0f} ms, max {lat[-1] * 1000:.0f} ms"
    )
    acks = ", ".join(f"{n} {kind}" for kind, n in sorted(stats.acknowledged.items()))
    print(f"   acknowledged this phase: {acks or 'nothing'}")
    print(
        f"   5xx: {len(stats.server_errors)}   connection errors: {len(stats.connection_errors)}"
        f"   writes that needed a retry: {stats.retried_writes}"
        f"   double taps: {stats.double_taps}"
        f"   unexpected answers: {len(stats.unexpected)}   gave up: {len(stats.gave_up)}"
    )
    for item in (stats.server_errors + stats.connection_errors + stats.unexpected)[:10]:
        print(f"     {item}")
    ok = not (stats.server_errors or stats.unexpected or stats.gave_up)
    print(
        f"   {'kind':<15}{'acknowledged':>13}{'present':>9}{'missing':>9}{'extra':>7}  (all phases)"
    )
    for kind, t in tallies.items():
        print(
            f"   {kind:<15}{t.acknowledged:>13}{t.present:>9}{len(t.missing):>9}{len(t.extra):>7}"
        )
        for item in (t.missing + t.extra)[:5]:
            print(f"     {item}")
        ok = ok and not t.missing and not t.extra
    coaches = {item[0] for t in tallies.values() for item in t.missing + t.extra}
    print(f"   coaches with a missing or extra row: {len(coaches)}")
    result, broken = integrity
    print(f"   PRAGMA integrity_check: {result}; foreign_key_check: {broken} rows")
    return ok and result == "ok" and broken == 0


def locked_database(phone: Phone) -> bool:
    """Phase 3: hold SQLite's write lock past the busy timeout; plain 503s, then recovery."""
    client_id, _, task_id = phone.seed.clients[0]
    # The forms are open on the phone before the database goes away.
    key = hidden(phone.get("/mileage/new"), "idempotency_key")
    trip = {
        "idempotency_key": key,
        "trip_date": "2026-01-05",
        "purpose": f"soak locked {key}",
        "client_id": 0,
        "origin": "Office",
        "destination": "Main store",
        "miles": "3.0",
    }
    run_key = hidden(phone.get(f"/tasks/{task_id}"), "idempotency_key")
    started = phone.send("POST", f"/tasks/{task_id}/runs", {"idempotency_key": run_key}, ok=(302,))
    run_id = int(started.location.rsplit("/", 1)[1])
    step_id = int(re.search(rf"/runs/{run_id}/steps/(\d+)", phone.get(started.location))[1])
    phone.ledger.runs[run_key] = run_id
    probes = [
        ("form post (trip)", "POST", "/mileage/new", trip, False),
        ("htmx tap (checklist)", "POST", f"/runs/{run_id}/steps/{step_id}", {"level": "I"}, True),
        ("page that audits (client)", "GET", f"/clients/{client_id}", None, False),
    ]
    ok = True
    print("\n== Phase 3: database locked (BEGIN EXCLUSIVE held past the busy timeout)")
    holder = sqlite3.connect(DB, isolation_level=None, timeout=30)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for name, method, path, form, htmx in probes:
            began = time.monotonic()
            r = phone.request(method, path, form, htmx)
            plain = (
                r.status == 503
                and "briefly unavailable" in r.text
                and "Your draft is kept on this phone" in r.text
                and "Traceback" not in r.text
                and "sqlite" not in r.text.lower()
                and r.headers.get("Retry-After") == "60"
                and (not htmx or r.headers.get("HX-Reswap") == "none")
            )
            ok = ok and plain
            print(
                f"   {name:<27} {r.status} after {time.monotonic() - began:.1f} s, "
                f"Retry-After {r.headers.get('Retry-After')}, plain page: {plain}"
            )
        health = phone.request("GET", "/healthz").status
        reads = phone.request("GET", "/clients/").status
        print(f"   while locked: /healthz {health}, caseload (reads only, WAL) {reads}")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Released: the phone sends the same forms again, with the same keys.
    again = [
        phone.send(method, path, form, htmx, ok=(200, 302))
        for _, method, path, form, htmx in probes
    ]
    phone.ledger.trips[key] = trip["purpose"]
    phone.ledger.scores[(run_id, step_id)] = "I"
    print(f"   released: the same requests answer {[r.status if r else None for r in again]}")
    return ok and all(again)


def log_in_all(phones) -> None:
    threads = [threading.Thread(target=p.log_in) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of phases 1 and 2")
    parser.add_argument("--coaches", type=int, default=30)
    parser.add_argument("--port", type=int, default=5901)
    parser.add_argument("--kills", type=int, default=1, help="workers killed in phase 2")
    parser.add_argument("--think", type=float, default=0.05, help="mean pause between actions (s)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (over 1: gthread workers)"
    )
    args = parser.parse_args()
    began = time.monotonic()
    OUT.mkdir(exist_ok=True)
    port = args.port
    if port_open(port):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        print(f"port {args.port} is taken; using {port}")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{DB}",
        "SECRET_KEY": secrets.token_hex(16),  # shared by both workers and their replacements
        "LOGIN_RATE_LIMIT": "10000 per minute",  # every phone logs in from 127.0.0.1
    }
    env.pop("SQLITE_BUSY_TIMEOUT_MS", None)  # phase 3 waits out the default
    seeds = build(DB, args.coaches, env)
    workers_of = f"2 workers of {args.threads} threads" if args.threads > 1 else "2 workers"
    print(
        f"Soak: {args.coaches} coaches, {args.seconds:.0f} s per phase, gunicorn ({workers_of}) "
        f"on 127.0.0.1:{port}, a fresh SQLite database at {DB}"
    )
    with open(OUT / "gunicorn.log", "w") as log:
        server = serve(port, env, log, args.threads)
        try:
            results = phases(server, port, seeds, args)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)

    # With the server stopped: every acknowledged write of all phases, and the file.
    tallies = check.writes(DB, results["phones"])
    lost = sum(len(t.missing) for t in tallies.values())
    extra = sum(len(t.extra) for t in tallies.values())
    result, broken = check.integrity(DB)
    tracebacks = (OUT / "gunicorn.log").read_text().count("Traceback")
    print("\n== After the server stopped")
    for kind, t in tallies.items():
        print(f"   {kind:<15} acknowledged {t.acknowledged}, present {t.present}")
    print(
        f"   lost writes: {lost}; extra rows: {extra}; integrity_check: {result}; "
        f"foreign_key_check: {broken} rows; tracebacks in the server log: {tracebacks}"
    )
    ok = results["ok"] and lost == extra == broken == tracebacks == 0 and result == "ok"
    print(f"\nSOAK {'PASSED' if ok else 'FAILED'} in {time.monotonic() - began:.0f} s")
    return 0 if ok else 1


def phases(server, port: int, seeds, args) -> dict:
    login = Stats()
    phones = [Phone(port, seed, login) for seed in seeds]
    log_in_all(phones)
    ok = not (login.server_errors or login.unexpected or login.gave_up)
    if not ok:
        print(f"log-in problems: {login.server_errors + login.unexpected + login.gave_up}")

    def phase(title: str, during=None, notes=lambda: [], phones=phones) -> bool:
        stats = Stats()
        for phone in phones:
            phone.stats = stats
        wall = run_phones(phones, args.seconds, args.think, during)
        tallies = check.writes(DB, phones)
        return print_phase(title, stats, wall, tallies, check.integrity(DB), notes())

    ok = phase("Phase 1: plain run") and ok
    kills: list[dict] = []

    def kill_notes() -> list[str]:
        return [
            f"killed worker {k['killed']} at {k['at']:.0f} s (workers {k['before']}); "
            + (
                f"the master replaced it with {k['new']} in {k['replaced_in']:.1f} s"
                if "new" in k
                else "NOT REPLACED within 30 s"
            )
            for k in kills
        ]

    # Evenly spread: one kill (the default) comes halfway through.
    times = [args.seconds * (i + 1) / (args.kills + 1) for i in range(args.kills)]
    title = f"Phase 2: {args.kills} worker kill(s) with SIGKILL"
    ok = phase(title, kill_workers(server.pid, times, kills), kill_notes) and ok
    ok = ok and len(kills) == args.kills and all("new" in k for k in kills)
    phones[0].stats = Stats()
    ok = locked_database(phones[0]) and ok
    ok = flaky_network(phones, phase) and ok
    return {"ok": ok, "phones": phones}


def flaky_network(phones, phase) -> bool:
    """Phase 4: a fifth of the requests lost, before or after the server answers; the
    phones keep what got no answer in an outbox and send it again, in order."""
    flaky = [FlakyPhone(phone) for phone in phones]

    def notes() -> list[str]:
        before = sum(p.drops_before for p in flaky)
        after = sum(p.drops_after for p in flaky)
        left = sum(len(p.outbox) for p in flaky)
        return [
            f"requests dropped before the server: {before}; answers dropped after it: {after}",
            f"saves sent again from an outbox: {sum(p.replayed for p in flaky)}; "
            f"left in outboxes: {left}",
        ]

    return phase(
        f"Phase 4: flaky network ({DROP:.0%} of requests dropped)", phones=flaky, notes=notes
    )


if __name__ == "__main__":
    sys.exit(main())
