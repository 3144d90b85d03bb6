"""The milestone list runs a handful of SQL statements, whatever the number of jobs."""

from datetime import date, datetime, timedelta

import pytest

from coach.extensions import db
from coach.models import VR_DEFAULT
from tests.clock import freeze_clock
from tests.conftest import capture_statements, sqlite_plan, statements_of
from tests.factories import (
    make_authorization,
    make_claim,
    make_client,
    make_employer,
    make_funder,
    make_milestones,
    make_placement,
    make_user,
    make_worksite,
)


def fill(coach, admin, funder, steps, jobs: int, first: int = 0):
    """`jobs` clients with a job each, started a week apart, one milestone claimed each."""
    site = make_worksite(make_employer(f"Employer {first}", created_by=coach))
    for n in range(first, first + jobs):
        person = make_client(coach, "Rosa", f"Diaz{n}")
        job = make_placement(person, site, start_date=date(2026, 1, 5) + timedelta(days=7 * n))
        make_authorization(person, admin, funder, start_date=date(2026, 1, 1))
        make_claim(job, steps[0], admin)


@pytest.mark.parametrize("role", ["coach", "supervisor"])
@pytest.mark.parametrize("path", ["/milestones/", "/milestones/?funder={funder}"])
def test_the_milestone_list_costs_the_same_with_more_jobs(
    client, auth, ctx, monkeypatch, role, path
):
    freeze_clock(monkeypatch, datetime(2026, 4, 1, 9, 0))
    admin = make_user("admin")
    viewer = make_user(role)
    coach = viewer if role == "coach" else make_user("coach")
    funder = make_funder(admin)
    steps = make_milestones(funder, admin, VR_DEFAULT)
    fill(coach, admin, funder, steps, 2)
    auth.login(viewer.email)
    url = path.format(funder=funder.id)
    few = statements_of(client, url)
    fill(coach, admin, funder, steps, 12, first=2)
    many = statements_of(client, url)
    print(f"{role} {path}: {few} → {many}")
    assert many == few and few <= 10


def test_the_schedule_page_costs_the_same_with_more_milestones(client, login_as):
    admin = login_as("admin")
    funder = make_funder(admin)
    make_milestones(funder, admin, [("Placement", 0)])
    few = statements_of(client, f"/milestones/funders/{funder.id}")
    make_milestones(funder, admin, [(f"{n} days", n) for n in range(30, 400, 30)])
    many = statements_of(client, f"/milestones/funders/{funder.id}")
    assert many == few and few <= 10


@pytest.mark.parametrize("role", ["coach", "supervisor"])
def test_each_section_reads_its_first_rows_off_the_index_without_sorting_a_day(
    client, auth, ctx, monkeypatch, role
):
    """10,000 jobs reaching a milestone on one day (the bench at XL) had to be joined and
    sorted whole before a section's first rows (82 ms), and counted whole (14 ms): each
    section now walks its range of the index in order and stops; only the rows shown are
    sorted by day and name."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    freeze_clock(monkeypatch, datetime(2026, 4, 1, 9, 0))
    admin = make_user("admin")
    viewer = make_user(role)
    coach = viewer if role == "coach" else make_user("coach")
    funder = make_funder(admin)
    fill(coach, admin, funder, make_milestones(funder, admin, VR_DEFAULT), 3)
    auth.login(viewer.email)
    with capture_statements() as statements:
        assert client.get("/milestones/").status_code == 200
    counted = sqlite_plan(*next((s, p) for s, p in statements if "count(*)" in s))
    plan = sqlite_plan(*next((s, p) for s, p in statements if "UNION ALL" in s))
    for steps in (counted, plan):  # the counts, then the rows: each section a range
        sections = [step for step in steps if "milestone_reaches" in step]
        assert len(sections) == 3, steps
        assert all("ix_milestone_reaches_section (claimed=? AND reached_on" in s for s in sections)
    # Sorted: only each section's rows shown, once its LIMIT has taken them (the scan of
    # the section's result), never a day's rows inside the section.
    sorts = [n for n, step in enumerate(plan) if "TEMP B-TREE" in step]
    assert sorts and all(plan[n - 1].startswith("SCAN anon") for n in sorts), plan
