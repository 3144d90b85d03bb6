"""Each outcome figure against a fixture computed by hand (docs/features.md, Outcomes).

The period is Jan 1 to Jun 30, 2026; today is Nov 30, 2026; the agency is in New York.

Coach A's caseload:
- Ann: referred Dec 20, 2025, intake Jan 5 (entry). Employer contacts for her Jan 2
  (before entry: not her first) and Jan 15 (10 days). Two jobs: the first from Feb 1 at
  $14.00, 20 h, ended Apr 30 (day 89: Feb 1 is day 1), quit; the second from May 10 at
  $15.00, 20 h, raised to $16.50, 25 h from Jun 15 (the middle of the month), still on.
  Days to first start: Jan 5 → Feb 1 = 27.
- Ben: referred Mar 1 (no intake). Contact Mar 21 (20 days). A job from Mar 31 at $18.00
  (no history rows: the job's own wage), 30 h, last day Jun 28: day 90, so kept;
  laid off. Days to first start: 30.
- Cal: referred Apr 1, intake Apr 11. Contact May 11 (30 days). No job.
- Dee: closed (left out of the caseload). Referred Jan 10, contact Jan 12 (2 days).
Coach B's caseload: Eve: referred Feb 1, contact by B Feb 5 (4 days); a job from Feb 15
at $20.00, 40 h, still on.

Visits (time-zone edge): Ann 60 min on site at 11 pm on Jun 30 local (03:00 UTC Jul 1: in
the period); Ann 45 min at 10 pm on Dec 31, 2025 local (03:00 UTC Jan 1: not in it); Ben
30 min in the office; Cal 30 min by phone; Cal 100 min deleted; Cal one still open; Eve
40 min in the office.
"""

from datetime import date, datetime

import pytest

from coach.extensions import db
from coach.models import PlacementChange
from coach.outcomes import figures as fg
from coach.outcomes.services import Scope, default_period
from tests.factories import (
    make_client,
    make_contact,
    make_employer,
    make_placement,
    make_user,
    make_visit,
    make_worksite,
)

TODAY = date(2026, 11, 30)
START, END = date(2026, 1, 1), date(2026, 6, 30)
TZ = "America/New_York"


def make_change(placement, day, wage, hours, user):
    change = PlacementChange(
        placement_id=placement.id,
        effective_date=day,
        hourly_wage_cents=wage,
        weekly_hours_tenths=hours,
        created_by_id=user.id,
        idempotency_key=f"fixture-{placement.id}-{day}",
    )
    db.session.add(change)
    db.session.commit()


@pytest.fixture
def world(ctx):
    a, b = make_user("coach", name="Coach A"), make_user("coach", name="Coach B")
    supervisor = make_user("supervisor")
    site = make_worksite(make_employer("Grocer"))
    other = make_employer("Diner")
    ann = make_client(a, "Ann", referral_date=date(2025, 12, 20), intake_date=date(2026, 1, 5))
    ben = make_client(a, "Ben", referral_date=date(2026, 3, 1))
    cal = make_client(a, "Cal", referral_date=date(2026, 4, 1), intake_date=date(2026, 4, 11))
    dee = make_client(a, "Dee", referral_date=date(2026, 1, 10), status="closed")
    eve = make_client(b, "Eve", referral_date=date(2026, 2, 1))
    for coach, person, day in [
        (a, ann, date(2026, 1, 2)),
        (a, ann, date(2026, 1, 15)),
        (a, ben, date(2026, 3, 21)),
        (a, cal, date(2026, 5, 11)),
        (a, dee, date(2026, 1, 12)),
        (b, eve, date(2026, 2, 5)),
        (a, cal, date(2026, 7, 1)),  # after the period
    ]:
        make_contact(coach, other, contact_date=day, clients=[person])
    first = make_placement(
        ann,
        site,
        "Bagger",
        start_date=date(2026, 2, 1),
        end_date=date(2026, 4, 30),
        end_reason="quit",
        hourly_wage_cents=1400,
        weekly_hours_tenths=200,
    )
    make_change(first, date(2026, 2, 1), 1400, 200, a)
    second = make_placement(
        ann,
        site,
        "Stocker",
        start_date=date(2026, 5, 10),
        hourly_wage_cents=1650,
        weekly_hours_tenths=250,
    )
    make_change(second, date(2026, 5, 10), 1500, 200, a)
    make_change(second, date(2026, 6, 15), 1650, 250, a)
    make_placement(
        ben,
        site,
        "Cashier",
        start_date=date(2026, 3, 31),
        end_date=date(2026, 6, 28),
        end_reason="laid_off",
        hourly_wage_cents=1800,
        weekly_hours_tenths=300,
    )
    make_placement(
        eve,
        site,
        "Cook",
        start_date=date(2026, 2, 15),
        hourly_wage_cents=2000,
        weekly_hours_tenths=400,
    )
    make_visit(ann, a, 60, datetime(2026, 7, 1, 3, 0), contact_type="on_site")
    make_visit(ann, a, 45, datetime(2026, 1, 1, 3, 0), contact_type="on_site")
    make_visit(ben, a, 30, datetime(2026, 3, 2, 15, 0), contact_type="office")
    make_visit(cal, a, 30, datetime(2026, 4, 2, 15, 0), contact_type="phone")
    make_visit(cal, a, 100, datetime(2026, 4, 3, 15, 0), deleted_at=datetime(2026, 4, 4))
    make_visit(cal, a, None, datetime(2026, 4, 5, 15, 0))
    make_visit(eve, b, 40, datetime(2026, 5, 5, 15, 0), contact_type="office")
    return dict(a=a, b=b, supervisor=supervisor)


