"""Milestones: a funder's schedule (admins), when a placement reaches each milestone
(hand-computed below), the list of milestones due, reached and claimed, and claims."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.milestones.services import milestone_rows, reached_on
from coach.models import VR_DEFAULT, AuditEvent, Milestone, MilestoneClaim
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

START = date(2026, 1, 15)
# By hand: January has 16 days left after the 15th, February 28.
ON_30 = date(2026, 2, 14)  # 16 + 14
ON_60 = date(2026, 3, 16)  # 16 + 28 + 16
ON_90 = date(2026, 4, 15)  # 16 + 28 + 31 + 15
DAY_45 = date(2026, 3, 1)  # 16 + 28 + 1


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


def freeze(monkeypatch, day: date, hour: int = 9, minute: int = 0):
    freeze_clock(monkeypatch, datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def vr(ctx):
    """A coach's client with a job from Jan 15, 2026, a VR funder with the VR default
    schedule, and an authorization of that funder covering the job's start."""
    admin = make_user("admin")
    coach = make_user("coach", name="Carla Coach")
    person = make_client(coach, "Rosa", "Diaz")
    site = make_worksite(make_employer("Green Valley Grocery", created_by=coach))
    job = make_placement(person, site, "Stocker", start_date=START)
    funder = make_funder(admin, "Ohio OOD")
    steps = make_milestones(funder, admin, VR_DEFAULT)
    make_authorization(
        person, admin, funder, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    return dict(admin=admin, coach=coach, person=person, job=job, funder=funder, steps=steps)


def states(user, today, funder_id=None) -> dict:
    rows, _ = milestone_rows(user, today, funder_id)
    return {state: [(r.days, r.day) for r in found] for state, found in rows.items()}


# --- when a milestone is reached ---------------------------------------------------------


def test_milestones_are_reached_30_60_and_90_days_after_the_start():
    assert reached_on(START, None, 0) == START
    assert reached_on(START, None, 30) == ON_30
    assert reached_on(START, None, 60) == ON_60
    assert reached_on(START, None, 90) == ON_90


def test_a_job_that_ended_on_day_45_reaches_30_days_but_not_60_or_90():
    assert reached_on(START, DAY_45, 30) == ON_30
    assert reached_on(START, DAY_45, 60) is None
    assert reached_on(START, DAY_45, 90) is None


def test_a_job_that_ended_on_the_very_day_reaches_it_and_the_day_before_does_not():
    assert reached_on(START, ON_60, 60) == ON_60
    assert reached_on(START, date(2026, 3, 15), 60) is None


def test_across_the_spring_clock_change_a_milestone_is_still_whole_days():
    # The clocks went forward on March 8, 2026 (New York): 30 days from Feb 20 is Mar 22.
    assert reached_on(date(2026, 2, 20), None, 30) == date(2026, 3, 22)


def test_the_database_computes_the_same_dates(vr, monkeypatch):
    freeze(monkeypatch, ON_90)
    found = states(vr["admin"], ON_90)
    assert found["reached"] == [(0, START), (30, ON_30), (60, ON_60), (90, ON_90)]
    assert found["due"] == [] and found["claimed"] == []


def test_due_means_reached_within_the_next_14_days(vr, monkeypatch):
    today = date(2026, 4, 1)  # 90 days is Apr 15: 14 days ahead
    freeze(monkeypatch, today)
    found = states(vr["admin"], today)
    assert found["due"] == [(90, ON_90)]
    assert [days for days, _ in found["reached"]] == [0, 30, 60]
    earlier = states(vr["admin"], date(2026, 3, 31))
    assert earlier["due"] == []  # 15 days ahead


def test_a_job_lost_on_day_45_lists_30_days_and_never_60_or_90(vr, monkeypatch):
    vr["job"].end_date, vr["job"].end_reason = DAY_45, "laid_off"
    db.session.commit()
    freeze(monkeypatch, ON_90)
    found = states(vr["admin"], ON_90)
    assert found["reached"] == [(0, START), (30, ON_30)]
    assert found["due"] == []
    before = states(vr["admin"], date(2026, 3, 5))  # 60 days is within 14 days, but lost
    assert before["due"] == []


def test_across_the_clock_change_the_agencys_local_day_decides(ctx, monkeypatch):
    """A job from Feb 20 reaches 30 days on Mar 22 (after the clocks went forward): at
    23:30 on Mar 21 in New York (already Mar 22 in UTC) it is still due."""
    admin = make_user("admin")
    person = make_client(make_user("coach"))
    job = make_placement(person, make_worksite(make_employer()), start_date=date(2026, 2, 20))
    funder = make_funder(admin)
    make_milestones(funder, admin, [("30 days", 30)])
    make_authorization(person, admin, funder, start_date=date(2026, 2, 1))
    from coach.agency import agency_today

    freeze(monkeypatch, date(2026, 3, 21), 23, 30)
    assert agency_today() == date(2026, 3, 21)
    assert states(admin, agency_today())["due"] == [(30, date(2026, 3, 22))]
    freeze(monkeypatch, date(2026, 3, 22), 0, 30)
    assert states(admin, agency_today())["reached"] == [(30, date(2026, 3, 22))]
    assert job.start_date == date(2026, 2, 20)


# --- which funder a placement counts for ---------------------------------------------------


def test_a_placement_counts_for_a_funder_whose_authorization_covers_its_start(vr, monkeypatch):
    freeze(monkeypatch, ON_90)
    other = make_funder(vr["admin"], "County MH")
    make_milestones(other, vr["admin"], [("Placement", 0)])
    # County MH's authorization begins after the job started: its milestones do not count.
    make_authorization(vr["person"], vr["admin"], other, start_date=date(2026, 2, 1))
    rows = milestone_rows(vr["admin"], ON_90)[0]["reached"]
    assert {r.funder for r in rows} == {"Ohio OOD"}
    assert states(vr["admin"], ON_90, other.id)["reached"] == []


# --- the page ----------------------------------------------------------------------------


def test_a_supervisor_sees_each_row_and_claims_a_reached_milestone(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))
    supervisor = make_user("supervisor")
    auth.login(supervisor.email)
    page = client.get("/milestones/").text
    assert "Rosa Diaz" in page and "Stocker at Green Valley Grocery" in page
    assert "reached Feb 14, 2026 · $500.00" in page and "Job placement</span>" in page
    assert "reached Feb 14, 2026" in page and "Due (0)" in page and "Reached (3)" in page
    step = vr["steps"][30]
    url = f"/milestones/placements/{vr['job'].id}/{step.id}/claim"
    response = client.post(url, follow_redirects=True)
    assert "30 days employed marked claimed." in response.text
    assert "Claimed (1)" in response.text and "Claimed by" in response.text
    claim = db.session.scalars(sa.select(MilestoneClaim)).one()
    assert claim.claimed_by_id == supervisor.id and claim.milestone_id == step.id
    assert count(AuditEvent, AuditEvent.action == "claim") == 1
    assert count(AuditEvent, AuditEvent.action == "view", AuditEvent.entity_type == "client")


