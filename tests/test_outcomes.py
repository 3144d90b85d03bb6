"""The outcomes page as its users see it: filters, links to the records behind each
figure, the CSV, and scope (a coach sees only their caseload's figures and records)."""

import csv
import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent
from tests.clock import freeze_clock
from tests.conftest import capture_statements, sqlite_plan, statements_of
from tests.factories import (
    make_client,
    make_contact,
    make_employer,
    make_placement,
    make_user,
    make_visit,
    make_worksite,
)

KINDS = [
    "caseload",
    "employed",
    "starts",
    "first_contact",
    "first_start",
    "retention",
    "endings",
    "pay",
    "progression",
    "contacts",
    "community",
]


@pytest.fixture(autouse=True)
def late_evening(monkeypatch):
    # 9:30 pm on Nov 30 in New York: 02:30 UTC on Dec 1.
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 21, 30))


def caseload_of(coach, first, employer, start=date(2026, 3, 2), **job):
    person = make_client(coach, first, "Sample", referral_date=date(2026, 2, 1))
    make_placement(person, make_worksite(employer), "Stocker", start_date=start, **job)
    make_contact(coach, employer, contact_date=date(2026, 2, 11), clients=[person])
    make_visit(person, coach, 30, datetime(2026, 3, 3, 15))
    return person


@pytest.fixture
def two_caseloads(ctx):
    mine, theirs = make_user("coach", name="Mia Coach"), make_user("coach", name="Theo Coach")
    employer = make_employer("Grocer")
    caseload_of(mine, "Alma", employer, hourly_wage_cents=1500)
    caseload_of(theirs, "Private", employer, start=date(2026, 4, 6), hourly_wage_cents=2500)
    return mine, theirs


def value_of(page: str, label: str) -> str:
    match = re.search(rf">{label}</h2>\s*<p class=\"stat-value\">([^<]*)<", page)
    assert match, label
    return match.group(1)


def test_the_default_period_is_the_last_twelve_local_months(client, login_as):
    login_as("supervisor")
    page = client.get("/outcomes/").text
    assert "Dec 1, 2025 to Nov 30, 2026" in page  # not from Jan 1: the UTC date is Dec 1
    assert page.count("/outcomes/records/starts?month=") == 12


def test_a_coach_sees_only_their_caseloads_figures(client, auth, two_caseloads):
    mine, theirs = two_caseloads
    auth.login(mine.email)
    page = client.get("/outcomes/").text
    assert value_of(page, "Caseload size") == "1"
    assert value_of(page, "Median hourly wage") == "$15.00"
    assert "my caseload" in page and 'name="coach"' not in page  # no coach filter
    # Another coach's id in the filter changes nothing.
    assert value_of(client.get(f"/outcomes/?coach={theirs.id}").text, "Caseload size") == "1"
    for kind in KINDS:
        records = client.get(f"/outcomes/records/{kind}?coach={theirs.id}")
        assert records.status_code == 200 and "Private" not in records.text, kind
    assert "Alma" in client.get("/outcomes/records/caseload").text


def test_a_supervisor_sees_everyone_and_filters_by_coach(client, login_as, two_caseloads):
    mine, theirs = two_caseloads
    login_as("supervisor")
    page = client.get("/outcomes/").text
    assert value_of(page, "Caseload size") == "2"
    assert value_of(page, "Median hourly wage") == "$20.00"
    assert "Showing all coaches" in page and "Theo Coach" not in page  # no list of staff
    matches = client.get("/clients/coaches?coach_q=theo&start=2026-01-01").text
    assert f'href="?start=2026-01-01&amp;coach={theirs.id}"' in matches  # the coach search
    page = client.get(f"/outcomes/?coach={theirs.id}").text
    assert "Showing Theo Coach" in page
    assert value_of(page, "Caseload size") == "1"
    assert value_of(page, "Median hourly wage") == "$25.00"
    assert (
        f"/outcomes/records/caseload?start=2025-12-01&amp;end=2026-11-30&amp;coach={theirs.id}"
        in page
    )
    records = client.get(f"/outcomes/records/caseload?coach={theirs.id}").text
    assert "Private" in records and "Alma" not in records