def scope(user, coach_id=None, start=START, end=END):
    return Scope(user, coach_id, start, end, TODAY, TZ)


def test_caseload_size_and_percent_employed(world):
    mine = fg.caseload(scope(world["a"]))
    assert (mine.size, mine.employed) == (3, 1)  # Ann, Ben, Cal; Ann works on Jun 30
    assert round(mine.percent_employed, 1) == 33.3
    everyone = fg.caseload(scope(world["supervisor"]))
    assert (everyone.size, everyone.employed) == (4, 2)  # and Eve
    assert (fg.caseload(scope(world["supervisor"], world["b"].id)).size) == 1


def test_job_starts_per_month_quarter_and_year(world):
    starts = fg.job_starts(scope(world["a"]))
    assert [n for _, n in starts.months] == [0, 1, 1, 0, 1, 0]  # Ann twice, Ben once
    assert starts.months[0][0] == date(2026, 1, 1)
    assert starts.quarters == [("2026 Q1", 2), ("2026 Q2", 1)]
    assert starts.years == [(2026, 3)]
    assert fg.job_starts(scope(world["supervisor"])).total == 4


def test_median_days_from_entry_to_first_contact_and_first_start(world):
    contact = fg.days_to_first_contact(scope(world["a"]))
    assert (contact.value, contact.count) == (15.0, 4)  # 2, 10, 20, 30
    start = fg.days_to_first_start(scope(world["a"]))
    assert (start.value, start.count) == (28.5, 2)  # 27, 30
    contact_all = fg.days_to_first_contact(scope(world["supervisor"]))
    assert (contact_all.value, contact_all.count) == (10.0, 5)  # 2, 4, 10, 20, 30


def test_ninety_day_retention_counts_a_job_that_ended_on_day_89_as_lost(world):
    retention = fg.retention_90(scope(world["a"]))
    # Ann's first job (ended day 89): lost; her second and Ben's (ended day 90): kept.
    assert (retention.starts, retention.kept) == (3, 2)
    recent = Scope(world["a"], None, START, END, date(2026, 8, 7), TZ)
    # On Aug 7 only the starts at least 90 days back (Feb 1, Mar 31; not May 10) count.
    assert (fg.retention_90(recent).starts, fg.retention_90(recent).kept) == (2, 1)


def test_job_endings_by_reason(world):
    assert fg.job_endings(scope(world["a"])) == [("laid_off", "Laid off", 1), ("quit", "Quit", 1)]
    assert fg.job_endings(scope(world["b"])) == []


def pay(scope) -> fg.Pay:
    return fg.pay_and_progression(scope)[0]


def progression(scope) -> fg.Progression:
    return fg.pay_and_progression(scope)[1]


