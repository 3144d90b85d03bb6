"""Today's items are kept as rows, written with the records they come from: after each
kind of write the kept rows are exactly what the rules say when run afresh."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import ClientContact, DueItem, PlacementEvent
from coach.today.kept import rules_items, when_for_rules
from tests.clock import freeze_clock
from tests.factories import (
    ensure_agency,
    make_client,
    make_employer,
    make_lead,
    make_placement,
    make_request,
    make_user,
    make_visit,
    make_worksite,
)

NOW = datetime(2026, 11, 30, 9, 0)  # local, New York


def kept() -> list[tuple]:
    columns = (DueItem.kind, DueItem.client_id, DueItem.coach_id, DueItem.due_at)
    columns += (DueItem.todo, DueItem.source_id, DueItem.opens_at, DueItem.closes_at)
    return sorted(tuple(row) for row in db.session.execute(sa.select(*columns)))


def afresh() -> list[tuple]:
    when = when_for_rules(db.session.connection())
    items = rules_items(sa.true(), when, when.now)
    return sorted(tuple(row) for row in db.session.execute(items))


def kinds_of(person) -> set[str]:
    return {row[0] for row in kept() if row[1] == person.id}


def contact(person, coach, at: datetime, **fields) -> ClientContact:
    fields.setdefault("kind", "call")
    fields.setdefault("direction", "in")
    row = ClientContact(
        client_id=person.id,
        coach_id=person.coach_id,
        created_by_id=coach.id,
        idempotency_key=f"k-{at.isoformat()}-{fields['kind']}-{fields['direction']}",
        happened_at=at,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def agency(ctx, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    ensure_agency()
    coach = make_user("coach")
    rosa = make_client(coach, "Rosa", "Diaz", created_at=datetime(2026, 10, 1))
    liam = make_client(coach, "Liam", "Brown", created_at=datetime(2026, 10, 1))
    return coach, rosa, liam


def test_each_kind_of_write_keeps_the_rows_equal_to_the_rules(agency):
    coach, rosa, liam = agency
    now = datetime(2026, 11, 30, 14, 0)  # UTC
    assert kinds_of(rosa) == {"outreach"} and kept() == afresh()

    call = contact(rosa, coach, now - timedelta(hours=2))  # a call in: reply due
    assert "reply" in kinds_of(rosa) and kept() == afresh()
    call.happened_at -= timedelta(hours=1)  # an edit of a column a rule reads
    db.session.commit()
    assert kept() == afresh()
    contact(rosa, coach, now - timedelta(hours=1), direction="out")  # answered
    assert "reply" not in kinds_of(rosa) and kept() == afresh()

    job = make_placement(rosa, make_worksite(make_employer()), start_date=date(2026, 12, 3))
    assert {"meet_before_start", "meet_after_start", "follow_along"} <= kinds_of(rosa)
    assert kept() == afresh()
    visit = make_visit(rosa, coach, started_at=now - timedelta(minutes=30), contact_type="on_site")
    assert "meet_before_start" not in kinds_of(rosa) and kept() == afresh()
    visit.deleted_at = now  # deleting the visit brings the meeting back
    db.session.commit()
    assert "meet_before_start" in kinds_of(rosa) and kept() == afresh()

    db.session.add(
        PlacementEvent(
            placement_id=job.id,
            client_id=rosa.id,
            created_by_id=coach.id,
            idempotency_key="event-1",
            kind="problem",
            happened_at=now,
        )
    )
    db.session.commit()
    assert "see_employer" in kinds_of(rosa) and kept() == afresh()
    job.end_date = date(2026, 12, 2)  # ended before it started: nothing to meet about
    db.session.commit()
    assert not {"meet_before_start", "follow_along"} & kinds_of(rosa) and kept() == afresh()

    request = make_request(rosa, coach, follow_up_due=date(2026, 12, 4))
    assert "accommodation_check" in kinds_of(rosa) and kept() == afresh()
    request.follow_up_done_on = date(2026, 12, 1)
    db.session.commit()
    assert "accommodation_check" not in kinds_of(rosa) and kept() == afresh()


def test_leads_clients_and_settings_keep_the_rows_too(agency):
    from coach.leads.services import move_lead

    coach, rosa, liam = agency
    shop = make_employer("Blue Door Bakery", created_by=coach)
    lead = make_lead(coach, shop, [rosa, liam], created_at=datetime(2026, 11, 30, 13, 0))
    assert "lead" in kinds_of(rosa) and kept() == afresh()
    lead.clients = [liam]  # its first job seeker leaves it: the item moves to the next
    db.session.commit()
    assert "lead" not in kinds_of(rosa) and "lead" in kinds_of(liam) and kept() == afresh()
    assert move_lead(coach, lead, "followed_up")  # an UPDATE statement, and its history row
    db.session.commit()
    assert "lead" not in kinds_of(liam) and kept() == afresh()

    other = make_user("coach")
    rosa.coach_id = other.id  # a new coach: the items move to their Today
    db.session.commit()
    assert {row[2] for row in kept() if row[1] == rosa.id} == {other.id}
    assert kept() == afresh()
    liam.status = "closed"
    db.session.commit()
    assert kinds_of(liam) == set() and kept() == afresh()

    make_placement(rosa, make_worksite(make_employer("Mill")), start_date=date(2026, 11, 16))
    ensure_agency(weekly_contact_weeks=1, later_contact_days=14)  # every client again
    assert kept() == afresh()


def test_a_note_saved_on_a_visit_leaves_the_items_alone(agency):
    coach, rosa, _ = agency
    visit = make_visit(rosa, coach, started_at=datetime(2026, 11, 30, 13, 0))
    before = db.session.scalars(sa.select(DueItem.id).order_by(DueItem.id)).all()
    visit.tasks_observed = "Stocked the dairy case"
    db.session.commit()
    assert db.session.scalars(sa.select(DueItem.id).order_by(DueItem.id)).all() == before


def test_items_long_closed_when_written_are_not_kept(agency):
    coach, rosa, _ = agency
    contact(rosa, coach, datetime(2026, 9, 1, 14, 0))  # a call 90 days ago, never answered
    assert "reply" not in kinds_of(rosa)
    contact(rosa, coach, datetime(2026, 11, 1, 14, 0))  # 29 days ago: still open
    assert "reply" in kinds_of(rosa)


def test_refresh_today_writes_every_clients_items(app, agency):
    db.session.execute(sa.delete(DueItem))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["refresh-today"])
    assert "Wrote 2 due items." in result.output
    assert kept() == afresh() and len(kept()) == 2


def test_plan_writes_keep_the_rows_equal_to_the_rules(agency):
    from coach.models import PlanAction
    from tests.factories import make_plan

    coach, rosa, liam = agency
    plan = make_plan(rosa, coach, start=date(2026, 11, 1), review_date=date(2026, 12, 5))
    assert {"plan_review", "plan_step"} <= kinds_of(rosa) and kept() == afresh()
    step = db.session.scalars(sa.select(PlanAction)).one()
    step.done_on = date(2026, 11, 29)  # done: the step leaves Today
    db.session.commit()
    assert "plan_step" not in kinds_of(rosa) and kept() == afresh()
    plan.review_date = date(2027, 3, 1)  # reviewed: the next review is months away
    db.session.commit()
    assert kept() == afresh()
    make_plan(rosa, coach, start=date(2026, 11, 30))  # a newer plan replaces the old one
    rows = [row for row in kept() if row[1] == rosa.id and row[0].startswith("plan_")]
    assert {row[5] for row in rows if row[0] == "plan_review"} == {plan.id + 1}
    assert kept() == afresh()


def test_a_career_profiles_earnings_report_keeps_the_rows_too(agency):
    from tests.factories import make_profile

    coach, rosa, _ = agency
    profile = make_profile(
        rosa, reports_earnings_monthly=True, earnings_report_due=date(2026, 12, 6)
    )
    assert "earnings_report" in kinds_of(rosa) and kept() == afresh()
    profile.earnings_report_due = date(2027, 1, 6)  # helped with this month's report
    db.session.commit()
    assert kept() == afresh()
    profile.strengths = "Punctual"  # a column no rule reads
    db.session.commit()
    assert kept() == afresh()
    profile.reports_earnings_monthly = False
    db.session.commit()
    assert "earnings_report" not in kinds_of(rosa) and kept() == afresh()


def test_removing_plan_parts_keeps_the_rows_equal_to_the_rules(agency):
    from coach.models import PlanAction, PlanGoal, PlanObjective
    from coach.plans.services import remove_part
    from tests.factories import make_plan

    coach, rosa, _ = agency
    make_plan(rosa, coach, objectives=2, actions=2, start=date(2026, 10, 1))
    assert "plan_step" in kinds_of(rosa) and kept() == afresh()
    remove_part(db.session.scalars(sa.select(PlanAction)).first(), "plan_action")
    assert kept() == afresh()
    remove_part(db.session.scalars(sa.select(PlanObjective)).first(), "plan_objective")
    assert "plan_step" in kinds_of(rosa) and kept() == afresh()
    remove_part(db.session.scalars(sa.select(PlanGoal)).one(), "plan_goal")
    assert "plan_step" not in kinds_of(rosa) and kept() == afresh()


def test_a_leads_item_stays_with_its_owner_when_its_first_job_seeker_moves_or_closes(agency):
    """Found by a review: the lead's follow-up sat under its first job seeker whatever
    became of them, so when that client moved to another coach the owner lost it, and
    when their case closed nobody saw it."""
    from coach.models import User
    from coach.today.services import visible_due_items

    coach, rosa, liam = agency
    shop = make_employer("Blue Door Bakery", created_by=coach)
    make_lead(coach, shop, [rosa, liam], created_at=datetime(2026, 11, 30, 13, 0))
    assert "lead" in kinds_of(rosa) and kept() == afresh()

    def owner_sees_it() -> bool:
        user = db.session.get(User, coach.id)
        when = when_for_rules(db.session.connection())
        shown = db.session.scalars(visible_due_items(user, when)).all()
        return any(item.kind == "lead" for item in shown)

    rosa.coach_id = make_user("coach").id  # Rosa moves to another coach
    db.session.commit()
    assert "lead" in kinds_of(liam) and "lead" not in kinds_of(rosa) and kept() == afresh()
    assert owner_sees_it()
    rosa.coach_id = coach.id
    db.session.commit()
    assert "lead" in kinds_of(rosa) and kept() == afresh()
    rosa.status = "closed"  # Rosa's case closes: Liam is still looking
    db.session.commit()
    assert "lead" in kinds_of(liam) and kept() == afresh() and owner_sees_it()


def test_authorizations_nearly_used_or_ending_keep_the_rows_too(agency):
    from tests.factories import make_authorization, make_billed_visit

    coach, rosa, _ = agency
    grant = make_authorization(
        rosa,
        coach,
        number="VR-7",
        units=4,
        start_date=date(2026, 11, 1),
        end_date=date(2026, 12, 20),
    )
    assert "authorization_ends" in kinds_of(rosa) and kept() == afresh()
    assert "authorization_used" not in kinds_of(rosa)
    for day in (2, 3):  # 2 units each: 4 of 4 used
        make_billed_visit(rosa, coach, started_at=datetime(2026, 11, day, 15, 0))
    assert "authorization_used" in kinds_of(rosa) and kept() == afresh()
    due = {row[3] for row in kept() if row[0] == "authorization_used"}
    assert due == {datetime(2026, 11, 3, 15, 0)}  # the visit that found it used, not Nov 1
    # The migration that moved the due time rewrites a row kept by the old rule.
    import importlib

    migration = importlib.import_module("migrations.versions.c3f5a7e9b2d4_today_items_after_review")
    db.session.execute(
        sa.update(DueItem)
        .where(DueItem.kind == "authorization_used")
        .values(due_at=datetime(2026, 11, 1, 4, 0))
    )
    db.session.connection().exec_driver_sql(migration.REWRITE)
    assert kept() == afresh()
    grant.units = 40  # more units granted: no longer nearly used
    db.session.commit()
    assert "authorization_used" not in kinds_of(rosa) and kept() == afresh()
    make_authorization(  # the renewal
        rosa, coach, units=40, start_date=date(2026, 12, 21), end_date=date(2027, 3, 31)
    )
    ending = {row[5] for row in kept() if row[0] == "authorization_ends"}
    assert grant.id not in ending and kept() == afresh()  # the renewal's shows in March


def test_a_job_support_plans_handoff_keeps_the_rows_too(agency):
    from coach.clients.services import set_client_status
    from tests.factories import make_support

    coach, rosa, liam = agency
    job = make_placement(rosa, make_worksite(make_employer()), start_date=date(2026, 11, 2))
    plan = make_support(job, coach, weeks=(20, 10), handoff_date=date(2026, 12, 14))
    assert "handoff" in kinds_of(rosa) and kept() == afresh()
    plan.handoff_date = date(2026, 12, 21)  # planned a week later
    db.session.commit()
    assert kept() == afresh()
    plan.handoff_date, plan.handed_off = date(2026, 11, 30), True  # handed off today
    set_client_status(rosa, "follow_along")
    db.session.commit()
    assert "handoff" not in kinds_of(rosa) and kept() == afresh()


def test_a_returned_note_keeps_the_rows_too(agency):
    """Returning a note makes its "Note returned" item; the coach's fix (back to
    waiting) or a deletion of the visit clears it, each write kept as the rules say."""
    from coach.notereview.flags import reopen_after_fix
    from coach.notereview.services import approve_visit, return_visit

    coach, rosa, liam = agency
    supervisor = make_user("supervisor")
    visit = make_visit(rosa, coach, started_at=datetime(2026, 11, 27, 14, 0))
    other = make_visit(liam, coach, started_at=datetime(2026, 11, 27, 16, 0))
    assert return_visit(visit, supervisor, "Say which tasks she did alone.") is None
    db.session.commit()
    assert "note_returned" in kinds_of(rosa) and kept() == afresh()
    assert approve_visit(other, supervisor) is None
    db.session.commit()
    assert "note_returned" not in kinds_of(liam) and kept() == afresh()
    reopen_after_fix(visit)
    db.session.commit()
    assert "note_returned" not in kinds_of(rosa) and kept() == afresh()
    assert return_visit(visit, supervisor, "Still missing the tasks.") is None
    db.session.commit()
    assert "note_returned" in kinds_of(rosa)
    visit.deleted_at = datetime(2026, 11, 30, 14, 0)
    db.session.commit()
    assert "note_returned" not in kinds_of(rosa) and kept() == afresh()


def test_the_agencys_first_settings_write_the_items_of_clients_already_there(agency):
    """A new install's settings write nothing (there is no client): a settings row made
    after clients were (an import before setup) still writes every client's items."""
    from coach.models import AgencySettings

    db.session.delete(db.session.get(AgencySettings, 1))
    db.session.execute(sa.delete(DueItem))
    db.session.commit()
    assert kept() == []
    ensure_agency(weekly_contact_weeks=1)
    assert kept() == afresh() and len(kept()) == 2
