"""The job-support plan of a job: supports, accommodations, natural supports, the fading
schedule drawn against the coach's actual hours, tasks ready to fade, and the handoff."""

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Client, FadingWeek, NaturalSupport, SupportPlan
from coach.support import services as support
from tests.clock import freeze_clock
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_request,
    make_run,
    make_support,
    make_task,
    make_user,
    make_visit,
    make_worksite,
)

NOW = datetime(2026, 11, 30, 9, 0)  # a Monday, local (New York)
START = date(2026, 11, 2)  # the job's first day, a Monday: week 1 is Nov 2–8


@pytest.fixture
def job(login_as, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz", status="employed")
    worksite = make_worksite(make_employer("Blue Door Bakery"))
    return coach, person, make_placement(person, worksite, "Dishwasher", start_date=START)


def fading(client, plan, *hours, **extra):
    data = {f"weeks-{n}": value for n, value in enumerate(hours)}
    return client.post(f"/support/{plan.id}/fading", data={**data, **extra})


def test_a_coach_starts_the_plan_from_the_job_once_for_a_double_tap(client, job):
    coach, person, placement = job
    page = client.get(f"/clients/{person.id}").text
    assert f"/support/jobs/{placement.id}" in page
    assert "Start the job-support plan" in client.get(f"/support/jobs/{placement.id}").text
    data = {"idempotency_key": "support-key-1", "supports_needed": "A written closing list"}
    for _ in range(2):
        response = client.post(f"/support/jobs/{placement.id}/new", data=data)
        assert response.location == f"/support/jobs/{placement.id}"
    plan = db.session.scalars(sa.select(SupportPlan)).one()
    assert plan.supports_needed == "A written closing list"
    page = client.get(f"/support/jobs/{placement.id}").text
    assert "A written closing list" in page and "Coach hours, week by week" in page


def test_a_fading_schedule_of_20_10_5_is_saved_and_audited(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    form = client.get(f"/support/{plan.id}/fading").text
    assert "Week 1, from Nov 2, 2026" in form and "Add a week" in form
    assert fading(client, plan, "20", "10", "5").status_code == 302
    assert support.get_support_for(coach, plan.id, full=True).schedule == (200, 100, 50)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "support_plan")
    ).all()[-1]
    assert "schedule" in event.summary
    fading(client, plan, "20", "8", "", "")  # blank last rows: no week
    db.session.expire_all()
    assert support.get_support_for(coach, plan.id, full=True).schedule == (200, 80)


@pytest.mark.parametrize(
    "hours, message",
    [
        (("20", "-5"), "Hours cannot be negative"),
        (("20", "81"), "Enter at most 80 hours a week"),
        (("20", "", "5"), "Enter this week&#39;s hours (0 for none)"),
        (("20", "ten"), "Enter a number, like 12.5"),
    ],
)
def test_bad_hours_get_a_message_beside_the_week_and_nothing_is_saved(client, job, hours, message):
    coach, person, placement = job
    plan = make_support(placement, coach, weeks=(20, 10))
    response = fading(client, plan, *hours)
    assert response.status_code == 200
    assert message in response.text and 'aria-invalid="true"' in response.text
    assert db.session.scalars(sa.select(FadingWeek.planned_tenths)).all() == [200, 100]