def test_a_double_tap_claims_once(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))
    auth.login(make_user("supervisor").email)
    url = f"/milestones/placements/{vr['job'].id}/{vr['steps'][0].id}/claim"
    first = client.post(url, data={"funder": str(vr["funder"].id)})
    assert first.location == f"/milestones/?funder={vr['funder'].id}"  # the filter stays
    assert client.post(url, data={"funder": "-5"}).location == "/milestones/"
    assert count(MilestoneClaim) == 1
    assert count(AuditEvent, AuditEvent.action == "claim") == 1


def test_a_milestone_not_yet_reached_cannot_be_claimed(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))
    auth.login(make_user("supervisor").email)
    url = f"/milestones/placements/{vr['job'].id}/{vr['steps'][90].id}/claim"
    response = client.post(url, follow_redirects=True)
    assert "90 days employed is not reached yet: it is due on Apr 15, 2026." in response.text
    assert count(MilestoneClaim) == 0


def test_a_milestone_the_job_ended_before_cannot_be_claimed(vr, client, auth, monkeypatch):
    vr["job"].end_date = DAY_45
    db.session.commit()
    freeze(monkeypatch, ON_90)
    auth.login(make_user("supervisor").email)
    url = f"/milestones/placements/{vr['job'].id}/{vr['steps'][60].id}/claim"
    response = client.post(url, follow_redirects=True)
    assert "60 days employed was not reached: the job ended before it." in response.text
    assert count(MilestoneClaim) == 0


def test_a_claim_is_undone_and_the_undo_is_audited(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))
    supervisor = make_user("supervisor")
    make_claim(vr["job"], vr["steps"][30], supervisor)
    auth.login(supervisor.email)
    url = f"/milestones/placements/{vr['job'].id}/{vr['steps'][30].id}/unclaim"
    response = client.post(url, data={"funder": vr["funder"].id}, follow_redirects=True)
    assert "30 days employed is no longer marked claimed." in response.text
    assert count(MilestoneClaim) == 0
    assert count(AuditEvent, AuditEvent.action == "undo_claim") == 1
    assert client.post(url).status_code == 302  # a second tap: nothing left to undo
    assert count(AuditEvent, AuditEvent.action == "undo_claim") == 1


