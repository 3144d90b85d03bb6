"""`make soak`: load and faults against gunicorn on loopback, with bounded time.

    python -m soak [--seconds 60] [--coaches 30] [--port 5901] [--think 0.05] [--kills 1]
                   [--threads 4] [--database-url postgresql://…/coach_soak [--keep]]
                   [--servers 2] [--lock-wait-ms 1000]

Builds a fresh SQLite database in soak/out/ (or, with --database-url, a fresh PostgreSQL
database, dropped at the end unless --keep), serves it with gunicorn (2 workers; with
--threads N, 2 gthread workers of N threads, so requests share a worker's connection
pool; with --servers N, N such gunicorns on ports 5901, 5902, … sharing the database and
the SECRET_KEY, the phones spread across them in turn), and runs these phases with the
same simulated coaches:

1. plain: every coach writes visits, checklist taps and trips for --seconds;
2. the same while one gunicorn worker (of the first server) is killed with SIGKILL
   halfway through (or --kills of them, spread out): the master must replace each, and
   the phones retry what died on the wire with the same idempotency key;
3. the database is locked (SQLite: another connection holds BEGIN EXCLUSIVE past the busy
   timeout; PostgreSQL: every table locked IN EXCLUSIVE MODE past lock_timeout): writes
   must answer a plain 503 on every server, then work again once it is released;
4. a flaky network (soak/flaky.py): 20 % of requests dropped before or after the
   server answers; each phone keeps what got no answer in an outbox and sends it again
   in order, with the same idempotency keys, until the outbox is empty;
5. wrong passwords for one account, sent to the servers in turn: the lockout, counted
   in the database, refuses the right password on whichever server comes next.

After phases 1, 2 and 4 every acknowledged write is looked up in the database, per coach
and kind, through SQLAlchemy; duplicates and broken foreign keys are counted (SQLite also
checks its file). Exits non-zero on any lost write, 5xx, extra row, failed check or
unexpected answer.
"""

import argparse
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

from bench.gunicorn import port_open, start_gunicorn
from soak import check, database
from soak.flaky import DROP, FlakyPhone
from soak.phone import Phone, Stats, hidden
from soak.seed import LOCKOUT_EMAIL, PASSWORD, CoachSeed, build

OUT = Path(__file__).parent / "out"
DB = OUT / "soak.db"
PORTS = range(5901, 5921)  # the soak's fixed range (README); the bench has its own
LOGIN_MAX_FAILURES = 5  # the app's default, set explicitly for phase 5


def free_ports(first: int, count: int) -> list[int]:
    """`count` free ports from `first` on, within the soak's range."""
    found = [port for port in range(first, PORTS.stop) if not port_open(port)][:count]
    if len(found) < count:
        raise SystemExit(f"fewer than {count} free ports in {first}–{PORTS.stop - 1}")
    return found


def serve(port: int, env: dict, log, threads: int = 1) -> subprocess.Popen:
    """One gunicorn (2 workers) on 127.0.0.1:port, once both workers are up."""

    def both_workers_up(proc):
        return len(workers(proc.pid)) == 2

    try:
        return start_gunicorn(
            port, env, ready=both_workers_up, threads=threads, stdout=log, stderr=log
        )
    except RuntimeError as error:
        raise SystemExit(f"{error}; see {log.name}") from None


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


def print_servers(stats: Stats, ports: list[int]) -> None:
    for n, port in enumerate(ports, start=1):
        requests, errors = stats.servers.get(port, [0, 0])
        print(
            f"   server {n} (127.0.0.1:{port}): {requests} requests, "
            f"{errors} 5xx or cut on the wire"
        )


def print_phase(
    title: str, stats: Stats, wall: float, tallies, integrity: check.Integrity, notes, ports
) -> bool:
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
    if len(ports) > 1:
        print_servers(stats, ports)
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
    print(f"   {integrity}")
    return ok and integrity.ok


def probes_for(phone: Phone) -> list[tuple]:
    """Phase 3's requests, prepared while the database is free: the forms are open on
    the phone before the database goes away. (name, method, path, form, htmx) each."""
    client_id, _, task_id = phone.seed.clients[0]
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
    # Acknowledged once the database is back and the same requests are sent again.
    phone.ledger.trips[key] = trip["purpose"]
    phone.ledger.scores[(run_id, step_id)] = "I"
    return [
        ("form post (trip)", "POST", "/mileage/new", trip, False),
        ("htmx tap (checklist)", "POST", f"/runs/{run_id}/steps/{step_id}", {"level": "I"}, True),
        ("page that audits (client)", "GET", f"/clients/{client_id}", None, False),
    ]