def test_the_dates_narrow_the_figures(client, login_as, two_caseloads):
    login_as("supervisor")
    page = client.get("/outcomes/?start=2026-03-01&end=2026-03-31").text
    assert "Mar 1, 2026 to Mar 31, 2026" in page
    assert re.search(r'>Job starts</h2>\s*<p class="stat-value">1<', page)  # Alma's only
    starts = client.get("/outcomes/records/starts?start=2026-03-01&end=2026-03-31").text
    assert "Alma" in starts and "Private" not in starts
    april = client.get("/outcomes/records/starts?month=2026-04").text
    assert "Private" in april and "Alma" not in april


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2026-05-01&end=2026-04-01", "The end is before the start."),
        ("start=1900-01-01", "Enter a date from"),
        ("end=not-a-date", "Enter a date, like 2026-11-02."),
        ("coach=999999", "Showing all coaches."),  # no such person: everyone's
    ],
)
def test_bad_filters_say_why_beside_the_field_and_fall_back(client, login_as, query, message):
    login_as("supervisor")
    response = client.get(f"/outcomes/?{query}")
    assert response.status_code == 200
    assert message in response.text
    assert "Caseload size" in response.text


def test_every_figure_links_to_its_records(client, login_as, two_caseloads):
    login_as("supervisor")
    page = client.get("/outcomes/").text
    for kind in KINDS:
        assert f"/outcomes/records/{kind}?" in page, kind
        response = client.get(f"/outcomes/records/{kind}")
        assert response.status_code == 200, kind
    assert client.get("/outcomes/records/nothing").status_code == 404
    pay = client.get("/outcomes/records/pay").text
    assert "Alma Sample" in pay and "$15.00" in pay and "/clients/placements/" in pay


def test_records_pages_log_each_client_shown(client, login_as, two_caseloads):
    viewer = login_as("supervisor")
    client.get("/outcomes/records/caseload")
    logged = db.session.scalars(
        sa.select(AuditEvent.entity_id).where(
            AuditEvent.user_id == viewer.id, AuditEvent.action == "view"
        )
    ).all()
    assert len(logged) == 2


def test_the_figures_download_as_csv(client, login_as, two_caseloads):
    mine, _ = two_caseloads
    login_as("supervisor")
    response = client.get(f"/outcomes/outcomes.csv?coach={mine.id}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["figure", "part", "value", "count", "period", "coach"]
    by_name = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert by_name[("caseload size", "")] == "1"
    assert by_name[("job starts per month", "2026-03")] == "1"
    assert by_name[("median hourly wage", "2026-11-30")] == "15.00"
    assert all(r[4] == "2025-12-01 to 2026-11-30" and r[5] == str(mine.id) for r in rows[1:])
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "export")
    )


def test_a_coach_opens_the_outcomes_of_their_caseload_from_more(client, login_as):
    login_as("coach")
    assert "Outcomes of my caseload" in client.get("/menu").text


def fill(coaches: int, per_coach: int):
    employer = make_employer("Grocer")
    for n in range(coaches):
        coach = make_user("coach")
        for k in range(per_coach):
            person = caseload_of(
                coach,
                f"P{n}-{k}",
                employer,
                start=date(2026, 1 + k % 9, 1 + k % 27),
                hourly_wage_cents=1500 + k,
                weekly_hours_tenths=200,
            )
            person.intake_date = date(2026, 2, 5)
    db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/outcomes/",
        "/outcomes/records/progression",
        "/outcomes/records/pay",
        "/outcomes/records/contacts",
        "/outcomes/records/community",
    ],
)
def test_the_outcomes_pages_cost_the_same_with_more_records(client, login_as, path):
    login_as("supervisor")
    fill(1, 2)
    few = statements_of(client, path)
    fill(3, 12)
    many = statements_of(client, path)
    print(f"{path}: {few} → {many}")
    assert many == few and few <= 15