def test_a_long_section_shows_its_first_rows_and_counts_them_all(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))  # placement, 30 and 60 days reached
    monkeypatch.setattr("coach.milestones.services.SHOWN", 2)
    auth.login(make_user("supervisor").email)
    page = client.get("/milestones/").text
    assert "Reached (3)" in page and "The first 2 are shown." in page
    assert "Job placement</span>" in page and "30 days employed</span>" in page
    assert "60 days employed</span>" not in page
    assert "Due (0)" in page and page.count("are shown.") == 1


def test_the_funder_filter_lists_one_funders_milestones(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))
    other = make_funder(vr["admin"], "Medicaid Waiver")
    make_milestones(other, vr["admin"], [("Waiver placement", 0)])
    make_authorization(vr["person"], vr["admin"], other, code="FOLLOW", start_date=START)
    auth.login(make_user("supervisor").email)
    both = client.get("/milestones/").text
    assert "Waiver placement" in both and "30 days employed" in both
    one = client.get(f"/milestones/?funder={other.id}").text
    assert "Waiver placement" in one and "30 days employed" not in one
    assert client.get("/milestones/?funder=abc").status_code == 404


def test_a_coach_sees_their_own_caseloads_milestones_read_only(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))
    auth.login(vr["coach"].email)
    page = client.get("/milestones/").text
    assert "Rosa Diaz" in page and "Mark claimed" not in page
    url = f"/milestones/placements/{vr['job'].id}/{vr['steps'][30].id}/claim"
    assert client.post(url).status_code == 404
    auth.logout()
    auth.login(make_user("coach").email)
    assert "Rosa Diaz" not in client.get("/milestones/").text


def test_the_list_built_once_reads_each_users_and_funders_own_rows(vr, monkeypatch):
    """The list's statements are built once per kind of user and filter, and hold no
    data: run for two coaches in turn, and for two funders, each gets their own rows."""
    freeze(monkeypatch, date(2026, 3, 20))
    other_coach = make_user("coach", name="Omar Coach")
    other_person = make_client(other_coach, "Ana", "Bell")
    site = make_worksite(make_employer("Mill", created_by=other_coach))
    make_placement(other_person, site, "Packer", start_date=START)
    waiver = make_funder(vr["admin"], "Medicaid Waiver")
    make_milestones(waiver, vr["admin"], [("Waiver placement", 0)])
    make_authorization(other_person, vr["admin"], waiver, code="FOLLOW", start_date=START)

    def names(user, funder_id=None):
        rows, _ = milestone_rows(user, date(2026, 3, 20), funder_id)
        return {(r.client_name, r.milestone) for found in rows.values() for r in found}

    rosa = {"Job placement", "30 days employed", "60 days employed"}  # by March 20 + 14
    assert names(vr["coach"]) == {("Rosa Diaz", name) for name in rosa}
    assert names(other_coach) == {("Ana Bell", "Waiver placement")}
    boss = make_user("supervisor")
    assert names(boss, vr["funder"].id) == names(vr["coach"])
    assert names(boss, waiver.id) == names(other_coach)


def test_a_milestone_of_a_funder_the_job_does_not_count_for_answers_404(vr, client, auth):
    other = make_funder(vr["admin"], "Schools")
    step = make_milestones(other, vr["admin"], [("Placement", 0)])[0]
    auth.login(make_user("supervisor").email)
    assert client.post(f"/milestones/placements/{vr['job'].id}/{step.id}/claim").status_code == 404


# --- the schedule (admins) -----------------------------------------------------------------


def test_an_admin_sets_the_vr_default_with_one_tap_on_the_funder_page(client, login_as):
    admin = login_as("admin")
    funder = make_funder(admin, "Ohio OOD")
    page = client.get(f"/billing/funders/{funder.id}/edit").text
    assert "No milestones yet" in page and "Use the VR default" in page
    url = f"/milestones/funders/{funder.id}/default"
    response = client.post(url, data={"back": "funder"})
    assert response.location == f"/billing/funders/{funder.id}/edit#milestones"
    client.post(url)  # a double tap adds nothing more
    days = db.session.scalars(sa.select(Milestone.days).order_by(Milestone.days)).all()
    assert days == [0, 30, 60, 90]
    page = client.get(f"/billing/funders/{funder.id}/edit").text
    assert "60 days employed" in page and "Use the VR default" not in page


