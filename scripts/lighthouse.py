"""`make lighthouse`: Lighthouse's mobile audit of the login, caseload, client and visit pages.

    .venv/bin/python scripts/lighthouse.py [--runs N] [--port 5801] [--out lighthouse-reports]

Builds a throwaway demo database in a temporary folder (never instance/), serves it
with gunicorn on loopback, logs in as a demo coach and runs Lighthouse (the pinned
release in tools/lighthouse/, Debian's Chromium) on each page N times with the
mobile settings and simulated throttling. The session cookie reaches Chromium as an
extra request header; the login page is audited without it. Prints every run, then
per page the median and range of the scores: the median performance must reach 95
and every run's accessibility 100, else it exits 1. The JSON and HTML reports (and
summary.json) are kept in --out (git-ignored).
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn import port_open, start_gunicorn  # noqa: E402
from coach.demo import DEMO_PASSWORD  # noqa: E402

LIGHTHOUSE_DIR = ROOT / "tools/lighthouse/node_modules/lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "cli/index.js"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# The network here is closed: without the background-networking flags Chromium stalls.
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COACH = "jordan@example.org"
BUDGET = {"performance": 95, "accessibility": 100}


def run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")


def serve(port: int, env: dict) -> subprocess.Popen:
    if port_open(port):
        sys.exit(f"port {port} is in use: pick another with --port")
    try:
        return start_gunicorn(port, env, cwd=ROOT)
    except RuntimeError as error:
        sys.exit(str(error))


def request(port: int, method: str, path: str, cookie: str = "", form: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode()
    conn.close()
    return response.status, response.getheader("Set-Cookie") or "", data


def log_in(port: int) -> str:
    """The session cookie ("name=value") of the demo coach, logged in through the form."""
    _, set_cookie, page = request(port, "GET", "/login")
    cookie = set_cookie.split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"email": COACH, "password": DEMO_PASSWORD, "csrf_token": token}
    status, set_cookie, _ = request(port, "POST", "/login", cookie, form)
    if status != 302 or not set_cookie:
        sys.exit(f"login as {COACH} failed ({status})")
    return set_cookie.split(";", 1)[0]


def fullest_client(db_path: Path) -> int:
    """The demo coach's client with the most visits: the longest client page."""
    with closing(sqlite3.connect(db_path)) as con:
        (client,) = con.execute(
            "SELECT c.id FROM clients c JOIN users u ON u.id = c.coach_id"
            " LEFT JOIN visits v ON v.client_id = c.id WHERE u.email = ?"
            " GROUP BY c.id ORDER BY count(v.id) DESC, c.id LIMIT 1",
            (COACH,),
        ).fetchone()
    return client


def pages(port: int, cookie: str, client: int) -> list[tuple[str, str, bool]]:
    """(name, path, needs the session) for each page to audit; each must answer 200."""
    found = [
        ("login", "/login", False),
        ("caseload", "/clients/", True),
        ("client", f"/clients/{client}", True),
        ("visit form", f"/clients/{client}/visits/new", True),
    ]
    for name, path, logged_in in found:
        status, _, _ = request(port, "GET", path, cookie if logged_in else "")
        if status != 200:
            sys.exit(f"{name} page {path} answered {status}")
    return found


