"""The Today page: the items due, most urgent first, how long is left, and who sees
whose; the rule mechanism's time arithmetic in SQL."""

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from coach.extensions import db
from coach.today.due import When, as_utc, local_midnight
from coach.today.services import due_label
from tests.clock import freeze_clock
from tests.conftest import capture_statements, sqlite_plan, statements_of
from tests.factories import make_client, make_request, make_user

TZ = "America/New_York"


def when_at(local: datetime) -> When:
    return When(now=as_utc(local, TZ), tz=TZ, today=local.date())


def test_the_label_says_how_long_is_left_or_how_late():
    when = when_at(datetime(2026, 11, 30, 9, 0))
    at = lambda *a: as_utc(datetime(*a), TZ)  # noqa: E731
    assert due_label(at(2026, 11, 30, 14, 0), when) == "in 5 h"
    assert due_label(at(2026, 11, 30, 9, 40), when) == "in 40 min"
    assert due_label(at(2026, 11, 30, 8, 59), when) == "1 min late"
    assert due_label(at(2026, 11, 30, 3, 0), when) == "6 h late"
    assert due_label(at(2026, 12, 1, 10, 0), when) == "tomorrow"
    assert due_label(at(2026, 12, 3, 10, 0), when) == "in 3 days"
    assert due_label(at(2026, 11, 28, 8, 0), when) == "2 days late"
    assert due_label(at(2026, 11, 29, 8, 0), when) == "1 day late"


def test_the_day_count_is_the_agencys_local_date():
    # 8 pm local on Nov 30 is already Dec 1 in UTC; due 10 am Dec 2 local is "in 2 days".
    when = when_at(datetime(2026, 11, 30, 20, 0))
    assert due_label(as_utc(datetime(2026, 12, 2, 10, 0), TZ), when) == "in 2 days"


def sql_midnight(ctx_day: date, when: When, days_after=0) -> datetime:
    return db.session.scalar(sa.select(local_midnight(sa.literal(ctx_day), when, days_after)))


def test_local_midnight_in_sql_follows_daylight_saving(ctx):
    when = when_at(datetime(2026, 11, 30, 9, 0))
    assert sql_midnight(date(2026, 11, 30), when) == datetime(2026, 11, 30, 5, 0)  # EST
    assert sql_midnight(date(2026, 7, 1), when) == datetime(2026, 7, 1, 4, 0)  # EDT
    # Spring forward on Sunday Mar 14, 2027: midnight that day is still EST,
    # the next midnight is EDT; a day after Mar 14 is 23 hours later.
    assert sql_midnight(date(2027, 3, 14), when) == datetime(2027, 3, 14, 5, 0)
    assert sql_midnight(date(2027, 3, 14), when, days_after=1) == datetime(2027, 3, 15, 4, 0)
    assert sql_midnight(date(2027, 3, 15), when) == datetime(2027, 3, 15, 4, 0)
    # Fall back on Sunday Nov 1, 2026.
    assert sql_midnight(date(2026, 10, 31), when, days_after=1) == datetime(2026, 11, 1, 4, 0)
    assert sql_midnight(date(2026, 11, 1), when, days_after=1) == datetime(2026, 11, 2, 5, 0)


def test_home_is_today_and_its_tab_comes_first(client, login_as):
    login_as("coach")
    response = client.get("/")
    assert response.location == "/today/"
    page = client.get("/today/").text
    assert 'href="/today/" aria-current="page"' in page
    assert page.index("/today/") < page.index("/clients/")