def test_add_a_week_adds_a_row_and_keeps_what_was_typed(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    page = fading(client, plan, "20", "10", "5", add_week="1").text
    assert 'name="weeks-3"' in page and 'value="5"' in page
    assert "Week 4, from Nov 23, 2026" in page
    assert db.session.scalar(sa.select(sa.func.count(FadingWeek.id))) == 0


def test_the_chart_draws_planned_against_actual_hours_per_week(client, job):
    coach, person, placement = job
    make_support(placement, coach, weeks=(20, 10, 5))
    # Week 1: two visits of 3 h; week 2: 1.5 h (Sunday 22:30 local is still week 2);
    # a deleted visit, one at another job, and one under way do not count.
    make_visit(person, coach, 180, datetime(2026, 11, 2, 14, 0), placement_id=placement.id)
    make_visit(person, coach, 180, datetime(2026, 11, 4, 14, 0), placement_id=placement.id)
    make_visit(person, coach, 90, datetime(2026, 11, 16, 3, 30), placement_id=placement.id)
    make_visit(
        person, coach, 60, datetime(2026, 11, 10, 14), placement_id=placement.id, deleted_at=NOW
    )
    make_visit(person, coach, 60, datetime(2026, 11, 10, 14))  # no job
    make_visit(person, coach, None, datetime(2026, 11, 30, 14), placement_id=placement.id)
    assert support.actual_tenths(placement, "America/New_York") == [60, 15]
    page = client.get(f"/support/jobs/{placement.id}").text
    assert "Week 1: planned 20 h, actual 6 h." in page
    assert "Week 2: planned 10 h, actual 1.5 h." in page
    assert "Week 3: planned 5 h, actual 0 h." in page
    assert page.count('class="series"') == 1 and page.count('class="series series-2"') == 1
    chart = support.fading_chart(support.weekly_rows(placement, (200, 100, 50), [60, 15]))
    actual, planned = chart["series"]
    assert [c["value"] for c in actual["coords"]] == [6, 1.5, 0]
    assert [c["value"] for c in planned["coords"]] == [20, 10, 5]
    assert chart["y_max"] == 20 and [g["label"] for g in chart["gridlines"]][-1] == "20"
    assert actual["coords"][0]["y"] > planned["coords"][0]["y"]  # fewer hours: lower


def test_the_task_chart_is_drawn_by_the_same_code_in_percent():
    from coach.charts import chart_geometry

    chart = chart_geometry([0, 50, None, 100])
    assert [g["label"] for g in chart["gridlines"]] == ["0", "25", "50", "75", "100"]
    assert chart["unit"] == "%" and chart["count"] == 4 and len(chart["coords"]) == 3
    assert chart["path"].startswith("M44.0,154.0") and chart["coords"][-1]["y"] == 12


def test_a_mastered_task_at_this_job_suggests_stepping_down(client, job):
    coach, person, placement = job
    make_support(placement, coach, weeks=(20, 10))
    task = make_task(person, coach, title="Dish station", placement_id=placement.id)
    other = make_task(person, coach, title="Mop the floor", placement_id=placement.id)
    steps = [s.id for s in task.steps]
    for day in (2, 3, 4):
        make_run(task, coach, dict.fromkeys(steps, "I"), datetime(2026, 11, day))
    make_run(other, coach, dict.fromkeys([s.id for s in other.steps], "V"))
    page = client.get(f"/support/jobs/{placement.id}").text
    assert "Dish station met its mastery criterion: consider lowering next week" in page
    assert f"/tasks/{task.id}/progress" in page
    assert "Mop the floor met" not in page


def test_a_handoff_today_moves_the_client_to_follow_along(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    response = client.post(f"/support/{plan.id}/handoff", data={"handoff_date": "2026-11-30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, person.id).status == "follow_along"
    assert "Handed off on Nov 30, 2026" in client.get(f"/support/jobs/{placement.id}").text
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.entity_type == "client")
    ).all()
    assert any("follow_along" in s for s in summaries)


def test_a_future_handoff_is_planned_and_shows_on_today_that_day(client, job, monkeypatch):
    coach, person, placement = job
    plan = make_support(placement, coach)
    client.post(f"/support/{plan.id}/handoff", data={"handoff_date": "2026-12-14"})
    db.session.expire_all()
    assert db.session.get(Client, person.id).status == "employed"
    page = client.get(f"/support/jobs/{placement.id}").text
    assert "Handoff to natural supports planned for Dec 14, 2026" in page
    assert "Hand off to natural supports" not in client.get("/today/").text
    freeze_clock(monkeypatch, datetime(2026, 12, 14, 9, 0))
    assert "Hand off to natural supports" in client.get("/today/").text


def test_moving_a_done_handoff_later_makes_the_client_employed_again(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    client.post(f"/support/{plan.id}/handoff", data={"handoff_date": "2026-11-30"})
    client.post(f"/support/{plan.id}/handoff", data={"handoff_date": "2026-12-14"})
    db.session.expire_all()
    assert db.session.get(Client, person.id).status == "employed"
    page = client.get(f"/support/jobs/{placement.id}").text
    assert "Handoff to natural supports planned for Dec 14, 2026" in page
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.entity_type == "client")
    ).all()
    assert any("'follow_along' → 'employed'" in s for s in summaries)


@pytest.mark.parametrize(
    "value, message",
    [("", "Enter the handoff date."), ("2026-10-01", "after the job starts, Nov 2, 2026")],
)
def test_a_bad_handoff_date_is_refused_beside_the_field(client, job, value, message):
    coach, person, placement = job
    plan = make_support(placement, coach)
    response = client.post(f"/support/{plan.id}/handoff", data={"handoff_date": value})
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    assert db.session.get(SupportPlan, plan.id).handoff_date is None


def test_natural_supports_are_added_once_edited_and_removed_with_audit(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    data = {"idempotency_key": "natural-1", "name": "Dana Brooks", "role": "Shift lead"}
    for _ in range(2):
        client.post(f"/support/{plan.id}/people/new", data={**data, "helps_with": "Closing"})
    person_row = db.session.scalars(sa.select(NaturalSupport)).one()
    assert "Dana Brooks" in client.get(f"/support/jobs/{placement.id}").text
    client.post(
        f"/support/people/{person_row.id}/edit",
        data={"name": "Dana Brooks", "role": "Supervisor", "helps_with": "Breaks"},
    )
    db.session.expire_all()
    assert db.session.get(NaturalSupport, person_row.id).role == "Supervisor"
    client.post(f"/support/people/{person_row.id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(NaturalSupport.id))) == 0
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.summary).where(
            AuditEvent.entity_type == "natural_support"
        )
    ).all()
    assert [a for a, _ in events] == ["create", "update", "delete"]
    assert all("Breaks" not in s and "Supervisor" not in s for _, s in events)  # private
    empty = client.post(f"/support/{plan.id}/people/new", data={"idempotency_key": "natural-2"})
    assert "Enter their name." in empty.text


def test_accommodations_link_the_clients_requests_only(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    stool = make_request(person, coach, accommodation="A stool at the sink", status="sent")
    other_client = make_client(make_user("coach"), "Private")
    theirs = make_request(other_client, coach, accommodation="Private stool")
    page = client.get(f"/support/{plan.id}/accommodations").text
    assert "A stool at the sink" in page and "Private stool" not in page
    refused = client.post(f"/support/{plan.id}/accommodations", data={"request_ids": theirs.id})
    assert refused.status_code == 200 and "Pick from the requests listed here." in refused.text
    client.post(f"/support/{plan.id}/accommodations", data={"request_ids": stool.id})
    page = client.get(f"/support/jobs/{placement.id}").text
    assert "A stool at the sink" in page and "Sent" in page
    assert f"/accommodations/{stool.id}" in page


def test_another_coachs_plan_answers_404(client, job):
    coach, person, placement = job
    other = make_user("coach")
    theirs = make_client(other, "Private", "Person")
    their_job = make_placement(theirs, make_worksite(make_employer("Elsewhere")))
    plan = make_support(their_job, other, weeks=(20,), people=1)
    natural = db.session.scalars(sa.select(NaturalSupport)).one()
    for url in (
        f"/support/jobs/{their_job.id}",
        f"/support/{plan.id}/fading",
        f"/support/{plan.id}/handoff",
        f"/support/people/{natural.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/support/{plan.id}/handoff", data={"handoff_date": "2026-11-30"}).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Client, theirs.id).status != "follow_along"


def test_the_plan_page_is_audited_as_a_view(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach)
    client.get(f"/support/jobs/{placement.id}")
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(
            AuditEvent.action == "view",
            AuditEvent.entity_type == "support_plan",
            AuditEvent.entity_id == plan.id,
        )
    )


def test_every_form_of_the_plan_opens(client, job):
    coach, person, placement = job
    plan = make_support(placement, coach, weeks=(20,), people=1)
    natural = db.session.scalars(sa.select(NaturalSupport)).one()
    for url, shows in (
        (f"/support/{plan.id}/needs", "Supports needed"),
        (f"/support/{plan.id}/accommodations", "has no accommodation request yet"),
        (f"/support/{plan.id}/fading", "Save the schedule"),
        (f"/support/{plan.id}/handoff", "Handoff date"),
        (f"/support/{plan.id}/people/new", "Add a natural support"),
        (f"/support/people/{natural.id}/edit", "Remove Co-worker 1"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and shows in response.text, url
