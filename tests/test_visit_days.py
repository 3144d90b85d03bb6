"""The agency's visits summed per local day (VisitDay) stay equal to the visits' own sums
after each kind of write, on the agency's local days, and with two writers at once."""

import threading
import time
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from coach.extensions import db
from coach.models import Visit, VisitDay
from coach.timeutil import local_input_value, to_local, utcnow
from coach.visits.days import day_sums, sum_every_day_again
from tests.conftest import count_queries, make_app
from tests.factories import ensure_agency, make_client, make_user, make_visit


def kept() -> dict[date, tuple]:
    rows = db.session.execute(
        sa.select(VisitDay.day, VisitDay.visits, VisitDay.minutes)
        .add_columns(VisitDay.community_minutes, VisitDay.units)
        .where(VisitDay.visits > 0)
    )
    return {day: tuple(sums) for day, *sums in rows}


def afresh(tz: str = "America/New_York") -> dict[date, tuple]:
    """Every day's sums worked out from the visits here, in Python."""
    sums: dict[date, list[int]] = {}
    for visit in db.session.scalars(sa.select(Visit).where(Visit.ended_at.is_not(None))):
        if visit.deleted_at is None:
            row = sums.setdefault(to_local(visit.started_at, tz).date(), [0, 0, 0, 0])
            minutes = visit.duration_minutes or 0
            row[0] += 1
            row[1] += minutes
            row[2] += minutes if visit.contact_type == "on_site" else 0
            row[3] += visit.service_units or 0
    return {day: tuple(row) for day, row in sums.items()}


def test_each_kind_of_visit_write_keeps_the_days_equal_to_the_visits(ctx):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    # 11:30 pm in New York on Nov 2 is 04:30 UTC on Nov 3: it is the 2nd's visit.
    late = make_visit(person, coach, minutes=45, started_at=datetime(2026, 11, 3, 4, 30))
    office = make_visit(person, coach, minutes=60, contact_type="office")
    make_visit(person, coach, minutes=None, started_at=datetime(2026, 11, 4, 15, 0))  # open
    assert kept() == afresh() == {date(2026, 11, 2): (2, 105, 45, 7)}

    office.started_at += timedelta(days=1)  # moved to another day
    office.ended_at += timedelta(days=1)
    db.session.commit()
    assert (
        kept() == afresh() == {date(2026, 11, 2): (1, 45, 45, 3), date(2026, 11, 3): (1, 60, 0, 4)}
    )

    office.contact_type, office.duration_minutes, office.service_units = "on_site", 30, 2
    db.session.commit()
    assert kept()[date(2026, 11, 3)] == (1, 30, 30, 2)

    late.deleted_at = datetime(2026, 11, 5, 12, 0)
    db.session.commit()
    assert kept() == afresh() == {date(2026, 11, 3): (1, 30, 30, 2)}

    opened = db.session.scalars(sa.select(Visit).where(Visit.ended_at.is_(None))).one()
    opened.ended_at = opened.started_at + timedelta(minutes=20)
    opened.duration_minutes, opened.service_units = 20, 1
    db.session.commit()
    assert (
        kept() == afresh() == {date(2026, 11, 3): (1, 30, 30, 2), date(2026, 11, 4): (1, 20, 20, 1)}
    )


def test_a_visit_ended_through_the_page_is_summed_on_its_day(ctx, client, auth):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    auth.login(coach.email)
    answer = client.post(
        f"/clients/{person.id}/visits/start",
        data={"idempotency_key": "k" * 32, "contact_type": "on_site"},
    )
    assert answer.status_code == 302
    visit = db.session.scalars(sa.select(Visit)).one()
    visit.started_at = utcnow() - timedelta(minutes=40)  # as if it began 40 minutes ago
    db.session.commit()
    assert kept() == {}  # open: nothing to sum yet
    local = local_input_value(visit.started_at, "America/New_York").strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        f"/visits/{visit.id}/end",
        data={"contact_type": "office", "started_at": local, "tasks_observed": "Folded"},
    )
    assert answer.status_code == 302
    db.session.expire_all()
    day = to_local(visit.started_at, "America/New_York").date()
    assert kept() == afresh()
    assert kept()[day][:3] == (1, 40, 0)  # in the office: no community minutes


def test_a_new_time_zone_sums_every_day_again(ctx):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_visit(person, coach, minutes=45, started_at=datetime(2026, 11, 3, 4, 30))
    assert set(kept()) == {date(2026, 11, 2)}
    ensure_agency(timezone="Europe/Berlin")  # 05:30 on the 3rd there
    assert kept() == afresh("Europe/Berlin") == {date(2026, 11, 3): (1, 45, 45, 3)}


def test_summing_every_day_again_changes_nothing_that_was_kept(ctx):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    for day in range(1, 8):
        make_visit(person, coach, minutes=10 * day, started_at=datetime(2026, 11, day, 15))
    before = kept()
    sum_every_day_again(db.session.connection(), "America/New_York")
    db.session.commit()
    assert kept() == before == afresh()
    assert len(before) == 7


