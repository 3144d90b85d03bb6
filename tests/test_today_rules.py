"""Each Today rule at its edges: when it falls due, across a DST change, and what
clears it (the right act, not a wrong one)."""

import itertools
from datetime import date, datetime, timedelta

import pytest

from coach.extensions import db
from coach.models import ClientContact
from coach.today.due import When, as_utc
from coach.today.services import item_rows
from tests.clock import freeze_clock
from tests.factories import ensure_agency, make_client, make_user, make_visit

TZ = "America/New_York"
CALLED = datetime(2026, 11, 30, 9, 0)  # local
KEYS = itertools.count()


@pytest.fixture(autouse=True)
def written_on_nov_30(monkeypatch):
    """Items are written when their records are: on a fixed day, so that what a rule
    leaves out as long closed does not depend on the day the tests run."""
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 8, 0), TZ)


def when_at(local: datetime) -> When:
    return When(now=as_utc(local, TZ), tz=TZ, today=local.date())


def contact(person, coach, local: datetime, direction="in", kind="call") -> ClientContact:
    row = ClientContact(
        client_id=person.id,
        coach_id=person.coach_id,
        created_by_id=coach.id,
        idempotency_key=f"k-{next(KEYS)}",
        kind=kind,
        direction=direction,
        happened_at=as_utc(local, TZ),
    )
    db.session.add(row)
    db.session.commit()
    return row


def items(coach, local: datetime, kind="reply"):
    return [i for i in item_rows(coach, when_at(local), 100) if i.kind == kind]


@pytest.fixture
def called(ctx):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    contact(person, coach, CALLED)
    return coach, person


def test_a_call_received_is_due_for_a_reply_within_24_hours(called):
    coach, person = called
    (item,) = items(coach, CALLED + timedelta(hours=23, minutes=59))
    assert (item.client_id, item.todo, item.overdue, item.when) == (
        person.id,
        "Call back",
        False,
        "in 1 min",
    )
    (item,) = items(coach, CALLED + timedelta(hours=24, minutes=1))
    assert item.overdue and item.when == "1 min late"


def test_the_24_hours_are_real_hours_across_the_spring_change(ctx):
    coach = make_user("coach")
    person = make_client(coach)
    # Saturday 9 am EST; clocks spring forward that night: due Sunday 10 am EDT.
    contact(person, coach, datetime(2027, 3, 13, 9, 0))
    (item,) = items(coach, datetime(2027, 3, 14, 9, 30))
    assert not item.overdue and item.when == "in 30 min"
    assert item.due_at == datetime(2027, 3, 14, 14, 0)  # UTC
    (item,) = items(coach, datetime(2027, 3, 14, 10, 1))
    assert item.overdue


def test_texts_and_emails_are_answered_too_but_not_outbound_or_other_contacts(ctx):
    coach = make_user("coach")
    texted, mailed, quiet = (make_client(coach) for _ in range(3))
    contact(texted, coach, CALLED, kind="text")
    contact(mailed, coach, CALLED, kind="email")
    contact(quiet, coach, CALLED, direction="out")
    contact(quiet, coach, CALLED, kind="team_meeting")
    contact(quiet, coach, CALLED, kind="in_person")
    todos = {i.client_id: i.todo for i in items(coach, CALLED + timedelta(hours=1))}
    assert todos == {texted.id: "Answer their text", mailed.id: "Answer their email"}


def test_a_reply_logged_after_the_call_clears_it(called):
    coach, person = called
    contact(person, coach, CALLED + timedelta(hours=2), direction="out")
    assert items(coach, CALLED + timedelta(hours=3)) == []


def test_a_visit_with_the_client_after_the_call_clears_it(called):
    coach, person = called
    make_visit(person, coach, started_at=as_utc(CALLED + timedelta(hours=5), TZ))
    assert items(coach, CALLED + timedelta(hours=6)) == []


def test_wrong_acts_do_not_clear_it(called):
    coach, person = called
    other = make_client(coach, "Other", "Client")
    make_visit(other, coach, started_at=as_utc(CALLED + timedelta(hours=1), TZ))
    contact(other, coach, CALLED + timedelta(hours=1), direction="out")
    contact(person, coach, CALLED - timedelta(hours=1), direction="out")  # before the call
    make_visit(person, coach, started_at=as_utc(CALLED - timedelta(hours=2), TZ))
    deleted = make_visit(person, coach, started_at=as_utc(CALLED + timedelta(hours=2), TZ))
    deleted.deleted_at = deleted.ended_at
    db.session.commit()
    (item,) = items(coach, CALLED + timedelta(hours=3))
    assert item.client_id == person.id


