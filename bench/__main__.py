"""`make bench`: page speed at two data sizes, against gunicorn on loopback.

    python -m bench [--seconds N] [--rounds N] [--sizes S,L] [--reuse]
                    [--database-url postgresql+psycopg://…/NAME] [--servers 2]

Builds databases of each size (SQLite files in bench/out/, or with --database-url
PostgreSQL template databases NAME_s, NAME_l, …; --reuse keeps a built one, migrated
to the current schema), copies each for the run, serves it with gunicorn (2 workers; --servers 2
starts two gunicorns on the same database with one SECRET_KEY) on ports from 5950–5969,
drives every key page with 8 concurrent connections from wrk for a fixed time (S then L
for each page, each slice between two slices of /healthz, three times over; with two
servers, two wrk processes of 4 connections, one per server), then the write mix, then
times the export of 100,000 trips and the billing export of 100,000 visits (a batch, its
CSV and its XLSX). With two servers, an edit through each is read through the other.
Prints a table with pass/fail budgets and writes the same figures to
bench/out/results.json.
"""

import argparse
import ast
import gzip
import http.client
import json
import os
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from bench import crossserver, pages
from bench.gunicorn import start_gunicorn
from bench.seed import (
    APPROVED,
    MIGRATIONS,
    PASSWORD,
    SIZES,
    build,
    built_complete,
    month_start,
    seeded_anchor,
)

OUT = Path(__file__).parent / "out"
WRK_SCRIPT = Path(__file__).parent / "wrk.lua"
CONCURRENCY = 8
BUDGET = {
    "p95_ms": 50,
    "ls_ratio": 1.5,
    "health_share": 0.25,  # issue 17: below a quarter is a design problem (N+1, a heavy render)
    "queries": 10,
    "first_load_kb": 60,
    "fragment_kb": 10,
    "csv_s": 5,
    "xlsx_s": 20,
    "export_mb": 150,
}
# Pages with budgets of their own (issue 22: the outcomes page aggregates every caseload).
PAGE_BUDGETS = {
    "outcomes": {"p95_ms": 100, "queries": 15},
    "coach outcomes": {"p95_ms": 100, "queries": 15},
}


def budget(name: str, key: str):
    return PAGE_BUDGETS.get(name, {}).get(key, BUDGET[key])


# The bench's servers listen on loopback ports from this range (the first ones free).
PORTS = range(5950, 5970)


def bench_port(taken: set[int]) -> int:
    """The first port of PORTS that is free and not in `taken` (which it joins)."""
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError(f"no free port in {PORTS.start}–{PORTS.stop - 1}")


def migrations():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def schema_head() -> str:
    return migrations().get_current_head()


def known_revision(revision: str | None) -> bool:
    """Whether `revision` is one of the migrations (an older schema they can upgrade)."""
    from alembic.util import CommandError

    try:
        return revision is not None and migrations().get_revision(revision) is not None
    except CommandError:
        return False


