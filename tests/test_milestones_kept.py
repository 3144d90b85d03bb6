"""The day each job reaches each milestone is kept as rows, written with the jobs,
authorizations and schedules it comes from: after each kind of write the rows are
exactly what the rule says when run afresh, and the list reads them."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.milestones.kept import reaches
from coach.milestones.services import milestone_rows
from coach.models import VR_DEFAULT, Authorization, MilestoneReach, Placement
from tests.clock import freeze_clock
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


def kept() -> list[tuple]:
    columns = (MilestoneReach.placement_id, MilestoneReach.milestone_id)
    columns += (MilestoneReach.client_id, MilestoneReach.reached_on, MilestoneReach.claimed)
    return sorted(tuple(row) for row in db.session.execute(sa.select(*columns)))


def afresh() -> list[tuple]:
    return sorted(tuple(row) for row in db.session.execute(reaches()))


@pytest.fixture
def world(ctx):
    admin = make_user("admin")
    coach = make_user("coach")
    rosa = make_client(coach, "Rosa", "Diaz")
    liam = make_client(coach, "Liam", "Brown")
    site = make_worksite(make_employer("Green Valley Grocery", created_by=coach))
    funder = make_funder(admin, "Ohio OOD")
    steps = make_milestones(funder, admin, VR_DEFAULT)
    return dict(
        admin=admin, coach=coach, rosa=rosa, liam=liam, site=site, funder=funder, steps=steps
    )


def test_each_kind_of_write_keeps_the_rows_equal_to_the_rule(world):
    w = world
    job = make_placement(w["rosa"], w["site"], start_date=date(2026, 1, 15))
    assert kept() == afresh() == []  # no authorization: the job counts for no funder
    grant = make_authorization(
        w["rosa"], w["admin"], w["funder"], start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    assert kept() == afresh() and len(kept()) == 4  # placement, 30, 60 and 90 days
    job.end_date = date(2026, 3, 1)  # lost on day 45: 60 and 90 days never come
    db.session.commit()
    assert kept() == afresh() and len(kept()) == 2
    job.start_date = date(2026, 2, 1)  # a start corrected: 30 days lands after the end
    db.session.commit()
    assert kept() == afresh() and len(kept()) == 1
    job.end_date = None
    db.session.commit()
    assert kept() == afresh() and len(kept()) == 4
    claim = make_claim(job, w["steps"][30], w["admin"])  # claimed, then the claim undone
    assert kept() == afresh() and [r[4] for r in kept()] == [False, True, False, False]
    db.session.delete(claim)
    db.session.commit()
    assert kept() == afresh() and not any(r[4] for r in kept())

    grant.start_date = date(2026, 3, 1)  # no longer covers the start: nothing counts
    db.session.commit()
    assert kept() == afresh() == []
    grant.start_date = date(2026, 1, 1)
    db.session.commit()
    second = make_placement(w["rosa"], w["site"], "Cashier", start_date=date(2026, 6, 1))
    assert kept() == afresh() and len(kept()) == 8

    w["steps"][90].days = 120  # the schedule edited: every job's rows of that step
    db.session.commit()
    assert kept() == afresh() and (second.id, w["steps"][90].id) in {r[:2] for r in kept()}
    db.session.delete(w["steps"][90])
    db.session.commit()
    assert kept() == afresh() and len(kept()) == 6
    make_milestones(w["funder"], w["admin"], (("Six months", 182),))
    assert kept() == afresh() and len(kept()) == 8

    grant.client_id = w["liam"].id  # an authorization moved to another client
    db.session.commit()
    assert kept() == afresh() == []
    db.session.delete(db.session.get(Authorization, grant.id))
    db.session.delete(db.session.get(Placement, second.id))
    db.session.commit()
    assert kept() == afresh() == []


def test_the_list_reads_the_kept_rows(world, monkeypatch):
    """The list shows what the kept rows say: a row written only there is listed."""
    w = world
    freeze_clock(monkeypatch, datetime(2026, 3, 5, 9, 0))
    make_authorization(
        w["rosa"], w["admin"], w["funder"], start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    job = make_placement(w["rosa"], w["site"], start_date=date(2026, 1, 15))
    lists, counts = milestone_rows(w["admin"], date(2026, 3, 5))
    assert [r.days for r in lists["reached"]] == [0, 30] and [r.days for r in lists["due"]] == [60]
    assert counts == {"due": 1, "reached": 2, "claimed": 0}
    db.session.execute(
        sa.delete(MilestoneReach).where(MilestoneReach.milestone_id == w["steps"][30].id)
    )
    lists, counts = milestone_rows(w["admin"], date(2026, 3, 5))
    assert [r.days for r in lists["reached"]] == [0] and counts["reached"] == 1
    assert job.id == lists["reached"][0].placement_id


def test_the_migration_fills_the_rows_from_the_rule(world):
    """The migration's SQL (one per database) gives the rule's rows."""
    import importlib

    w = world
    make_authorization(
        w["rosa"], w["admin"], w["funder"], start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    make_placement(w["rosa"], w["site"], start_date=date(2026, 1, 15), end_date=date(2026, 3, 1))
    make_placement(w["liam"], w["site"], start_date=date(2026, 1, 15))  # no authorization
    before = kept()
    assert before == afresh() and len(before) == 2
    migration = importlib.import_module("migrations.versions.a3c8e5f1b7d9_milestone_reaches")
    db.session.execute(sa.delete(MilestoneReach))
    connection = db.session.connection()
    connection.exec_driver_sql(migration.FILL.format(day=migration.DAY[connection.dialect.name]))
    assert kept() == before