def test_median_wage_and_hours_take_a_raise_from_its_date(world):
    mine = pay(scope(world["a"]))
    assert (mine.wage_cents, mine.wages, mine.hours_tenths) == (1650.0, 1, 250.0)
    # Ben's job (to Jun 28) is held in the middle of June too: the median of two.
    before_raise = pay(scope(world["a"], end=date(2026, 6, 14)))
    assert (before_raise.wage_cents, before_raise.wages) == (1650.0, 2)  # 1500 and 1800
    assert before_raise.hours_tenths == 250.0  # 200 and 300
    on_raise_day = pay(scope(world["a"], end=date(2026, 6, 15)))
    assert (on_raise_day.wage_cents, on_raise_day.hours_tenths) == (1725.0, 275.0)
    everyone = pay(scope(world["supervisor"]))
    assert (everyone.wage_cents, everyone.wages, everyone.hours_tenths) == (1825.0, 2, 325.0)


def test_wage_progression_compares_first_wage_with_current_per_person(world):
    mine = progression(scope(world["a"]))
    assert (mine.people, mine.raised, mine.first_cents, mine.current_cents) == (1, 1, 1400, 1650)
    everyone = progression(scope(world["supervisor"]))
    assert (everyone.people, everyone.raised) == (2, 1)
    assert (everyone.first_cents, everyone.current_cents) == (1700.0, 1825.0)


def test_employer_contacts_per_coach_per_week(world):
    weeks = 181 / 7
    mine = fg.contacts_per_coach_week(scope(world["a"]))
    assert (mine.contacts, mine.coaches) == (5, 1)
    assert mine.per_coach_week == pytest.approx(5 / weeks)
    everyone = fg.contacts_per_coach_week(scope(world["supervisor"]))
    assert (everyone.contacts, everyone.coaches) == (6, 2)
    assert everyone.per_coach_week == pytest.approx(6 / 2 / weeks)


def test_community_share_uses_the_agencys_local_days(world):
    mine = fg.community_share(scope(world["a"]))
    # Ann's 60 on site (11 pm Jun 30 local), of those + Cal's 30 by phone (not in the
    # community: IPS counts time where the client lives and works) + Ben's 30 in the office.
    assert (mine.community_minutes, mine.total_minutes) == (60, 120)
    assert mine.percent == 50
    everyone = fg.community_share(scope(world["supervisor"]))
    assert (everyone.community_minutes, everyone.total_minutes) == (60, 160)
    december = fg.community_share(
        scope(world["a"], start=date(2025, 12, 1), end=date(2025, 12, 31))
    )
    assert december.total_minutes == 45  # 03:00 UTC Jan 1 is Dec 31 in New York


def test_default_period_is_the_last_twelve_months_in_local_dates(ctx, monkeypatch):
    from coach.agency import agency_today
    from tests.clock import freeze_clock

    freeze_clock(monkeypatch, datetime(2026, 11, 30, 21, 30))  # 02:30 UTC on Dec 1
    assert default_period(agency_today()) == (date(2025, 12, 1), date(2026, 11, 30))


def test_empty_figures_say_nothing_rather_than_zero(ctx):
    coach = make_user("coach")
    figures = fg.all_figures(scope(coach))
    assert figures["caseload"].percent_employed is None
    assert figures["first_contact"].value is None and figures["first_contact"].count == 0
    assert figures["retention"].percent is None
    assert figures["pay"].wage_cents is None
    assert figures["progression"].people == 0
    assert figures["community"].percent is None


def test_a_statement_built_once_counts_each_users_own_records(world):
    """The figures' statements are kept per shape of scope (fg.statement): the second
    coach and the filtered views run the same statements with their own values, and get
    their own caseload, never the first one's."""
    fg.statement.cache_clear()
    a, b, boss = world["a"], world["b"], world["supervisor"]
    assert (fg.caseload(scope(a)).size, fg.caseload(scope(b)).size) == (3, 1)
    assert fg.statement.cache_info().hits == 1  # b ran a's statement
    assert fg.job_endings(scope(b)) == [] and len(fg.job_endings(scope(a))) == 2
    assert fg.caseload(scope(boss, b.id)).size == 1
    assert fg.caseload(scope(boss, a.id)).size == 3
    assert fg.caseload(scope(boss)).size == 4
    # Three shapes of the caseload statement: a coach's, one coach filtered, everyone's.
    assert fg.statement.cache_info().currsize == 4  # and the endings'