class Lock:
    """The database held by another connection: SQLite's write lock (BEGIN EXCLUSIVE), or
    on PostgreSQL every table of the app IN EXCLUSIVE MODE, which lets reads through and
    stops every write, as SQLite's lock does under WAL."""

    def __init__(self, url: str):
        if database.is_sqlite(url):
            self.how = "BEGIN EXCLUSIVE held past the busy timeout"
            holder = sqlite3.connect(database.sqlite_path(url), isolation_level=None, timeout=30)
            holder.execute("BEGIN EXCLUSIVE")
            self.release = lambda: (holder.execute("ROLLBACK"), holder.close())
            return
        engine = database.engine(url)
        conn = engine.connect()
        tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        self.how = f"LOCK TABLE (all {len(tables)} tables) IN EXCLUSIVE MODE past lock_timeout"
        conn.exec_driver_sql(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        self.release = lambda: (conn.rollback(), conn.close(), engine.dispose())


def locked_database(phones: list[Phone], url: str) -> bool:
    """Phase 3: hold the database's write lock past the app's wait, with one phone on each
    server: plain 503s, then recovery with the same requests."""
    probes = [(phone, probe) for phone in phones for probe in probes_for(phone)]
    ok = True
    lock = Lock(url)
    print(f"\n== Phase 3: database locked ({lock.how})")
    try:
        for phone, (name, method, path, form, htmx) in probes:
            began = time.monotonic()
            r = phone.request(method, path, form, htmx)
            plain = (
                r.status == 503
                and "briefly unavailable" in r.text
                and "Your draft is kept on this phone" in r.text
                and "Traceback" not in r.text
                and "sqlite" not in r.text.lower()
                and "lock" not in r.text.lower()
                and r.headers.get("Retry-After") == "60"
                and (not htmx or r.headers.get("HX-Reswap") == "none")
            )
            ok = ok and plain
            print(
                f"   :{phone.port} {name:<27} {r.status} after {time.monotonic() - began:.1f} s, "
                f"Retry-After {r.headers.get('Retry-After')}, plain page: {plain}"
            )
        for phone in phones:
            # A balancer's health check carries no session; a phone's request writes its
            # session row once a minute, and that write waits for the lock too.
            health = Phone(phone.port, phone.seed, Stats()).request("GET", "/healthz").status
            reads = phone.request("GET", "/clients/").status
            print(f"   :{phone.port} while locked: /healthz {health}, caseload (reads) {reads}")
    finally:
        lock.release()
    # Released: the phones send the same forms again, with the same keys.
    again = [
        phone.send(method, path, form, htmx, ok=(200, 302))
        for phone, (_, method, path, form, htmx) in probes
    ]
    print(f"   released: the same requests answer {[r.status if r else None for r in again]}")
    return ok and all(again)


def lockout_across_servers(ports: list[int], url: str) -> bool:
    """Phase 5: wrong passwords for one account, sent to the servers in turn, then the
    right one on the next server: refused, as the lockout is counted in the database.
    (Flask-Limiter's per-address limit is lifted here: with memory:// it counts per
    worker, so it is not what holds across servers; docs/security.md.)"""
    stats = Stats()
    seed = CoachSeed(0, LOCKOUT_EMAIL, [])
    phones = [Phone(port, seed, stats) for port in ports]
    for phone in phones:
        phone.token = hidden(phone.get("/login"), "csrf_token")
    print(
        f"\n== Phase 5: {LOGIN_MAX_FAILURES} wrong passwords across the servers, then the right one"
    )
    sent = []
    for attempt in range(LOGIN_MAX_FAILURES + 1):
        phone = phones[attempt % len(phones)]
        right = attempt == LOGIN_MAX_FAILURES
        password = PASSWORD if right else f"wrong password {attempt}"
        r = phone.send(
            "POST", "/login", {"email": LOCKOUT_EMAIL, "password": password}, ok=(200, 302)
        )
        refused = bool(r) and r.status == 200 and "do not match an active account" in r.text
        sent.append((phone.port, "right" if right else "wrong", refused))
    engine = database.engine(url)
    try:
        with engine.connect() as conn:
            locked_until = conn.scalar(
                sa.text("SELECT locked_until FROM login_throttles WHERE email = :email"),
                {"email": LOCKOUT_EMAIL},
            )
    finally:
        engine.dispose()
    for port, which, refused in sent:
        print(f"   :{port} {which} password: {'refused' if refused else 'LOGGED IN'}")
    print(f"   login_throttles.locked_until: {locked_until}")
    ok = all(refused for _, _, refused in sent) and locked_until is not None
    return ok and not (stats.server_errors or stats.unexpected or stats.gave_up)


def log_in_all(phones) -> None:
    threads = [threading.Thread(target=p.log_in) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of phases 1, 2 and 4")
    parser.add_argument("--coaches", type=int, default=30)
    parser.add_argument("--port", type=int, default=PORTS.start, help="the first server's port")
    parser.add_argument("--kills", type=int, default=1, help="workers killed in phase 2")
    parser.add_argument("--think", type=float, default=0.05, help="mean pause between actions (s)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (over 1: gthread workers)"
    )
    parser.add_argument("--servers", type=int, default=1, help="gunicorns sharing the database")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server and database name (containing 'soak'), made anew for the run",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument(
        "--lock-wait-ms",
        type=int,
        help="the app's wait for a lock (busy timeout or lock_timeout); default the app's 5 s",
    )
    args = parser.parse_args()
    if args.servers < 1 or args.port not in PORTS:
        parser.error(f"--servers at least 1, --port within {PORTS.start}–{PORTS.stop - 1}")
    return args


def main() -> int:
    args = arguments()
    began = time.monotonic()
    OUT.mkdir(exist_ok=True)
    url = database.target_url(args.database_url, DB)
    ports = free_ports(args.port, args.servers)
    if ports[0] != args.port:
        print(f"port {args.port} is taken; using {ports}")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),  # shared by every server, worker and replacement
        "LOGIN_RATE_LIMIT": "10000 per minute",  # every phone logs in from 127.0.0.1
        "LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
    }
    for name in ("SQLITE_BUSY_TIMEOUT_MS", "POSTGRES_LOCK_TIMEOUT_MS"):
        env.pop(name, None)  # phase 3 waits out the default, unless --lock-wait-ms
        if args.lock_wait_ms is not None:
            env[name] = str(args.lock_wait_ms)
    try:
        return soak(args, url, ports, env, began)
    finally:
        if not args.keep:
            database.drop(url)