def test_a_coach_sees_their_accommodation_check_and_not_anothers(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    other = make_user("coach")
    mine = make_request(make_client(coach, "Rosa", "Diaz"), coach, follow_up_due=date(2026, 11, 28))
    make_request(make_client(other, "Private", "Person"), other, follow_up_due=date(2026, 11, 28))
    page = client.get("/today/").text
    assert "Rosa Diaz" in page and "Private" not in page
    assert "1 day late" in page  # due by the end of Nov 28: late since Nov 29, 0:00
    assert f'href="/accommodations/{mine.id}"' in page
    assert "1 overdue" in page


def test_a_recorded_check_leaves_today(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_request(
        person, coach, follow_up_due=date(2026, 12, 1), follow_up_done_on=date(2026, 11, 29)
    )
    assert "Rosa Diaz" not in client.get("/today/").text


def test_items_further_than_two_weeks_and_closed_cases_wait(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    make_request(make_client(coach, "Later", "Person"), coach, follow_up_due=date(2026, 12, 20))
    closed = make_client(coach, "Closed", "Case", status="closed")
    make_request(closed, coach, follow_up_due=date(2026, 11, 20))
    page = client.get("/today/").text
    assert "Later" not in page and "Closed" not in page
    assert "Nothing due in the next two weeks" in page


def test_most_urgent_first(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    make_request(make_client(coach, "Soon", "Person"), coach, follow_up_due=date(2026, 12, 2))
    make_request(make_client(coach, "Late", "Person"), coach, follow_up_due=date(2026, 11, 20))
    make_request(make_client(coach, "Now", "Person"), coach, follow_up_due=date(2026, 11, 30))
    page = client.get("/today/").text
    assert page.index("Late Person") < page.index("Now Person") < page.index("Soon Person")
    assert "in 15 h" in page  # by the end of today: midnight, from 9 am


def test_a_supervisor_sees_everyone_grouped_by_coach_with_overdue_counts(
    client, login_as, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    login_as("supervisor")
    ann, bob = make_user("coach", name="Ann Coach"), make_user("coach", name="Bob Coach")
    for day in (20, 21):
        make_request(
            make_client(ann, "Annie", f"Client{day}"), ann, follow_up_due=date(2026, 11, day)
        )
    make_request(make_client(bob, "Bobby", "Client"), bob, follow_up_due=date(2026, 12, 3))
    page = client.get("/today/").text
    assert page.index("Ann Coach") < page.index("Bob Coach")  # the oldest item first
    assert "2 overdue of 2" in page and "0 overdue of 1" in page
    only_bob = client.get(f"/today/?coach={bob.id}").text
    assert "Bobby Client" in only_bob and "Annie" not in only_bob


def test_a_supervisor_pages_through_coaches_each_with_their_three_most_urgent(
    client, login_as, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    login_as("supervisor")
    for n in range(12):
        coach = make_user("coach", name=f"Coach {n:02d}")
        for day in range(4 if n else 5):  # Coach 00 has five items, the others four
            person = make_client(coach, "Client", f"C{n:02d}D{day}")
            first_day = 10 if n == 11 else 20  # Coach 11's oldest item has waited longest
            make_request(person, coach, follow_up_due=date(2026, 11, first_day + day))
    first = client.get("/today/").text
    assert first.index("Coach 11") < first.index("Coach 00") < first.index("Coach 01")
    assert "Coach 08" in first and "Coach 09" not in first and "Page 1 of 2" in first
    shown = [f"C00D{day}" for day in range(5) if f"C00D{day}" in first]
    assert shown == ["C00D0", "C00D1", "C00D2"]  # the three most urgent
    assert "All 5 of Coach 00’s items" in first
    second = client.get("/today/?page=2").text
    assert "Coach 09" in second and "Coach 10" in second and "Coach 00" not in second
    coach_00 = re.search(r'href="(/today/\?coach=\d+)">All 5 of Coach 00', first)[1]
    everything = client.get(coach_00).text
    assert all(f"C00D{day}" in everything for day in range(5))


def test_the_page_audits_the_clients_it_shows(client, login_as, monkeypatch):
    from coach.models import AuditEvent

    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_request(person, coach, follow_up_due=date(2026, 11, 30))
    client.get("/today/")
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.user_id == coach.id, AuditEvent.action == "view")
    ).all()
    assert [(r.entity_type, r.entity_id) for r in rows] == [("client", person.id)]


def fill_caseload(coach, clients: int) -> None:
    """Clients with something for every rule: an accommodation check, a call to return,
    a job problem, a job starting in 5 days, three unanswered attempts, a visit."""
    from coach.models import PlacementEvent
    from tests.factories import make_employer, make_placement, make_visit, make_worksite
    from tests.test_today_rules import contact

    site = make_worksite(make_employer())
    for n in range(clients):
        person = make_client(coach, "Person", f"Number{n}", created_at=datetime(2026, 9, 1))
        make_request(person, coach, follow_up_due=date(2026, 11, 20 + n % 10))
        contact(person, coach, datetime(2026, 11, 29, 8 + n % 10, 0))
        job = make_placement(person, site, start_date=date(2026, 11, 16))
        make_placement(person, site, start_date=date(2026, 12, 5), created_at=datetime(2026, 11, 1))
        make_visit(person, coach, started_at=datetime(2026, 11, 20, 14, 0), placement_id=job.id)
        for hour in (20, 21, 22):  # after the call (a contact too), unanswered
            contact(person, coach, datetime(2026, 11, 29, hour), direction="out").reached = False
        db.session.add(
            PlacementEvent(
                placement_id=job.id,
                client_id=person.id,
                created_by_id=coach.id,
                idempotency_key=f"event-{person.id}",
                kind="problem",
                happened_at=datetime(2026, 11, 30, 12, 0),
            )
        )
        db.session.commit()


def test_the_page_costs_the_same_with_ten_times_the_items(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    fill_caseload(coach, 2)
    small = statements_of(client, "/today/")
    kinds = client.get("/today/").text
    for label in ("Reply:", "See the employer:", "Job starts soon:", "New job:", "Team review:"):
        assert label in kinds  # every rule has items at both sizes
    fill_caseload(coach, 18)
    assert statements_of(client, "/today/") == small <= 10


def test_a_supervisors_page_costs_the_same_with_more_coaches(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    login_as("supervisor")
    fill_caseload(make_user("coach"), 2)
    small = statements_of(client, "/today/")
    for _ in range(5):
        fill_caseload(make_user("coach"), 3)
    assert statements_of(client, "/today/") == small <= 10


def due_item_rows_read(client, path: str) -> tuple[int, list[str]]:
    """The rows of due_items the statement of each coach's first items reads, and its
    plan. PostgreSQL counts them (EXPLAIN ANALYZE: the rows each scan of the table
    returned or read and dropped, times its loops); SQLite says only how it reads the
    table, so there the count is 0 and the plan is what a test reads."""
    with capture_statements() as statements:
        assert client.get(path).status_code == 200
    ((statement, parameters),) = [s for s in statements if "due_items.todo" in s[0]]
    if db.engine.dialect.name == "sqlite":
        return 0, sqlite_plan(statement, parameters)
    with db.engine.connect() as conn:
        # A test's tables fit in a page or two, which PostgreSQL reads whole whatever the
        # statement's shape (and the statistics earlier tests left could say anything):
        # with what suits a small table priced out (reading it whole, hashing, sorting),
        # the plan is the one of a table the size of an agency's.
        conn.exec_driver_sql("ANALYZE due_items, clients")  # this test's rows, not the last's
        for knob in ("seqscan", "bitmapscan", "hashjoin", "mergejoin", "sort"):
            conn.exec_driver_sql(f"SET LOCAL enable_{knob} = off")
        explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
        plan = conn.exec_driver_sql(explain, parameters).scalar()[0]["Plan"]

    def rows(node) -> int:
        read = 0
        if node.get("Relation Name") == "due_items":  # returned, or read and dropped
            dropped = node.get("Rows Removed by Filter", 0) + node.get(
                "Rows Removed by Index Recheck", 0
            )
            read = (node["Actual Rows"] + dropped) * node.get("Actual Loops", 1)
        return read + sum(rows(child) for child in node.get("Plans", []))

    return rows(plan), []


def test_a_supervisors_first_items_per_coach_read_the_same_rows_with_more_items(
    client, login_as, monkeypatch
):
    """Each coach's three most urgent items are read off the index, and no more: on
    PostgreSQL a correlated `id IN (… LIMIT 3)` ran once per item of the agency (1.3 s at
    L, 300k index probes), so the rows read grew with every coach's items."""
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    login_as("supervisor")
    coaches = [make_user("coach", name=f"Coach {n}") for n in range(3)]

    def add_items(count: int, first_day: int) -> None:
        for coach in coaches:
            for day in range(first_day, first_day + count):
                person = make_client(coach, "Client", f"D{day}")
                make_request(person, coach, follow_up_due=date(2026, 11, 1) + timedelta(days=day))

    add_items(4, 0)
    few, plan = due_item_rows_read(client, "/today/")
    add_items(20, 4)  # due later: the first items stay the first
    many, plan = due_item_rows_read(client, "/today/")
    assert many == few <= 3 * 4, (few, many)
    if plan:  # SQLite: each coach's items are sought in the index, none read in full
        assert any("INDEX ix_due_items_coach_due (coach_id=?" in step for step in plan), plan
        assert not any(step.startswith("SCAN due_items") for step in plan), plan


def test_a_job_starting_in_5_days_shows_both_meetings(client, login_as, monkeypatch):
    from tests.factories import make_employer, make_placement, make_worksite

    freeze_clock(monkeypatch, datetime(2026, 12, 2, 9, 0))
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    make_placement(person, make_worksite(make_employer()), start_date=date(2026, 12, 7))
    page = client.get("/today/").text
    assert "Job starts soon: Meet before the job starts" in page
    assert "New job: Meet in the first 3 days of the job" in page
    assert page.count(f'href="/clients/{person.id}"') == 2


def test_today_lists_a_new_lead_and_shows_the_weeks_employer_contacts(
    client, login_as, monkeypatch
):
    from tests.factories import make_contact, make_employer, make_lead

    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))  # a Monday
    coach = login_as("coach")
    rosa = make_client(coach, "Rosa", "Diaz")
    bakery = make_employer("Blue Door Bakery", created_by=coach)
    lead = make_lead(coach, bakery, [rosa], created_at=as_utc(datetime(2026, 11, 29, 9, 0), TZ))
    make_contact(coach, bakery, date(2026, 11, 30), "in_person")
    make_contact(coach, bakery, date(2026, 11, 29), "phone")  # Sunday: last week
    page = client.get("/today/").text
    item = page.split(f'href="/leads/{lead.id}"')[1].split("</a>")[0]
    assert "Rosa Diaz" in item and "tomorrow" in item and "Follow up the lead" in item
    assert "<strong>1 of 6</strong> employer contacts (1 in person)" in page
    assert 'href="/jobdev/new"' in page  # log a contact from home