def test_a_long_list_of_records_counts_only_so_far_and_pages_on(
    client, login_as, two_caseloads, monkeypatch
):
    """Counting every record behind a figure cost more than the page (XL, the visits of
    the community share: 440 ms); a list says "more than" past the cap and pages on, a
    person's two jobs on two pages."""
    mine, _ = two_caseloads
    employer = make_employer("Mill")
    bo = caseload_of(mine, "Bo", employer, hourly_wage_cents=1800)
    make_placement(bo, make_worksite(employer), "Baker", start_date=date(2026, 1, 5))
    caseload_of(mine, "Cy", employer, hourly_wage_cents=1800)
    monkeypatch.setattr("coach.records.COUNTED_UP_TO", 2)
    monkeypatch.setitem(client.application.config, "PAGE_SIZE", 1)
    login_as("supervisor")

    def job_on(page: int) -> str:
        text = client.get(f"/outcomes/records/pay?page={page}").text
        return re.search(r'card-title"><a [^>]*>([^<]+)</a>.*?<dd>(\w+) at', text, re.S).groups()

    first = client.get("/outcomes/records/pay").text
    assert "· more than 2 records" in first and "Alma Sample" in first
    assert "Page 1<" in first and "Page 1 of" not in first and 'rel="next"' in first
    assert [job_on(n) for n in (2, 3, 4)] == [
        ("Bo Sample", "Baker"),
        ("Bo Sample", "Stocker"),
        ("Cy Sample", "Stocker"),
    ]
    last = client.get("/outcomes/records/pay?page=5").text  # counted as far as this page
    assert "· 5 records" in last and "Private Sample" in last
    assert "Page 5 of 5" in last and 'rel="next"' not in last
    one_coach = client.get(f"/outcomes/records/pay?coach={mine.id}&page=4").text
    assert "Cy Sample" in one_coach and "Private" not in one_coach


def test_the_pay_records_read_the_clients_by_name_and_stop(client, login_as, two_caseloads):
    """A page of the pay records picks its jobs among the first clients by name who hold
    one, not by sorting every job held (XL: 20 ms of SQL, 0.1 ms now)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    login_as("supervisor")
    with capture_statements() as statements:
        client.get("/outcomes/records/pay")
    page = next(sqlite_plan(s, p) for s, p in statements if "employers.name" in s)
    assert "SCAN clients USING INDEX ix_clients_last_name" in page
    assert not any("ix_placements_start_end" in step for step in page)  # no held-jobs walk


def test_the_pay_records_are_the_jobs_held_by_name(client, login_as, two_caseloads):
    mine, _ = two_caseloads
    mill = make_employer("Mill")
    ended = dict(start=date(2026, 1, 5), end_date=date(2026, 2, 27))
    caseload_of(mine, "Ida", mill, **ended)  # not held on the as-of day
    bo = caseload_of(mine, "Bo", mill, start=date(2026, 5, 4), hourly_wage_cents=1800)
    make_placement(bo, make_worksite(mill), "Baker", start_date=date(2026, 1, 5))
    login_as("supervisor")

    page = client.get("/outcomes/records/pay").text
    jobs = re.findall(r'<span class="card-title"><a [^>]*>([^<]+)</a>.*?<dd>(\w+) at', page, re.S)
    assert jobs == [
        ("Alma Sample", "Stocker"),
        ("Bo Sample", "Baker"),  # a person's jobs by start
        ("Bo Sample", "Stocker"),
        ("Private Sample", "Stocker"),
    ]
    assert "· 4 records" in page and "Ida" not in page


def test_the_progression_records_are_the_people_of_the_figure(client, login_as, two_caseloads):
    """A person's current wage is the wage of the job they hold that started last; they
    are left out without a job that day or without a wage recorded."""
    mine, _ = two_caseloads
    mill = make_employer("Mill")
    two_jobs = caseload_of(mine, "Bo", mill, start=date(2026, 1, 5), hourly_wage_cents=1600)
    make_placement(
        two_jobs, make_worksite(mill), "Baker", start_date=date(2026, 6, 1), hourly_wage_cents=2000
    )
    unpaid_latest = caseload_of(mine, "Cy", mill, start=date(2026, 1, 5), hourly_wage_cents=1700)
    make_placement(unpaid_latest, make_worksite(mill), "Baker", start_date=date(2026, 6, 1))
    caseload_of(mine, "Ida", mill, start=date(2026, 1, 5), end_date=date(2026, 2, 27),
                hourly_wage_cents=1900)  # fmt: skip
    caseload_of(mine, "Noa", mill)  # no wage ever recorded
    login_as("supervisor")

    figure = client.get("/outcomes/").text
    assert "1 of 3 people earn more than at first" in figure
    page = client.get("/outcomes/records/progression").text
    people = re.findall(
        r'<span class="card-title"><a [^>]*>([^<]+)</a>.*?<dt>First wage</dt><dd>([^<]+)</dd>'
        r".*?<dt>Current wage</dt><dd>([^<]+)</dd>",
        page,
        re.S,
    )
    assert people == [
        ("Alma Sample", "$15.00", "$15.00"),
        ("Bo Sample", "$16.00", "$20.00"),
        ("Private Sample", "$25.00", "$25.00"),
    ]
    assert "· 3 records" in page


def test_the_progression_records_walk_the_clients_by_name_and_stop(client, login_as, two_caseloads):
    """A page of the progression reads clients in name order until it has its rows, not
    every job held (XL: 231 ms of SQL for the count and the page, 4 ms now)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    login_as("supervisor")
    with capture_statements() as statements:
        client.get("/outcomes/records/progression")
    page = next(sqlite_plan(s, p) for s, p in statements if s.startswith("SELECT clients.id"))
    assert page[0] == "SCAN clients USING INDEX ix_clients_last_name"
    assert "USE TEMP B-TREE FOR ORDER BY" not in page and not any(
        "MATERIALIZE" in step for step in page
    )