def test_a_second_call_after_the_reply_is_due_again(called):
    coach, person = called
    contact(person, coach, CALLED + timedelta(hours=1), direction="out")
    contact(person, coach, CALLED + timedelta(hours=2))
    (item,) = items(coach, CALLED + timedelta(hours=3))
    assert item.when == "in 23 h"


def test_only_the_clients_coach_and_supervisors_see_it(called):
    coach, person = called
    assert items(make_user("coach"), CALLED) == []
    assert [i.client_id for i in items(make_user("supervisor"), CALLED)] == [person.id]


def test_a_message_unanswered_for_60_days_leaves_the_reply_rule(called):
    coach, _ = called
    assert len(items(coach, CALLED + timedelta(days=59))) == 1
    assert items(coach, CALLED + timedelta(days=61)) == []


# --- a job problem or loss: see the employer within 24 hours ---------------------------


@pytest.fixture
def job_trouble(ctx):
    from coach.models import PlacementEvent
    from tests.factories import make_employer, make_placement, make_worksite

    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    job = make_placement(person, make_worksite(make_employer()), "Stocker")
    other_job = make_placement(person, make_worksite(make_employer("Other Store")), "Cashier")
    event = PlacementEvent(
        placement_id=job.id,
        client_id=person.id,
        created_by_id=coach.id,
        idempotency_key="event-key-1",
        kind="problem",
        happened_at=as_utc(CALLED, TZ),
    )
    db.session.add(event)
    db.session.commit()
    return coach, person, job, other_job


def test_a_job_problem_makes_the_employer_due_within_24_hours(job_trouble):
    coach, person, *_ = job_trouble
    (item,) = items(coach, CALLED + timedelta(hours=23, minutes=59), "see_employer")
    assert item.todo == "See the employer about the job problem"
    assert not item.overdue and item.when == "in 1 min"
    (item,) = items(coach, CALLED + timedelta(hours=24, minutes=1), "see_employer")
    assert item.overdue and item.when == "1 min late"


def test_a_visit_at_that_job_clears_it(job_trouble):
    coach, person, job, _ = job_trouble
    started = as_utc(CALLED + timedelta(hours=3), TZ)
    make_visit(person, coach, started_at=started, placement_id=job.id)
    assert items(coach, CALLED + timedelta(hours=4), "see_employer") == []


def test_a_contact_with_the_employer_clears_it(job_trouble):
    coach, person, *_ = job_trouble
    row = contact(person, coach, CALLED + timedelta(hours=1), direction="out")
    assert len(items(coach, CALLED + timedelta(hours=2), "see_employer")) == 1  # a plain call
    row.with_employer = True
    db.session.commit()
    assert items(coach, CALLED + timedelta(hours=2), "see_employer") == []


def test_visits_elsewhere_or_before_do_not_clear_it(job_trouble):
    coach, person, job, other_job = job_trouble
    later = as_utc(CALLED + timedelta(hours=2), TZ)
    make_visit(person, coach, started_at=later, placement_id=other_job.id)
    make_visit(person, coach, started_at=later)  # the office, no job site
    make_visit(make_client(coach), coach, started_at=later)  # another client
    make_visit(
        person, coach, started_at=as_utc(CALLED, TZ) - timedelta(hours=1), placement_id=job.id
    )
    assert len(items(coach, CALLED + timedelta(hours=3), "see_employer")) == 1


# --- a job start: a meeting in the week before, and one within 3 days after ----------


def start_job(coach, person, start, **fields):
    from tests.factories import make_employer, make_placement, make_worksite

    return make_placement(person, make_worksite(make_employer()), start_date=start, **fields)


def meetings(coach, local: datetime) -> dict:
    found = item_rows(coach, when_at(local), 100)
    return {i.kind: i for i in found if i.kind.startswith("meet_")}


MONDAY = date(2026, 12, 7)  # a job starting on a Monday
BEFORE_WEEK = datetime(2026, 11, 30, 0, 0)  # the Monday before, local midnight


@pytest.fixture
def new_job(ctx):
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz")
    job = start_job(coach, person, MONDAY, created_at=as_utc(datetime(2026, 11, 20, 9), TZ))
    return coach, person, job