class Target:
    """Where one size's database lives: a SQLite file in bench/out (copied for each run
    with SQLite's backup API), or a PostgreSQL template database (each run a
    CREATE DATABASE … TEMPLATE of it)."""

    def __init__(self, size: str, database_url: str | None):
        self.size = size
        if database_url:
            url = sa.engine.make_url(database_url)
            self.base = url
            self.built = url.set(database=f"{url.database}_{size.lower()}")
            self.run = url.set(database=f"{url.database}_{size.lower()}_run")
        else:
            self.base = None
            self.built = sa.engine.make_url(f"sqlite:///{(OUT / f'bench-{size}.db').resolve()}")
            self.run = sa.engine.make_url(f"sqlite:///{(OUT / f'run-{size}.db').resolve()}")

    def url(self, which) -> str:
        return which.render_as_string(hide_password=False)

    @property
    def postgres(self) -> bool:
        return self.base is not None

    def admin(self):
        """An AUTOCOMMIT engine on the server's `postgres` database."""
        return sa.create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def exists(self, which) -> bool:
        if not self.postgres:
            return Path(which.database).exists()
        engine = self.admin()
        with engine.connect() as c:
            found = c.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": which.database}
            )
        engine.dispose()
        return bool(found)

    def drop(self, which) -> None:
        if not self.postgres:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{which.database}{suffix}").unlink(missing_ok=True)
            return
        engine = self.admin()
        with engine.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{which.database}" WITH (FORCE)'))
        engine.dispose()

    def create_empty(self) -> None:
        self.drop(self.built)
        if self.postgres:
            engine = self.admin()
            with engine.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{self.built.database}"'))
            engine.dispose()

    def state(self) -> tuple[str | None, date | None]:
        """The built database's schema revision and anchor (None, None when it is
        missing or its build did not finish)."""
        if not self.exists(self.built):
            return None, None
        engine = sa.create_engine(self.built)
        try:
            with engine.connect() as c:
                revision = c.scalar(sa.text("SELECT version_num FROM alembic_version"))
                if not built_complete(c):
                    return None, None
                return revision, seeded_anchor(c)
        except sa.exc.SQLAlchemyError:
            return None, None
        finally:
            engine.dispose()

    def copy_for_run(self) -> str:
        """A copy of the built database for this run (the write mix and the exports
        change the data; the next --reuse must find the database as built)."""
        if not self.postgres:
            working_copy(Path(self.built.database), Path(self.run.database))
        else:
            self.drop(self.run)
            engine = self.admin()
            with engine.connect() as c:
                c.execute(
                    sa.text(
                        f'CREATE DATABASE "{self.run.database}" TEMPLATE "{self.built.database}"'
                    )
                )
            engine.dispose()
        return self.url(self.run)


def prepare(target: Target, reuse: bool) -> None:
    """Build the size's database, or with --reuse keep it (migrated if its schema is older)."""
    if reuse:
        revision, anchor = target.state()
        if revision == schema_head():
            print(f"reusing size {target.size} (seeded for {anchor})", flush=True)
            return
        if known_revision(revision):  # migrated as an agency's database is (XL: 50 min to build)
            upgrade_built(target)
            print(
                f"reusing size {target.size} migrated from {revision} (seeded for {anchor})",
                flush=True,
            )
            return
        print(f"size {target.size}: not reusable (revision {revision}), building", flush=True)
    target.create_empty()
    started = time.monotonic()
    anchor = build(target.url(target.built), target.size)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"built size {target.size} {SIZES[target.size]} for {anchor} in "
        f"{time.monotonic() - started:.0f} s, peak RSS {peak_mb:.0f} MB",
        flush=True,
    )


def upgrade_built(target: Target) -> None:
    """The built database migrated to the head revision."""
    from flask_migrate import upgrade

    from coach import create_app
    from coach.extensions import db

    with create_app({"SQLALCHEMY_DATABASE_URI": target.url(target.built)}).app_context():
        upgrade(directory=str(MIGRATIONS))
        db.engine.dispose()  # PostgreSQL copies no template a session is still open on


