"""Outcome figures a review found wrong against what a funder or an IPS reviewer
expects, each with the case that showed it (the fixes: coach/outcomes/services.py,
coach/visits/days.py, coach/reports/assembly.py)."""

from datetime import date, datetime

from coach.extensions import db
from coach.outcomes import figures as fg
from coach.outcomes.services import Scope
from tests.factories import (
    make_client,
    make_contact,
    make_employer,
    make_placement,
    make_request,
    make_user,
    make_visit,
    make_worksite,
)

TZ = "America/New_York"
TODAY = date(2026, 11, 30)


def scope(user, start, end):
    return Scope(user, None, start, end, TODAY, TZ)


def test_the_share_employed_on_a_past_day_counts_only_people_in_the_program_then(ctx):
    coach = make_user("coach")
    ann = make_client(coach, "Ann", referral_date=date(2026, 1, 5))
    make_placement(ann, make_worksite(make_employer("Grocer")), start_date=date(2026, 2, 1))
    for i in range(3):  # referred in the autumn, after the period
        make_client(coach, f"New{i}", referral_date=date(2026, 10, 1))
    make_client(coach, "Undated")  # no referral or intake date: counted
    march = fg.caseload(scope(coach, date(2026, 1, 1), date(2026, 3, 31)))
    assert (march.size, march.employed) == (2, 1)
    now = fg.caseload(scope(coach, date(2026, 1, 1), TODAY))
    assert (now.size, now.employed) == (5, 1)


def test_days_to_a_first_job_start_leave_out_a_job_not_started_yet(ctx):
    coach = make_user("coach")
    ann = make_client(coach, "Ann", referral_date=date(2026, 11, 2))
    make_placement(ann, make_worksite(make_employer("Grocer")), start_date=date(2026, 12, 14))
    november = fg.days_to_first_start(scope(coach, date(2026, 11, 1), TODAY))
    assert november.count == 0


def test_contacts_a_week_divide_by_the_days_lived_so_far(ctx):
    coach = make_user("coach")
    shop = make_employer("Diner")
    for d in range(7):
        make_contact(coach, shop, contact_date=date(2026, 11, 24 + d))
    rate = fg.contacts_per_coach_week(scope(coach, date(2026, 11, 24), date(2026, 12, 3)))
    assert rate.per_coach_week == 7  # Nov 24-30 lived; Dec 1-3 still ahead
    ahead = fg.contacts_per_coach_week(scope(coach, date(2026, 12, 1), date(2026, 12, 3)))
    assert ahead.per_coach_week is None


def test_phone_video_and_office_time_is_not_time_in_the_community(ctx):
    coach = make_user("coach")
    ann = make_client(coach, "Ann")
    for day, kind in ((2, "phone"), (3, "video"), (4, "office"), (5, "on_site")):
        make_visit(ann, coach, 60, datetime(2026, 3, day, 15), contact_type=kind)
    mine = fg.community_share(scope(coach, date(2026, 3, 1), date(2026, 3, 31)))
    everyone = fg.community_share(
        scope(make_user("supervisor"), date(2026, 3, 1), date(2026, 3, 31))
    )
    assert mine.percent == everyone.percent == 25  # the kept day sums say the same


def test_a_request_closed_before_the_month_stays_out_of_its_report_though_edited_since(ctx):
    from coach.reports.assembly import assemble

    coach = make_user("coach")
    ann = make_client(coach, "Ann")
    request = make_request(ann, coach, status="approved", idempotency_key="k1")
    request.created_at = datetime(2026, 1, 10, 15)
    request.updated_at = datetime(2026, 9, 10, 15)  # a typo fixed in September
    db.session.commit()
    assert assemble(ann, date(2026, 3, 1), TZ)["accommodations"] == []