def test_a_job_starting_in_5_days_asks_for_both_meetings(new_job):
    coach, _, job = new_job
    found = meetings(coach, datetime(2026, 12, 2, 9, 0))
    assert found["meet_before_start"].due_at == as_utc(datetime(2026, 12, 7, 0, 0), TZ)
    assert found["meet_before_start"].when == "in 5 days"
    assert found["meet_after_start"].due_at == as_utc(datetime(2026, 12, 11, 0, 0), TZ)
    assert found["meet_after_start"].source_id == job.id


def test_the_week_before_a_monday_start_begins_the_monday_before(new_job):
    coach, person, _ = new_job
    office = dict(contact_type="office")
    make_visit(person, coach, started_at=as_utc(BEFORE_WEEK - timedelta(minutes=30), TZ), **office)
    assert "meet_before_start" in meetings(coach, datetime(2026, 12, 2, 9, 0))
    make_visit(person, coach, started_at=as_utc(BEFORE_WEEK + timedelta(minutes=30), TZ), **office)
    found = meetings(coach, datetime(2026, 12, 2, 9, 0))
    assert "meet_before_start" not in found and "meet_after_start" in found


def test_the_before_meeting_is_late_from_the_start_day(new_job):
    coach, *_ = new_job
    assert not meetings(coach, datetime(2026, 12, 6, 23, 59))["meet_before_start"].overdue
    assert meetings(coach, datetime(2026, 12, 7, 0, 1))["meet_before_start"].overdue


def test_the_after_meeting_is_due_by_the_end_of_the_third_day(new_job):
    coach, person, _ = new_job
    assert not meetings(coach, datetime(2026, 12, 10, 23, 59))["meet_after_start"].overdue
    assert meetings(coach, datetime(2026, 12, 11, 0, 1))["meet_after_start"].overdue
    contact(person, coach, datetime(2026, 12, 9, 12, 0), direction="out", kind="in_person")
    assert "meet_after_start" not in meetings(coach, datetime(2026, 12, 11, 0, 1))


def test_calls_phone_visits_and_other_clients_do_not_count_as_meetings(new_job):
    coach, person, _ = new_job
    day = as_utc(datetime(2026, 12, 8, 10, 0), TZ)
    make_visit(person, coach, started_at=day, contact_type="phone")
    make_visit(make_client(coach), coach, started_at=day)
    contact(person, coach, datetime(2026, 12, 8, 11, 0), direction="out", kind="call")
    assert "meet_after_start" in meetings(coach, datetime(2026, 12, 9, 9, 0))
    make_visit(person, coach, started_at=day)  # on site
    assert "meet_after_start" not in meetings(coach, datetime(2026, 12, 9, 9, 0))


def test_the_week_before_across_the_fall_change(ctx):
    # Start Monday Nov 2, 2026, the day after clocks fall back: the week before opens
    # Monday Oct 26 at 0:00 EDT (04:00 UTC); the start day begins at 0:00 EST (05:00 UTC).
    coach = make_user("coach")
    person = make_client(coach)
    start_job(coach, person, date(2026, 11, 2), created_at=datetime(2026, 10, 1))
    found = meetings(coach, datetime(2026, 10, 28, 9, 0))
    assert found["meet_before_start"].due_at == datetime(2026, 11, 2, 5, 0)
    make_visit(person, coach, started_at=datetime(2026, 10, 26, 3, 30))  # Oct 25, 11:30 pm
    assert "meet_before_start" in meetings(coach, datetime(2026, 10, 28, 9, 0))
    make_visit(person, coach, started_at=datetime(2026, 10, 26, 4, 30))  # Oct 26, 0:30 am
    assert "meet_before_start" not in meetings(coach, datetime(2026, 10, 28, 9, 0))


def test_jobs_recorded_late_or_ended_before_they_started_ask_nothing(ctx):
    coach = make_user("coach")
    late, cancelled = make_client(coach), make_client(coach)
    start_job(coach, late, MONDAY, created_at=as_utc(datetime(2026, 12, 12, 9), TZ))
    start_job(
        coach, cancelled, MONDAY, end_date=date(2026, 12, 6), created_at=datetime(2026, 11, 1)
    )
    assert meetings(coach, datetime(2026, 12, 12, 10, 0)) == {}


def test_a_job_lost_before_its_first_meeting_is_due_asks_no_meeting_about_it(ctx):
    """Lost on its first day, the job asks to see the employer (its job loss), not to
    meet in its first 3 days; a job held to the third day still asks."""
    coach = make_user("coach")
    lost, kept = make_client(coach), make_client(coach)
    start_job(coach, lost, MONDAY, end_date=MONDAY, created_at=datetime(2026, 11, 1))
    start_job(coach, kept, MONDAY, end_date=date(2026, 12, 10), created_at=datetime(2026, 11, 1))
    shown = item_rows(coach, when_at(datetime(2026, 12, 8, 9, 0)), 100)
    found = [i for i in shown if i.kind.startswith("meet_")]
    assert {(i.kind, i.client_id) for i in found} == {
        ("meet_before_start", lost.id),
        ("meet_before_start", kept.id),
        ("meet_after_start", kept.id),
    }


