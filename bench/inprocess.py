"""Server time per page, one request at a time, in this process (Flask test client).

    python -m bench.inprocess [--size S] [--repeat 200] [--profile PAGE] [--pages A,B]
                              [--database-url postgresql+psycopg://…/NAME] [--statements]

Uses the databases `make bench` built (bench/out/bench-S.db, -L.db; with --database-url
a fresh copy NAME_l_run of the PostgreSQL template NAME_l). No network and no load
generator: what is left is what a request costs the app itself. CPU time is shown
beside wall time because other work on the machine inflates the latter; the quickest
round is the steadiest figure. On PostgreSQL the database server's CPU is not in this
process's, so read the wall time there (and `--statements`: each page's statements of
one warm request with their time, slowest first). `--profile` prints a pyinstrument
profile of one page (pip install pyinstrument).
"""

import argparse
import re
import statistics
import time
from contextlib import contextmanager

import sqlalchemy as sa

from bench import pages
from bench.seed import PASSWORD, app_anchor

OUT = "bench/out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="S")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", help="a page name, e.g. 'mileage review'")
    parser.add_argument("--pages", help="page names, comma-separated (default: every page)")
    parser.add_argument("--database-url", help="PostgreSQL: the bench's NAME (as python -m bench)")
    parser.add_argument(
        "--statements", action="store_true", help="each page's statements and their time"
    )
    args = parser.parse_args()

    from pathlib import Path

    from coach import create_app

    if args.database_url:  # a copy of the template, as a bench run serves
        from bench.__main__ import Target

        url = Target(args.size, args.database_url).copy_for_run()
    else:
        url = f"sqlite:///{(Path(OUT) / f'bench-{args.size}.db').resolve()}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "QUERY_COUNT_HEADER": True,
        }
    )
    import gc

    gc.freeze()  # as app.py does for gunicorn's workers
    clients = {}
    for who, email in (("coach", "coach0@bench.test"), ("boss", "supervisor@bench.test")):
        c = app.test_client()
        c.post("/login", data={"email": email, "password": PASSWORD})
        clients[who] = c
    head = {"Accept-Encoding": "gzip"}
    run_page = clients["coach"].get("/tasks/1").get_data(as_text=True)
    table = pages(int(re.findall(r'href="/runs/(\d+)"', run_page)[0]), app_anchor(app))
    if args.pages:
        wanted = {"health", *args.pages.split(",")}
        table = {name: page for name, page in table.items() if name in wanted}
    if args.statements:
        for name, (who, path, headers) in table.items():
            clients[who].get(path, headers={**head, **headers})  # warm
            with timed_statements(app) as statements:
                start = time.perf_counter()
                clients[who].get(path, headers={**head, **headers})
                total = (time.perf_counter() - start) * 1000
            sql = sum(ms for ms, _ in statements)
            print(f"{name}: {total:.1f} ms, {len(statements)} statements, {sql:.1f} ms of SQL")
            for ms, statement in sorted(statements, reverse=True):
                print(f"  {ms:8.2f} ms  {' '.join(statement.split())[:160]}")
        return
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
    # Pages take turns in rounds of 20 requests, so a burst of other work on the machine
    # hits every page alike; the quickest round is the page's cost with the least noise.
    rounds, batch = max(1, args.repeat // 20), 20
    cpu = {name: [] for name in table}
    wall = {name: [] for name in table}
    last = {}
    for _ in range(rounds + 1):  # the first round warms up
        for name, (who, path, headers) in table.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(batch):
                last[name] = clients[who].get(path, headers={**head, **headers})
            cpu[name].append((time.process_time() - start_cpu) * 1000 / batch)
            wall[name].append((time.perf_counter() - start) * 1000 / batch)
    print(f"size {args.size}: ms per request, {rounds} rounds of {batch}")
    print(f"  {'page':<28} {'CPU min':>7} {'CPU med':>7} {'wall med':>8} {'÷health':>7}")
    health = min(cpu["health"][1:])
    for name, r in last.items():
        assert r.status_code == 200, (name, r.status_code)
        print(
            f"  {name:<28} {min(cpu[name][1:]):7.2f} {statistics.median(cpu[name][1:]):7.2f}"
            f" {statistics.median(wall[name][1:]):8.2f} {min(cpu[name][1:]) / health:7.2f}"
            f"  {r.headers.get('X-Query-Count')} SQL  {len(r.data) / 1024:5.1f} KB"
            f" {r.headers.get('Content-Encoding') or ''}"
        )


@contextmanager
def timed_statements(app):
    """[(ms, statement)] of the statements sent inside the block (from the cursor's
    execute to its return: the rows of a streamed result are not in it)."""
    from coach.extensions import db

    with app.app_context():
        engine = db.engine
    statements, started = [], []

    def before(conn, cursor, statement, *args):
        started.append(time.perf_counter())

    def after(conn, cursor, statement, *args):
        statements.append(((time.perf_counter() - started.pop()) * 1000, statement))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


if __name__ == "__main__":
    main()