class Client:
    """A logged-in browser, reduced to a cookie and a CSRF token."""

    def __init__(self, port: int, email: str):
        self.port, self.cookie, self.token = port, "", ""
        page = self.request("GET", "/login")[2].decode()
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _, _ = self.request(
            "POST", "/login", {"email": email, "password": PASSWORD, "csrf_token": self.token}
        )
        assert status == 302, f"login failed for {email}: {status}"
        page = self.request("GET", "/clients/")[2].decode()
        self.token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    def request(self, method, path, form=None, headers=None, raw=False, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        head = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookie:
            head["Cookie"] = self.cookie
        body = None
        if form is not None:
            form = {**form, "csrf_token": self.token} if self.token else form
            body = urlencode(form, doseq=True)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        info = {
            "queries": response.getheader("X-Query-Count"),
            "bytes": len(data),
            "encoding": response.getheader("Content-Encoding"),
        }
        conn.close()
        if response.getheader("Content-Encoding") == "gzip" and not raw:
            data = gzip.decompress(data)
        return response.status, info, data


def worker_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn's workers (Linux /proc). Per request it is the
    server's own cost, which other work on the machine inflates far less than latency."""
    try:
        total = 0
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def wrk(port: int, path: str, cookie: str, seconds: int, connections: int, headers) -> list:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
    cmd += ["-s", str(WRK_SCRIPT), "-H", f"Cookie: {cookie}", "-H", "Accept-Encoding: gzip"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    return [*cmd, f"http://127.0.0.1:{port}{path}"]


def drive(servers, path: str, cookie: str, seconds: int, headers=None, env=None) -> dict:
    """8 connections for a fixed time, from wrk. It is one C process, so the load generator
    takes little of the two cores the server needs (a Python client took about as much CPU
    as the pages it timed), and every route, /healthz included, is driven by the same one.
    With more than one server, one wrk per server shares the 8 connections, all at once;
    the row is their sum (its p50–p99 the worst server's), each server's in "servers"."""
    connections = max(1, CONCURRENCY // len(servers))
    cpu = [worker_cpu(proc.pid) for proc, _ in servers]
    procs = []
    for i, (_, port) in enumerate(servers):
        own = dict(env or {})
        if "BENCH_KEY_PREFIX" in own:  # idempotency keys differ between the wrk processes
            own["BENCH_KEY_PREFIX"] += f"s{i}-"
        command = wrk(port, path, cookie, seconds, connections, headers)
        procs.append(
            subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, **own})
        )
    rows = []
    for (proc, port), wrk_proc, before in zip(servers, procs, cpu, strict=True):
        out = wrk_proc.communicate()[0]
        if wrk_proc.returncode:
            raise RuntimeError(f"wrk failed on port {port}: {wrk_proc.returncode}")
        row = json.loads(next(line[6:] for line in out.splitlines() if line.startswith("BENCH ")))
        row["rps"] = row["requests"] / row["seconds"]
        row["cpu_s"] = worker_cpu(proc.pid) - before
        row["cpu_ms"] = 1000 * row["cpu_s"] / max(1, row["requests"])
        row["errors"] += row.pop("socket_errors")
        row["port"] = port
        rows.append(row)
    if len(rows) == 1:
        return rows[0]
    both = {key: sum(r[key] for r in rows) for key in ("requests", "errors", "rps", "cpu_s")}
    both.update({key: max(r[key] for r in rows) for key in ("seconds", "p50", "p95", "p99")})
    both["cpu_ms"] = 1000 * both["cpu_s"] / max(1, both["requests"])
    both["servers"] = rows
    return both


def working_copy(source: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database (the online backup API reads its WAL too)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def serve(database_url: str, port: int):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench",  # one key: a session cookie from one server works on another
        "QUERY_COUNT_HEADER": "1",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "SIGNOFF_RATE_LIMIT": "100000 per minute",
    }
    return start_gunicorn(port, env), port


def static_kb(client: Client, html: str) -> float:
    """Compressed size of the CSS and JS a first visit loads."""
    total = 0
    for path in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        _, info, _ = client.request("GET", path.replace("&amp;", "&"), raw=True)
        total += info["bytes"]
    return total / 1024


class Site:
    """One size served by its own gunicorn (or several, on one database), with a
    logged-in coach and supervisor (logged in through the first; the cookie works on all)."""

    def __init__(self, size: str, database_url: str, anchor: date, ports: set, servers: int):
        self.size, self.anchor = size, anchor
        self.servers = []
        try:
            for _ in range(servers):
                self.servers.append(serve(database_url, bench_port(ports)))
        except Exception:
            self.stop()
            raise
        self.proc, self.port = self.servers[0]
        coach = Client(self.port, "coach0@bench.test")
        self.users = {"coach": coach, "boss": Client(self.port, "supervisor@bench.test")}
        run_page = coach.request("GET", "/tasks/1")[2].decode()
        self.run_id = int(re.findall(r'href="/runs/(\d+)"', run_page)[0])
        self.pages = pages(self.run_id, anchor)

    def cross_check(self) -> list[dict]:
        """An edit through each server read through the next (bench/crossserver.py)."""
        coach = self.users["coach"]

        def side(port):
            return crossserver.Side(
                f"server :{port}",
                lambda path: coach.request("GET", path, port=port)[2].decode(),
                lambda path, form: coach.request("POST", path, form, port=port)[0],
            )

        rows = []
        for i, (_, port) in enumerate(self.servers[:-1]):
            rows += crossserver.check(side(port), side(self.servers[i + 1][1]))
        return rows

    def measure(self, name: str, seconds: int) -> dict:
        who, path, headers = self.pages[name]
        client = self.users[who]
        # This request also brings the client's cookie up to date, so the server does
        # not rewrite a stale one on every request wrk sends.
        status, info, html = client.request("GET", path, headers=headers)
        assert status == 200, f"{path}: {status}"
        # A session's last-seen time is written at most once a minute, by whichever of
        # its requests comes first: a second request right after counts only the page's
        # own statements (the job-support page read 9 at L and 8 at S by this alone).
        again = client.request("GET", path, headers=headers)[1]
        queries = min(int(info["queries"] or 0), int(again["queries"] or 0))
        row = drive(self.servers, path, client.cookie, seconds, headers)
        row.update(queries=queries, kb=info["bytes"] / 1024, raw_kb=len(html) / 1024)
        if "fragment" not in name and name != "health":
            row["first_load_kb"] = row["kb"] + static_kb(client, html.decode())
        return row

    def measure_writes(self, seconds: int) -> dict:
        """The write mix (bench/wrk.lua): new visits, checklist taps and trips, in turn."""
        coach = self.users["coach"]
        run_page = coach.request("GET", f"/runs/{self.run_id}")[2].decode()
        steps = re.findall(r'/runs/\d+/steps/(\d+)"', run_page)
        env = {
            "BENCH_CSRF": coach.token,
            "BENCH_KEY_PREFIX": uuid.uuid4().hex[:16],
            "BENCH_RUN_ID": str(self.run_id),
            "BENCH_STEPS": ",".join(steps),
            "BENCH_DAY": (self.anchor - timedelta(days=1)).isoformat(),
        }
        return drive(self.servers, "/", coach.cookie, seconds, env=env)

    def stop(self) -> None:
        for proc, _ in self.servers:
            proc.terminate()
        for proc, _ in self.servers:
            proc.wait(timeout=10)


def show(size: str, name: str, row: dict) -> None:
    extra = f"{row['queries']} queries  {row['kb']:.1f} KB" if "kb" in row else ""
    print(
        f"  {size} {name:<28} {row['rps']:7.1f} req/s  p95 {row['p95']:6.1f} ms  "
        f"CPU {row['cpu_ms']:5.2f} ms/req  errors {row['errors']}  {extra}",
        flush=True,
    )
    for server in row.get("servers", []):
        show(size, f"  :{server['port']}", server)


def measure_sites(sites: dict[str, Site], seconds: int, rounds: int, only=None) -> dict:
    """Every page at every size, `rounds` times. A page's slice sits between two slices of
    /healthz on the same server, and its share of /healthz is taken against those two
    neighbours: this machine's speed drifts by a tenth within a minute, and a drift then
    weighs on the page and its ceiling alike. S and L of a page run back to back, so
    that the same drift weighs on both sizes. A page's figures are the mean of its rounds."""
    first = next(iter(sites.values()))
    names = [name for name in first.pages if name != "health" and (not only or name in only)]
    health = {size: [] for size in sites}  # per size, in order: H P1 H P2 … H, each round
    slices = {size: {name: [] for name in names} for size in sites}
    for turn in range(rounds):
        for name in names:
            for size, site in sites.items():
                health[size].append(site.measure("health", seconds))
                slices[size][name].append(row := site.measure(name, seconds))
                show(size, f"{name} ({turn + 1}/{rounds})", row)
        for size, site in sites.items():
            health[size].append(site.measure("health", seconds))
    results = {size: {} for size in sites}
    for size in sites:
        h = health[size]
        results[size]["health"] = mean_row(h)
        show(size, f"health ({len(h)} slices)", results[size]["health"])
        for i, name in enumerate(names):
            # Round r's slice of page i sits between health slices k and k+1.
            ks = [r * (len(names) + 1) + i for r in range(rounds)]
            ceilings = [(h[k]["rps"] + h[k + 1]["rps"]) / 2 for k in ks]
            row = mean_row(slices[size][name])
            row["health_rps"] = mean(ceilings)
            row["share"] = mean(
                [p["rps"] / c for p, c in zip(slices[size][name], ceilings, strict=True)]
            )
            results[size][name] = row
    for size, site in sites.items():
        results[size]["write mix"] = row = site.measure_writes(seconds)
        show(size, "write mix", row)
    return results


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def mean_row(rows: list[dict]) -> dict:
    """Rounds of one page made into one row: rates and times averaged, counts added,
    the page's size and queries (the same every round) from the first."""
    row = dict(rows[0])
    if "servers" in row:
        row["servers"] = [
            mean_row([r["servers"][i] for r in rows]) for i in range(len(row["servers"]))
        ]
    for key in ("rps", "p50", "p95", "p99", "cpu_ms"):
        row[key] = mean([r[key] for r in rows])
    for key in ("requests", "errors"):
        row[key] = sum(r[key] for r in rows)
    row["seconds"] = sum(r["seconds"] for r in rows)
    row["rounds"] = [{k: r[k] for k in ("rps", "p95", "cpu_ms")} for r in rows]
    return row


PREPARE = r"""
import sys
from datetime import date
import sqlalchemy as sa
from coach import create_app
from coach.extensions import db
from coach.models import Trip
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    last = db.session.scalars(sa.select(Trip.id).order_by(Trip.id).offset(99999).limit(1)).one()
    db.session.execute(sa.update(Trip).where(Trip.id <= last).values(
        status="approved", trip_date=date.fromisoformat(sys.argv[2])))
    db.session.commit()
"""

EXPORT = r"""
import sys, threading, time
from coach import create_app


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


peak, done = [0.0], []


def sample():  # the high-water mark of this process is set by login's argon2; sample instead
    while not done:
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.01)


app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
c = app.test_client()
c.post("/login", data={"email": "supervisor@bench.test", "password": sys.argv[2]})
c.get("/clients/")
base = rss_mb()
threading.Thread(target=sample, daemon=True).start()
start = time.perf_counter()
r = c.post("/mileage/export", data={"start": sys.argv[4], "end": sys.argv[4], "coach": 0,
           "fmt": sys.argv[3]}, buffered=False)
size = sum(len(chunk) for chunk in r.response)
r.close()
elapsed = time.perf_counter() - start
done.append(1)
time.sleep(0.05)
print({"seconds": elapsed, "mb": size / 1e6, "peak_growth_mb": max(0.0, peak[0] - base)})
"""


BILLING = r"""
import sys, threading, time
from coach import create_app


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


peak, done = [0.0], []


def sample():
    while not done:
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.01)


app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
c = app.test_client()
c.post("/login", data={"email": "supervisor@bench.test", "password": sys.argv[2]})
c.get("/clients/")
base = rss_mb()
threading.Thread(target=sample, daemon=True).start()
start = time.perf_counter()
made = None
if sys.argv[3] == "csv":  # exporting the month makes the batch, then its CSV is read
    made = c.post("/billing/export", data={"funder_id": 1, "month": sys.argv[4],
                  "idempotency_key": "bench-billing-1"})
    assert made.status_code == 302, made.status_code
made_s = time.perf_counter() - start
r = c.get("/billing/batches/1." + sys.argv[3], buffered=False)
assert r.status_code == 200, r.status_code
size = sum(len(chunk) for chunk in r.response)
r.close()
elapsed = time.perf_counter() - start
done.append(1)
time.sleep(0.05)
print({"seconds": elapsed, "batch_seconds": made_s, "mb": size / 1e6,
       "peak_growth_mb": max(0.0, peak[0] - base)})
"""


def measure_billing_export(database_url: str, anchor: date) -> dict:
    """Export the 100,000 approved visits of the anchor's previous month as a billing
    batch and read its CSV (one process), then its XLSX (another), each timed with its
    memory growth."""
    month = f"{month_start(anchor, 1):%Y-%m}"
    out = {}
    for fmt in ("csv", "xlsx"):
        result = subprocess.run(
            [sys.executable, "-c", BILLING, database_url, PASSWORD, fmt, month],
            capture_output=True,
            text=True,
            check=True,
        )
        out[fmt] = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    return out


def measure_export(database_url: str, anchor: date) -> dict:
    """Export 100,000 trips as CSV and as XLSX, each in a fresh process: time, and how much
    the process's peak memory grew during the export. The trips are moved to one day a
    year before the anchor first."""
    day = date(anchor.year - 1, anchor.month, 1).isoformat()
    subprocess.run([sys.executable, "-c", PREPARE, database_url, day], check=True)
    out = {}
    for fmt in ("csv", "xlsx"):
        result = subprocess.run(
            [sys.executable, "-c", EXPORT, database_url, PASSWORD, fmt, day],
            capture_output=True,
            text=True,
            check=True,
        )
        out[fmt] = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    return out


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def share(row: dict, health_rps: float) -> float:
    """A page's throughput over its neighbouring /healthz slices' (the write mix, which
    has no budget here, over the mean of all of them)."""
    return row["share"] if "share" in row else row["rps"] / health_rps


def report(results: dict) -> list[str]:
    lines, sizes = [], list(results["pages"])
    header = (
        f"{'page':<28} {'size':>4} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'CPU':>5} "
        f"{'SQL':>4} {'KB gz':>6} {'KB raw':>7} {'vs health':>9}  budgets"
    )
    lines.append(header)
    for size in sizes:
        rows = results["pages"][size]
        health = rows["health"]["rps"]
        for name, row in rows.items():
            checks = []
            if name != "health":
                p95 = budget(name, "p95_ms")
                checks.append(f"p95≤{p95} {verdict(row['p95'] <= p95)}")
            if name not in ("health", "write mix"):
                checks.append(f"rps≥25% {verdict(row['share'] >= BUDGET['health_share'])}")
                most = budget(name, "queries")
                checks.append(f"SQL≤{most} {verdict(row['queries'] <= most)}")
            if "first_load_kb" in row:
                checks.append(
                    f"first load {row['first_load_kb']:.0f}KB "
                    f"{verdict(row['first_load_kb'] <= BUDGET['first_load_kb'])}"
                )
            if "fragment" in name:
                checks.append(f"fragment≤10KB {verdict(row['kb'] <= BUDGET['fragment_kb'])}")
            if row["errors"]:
                checks.append(f"errors {row['errors']} FAIL")
            lines.append(
                f"{name:<28} {size:>4} {row['rps']:7.1f} {row['p50']:6.1f} {row['p95']:6.1f} "
                f"{row['p99']:6.1f} {row['cpu_ms']:5.2f} {row.get('queries', 0):>4} "
                f"{row.get('kb', 0):6.1f} {row.get('raw_kb', 0):7.1f} {share(row, health):9.2f}  "
                + ", ".join(checks)
            )
            for server in row.get("servers", []):
                lines.append(
                    f"{'  server :' + str(server['port']):<28} {size:>4} {server['rps']:7.1f} "
                    f"{server['p50']:6.1f} {server['p95']:6.1f} {server['p99']:6.1f} "
                    f"{server['cpu_ms']:5.2f}  errors {server['errors']}"
                )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        lines.append("")
        for name in results["pages"][small]:
            if name in ("health", "write mix"):
                continue
            s, big = results["pages"][small][name], results["pages"][large][name]
            ratio = big["p95"] / s["p95"] if s["p95"] else 0
            same = s["queries"] == big["queries"]
            lines.append(
                f"{large}/{small} p95 {name:<28} {ratio:5.2f} "
                f"{verdict(ratio <= BUDGET['ls_ratio'])}; SQL {small}={s['queries']} "
                f"{large}={big['queries']} {verdict(same)}"
            )
    for size, rows in results.get("cross_server", {}).items():
        lines.append("")
        for row in rows:
            lines.append(
                f"cross-server {size}: edit through {row['wrote']}, read through "
                f"{row['read']}: {'fresh' if row['fresh'] else 'STALE'} "
                f"(edit answered {row['status']}) {verdict(row['fresh'])}"
            )
    if "export" in results:
        e = results["export"]
        lines.append("")
        lines.append(
            f"export 100,000 trips CSV  {e['csv']['seconds']:.1f} s "
            f"{verdict(e['csv']['seconds'] <= BUDGET['csv_s'])}, "
            f"peak +{e['csv']['peak_growth_mb']:.0f} MB "
            f"{verdict(e['csv']['peak_growth_mb'] <= BUDGET['export_mb'])}"
        )
        lines.append(
            f"export 100,000 trips XLSX {e['xlsx']['seconds']:.1f} s "
            f"{verdict(e['xlsx']['seconds'] <= BUDGET['xlsx_s'])}, "
            f"peak +{e['xlsx']['peak_growth_mb']:.0f} MB "
            f"{verdict(e['xlsx']['peak_growth_mb'] <= BUDGET['export_mb'])}"
        )
    if "billing_export" in results:
        e = results["billing_export"]
        lines.append(
            f"billing 100,000 visits CSV  {e['csv']['seconds']:.1f} s "
            f"(batch {e['csv']['batch_seconds']:.1f} s) "
            f"{verdict(e['csv']['seconds'] <= BUDGET['csv_s'])}, "
            f"peak +{e['csv']['peak_growth_mb']:.0f} MB "
            f"{verdict(e['csv']['peak_growth_mb'] <= BUDGET['export_mb'])}"
        )
        lines.append(
            f"billing 100,000 visits XLSX {e['xlsx']['seconds']:.1f} s "
            f"{verdict(e['xlsx']['seconds'] <= BUDGET['xlsx_s'])}, "
            f"peak +{e['xlsx']['peak_growth_mb']:.0f} MB "
            f"{verdict(e['xlsx']['peak_growth_mb'] <= BUDGET['export_mb'])}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per slice of a page and size")
    parser.add_argument("--rounds", type=int, default=3, help="slices of each page and size")
    parser.add_argument("--sizes", default="S,L", help=f"of {', '.join(SIZES)}")
    parser.add_argument(
        "--reuse",
        "--skip-build",
        action="store_true",
        help="keep a built database, migrated to the current schema if it is older",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL (postgresql+psycopg://user:pw@host/NAME): the templates are NAME_s, "
        "NAME_l, …, each run's copy NAME_s_run, …; default SQLite files in bench/out",
    )
    parser.add_argument("--servers", type=int, default=1, help="gunicorns on one database")
    parser.add_argument("--pages", help="only these pages, comma-separated (while working)")
    parser.add_argument(
        "--exports-only", action="store_true", help="time the exports only, not the pages"
    )
    args = parser.parse_args()
    if not shutil.which("wrk") and not args.exports_only:
        sys.exit("bench needs wrk, the HTTP load generator: apt-get install wrk (make bench does)")
    OUT.mkdir(exist_ok=True)
    results = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "database": "postgresql" if args.database_url else "sqlite",
        "servers": args.servers,
        "seconds_per_page": args.seconds,
        "rounds": args.rounds,
        "pages": {},
        "cross_server": {},
    }
    sizes = args.sizes.split(",")
    targets = {size: Target(size, args.database_url) for size in sizes}
    for target in targets.values():
        prepare(target, args.reuse)
    sites, ports, runs, anchors = {}, set(), {}, {}
    try:
        for size, target in targets.items():
            anchors[size] = target.state()[1]
            runs[size] = target.copy_for_run()
            sites[size] = Site(size, runs[size], anchors[size], ports, args.servers)
            if args.servers > 1:
                results["cross_server"][size] = sites[size].cross_check()
        only = args.pages.split(",") if args.pages else None
        if not args.exports_only:
            results["pages"] = measure_sites(sites, args.seconds, args.rounds, only)
        for size, site in sites.items():
            if args.servers > 1:  # and again after the load
                results["cross_server"][size] += site.cross_check()
    finally:
        for site in sites.values():
            site.stop()
    biggest = sizes[-1]
    if SIZES[biggest][4] >= 100_000:
        results["export"] = measure_export(runs[biggest], anchors[biggest])
    else:
        print(f"export not timed: size {biggest} has fewer than 100,000 trips", flush=True)
    if APPROVED[biggest] >= 100_000:
        results["billing_export"] = measure_billing_export(runs[biggest], anchors[biggest])
    else:
        print(f"billing export not timed: size {biggest} has fewer than 100,000", flush=True)
    lines = report(results)
    print("\n".join(lines))
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nfigures in {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