def test_an_admin_adds_a_milestone_once_with_its_amount_and_service(client, login_as):
    from tests.factories import service

    admin = login_as("admin")
    funder = make_funder(admin)
    benefits = service("BENEFITS")  # the seeded service of unit "per milestone"
    data = {"idempotency_key": "ms-key-0001", "name": "180 days", "days": "180"}
    data |= {"amount": "750.00", "service_type_id": str(benefits.id)}
    url = f"/milestones/funders/{funder.id}"
    assert client.get(url).status_code == 200
    assert "Benefits counselling referral" in client.get(url).text
    assert "Job coaching" not in client.get(url).text  # only "per milestone" services
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302  # a double tap
    made = db.session.scalars(sa.select(Milestone)).one()
    assert (made.days, made.amount_cents, made.service_type_id) == (180, 75000, benefits.id)
    again = client.post(url, data=data | {"idempotency_key": "ms-key-0002"})
    assert "This funder already has a milestone at 180 days." in again.text


@pytest.mark.parametrize(
    "days, message",
    [("", "Enter the number of days"), ("-1", "From 0 to 730 days."), ("731", "From 0 to 730")],
)
def test_bad_days_get_a_message_and_nothing_is_saved(client, login_as, days, message):
    funder = make_funder(login_as("admin"))
    data = {"idempotency_key": "ms-key-0003", "name": "Odd", "days": days}
    response = client.post(f"/milestones/funders/{funder.id}", data=data)
    assert response.status_code == 200 and message in response.text
    assert count(Milestone) == 0


def test_an_edit_is_audited_and_a_claimed_milestone_keeps_its_days(vr, client, auth):
    auth.login(vr["admin"].email)
    step = vr["steps"][30]
    url = f"/milestones/schedule/{step.id}/edit"
    data = {"idempotency_key": "edit-key-01", "name": "30 days", "days": "30"}
    data |= {"amount": "500", "service_type_id": "0"}
    assert client.post(url, data=data).status_code == 302
    assert count(AuditEvent, AuditEvent.action == "update", AuditEvent.entity_type == "milestone")
    assert db.session.get(Milestone, step.id).amount_cents == 50000
    make_claim(vr["job"], step, vr["admin"])
    moved = client.post(url, data=data | {"days": "31"})
    assert "It has been claimed for a job" in moved.text
    response = client.post(f"/milestones/schedule/{step.id}/delete", follow_redirects=True)
    assert "claimed for a job: it stays" in response.text
    assert db.session.get(Milestone, step.id) is not None


def test_an_unclaimed_milestone_is_deleted(vr, client, auth):
    auth.login(vr["admin"].email)
    step = vr["steps"][90]
    assert client.post(f"/milestones/schedule/{step.id}/delete").status_code == 302
    assert count(Milestone) == 3


@pytest.mark.parametrize("role", ["coach", "supervisor"])
def test_only_admins_keep_the_schedule(vr, client, auth, role):
    auth.login(make_user(role).email)
    assert client.get(f"/milestones/funders/{vr['funder'].id}").status_code == 404
    assert client.post(f"/milestones/funders/{vr['funder'].id}/default").status_code == 404


def test_jobs_reaching_a_milestone_on_one_day_are_listed_by_name(vr, client, auth, monkeypatch):
    """A section shows its first rows of a day in the order the jobs were made, then
    sorts them by name: the list never sorts every job of a busy day."""
    freeze(monkeypatch, date(2026, 3, 20))
    monkeypatch.setattr("coach.milestones.services.SHOWN", 2)
    site = make_worksite(make_employer("Harbor Diner", created_by=vr["coach"]))
    for last in ("Zamora", "Abbott", "Moreno"):  # made in this order, started the same day
        person = make_client(vr["coach"], "Lee", last)
        make_authorization(person, vr["admin"], vr["funder"], start_date=date(2026, 1, 1))
        make_placement(person, site, start_date=date(2026, 2, 25))  # 30 days on March 27
    auth.login(make_user("supervisor").email)
    page = client.get("/milestones/").text
    due = page[page.index("Due (") :]
    assert "Due (3)" in page
    assert "Lee Abbott" in due and "Lee Zamora" in due and "Lee Moreno" not in due
    assert due.index("Lee Abbott") < due.index("Lee Zamora")


def test_a_section_counts_up_to_its_cap_and_says_more_than(vr, client, auth, monkeypatch):
    freeze(monkeypatch, date(2026, 3, 20))  # placement, 30 and 60 days reached
    monkeypatch.setattr("coach.milestones.services.COUNTED_UP_TO", 2)
    auth.login(make_user("supervisor").email)
    page = client.get("/milestones/").text
    assert "Reached (more than 2)" in page and "Reached (3)" not in page
    assert "60 days employed</span>" in page  # the rows are all shown, under SHOWN
    assert "Due (0)" in page
