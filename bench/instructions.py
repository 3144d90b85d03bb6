"""Instructions per request of each page, counted by valgrind's callgrind.

    python -m bench.instructions [--size S] [--requests 20] [PAGE ...]

Wall and CPU time on a shared machine move by a fifth between runs; an instruction
count does not (the same code and data give the same count to a tenth of a percent), so
this is the figure to compare a change by. Each page is served in-process (Flask test
client, as bench.inprocess) under callgrind with counting off; after 30 warm-up requests
counting is switched on for `--requests` requests. Uses a copy of the database `make
bench` built. Needs valgrind (apt-get install valgrind). An instruction is not a unit of time:
the ratios to /healthz come out higher than the CPU-time ratios.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pages
from bench.seed import PASSWORD, app_anchor

OUT = Path("bench/out")


def bench_app(size: str):
    """The app on a copy of the built database (made by main()): record pages write
    their audit rows, and the database `make bench` built must stay as built."""
    from coach import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{(OUT / f'instr-{size}.db').resolve()}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def child(size: str, who: str, path: str, hx: bool, requests: int, signals: str) -> None:
    """Runs under callgrind: warm up, say so, wait to be counted, run, say so, wait."""
    emails = {"coach": "coach0@bench.test", "boss": "supervisor@bench.test"}
    app = bench_app(size)
    client = app.test_client()
    client.post("/login", data={"email": emails[who], "password": PASSWORD})
    headers = {"Accept-Encoding": "gzip", **({"HX-Request": "true"} if hx else {})}
    for _ in range(30):
        client.get(path, headers=headers)
    signal = Path(signals)
    (signal / "ready").touch()
    while not (signal / "go").exists():
        time.sleep(0.05)
    for _ in range(requests):
        client.get(path, headers=headers)
    (signal / "done").touch()
    while True:
        time.sleep(1)


def count(size: str, who: str, path: str, hx: bool, requests: int) -> float:
    """Millions of instructions per request."""
    with tempfile.TemporaryDirectory() as signals:
        out = Path(signals) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--child",
            size,
            who,
            path,
            "1" if hx else "0",
            str(requests),
            signals,
        ]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(Path(signals) / "ready", proc)
            subprocess.run(
                ["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True
            )
            (Path(signals) / "go").touch()
            wait_for(Path(signals) / "done", proc)
            subprocess.run(
                ["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True
            )
        finally:
            proc.kill()
            proc.wait()
        total = 0
        for dump in Path(signals).glob("callgrind.out*"):
            match = re.search(r"^(?:summary|totals): (\d+)", dump.read_text(), re.M)
            total += int(match.group(1)) if match else 0
        return total / requests / 1e6


def bench_pages(size: str) -> dict:
    """The pages, with the checklist run the benchmark drives (as bench.inprocess finds it)
    and the database's anchor."""
    app = bench_app(size)
    client = app.test_client()
    client.post("/login", data={"email": "coach0@bench.test", "password": PASSWORD})
    run_id = int(re.findall(r'href="/runs/(\d+)"', client.get("/tasks/1").text)[0])
    return pages(run_id, app_anchor(app))


def wait_for(flag: Path, proc: subprocess.Popen) -> None:
    while not flag.exists():
        if proc.poll() is not None:
            raise RuntimeError("the page's process under callgrind stopped")
        time.sleep(0.1)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        size, who, path, hx, requests, signals = sys.argv[2:8]
        child(size, who, path, hx == "1", int(requests), signals)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="S")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("page", nargs="*", help="page names as in `make bench` (default: all)")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("bench.instructions needs valgrind: apt-get install valgrind")
    from bench.__main__ import working_copy

    working_copy(OUT / f"bench-{args.size}.db", OUT / f"instr-{args.size}.db")
    table = bench_pages(args.size)
    names = args.page or list(table)
    if "health" not in names:
        names.insert(0, "health")
    print(f"size {args.size}: millions of instructions per request, {args.requests} requests")
    health = None
    for name in names:
        who, path, headers = table[name]
        millions = count(args.size, who, path, "HX-Request" in headers, args.requests)
        health = health or millions
        print(f"  {name:<28} {millions:8.2f}  {millions / health:5.2f} × /healthz", flush=True)


if __name__ == "__main__":
    main()