def audit(url: str, out: Path, headers_file: Path | None) -> dict:
    cmd = [
        "node", str(LIGHTHOUSE), url,
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        "--throttling-method=simulate",
        "--output=json", "--output=html", f"--output-path={out}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--quiet",
    ]  # fmt: skip
    if headers_file:
        cmd.append(f"--extra-headers={headers_file}")
    env = {**os.environ, "CHROME_PATH": CHROME}
    subprocess.run(cmd, env=env, check=True, timeout=300)
    report = json.loads(out.with_suffix(".report.json").read_text())
    if report.get("runtimeError"):
        sys.exit(f"{url}: {report['runtimeError']}")
    if report["finalDisplayedUrl"] != url:
        sys.exit(f"{url} ended at {report['finalDisplayedUrl']} (logged out?)")
    metrics = report["audits"]["metrics"]["details"]["items"][0]
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "fcp_ms": metrics["firstContentfulPaint"],
        "lcp_ms": metrics["largestContentfulPaint"],
        "tbt_ms": metrics["totalBlockingTime"],
        "cls": round(metrics["cumulativeLayoutShift"], 3),
        "benchmark_index": report["environment"]["benchmarkIndex"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=5801)
    parser.add_argument("--out", type=Path, default=ROOT / "lighthouse-reports")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: npm ci --prefix tools/lighthouse")
    if not Path(CHROME).exists():
        sys.exit(f"no Chromium at {CHROME} (apt-get install chromium, or set CHROME_PATH)")
    args.out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="coach-lighthouse-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "SECRET_KEY": secrets.token_hex(32),  # not instance/secret_key
        "SESSION_IDLE_MINUTES": "240",  # the cookie handed to Lighthouse is never renewed
        "FLASK_APP": "app",
    }
    proc = None
    try:
        print("Building the demo database in", tmp, flush=True)
        run([sys.executable, "-m", "flask", "db", "upgrade"], env)
        run([sys.executable, "-m", "flask", "demo-data"], env)
        proc = serve(args.port, env)
        cookie = log_in(args.port)
        headers_file = tmp / "headers.json"
        headers_file.write_text(json.dumps({"Cookie": cookie}))
        base = f"http://127.0.0.1:{args.port}"
        scores: dict[str, list[dict]] = {}
        client = fullest_client(tmp / "demo.db")
        for name, path, logged_in in pages(args.port, cookie, client):
            for i in range(1, args.runs + 1):
                slug = name.replace(" ", "-")
                result = audit(
                    base + path, args.out / f"{slug}-{i}", headers_file if logged_in else None
                )
                scores.setdefault(f"{name} ({path})", []).append(result)
                print(
                    f"  {name} run {i}: performance {result['performance']}, accessibility "
                    f"{result['accessibility']} (FCP {result['fcp_ms']} ms, LCP "
                    f"{result['lcp_ms']} ms, TBT {result['tbt_ms']} ms, CLS {result['cls']})",
                    flush=True,
                )
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    (args.out / "summary.json").write_text(json.dumps(scores, indent=2) + "\n")
    ok = summarize(scores, args.runs)
    print(f"Reports: {args.out}/")
    sys.exit(0 if ok else 1)


def summarize(scores: dict[str, list[dict]], runs: int) -> bool:
    """Print one line per page: median (min-max) of the runs; True if every page passes.

    Performance is noisy under simulated throttling on a shared machine, so its median
    counts; accessibility does not vary between runs, so every run must score 100.
    """
    version = json.loads((LIGHTHOUSE_DIR / "package.json").read_text())["version"]
    print(
        f"\nLighthouse {version}, mobile, simulated throttling, {runs} run(s) per page. "
        f"Pass: median performance >= {BUDGET['performance']}, "
        f"accessibility {BUDGET['accessibility']} in every run."
    )
    lines = [("page", "performance", "accessibility", "")]
    all_ok = True
    for page, results in scores.items():
        perf = [r["performance"] for r in results]
        a11y = [r["accessibility"] for r in results]
        ok = statistics.median_low(perf) >= BUDGET["performance"]
        ok = ok and min(a11y) >= BUDGET["accessibility"]
        all_ok = all_ok and ok
        lines.append((page, spread(perf), spread(a11y), "pass" if ok else "FAIL"))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    return all_ok


def spread(values: list[int]) -> str:
    """The median, and the range when the runs differ: "98 (95-100)"."""
    median = statistics.median_low(values)
    return f"{median} ({min(values)}-{max(values)})" if min(values) != max(values) else str(median)


if __name__ == "__main__":
    main()