def test_the_pay_figures_read_the_jobs_held_from_the_index_and_count_once(
    client, login_as, two_caseloads
):
    """The jobs held, with their client, pay and start, are read from
    ix_placements_start_end alone (no job's row), and each median counts its values once
    (XL: the statement 129 → 103 ms)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    login_as("supervisor")
    with capture_statements() as statements:
        client.get("/outcomes/")
    plan = next(sqlite_plan(s, p) for s, p in statements if "held_pay AS MATERIALIZED" in s)
    assert "SEARCH placements USING COVERING INDEX ix_placements_start_end (start_date<?)" in plan
    # the two medians' sorts, their counts, and the progression: one read each
    assert plan.count("SCAN held_pay") == 5


def test_the_contacts_records_count_each_coachs_contacts(client, login_as, two_caseloads):
    """Every active coach is listed, with none if need be; anyone else who made a contact
    in the period is listed too (a supervisor's count in the total)."""
    mine, theirs = two_caseloads
    employer = make_employer("Mill")
    make_contact(mine, employer, contact_date=date(2026, 5, 4))
    make_contact(mine, employer, contact_date=date(2024, 5, 4))  # before the period
    make_user("coach", name="Nadia New")
    make_user("coach", name="Gone Coach", active=False)
    boss = login_as("supervisor")
    make_contact(boss, employer, contact_date=date(2026, 5, 5))

    page = client.get("/outcomes/records/contacts").text
    counts = re.findall(r'card-title">([^<]+)</span>.*?<dt>Contacts</dt><dd>(\d+)</dd>', page, re.S)
    assert counts == [
        ("Mia Coach", "2"),
        (boss.name, "1"),
        ("Theo Coach", "1"),
        ("Nadia New", "0"),
    ]
    mine_only = client.get(f"/outcomes/records/contacts?coach={mine.id}").text
    assert "Mia Coach" in mine_only and "Theo" not in mine_only and "Nadia" not in mine_only


def test_the_job_figures_over_every_caseload_read_no_clients_row(client, login_as, two_caseloads):
    """Every client is in a supervisor's figures and every job has one, so the starts,
    the 90-day retention and the endings count the jobs alone (XL: the starts 20 → 12 ms
    of SQL, the endings 14 → 4 ms); a coach's filter still reads their clients."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    mine, _ = two_caseloads
    login_as("supervisor")

    def job_figures(path):
        with capture_statements() as statements:
            page = client.get(path).text
        marks = ("STRFTIME", "julianday(placements.end_date)", "placements.end_reason")
        plans = [
            " ".join(sqlite_plan(statement, parameters))
            for statement, parameters in statements
            if any(mark in statement for mark in marks)
        ]
        starts = re.search(r'>Job starts</h2>\s*<p class="stat-value">(\d+)<', page).group(1)
        return starts, plans

    starts, plans = job_figures("/outcomes/")
    assert len(plans) == 3 and not any("clients" in plan for plan in plans)
    assert starts == "2"
    starts, plans = job_figures(f"/outcomes/?coach={mine.id}")
    assert len(plans) == 3 and all("clients" in plan for plan in plans)
    assert starts == "1"