# --- follow-along rhythm, outreach after 30 days, team review after 3 attempts --------

NOW = datetime(2026, 11, 30, 9, 0)  # local, Monday


def kinds(coach, local=NOW, kind="follow_along") -> list:
    return [i for i in item_rows(coach, when_at(local), 100) if i.kind == kind]


@pytest.fixture
def working(ctx):
    """A client whose job started two weeks ago (weekly phase), added long ago."""
    coach = make_user("coach")
    person = make_client(coach, "Rosa", "Diaz", created_at=datetime(2026, 1, 1))
    start_job(coach, person, date(2026, 11, 16), created_at=datetime(2026, 11, 1))
    return coach, person


def test_weekly_follow_along_runs_from_the_last_contact(working):
    coach, person = working
    (item,) = kinds(coach)
    assert item.due_at == as_utc(datetime(2026, 11, 23, 0, 0), TZ)  # a week after the start
    make_visit(person, coach, started_at=as_utc(datetime(2026, 11, 25, 10, 0), TZ))
    (item,) = kinds(coach)
    assert item.due_at == as_utc(datetime(2026, 12, 2, 10, 0), TZ) and item.when == "in 2 days"
    contact(person, coach, datetime(2026, 11, 27, 10, 0), direction="out", kind="text")
    (item,) = kinds(coach)
    assert item.due_at == as_utc(datetime(2026, 12, 4, 10, 0), TZ)


def test_unanswered_attempts_and_team_meetings_are_not_contacts(working):
    coach, person = working
    make_visit(person, coach, started_at=as_utc(datetime(2026, 11, 25, 10, 0), TZ))
    row = contact(person, coach, datetime(2026, 11, 27, 10, 0), direction="out")
    row.reached = False
    contact(person, coach, datetime(2026, 11, 28, 10, 0), direction="out", kind="team_meeting")
    db.session.commit()
    (item,) = kinds(coach)
    assert item.due_at == as_utc(datetime(2026, 12, 2, 10, 0), TZ)


def test_the_weekly_phase_ends_after_the_agencys_weeks(ctx):
    coach = make_user("coach")
    four_weeks, a_day_less = make_client(coach), make_client(coach)
    start_job(coach, four_weeks, date(2026, 11, 2), created_at=datetime(2026, 10, 1))
    start_job(coach, a_day_less, date(2026, 11, 3), created_at=datetime(2026, 10, 1))
    # Monthly is outreach's: only the one still in its weekly weeks has a follow-along.
    assert [i.client_id for i in kinds(coach)] == [a_day_less.id]
    # An agency with a 14-day later rhythm (and 2 weekly weeks) has both: changing the
    # setting writes every client's items again.
    ensure_agency(weekly_contact_weeks=2, later_contact_days=14)
    db.session.commit()
    both = kinds(coach)
    assert {i.client_id for i in both} == {four_weeks.id, a_day_less.id}


def test_a_clients_own_rhythm_wins(working):
    coach, person = working
    person.contact_every_days = 3
    db.session.commit()
    make_visit(person, coach, started_at=as_utc(datetime(2026, 11, 28, 10, 0), TZ))
    (item,) = kinds(coach)
    assert item.due_at == as_utc(datetime(2026, 12, 1, 10, 0), TZ)


def test_no_contact_in_30_days_makes_outreach_due_in_real_days(working):
    coach, person = working
    # Last seen Oct 31 at 9 am EDT; 30 days later across the fall change is 8 am EST.
    make_visit(person, coach, started_at=as_utc(datetime(2026, 10, 31, 9, 0), TZ))
    (item,) = kinds(coach, datetime(2026, 11, 30, 7, 59), "outreach")
    assert not item.overdue and item.when == "in 1 min"
    (item,) = kinds(coach, datetime(2026, 11, 30, 8, 1), "outreach")
    assert item.overdue


def test_a_client_never_contacted_is_due_30_days_after_they_were_added(ctx):
    coach = make_user("coach")
    make_client(coach, created_at=as_utc(datetime(2026, 11, 1, 9, 0), TZ))
    (item,) = kinds(coach, kind="outreach")
    assert item.due_at == as_utc(datetime(2026, 12, 1, 9, 0), TZ)  # both EST


