"""Server time per page, one request at a time, in this process (Flask test client).

    python -m bench.inprocess [--size S] [--repeat 200] [--profile PAGE]

CPU time is shown beside wall time because other work on the machine inflates the
latter. Uses the database `make bench` built (bench/out/bench-S.db or -L.db). No network, no
load generator: what is left is what a request costs the app itself. `--profile`
prints a pyinstrument profile of one page (pip install pyinstrument).
"""

import argparse
import re
import statistics
import time

from bench import pages
from bench.seed import PASSWORD

OUT = "bench/out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="S")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", help="a page name, e.g. 'mileage review'")
    args = parser.parse_args()

    from pathlib import Path

    from coach import create_app

    db_path = (Path(OUT) / f"bench-{args.size}.db").resolve()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "QUERY_COUNT_HEADER": True,
        }
    )
    clients = {}
    for who, email in (("coach", "coach0@bench.test"), ("boss", "supervisor@bench.test")):
        c = app.test_client()
        c.post("/login", data={"email": email, "password": PASSWORD})
        clients[who] = c
    head = {"Accept-Encoding": "gzip"}
    run_page = clients["coach"].get("/tasks/1").get_data(as_text=True)
    table = pages(int(re.findall(r'href="/runs/(\d+)"', run_page)[0]))
    if args.profile:
        from pyinstrument import Profiler

        who, path, headers = table[args.profile]
        for _ in range(20):
            clients[who].get(path, headers={**head, **headers})
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.repeat):
            clients[who].get(path, headers={**head, **headers})
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    print(f"size {args.size}, {args.repeat} requests per page, wall median, p95 and mean CPU in ms")
    for name, (who, path, headers) in table.items():
        times, cpu = [], []
        for i in range(args.repeat + 10):
            start, start_cpu = time.perf_counter(), time.process_time()
            r = clients[who].get(path, headers={**head, **headers})
            if i >= 10:  # warm-up
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
        assert r.status_code == 200, (path, r.status_code)
        times.sort()
        print(
            f"  {name:<28} {statistics.median(times):6.2f} {times[int(len(times) * 0.95)]:6.2f}"
            f" {statistics.mean(cpu):6.2f}"
            f"  {r.headers.get('X-Query-Count')} SQL  {len(r.data) / 1024:5.1f} KB"
            f" {r.headers.get('Content-Encoding') or ''}"
        )


if __name__ == "__main__":
    main()