def soak(args, url: str, ports: list[int], env: dict, began: float) -> int:
    seeds = build(url, args.coaches, env)
    seeded = time.monotonic() - began
    workers_of = f"2 workers of {args.threads} threads" if args.threads > 1 else "2 workers"
    where = ", ".join(f"127.0.0.1:{port}" for port in ports)
    print(
        f"Soak: {args.coaches} coaches, {args.seconds:.0f} s per phase, "
        f"{len(ports)} gunicorn(s) ({workers_of} each) on {where}, {database.described(url)} "
        f"(made, migrated and seeded in {seeded:.1f} s)"
    )
    logs = [
        OUT / ("gunicorn.log" if n == 1 else f"gunicorn-{n}.log") for n in range(1, len(ports) + 1)
    ]
    servers = []
    with ExitStack() as stack:
        for port, path in zip(ports, logs, strict=True):
            log = stack.enter_context(open(path, "w"))
            servers.append(serve(port, env, log, args.threads))
            stack.callback(stop, servers[-1])
        results = phases(servers, ports, seeds, url, args)

    # With the servers stopped: every acknowledged write of all phases, and the database.
    tallies = check.writes(url, results["phones"])
    lost = sum(len(t.missing) for t in tallies.values())
    extra = sum(len(t.extra) for t in tallies.values())
    integrity = check.integrity(url)
    tracebacks = sum(path.read_text().count("Traceback") for path in logs)
    print("\n== After the servers stopped")
    for kind, t in tallies.items():
        print(f"   {kind:<15} acknowledged {t.acknowledged}, present {t.present}")
    if len(ports) > 1:
        print("   all phases:")
        print_servers(results["totals"], ports)
    print(
        f"   lost writes: {lost}; extra rows: {extra}; {integrity}; "
        f"tracebacks in the server logs: {tracebacks}"
    )
    ok = results["ok"] and lost == extra == tracebacks == 0 and integrity.ok
    print(f"\nSOAK {'PASSED' if ok else 'FAILED'} in {time.monotonic() - began:.0f} s")
    return 0 if ok else 1


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)


def phases(servers, ports: list[int], seeds, url: str, args) -> dict:
    login = Stats()
    # The phones spread across the servers in turn: a coach's phone keeps its server.
    phones = [Phone(ports[n % len(ports)], seed, login) for n, seed in enumerate(seeds)]
    log_in_all(phones)
    ok = not (login.server_errors or login.unexpected or login.gave_up)
    if not ok:
        print(f"log-in problems: {login.server_errors + login.unexpected + login.gave_up}")
    totals = Stats()

    def phase(title: str, during=None, notes=lambda: [], phones=phones) -> bool:
        stats = Stats()
        for phone in phones:
            phone.stats = stats
        wall = run_phones(phones, args.seconds, args.think, during)
        for port, (requests, errors) in stats.servers.items():
            totals.count(port, requests, errors)
        tallies = check.writes(url, phones)
        return print_phase(title, stats, wall, tallies, check.integrity(url), notes(), ports)

    ok = phase("Phase 1: plain run") and ok
    kills: list[dict] = []

    def kill_notes() -> list[str]:
        return [
            f"killed worker {k['killed']} of server 1 at {k['at']:.0f} s (workers {k['before']}); "
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
    ok = phase(title, kill_workers(servers[0].pid, times, kills), kill_notes) and ok
    ok = ok and len(kills) == args.kills and all("new" in k for k in kills)
    for phone in phones:
        phone.stats = Stats()
    ok = locked_database(phones[: len(ports)], url) and ok
    ok = flaky_network(phones, phase) and ok
    ok = lockout_across_servers(ports, url) and ok
    return {"ok": ok, "phones": phones, "totals": totals}


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