def test_two_writers_of_one_day_at_once_both_count(tmp_path):
    """The second writer's sums wait for the first's commit and then include its visit
    (without the row lock, on PostgreSQL the later commit wrote 2 over 3)."""
    app = make_app(tmp_path)
    with app.app_context():
        coach = make_user("coach")
        person = make_client(coach, "Rosa", "Diaz")
        make_visit(person, coach, minutes=15, started_at=datetime(2026, 11, 2, 14))
        # Two people: writers of one person's visits already wait on each other (their
        # Today items are written again), the day's row must hold those of two.
        people = (person.id, make_client(coach, "Sam", "Lee").id)
        coach_id = coach.id
    flushed = threading.Event()
    errors = []

    def write(n: int, hold: float) -> None:
        try:
            with app.app_context():
                started_at = datetime(2026, 11, 2, 15 + n)
                db.session.add(
                    Visit(
                        client_id=people[n - 1],
                        coach_id=coach_id,
                        created_by_id=coach_id,
                        idempotency_key=f"race-{n}",
                        started_at=started_at,
                        ended_at=started_at + timedelta(minutes=30),
                        duration_minutes=30,
                        service_units=2,
                    )
                )
                if n == 2:
                    flushed.wait(5)
                db.session.flush()
                if n == 1:
                    flushed.set()
                time.sleep(hold)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    first = threading.Thread(target=write, args=(1, 0.5))
    second = threading.Thread(target=write, args=(2, 0))
    first.start()
    second.start()
    first.join(30)
    second.join(30)
    assert errors == []
    with app.app_context():
        assert kept() == afresh() == {date(2026, 11, 2): (3, 75, 75, 5)}
        first_, last = datetime(2026, 11, 2, 4), datetime(2026, 11, 3, 5)
        assert db.session.execute(day_sums(first_, last)).one() == (3, 75, 75, 5)


def test_every_coachs_totals_cost_the_same_with_ten_times_the_coaches(ctx, client, login_as):
    """The supervisor's visit list sums every coach's week from the days' rows: as many
    statements, and the right sums, with 2 coaches or 20."""

    def add_coaches(n: int) -> None:
        for _ in range(n):
            coach = make_user("coach")
            person = make_client(coach, "Rosa", "Diaz")
            for day in range(2, 9):
                make_visit(person, coach, minutes=15, started_at=datetime(2026, 11, day, 15))

    add_coaches(2)
    login_as("supervisor")
    url = "/visits/?start=2026-11-02&end=2026-11-08"
    with count_queries() as few:
        page = client.get(url).text
    assert "<strong>14</strong> visits" in page and "<strong>3.5 h</strong>" in page
    add_coaches(18)
    with count_queries() as many:
        page = client.get(url).text
    assert "<strong>140</strong> visits" in page and "<strong>35.0 h</strong>" in page
    assert len(many) == len(few)


def test_two_writers_of_one_clients_visits_queue_instead_of_deadlocking(tmp_path):
    """One transaction sums a day first (a visit's units changed) and rewrites the
    client's Today items in a later flush; another writes a new visit of the same client
    and day (items first, then the day). Without a common first lock PostgreSQL found
    them deadlocked and refused one (the bench's write mix); both now commit, in turn."""
    from coach.models import DueItem

    app = make_app(tmp_path)
    with app.app_context():
        coach = make_user("coach")
        person = make_client(coach, "Rosa", "Diaz")
        visit = make_visit(person, coach, minutes=15, started_at=datetime(2026, 11, 2, 14))
        assert db.session.scalar(sa.select(sa.func.count(DueItem.id))) > 0  # rows to lock
        person_id, coach_id, visit_id = person.id, coach.id, visit.id
    summed = threading.Event()
    errors = []

    def units_then_items() -> None:
        try:
            with app.app_context():
                visit = db.session.get(Visit, visit_id)
                visit.service_units = 3  # the day's sums only
                db.session.flush()
                summed.set()
                time.sleep(0.5)  # the other writer starts meanwhile
                visit.billing_units = 3  # Today's items are rewritten
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    def new_visit() -> None:
        try:
            with app.app_context():
                summed.wait(5)
                started_at = datetime(2026, 11, 2, 16)
                db.session.add(
                    Visit(
                        client_id=person_id,
                        coach_id=coach_id,
                        created_by_id=coach_id,
                        idempotency_key="queue-1",
                        started_at=started_at,
                        ended_at=started_at + timedelta(minutes=30),
                        duration_minutes=30,
                        service_units=2,
                    )
                )
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=units_then_items), threading.Thread(target=new_visit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        assert kept() == afresh() == {date(2026, 11, 2): (2, 45, 45, 5)}


def test_a_days_sums_are_read_from_the_index_alone(ctx):
    # Every visit save sums its day again: reading each visit row of a busy day took
    # 232 ms at XL (120,000 visits); the done-visits index holds every column summed.
    import pytest

    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    statement = day_sums(datetime(2026, 11, 29, 5), datetime(2026, 11, 30, 5))
    compiled = statement.compile(db.engine)
    with db.engine.connect() as conn:
        plan = " ".join(
            row[3]
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled),
                tuple(compiled.params[name] for name in compiled.positiontup),
            )
        )
    assert "COVERING INDEX ix_visits_done_started" in plan, plan