def test_an_answered_contact_clears_outreach_and_an_attempt_does_not(working):
    coach, person = working
    row = contact(person, coach, datetime(2026, 11, 29, 9, 0), direction="out")
    row.reached = False
    db.session.commit()
    assert len(kinds(coach, kind="outreach")) == 1
    contact(person, coach, datetime(2026, 11, 29, 10, 0), direction="in", kind="text")
    assert kinds(coach, kind="outreach") == []


def attempt(person, coach, local):
    row = contact(person, coach, local, direction="out", kind="letter")
    row.reached = False
    db.session.commit()


def test_three_attempts_with_no_answer_flag_the_client_for_team_review(working):
    from coach.today.services import needs_team_review

    coach, person = working
    make_visit(person, coach, started_at=as_utc(datetime(2026, 10, 1, 9, 0), TZ))
    attempt(person, coach, datetime(2026, 9, 30, 9, 0))  # before they were last seen
    attempt(person, coach, datetime(2026, 11, 20, 9, 0))
    attempt(person, coach, datetime(2026, 11, 25, 9, 0))
    assert kinds(coach, kind="team_review") == [] and not needs_team_review(person)
    attempt(person, coach, datetime(2026, 11, 28, 9, 0))
    (item,) = kinds(coach, kind="team_review")
    assert item.overdue and item.due_at == as_utc(datetime(2026, 11, 28, 9, 0), TZ)
    assert needs_team_review(person)
    contact(person, coach, datetime(2026, 11, 29, 9, 0), direction="in", kind="call")
    assert kinds(coach, kind="team_review") == [] and not needs_team_review(person)


def test_another_client_seen_since_does_not_clear_a_team_review(working):
    # "Since they were last seen" is this client's last visit, not anyone's.
    coach, person = working
    other = make_client(coach, "Liam", "Brown")
    make_visit(other, coach, started_at=as_utc(datetime(2026, 11, 29, 9, 0), TZ))
    for day in (20, 25, 28):
        attempt(person, coach, datetime(2026, 11, day, 9, 0))
    assert [i.client_id for i in kinds(coach, kind="team_review")] == [person.id]


# --- job leads (issue 18): followed up within 48 hours ------------------------------


@pytest.fixture
def new_lead(ctx):
    from tests.factories import make_employer, make_lead

    coach = make_user("coach")
    rosa, liam = make_client(coach, "Rosa", "Diaz"), make_client(coach, "Liam", "Brown")
    shop = make_employer("Blue Door Bakery", created_by=coach)
    lead = make_lead(coach, shop, [rosa, liam], created_at=as_utc(CALLED, TZ))
    other = make_lead(coach, shop, [liam], created_at=as_utc(CALLED, TZ))
    return coach, rosa, lead, other


def test_a_new_lead_is_due_for_follow_up_within_48_hours(new_lead):
    coach, rosa, lead, other = new_lead
    due = items(coach, CALLED + timedelta(hours=47, minutes=59), kind="lead")
    # One item a lead (under its first job seeker), not one per job seeker.
    assert sorted(i.source_id for i in due) == sorted([lead.id, other.id])
    (mine,) = [i for i in due if i.source_id == lead.id]
    assert (mine.client_id, mine.todo, mine.when, mine.overdue) == (
        rosa.id,
        "Follow up the lead",
        "in 1 min",
        False,
    )
    (late,) = [
        i
        for i in items(coach, CALLED + timedelta(hours=48, minutes=1), kind="lead")
        if i.source_id == lead.id
    ]
    assert late.overdue and late.when == "1 min late"


def test_following_the_lead_up_clears_it_and_not_another_leads(new_lead):
    coach, _, lead, other = new_lead
    other.status = "followed_up"
    db.session.commit()
    assert [i.source_id for i in items(coach, CALLED + timedelta(hours=30), kind="lead")] == [
        lead.id
    ]
    lead.status = "applied"
    db.session.commit()
    assert items(coach, CALLED + timedelta(hours=30), kind="lead") == []


def test_another_coachs_lead_is_not_on_my_today(new_lead):
    coach, _, lead, _ = new_lead
    assert items(make_user("coach"), CALLED + timedelta(hours=1), kind="lead") == []
    supervisor = make_user("supervisor")
    assert lead.id in [
        i.source_id for i in items(supervisor, CALLED + timedelta(hours=1), kind="lead")
    ]
