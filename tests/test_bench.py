"""The bench's seed and its two-server check (bench/seed.py, bench/crossserver.py), at the
tiny size XS: the seed ends at the agency's today, a row made after it gets a fresh id,
and an edit through one app is read through another on the same database."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade

from bench import crossserver, pages
from bench.__main__ import working_copy
from bench.seed import MIGRATIONS, PASSWORD, build, month_start, reset_sequences, seeded_anchor
from coach import create_app
from coach.extensions import db
from coach.models import Trip, User, Visit
from tests.clock import freeze_clock
from tests.conftest import FAST_HASHING
from tests.factories import make_user

# A Wednesday early in a month, so the billed month (the previous one) is not this week's.
LOCAL_NOW = datetime(2027, 3, 3, 10, 0)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An XS database seeded with the clock stopped at LOCAL_NOW; (path, anchor)."""
    path = tmp_path_factory.mktemp("bench") / "bench-XS.db"
    with pytest.MonkeyPatch.context() as monkeypatch:
        freeze_clock(monkeypatch, LOCAL_NOW)
        anchor = build(f"sqlite:///{path}", "XS")
    return path, anchor


def bench_app(path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            **FAST_HASHING,
        }
    )
    return app


def logged_in(app, email="coach0@bench.test"):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_the_seed_ends_at_the_agencys_today(built):
    path, anchor = built
    assert anchor == LOCAL_NOW.date()
    app = bench_app(path)
    with app.app_context():
        assert seeded_anchor(db.session.connection()) == anchor
        newest = db.session.scalar(sa.select(sa.func.max(Visit.started_at)))
        assert newest.date() == anchor
        assert db.session.scalar(sa.select(sa.func.max(Trip.trip_date))) == anchor
        # The approved visits (the month the bench bills) all fall in the previous month.
        approved = db.session.execute(
            sa.select(sa.func.min(Visit.started_at), sa.func.max(Visit.started_at)).where(
                Visit.review_status == "approved"
            )
        ).one()
        billed = month_start(anchor, 1)
        assert billed <= approved[0].date() and approved[1].date() < month_start(anchor)
        week = db.session.scalar(
            sa.select(sa.func.count(Visit.id)).where(
                Visit.started_at
                >= datetime.combine(anchor - timedelta(days=6), datetime.min.time())
            )
        )
        assert week > 0
    # The pages ask for the anchor's months.
    table = pages(1, anchor)
    assert table["trip list"][1].endswith("month=2027-03")
    assert table["billing preview"][1].endswith("month=2027-02")


def test_the_seed_keeps_the_days_jobs_reach_milestones(built):
    """The seed's bulk inserts skip the flush: it writes the kept rows itself."""
    from coach.milestones.kept import reaches
    from coach.models import MilestoneReach

    path, _ = built
    with bench_app(path).app_context():
        kept = db.session.execute(sa.select(*MilestoneReach.__table__.columns)).all()
        assert kept and sorted(kept) == sorted(db.session.execute(reaches()).all())


def test_the_supervisors_visit_list_has_visits_this_week(built, monkeypatch):
    path, _ = built
    freeze_clock(monkeypatch, LOCAL_NOW)
    boss = logged_in(bench_app(path), "supervisor@bench.test")
    page = boss.get("/visits/?totals=1").get_data(as_text=True)
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert re.search(r"[1-9]\d* visits ·", page)  # the totals
    assert "Wed Mar 3, 10:00" in page  # the newest visit, this morning


def test_an_edit_through_one_server_is_read_through_the_other(built, tmp_path):
    path, _ = built
    work = working_copy(path, tmp_path / "run.db")
    a, b = logged_in(bench_app(work)), logged_in(bench_app(work))

    def side(name, client):
        return crossserver.Side(
            name,
            lambda p: client.get(p).get_data(as_text=True),
            lambda p, form: client.post(p, data=form).status_code,
        )

    rows = crossserver.check(side("A", a), side("B", b))
    assert [(r["wrote"], r["read"], r["fresh"]) for r in rows] == [
        ("A", "B", True),
        ("B", "A", True),
    ]


def test_a_server_on_another_database_reads_stale(built, tmp_path):
    path, _ = built
    other = logged_in(bench_app(working_copy(path, tmp_path / "other.db")))
    a = logged_in(bench_app(working_copy(path, tmp_path / "run.db")))
    writer = crossserver.Side(
        "A", lambda p: a.get(p).get_data(as_text=True), lambda p, f: a.post(p, data=f).status_code
    )
    reader = crossserver.Side("copy", lambda p: other.get(p).get_data(as_text=True), lambda p, f: 0)
    assert crossserver.edit_through(writer, "614-555-9999") == 302
    assert crossserver.read_through(writer, "614-555-9999")
    assert not crossserver.read_through(reader, "614-555-9999")


def test_a_row_made_after_the_seed_gets_a_fresh_id(ctx):
    """The seed writes ids itself; on PostgreSQL the sequences must be moved past them
    (on SQLite the function does nothing and the next id follows anyway)."""
    db.session.execute(
        sa.insert(User),
        [
            {
                "id": 50,
                "email": "seeded@bench.test",
                "name": "Seeded",
                "role": "coach",
                "password_hash": "x",
            }
        ],
    )
    db.session.commit()
    reset_sequences(db.session.connection())
    db.session.commit()
    assert make_user().id == 51


def test_reuse_keeps_a_current_database_migrates_an_older_one_and_rebuilds_an_unknown_one(
    built, tmp_path, monkeypatch
):
    import bench.__main__ as bench_main

    path, anchor = built
    monkeypatch.setattr(bench_main, "OUT", tmp_path)
    target = bench_main.Target("XS", None)
    working_copy(path, tmp_path / "bench-XS.db")
    builds = []
    monkeypatch.setattr(bench_main, "build", lambda url, size: builds.append(size) or anchor)
    assert target.state() == (bench_main.schema_head(), anchor)
    bench_main.prepare(target, reuse=True)
    assert builds == []

    url = f"sqlite:///{tmp_path / 'bench-XS.db'}"
    with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context():
        downgrade(directory=str(MIGRATIONS), revision="-1")  # one migration behind
    assert target.state()[0] != bench_main.schema_head()
    bench_main.prepare(target, reuse=True)
    assert builds == [], "migrated, not built again"
    assert target.state() == (bench_main.schema_head(), anchor)

    engine = sa.create_engine(url)
    with engine.begin() as connection:  # no migration knows it: built again
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'unknown'"))
    engine.dispose()
    bench_main.prepare(target, reuse=True)
    assert builds == ["XS"]
    assert bench_main.bench_port(set()) in bench_main.PORTS


def test_a_migrated_postgres_template_is_copied_for_the_run():
    """--reuse migrates an older PostgreSQL template; the run's database is then made
    from it with CREATE DATABASE … TEMPLATE, which PostgreSQL refuses while any session
    is open on the template."""
    import os

    import bench.__main__ as bench_main

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    target = bench_main.Target("TT", url)
    try:
        target.create_empty()
        bench_main.upgrade_built(target)
        run = sa.create_engine(target.copy_for_run())
        with run.connect() as connection:
            revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        run.dispose()
        assert revision == bench_main.schema_head()
    finally:
        target.drop(target.run)
        target.drop(target.built)
