"""The individual employment plan: goals → objectives → action steps, bad input beside its
field, the person's signature (once per version), and versions that stay readable."""

import re
from datetime import timedelta

import sqlalchemy as sa

from coach import signing
from coach.agency import agency_today
from coach.extensions import db
from coach.models import (
    AuditEvent,
    EmploymentPlan,
    PlanAction,
    PlanGoal,
    PlanObjective,
    PlanSignature,
)
from coach.plans import services as plans
from tests.factories import make_client, make_plan, make_user


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def day(offset: int = 0) -> str:
    return (agency_today() + timedelta(days=offset)).isoformat()


def key() -> str:
    return f"key-{count(AuditEvent)}-{re.sub('[^0-9]', '', str(agency_today()))}-x"


def sha_on(page: str) -> str:
    return re.search(r'name="document_sha256" type="hidden" value="([0-9a-f]{64})"', page)[1]


def sign(client, plan_id: int, name="Rosa Diaz", **extra):
    page = client.get(f"/plans/{plan_id}/sign").text
    data = {
        "document_sha256": sha_on(page),
        "signer_name": name,
        "signed_on": day(),
        "consent": "y",
    }
    return client.post(f"/plans/{plan_id}/sign", data={**data, **extra})


def test_a_coach_writes_a_plan_goal_objectives_and_steps(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    assert "No employment plan yet" in client.get(f"/clients/{person.id}").text
    response = client.post(
        f"/plans/clients/{person.id}/new",
        data={"idempotency_key": "plan-key-1", "start_date": day(-30), "review_date": day(60)},
    )
    plan = db.session.scalars(sa.select(EmploymentPlan)).one()
    assert response.location == f"/plans/{plan.id}"
    client.post(
        f"/plans/{plan.id}/goals/new",
        data={"idempotency_key": "goal-key-1", "text": "Work in a kitchen"},
    )
    goal = db.session.scalars(sa.select(PlanGoal)).one()
    for n, text in enumerate(("Arrives on time 4 of 5 shifts", "Learns the dish machine")):
        client.post(
            f"/plans/{plan.id}/objectives/new",
            data={
                "idempotency_key": f"objective-key-{n}",
                "goal_id": goal.id,
                "text": text,
                "target_date": day(60),
            },
        )
    first = db.session.scalars(sa.select(PlanObjective).order_by(PlanObjective.id)).first()
    for n, who in enumerate(("person", "coach", "other")):
        client.post(
            f"/plans/objectives/{first.id}/actions/new",
            data={
                "idempotency_key": f"action-key-{n}",
                "text": f"Step by {who}",
                "who": who,
                "who_name": "Sam, the shift lead" if who == "other" else "",
                "due_date": day(-5 if who == "coach" else 20),
            },
        )
    assert (count(PlanObjective), count(PlanAction)) == (2, 3)
    page = client.get(f"/plans/{plan.id}").text
    assert "Goal 1: Work in a kitchen" in page
    assert "Objective 1.2: Learns the dish machine" in page
    assert "Sam, the shift lead" in page and "The coach" in page
    assert "overdue" in page  # the coach's step was due five days ago
    assert "Sign version 1 with Rosa" in page
    assert "Plan from" in client.get(f"/clients/{person.id}").text


def test_a_double_tapped_goal_is_saved_once(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach, objectives=0)
    for _ in range(2):
        client.post(
            f"/plans/{plan.id}/goals/new", data={"idempotency_key": "same-key-1", "text": "Drive"}
        )
    assert db.session.scalar(sa.select(sa.func.count()).where(PlanGoal.text == "Drive")) == 1


def test_a_target_date_before_the_plans_start_is_refused_beside_the_field(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach, objectives=0, start=agency_today())
    goal = db.session.scalars(sa.select(PlanGoal)).one()
    response = client.post(
        f"/plans/{plan.id}/objectives/new",
        data={
            "idempotency_key": "k-12345678",
            "goal_id": goal.id,
            "text": "X",
            "target_date": day(-1),
        },
    )
    assert response.status_code == 200
    assert re.search(r'id="target_date-error">The target date must be on or after', response.text)
    assert count(PlanObjective) == 0


def test_an_objective_with_no_goal_is_refused_beside_the_field(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach, objectives=0)
    data = {"idempotency_key": "k-12345678", "text": "Something", "target_date": day(30)}
    response = client.post(f"/plans/{plan.id}/objectives/new", data=data)
    assert 'id="goal_id-error">Choose the goal this objective serves.' in response.text
    db.session.execute(sa.delete(PlanGoal))
    db.session.commit()
    response = client.post(f"/plans/{plan.id}/objectives/new", data=data)
    assert 'id="goal_id-error">Add a goal first: every objective serves a goal.' in response.text
    assert count(PlanObjective) == 0


def test_a_review_or_due_date_before_the_start_and_an_unnamed_someone_else_are_refused(
    client, login_as
):
    coach = login_as("coach")
    person = make_client(coach)
    response = client.post(
        f"/plans/clients/{person.id}/new",
        data={"idempotency_key": "k-12345678", "start_date": day(), "review_date": day(-2)},
    )
    assert 'id="review_date-error">The review must be on or after' in response.text
    assert count(EmploymentPlan) == 0
    make_plan(person, coach)
    objective = db.session.scalars(sa.select(PlanObjective)).one()
    response = client.post(
        f"/plans/objectives/{objective.id}/actions/new",
        data={"idempotency_key": "k-22345678", "text": "Ask", "who": "other", "due_date": day(-1)},
    )
    assert 'id="who_name-error">Name who does it.' in response.text
    assert 'id="due_date-error">The due date must be on or after' in response.text
    assert count(PlanAction) == 1


def test_signing_a_plan_with_no_objective_is_refused_beside_the_field(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach, objectives=0)
    response = sign(client, plan.id)
    assert 'id="signer_name-error">This plan has no objective yet' in response.text
    assert count(PlanSignature) == 0


def test_the_person_signs_once_per_version_and_the_record_verifies(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach, "Rosa", "Diaz"), coach, objectives=2)
    missing = sign(client, plan.id, consent="")
    assert "Tick the box to sign electronically." in missing.text
    wrong_day = sign(client, plan.id, signed_on=day(-3))
    assert 'id="signed_on-error">Enter today' in wrong_day.text
    page = client.get(f"/plans/{plan.id}/sign").text
    assert "Objective 1: on time for 4 of 5 shifts" in page and signing.CONSENT_TEXT in page
    response = sign(client, plan.id, headers={"User-Agent": "Phone/1.0"})
    assert response.status_code == 302
    signature = db.session.scalars(sa.select(PlanSignature)).one()
    assert signature.document_version == 1 and signature.signer_name == "Rosa Diaz"
    assert signature.consented and signature.consent_text == signing.CONSENT_TEXT
    assert signing.verify(signature) and "Person: Rosa Diaz" in signature.document_text
    assert signature.witnessed_by_id == coach.id
    # A second tap, or the same page sent again, signs nothing more.
    again = client.post(
        f"/plans/{plan.id}/sign",
        data={
            "document_sha256": signature.document_sha256,
            "signer_name": "Rosa Diaz",
            "signed_on": day(),
            "consent": "y",
        },
    )
    assert again.status_code == 302 and count(PlanSignature) == 1
    record = client.get(f"/plans/{plan.id}/versions/1").text
    assert "Verified." in record and signature.document_sha256 in record


def test_the_conditional_update_lets_one_signature_through_per_version(ctx):
    coach = make_user("coach")
    plan = make_plan(make_client(coach), coach)
    tree = plans.get_plan_for(coach, plan.id, with_tree=True)
    sha = signing.sha256_hex(plans.document_for(tree))
    first, _ = plans.sign_plan(coach, tree, sha, "Ada", agency_today(), "127.0.0.1", "UA")
    stale = plans.get_plan_for(coach, plan.id, with_tree=True)
    db.session.expunge(stale)
    stale.signed_version = None  # as a second device read it before the first signed
    second, why = plans.sign_plan(coach, stale, sha, "Ada", agency_today(), "127.0.0.1", "UA")
    assert first is not None and second is None and why == "signed"
    assert count(PlanSignature) == 1


def test_a_plan_changed_while_the_signing_page_was_open_is_not_signed(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach)
    page = client.get(f"/plans/{plan.id}/sign").text
    goal = db.session.scalars(sa.select(PlanGoal)).one()
    client.post(
        f"/plans/goals/{goal.id}/edit", data={"idempotency_key": "k-12345678", "text": "Cook"}
    )
    response = client.post(
        f"/plans/{plan.id}/sign",
        data={
            "document_sha256": sha_on(page),
            "signer_name": "Ada",
            "signed_on": day(),
            "consent": "y",
        },
        follow_redirects=True,
    )
    assert "The plan changed while this page was open" in response.text
    assert count(PlanSignature) == 0


def test_an_edit_after_signing_makes_version_two_and_version_one_stays_readable(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach, "Rosa", "Diaz"), coach)
    sign(client, plan.id)
    goal = db.session.scalars(sa.select(PlanGoal)).one()
    response = client.post(
        f"/plans/goals/{goal.id}/edit",
        data={"idempotency_key": "k-12345678", "text": "Work as a line cook"},
        follow_redirects=True,
    )
    assert "starts a new version" in response.text
    db.session.expire_all()
    assert (plan.version, plan.signed_version) == (2, 1)
    # A second change to the unsigned version 2 stays version 2.
    client.post(
        f"/plans/{plan.id}/goals/new", data={"idempotency_key": "k-22345678", "text": "Save"}
    )
    db.session.expire_all()
    assert plan.version == 2
    one = client.get(f"/plans/{plan.id}/versions/1").text
    assert "Goal 1: Work in a kitchen" in one and "line cook" not in one and "Verified." in one
    two = client.get(f"/plans/{plan.id}/versions/2").text
    assert "Work as a line cook" in two and "Not signed yet" in two
    assert client.get(f"/plans/{plan.id}/versions/3").status_code == 404
    sign(client, plan.id)
    assert [s.document_version for s in plans.signatures_of(plan)] == [2, 1]


def test_a_done_date_is_progress_and_keeps_the_signed_version(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach)
    sign(client, plan.id)
    action = db.session.scalars(sa.select(PlanAction)).one()
    client.post(
        f"/plans/actions/{action.id}/edit",
        data={
            "idempotency_key": "k-12345678",
            "text": action.text,
            "who": "person",
            "due_date": action.due_date.isoformat(),
            "done_on": day(),
        },
    )
    db.session.expire_all()
    assert action.done_on == agency_today() and plan.version == 1 and plan.is_signed
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "plan_action")
    )
    assert any("done_on" in e.summary for e in events)


def test_plan_text_is_logged_by_name_only(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach)
    goal = db.session.scalars(sa.select(PlanGoal)).one()
    client.post(
        f"/plans/goals/{goal.id}/edit", data={"idempotency_key": "k-12345678", "text": "Secret"}
    )
    summaries = " ".join(e.summary for e in db.session.scalars(sa.select(AuditEvent)))
    assert "text changed" in summaries and "Secret" not in summaries
    assert client.get(f"/plans/{plan.id}").status_code == 200


def test_another_coachs_plan_and_its_parts_answer_404(client, login_as):
    login_as("coach")
    other = make_user("coach")
    plan = make_plan(make_client(other, "Private", "Person"), other, signed=True)
    ids = {
        "goal": db.session.scalars(sa.select(PlanGoal.id)).one(),
        "objective": db.session.scalars(sa.select(PlanObjective.id)).one(),
        "action": db.session.scalars(sa.select(PlanAction.id)).one(),
    }
    for url in (
        f"/plans/{plan.id}",
        f"/plans/{plan.id}/versions/1",
        f"/plans/{plan.id}/sign",
        f"/plans/goals/{ids['goal']}/edit",
        f"/plans/objectives/{ids['objective']}/edit",
        f"/plans/objectives/{ids['objective']}/actions/new",
        f"/plans/actions/{ids['action']}/edit",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={}).status_code in (404, 405), url


def test_today_shows_a_review_coming_and_an_overdue_step(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    start = agency_today() - timedelta(days=40)
    make_plan(person, coach, start=start, review_date=agency_today() + timedelta(days=3))
    today = client.get("/today/").text
    assert "Review the employment plan" in today
    assert "Plan step: Step 1" in today  # due 30 days after the start: 10 days ago
    action = db.session.scalars(sa.select(PlanAction)).one()
    assert f"/plans/actions/{action.id}/edit" in today
    client.post(
        f"/plans/actions/{action.id}/edit",
        data={
            "idempotency_key": "k-12345678",
            "text": action.text,
            "who": "person",
            "due_date": action.due_date.isoformat(),
            "done_on": day(),
        },
    )
    assert "Plan step: Step 1" not in client.get("/today/").text


# --- visits and tasks that serve an objective -----------------------------------------


def write_up(client, person, key: str, objective_id, started="2026-11-02T09:00"):
    return client.post(
        f"/clients/{person.id}/visits/new",
        data={
            "idempotency_key": key,
            "contact_type": "on_site",
            "placement_id": 0,
            "objective_id": objective_id,
            "started_at": started,
            "ended_at": started[:-5] + "09:40",
        },
    )


def test_a_visit_and_a_task_linked_to_an_objective_show_under_it(client, login_as):
    from datetime import datetime

    from coach.models import TaskAnalysis, Visit
    from tests.factories import make_run, make_task, make_visit

    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    plan = make_plan(person, coach, objectives=2)
    first, second = db.session.scalars(sa.select(PlanObjective).order_by(PlanObjective.id))
    form = client.get(f"/clients/{person.id}/visits/new").text
    assert "Goal 1 · Objective 1.1: Objective 1: on time for 4 of 5 shifts" in form
    assert write_up(client, person, "link-key-0001", first.id).status_code == 302
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.objective_id == first.id
    for n in range(6):  # six more, older: five are listed, the rest counted
        make_visit(person, coach, started_at=datetime(2026, 10, 1 + n, 14), objective_id=first.id)
    task = make_task(person, coach, title="Roll silverware")
    response = client.post(
        f"/tasks/{task.id}/settings",
        data={
            "title": task.title,
            "placement_id": 0,
            "objective_id": second.id,
            "strategy": "least_to_most",
            "mastery_percent": 50,
            "mastery_runs": 1,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TaskAnalysis, task.id).objective_id == second.id
    make_run(task, coach, {task.steps[0].id: "I", task.steps[1].id: "V"})
    page = client.get(f"/plans/{plan.id}").text
    assert "Visits that served it" in page and "(7)" in page and "and 2 more" in page
    assert f"/visits/{visit.id}" in page and "40 min" in page
    assert f"/tasks/{task.id}/progress" in page and "50% independent" in page
    assert "Ready to fade" in page  # 50% on the last run meets its criterion
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "task"))
    assert any("objective_id" in e.summary for e in events)


def test_another_clients_objective_is_refused_beside_the_field(client, login_as):
    from coach.models import TaskAnalysis, Visit
    from tests.factories import make_task, make_visit

    coach = login_as("coach")
    person, other = make_client(coach, "Rosa"), make_client(coach, "Sam")
    make_plan(person, coach)
    make_plan(other, coach)
    theirs = db.session.scalars(
        sa.select(PlanObjective.id).join(EmploymentPlan).where(EmploymentPlan.client_id == other.id)
    ).one()
    response = write_up(client, person, "link-key-0002", theirs)
    assert "Choose one of this person&#39;s objectives, or None." in response.text
    response = write_up(client, person, "link-key-0003", "nonsense")
    assert "Choose one of this person&#39;s objectives, or None." in response.text
    assert count(Visit) == 0
    visit = make_visit(person, coach)
    response = client.post(
        f"/visits/{visit.id}/edit",
        data={
            "contact_type": "on_site",
            "placement_id": 0,
            "objective_id": theirs,
            "started_at": "2026-11-02T09:00",
            "ended_at": "2026-11-02T09:30",
        },
    )
    assert "Choose one of this person" in response.text
    task = make_task(person, coach)
    response = client.post(
        f"/tasks/{task.id}/settings",
        data={
            "title": "T",
            "placement_id": 0,
            "objective_id": theirs,
            "strategy": "least_to_most",
            "mastery_percent": 100,
            "mastery_runs": 3,
        },
    )
    assert "Choose one of this person" in response.text
    db.session.expire_all()
    assert visit.objective_id is None and db.session.get(TaskAnalysis, task.id).objective_id is None


def test_amending_a_visits_objective_keeps_the_earlier_version(client, login_as):
    import json

    from coach.models import VisitVersion
    from tests.factories import make_visit

    coach = login_as("coach")
    person = make_client(coach)
    make_plan(person, coach)
    objective = db.session.scalars(sa.select(PlanObjective)).one()
    visit = make_visit(person, coach)
    page = client.get(f"/visits/{visit.id}/edit").text
    assert f'value="{objective.id}">Goal 1 · Objective 1.1' in page
    client.post(
        f"/visits/{visit.id}/edit",
        data={
            "contact_type": "on_site",
            "placement_id": 0,
            "objective_id": objective.id,
            "started_at": "2026-11-02T09:00",
            "ended_at": "2026-11-02T09:30",
        },
    )
    db.session.expire_all()
    assert visit.objective_id == objective.id and visit.version == 2
    before = json.loads(db.session.scalars(sa.select(VisitVersion)).one().content)
    assert before["objective_id"] is None


# --- removing a goal, an objective or a step ------------------------------------------


def test_removing_an_objective_asks_first_then_unlinks_its_visits_and_tasks(client, login_as):
    from coach.models import TaskAnalysis
    from tests.factories import make_task, make_visit

    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    plan = make_plan(person, coach, objectives=2, actions=2)
    sign(client, plan.id)
    objective = db.session.scalars(sa.select(PlanObjective).order_by(PlanObjective.id)).first()
    visit = make_visit(person, coach, objective_id=objective.id)
    task = make_task(person, coach, objective_id=objective.id)
    edit = client.get(f"/plans/objectives/{objective.id}/edit").text
    assert f"/plans/objectives/{objective.id}/remove" in edit
    confirm = client.get(f"/plans/objectives/{objective.id}/remove").text
    assert "Its 2 action steps are removed with it." in confirm
    assert "1 visit and 1 task linked to it stay" in confirm
    assert "this change starts version 2" in confirm
    assert count(PlanObjective) == 2  # asking removes nothing
    response = client.post(f"/plans/objectives/{objective.id}/remove", follow_redirects=True)
    assert "The objective removed." in response.text and "starts a new version" in response.text
    db.session.expire_all()
    assert (count(PlanObjective), count(PlanAction)) == (1, 2)
    assert visit.objective_id is None and db.session.get(TaskAnalysis, task.id).objective_id is None
    assert (plan.version, plan.signed_version) == (2, 1)
    one = client.get(f"/plans/{plan.id}/versions/1").text
    assert "Objective 1.1: Objective 1" in one and "Verified." in one  # the signature's text
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.entity_type == "plan_objective", AuditEvent.action == "delete"
        )
    )
    assert "unlinked 1 visits, 1 tasks" in events.one().summary


def test_removing_a_goal_removes_its_objectives_and_steps(client, login_as):
    coach = login_as("coach")
    plan = make_plan(make_client(coach), coach, objectives=2, actions=1)
    goal_id = db.session.scalars(sa.select(PlanGoal.id)).one()
    confirm = client.get(f"/plans/goals/{goal_id}/remove").text
    assert "Its 2 objectives and 2 action steps are removed with it." in confirm
    client.post(f"/plans/goals/{goal_id}/remove")
    assert (count(PlanGoal), count(PlanObjective), count(PlanAction)) == (0, 0, 0)
    db.session.expire_all()
    assert plan.version == 1  # not signed: still version 1
    assert "No goal yet" in client.get(f"/plans/{plan.id}").text
    assert client.post(f"/plans/goals/{goal_id}/remove").status_code == 404  # gone
    # A double tap's second request, from the confirmation page's form, lands on the plan.
    again = client.post(f"/plans/goals/{goal_id}/remove?plan={plan.id}", follow_redirects=True)
    assert again.status_code == 200 and "Already removed." in again.text


def test_removing_a_step_and_another_coachs_removal_pages(client, login_as):
    coach = login_as("coach")
    make_plan(make_client(coach), coach, actions=2)
    action_id = db.session.scalars(sa.select(PlanAction.id).order_by(PlanAction.id)).first()
    assert "Yes, remove the action step" in client.get(f"/plans/actions/{action_id}/remove").text
    client.post(f"/plans/actions/{action_id}/remove")
    assert count(PlanAction) == 1
    other = make_user("coach")
    make_plan(make_client(other, "Private"), other)
    theirs = db.session.scalars(
        sa.select(PlanObjective).where(PlanObjective.created_by_id == other.id)
    ).one()
    for url in (
        f"/plans/goals/{theirs.goal_id}/remove",
        f"/plans/objectives/{theirs.id}/remove",
        f"/plans/actions/{action_id}/remove?plan={theirs.plan_id}",  # removed; not my plan
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert count(PlanObjective) == 2


def test_the_plan_page_links_each_job_held_to_its_support_plan(client, login_as):
    from tests.factories import make_employer, make_placement, make_worksite

    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    plan = make_plan(person, coach)
    assert "Job support" not in client.get(f"/plans/{plan.id}").text  # no job yet
    site = make_worksite(make_employer("Green Valley Grocery"))
    held = make_placement(person, site, "Courtesy clerk")
    ended = make_placement(person, site, "Bagger", end_date=agency_today() - timedelta(days=1))
    page = client.get(f"/plans/{plan.id}").text
    assert "Courtesy clerk, Green Valley Grocery" in page
    assert f'href="/support/jobs/{held.id}"' in page
    assert f"/support/jobs/{ended.id}" not in page and "Bagger" not in page
    assert client.get(f"/support/jobs/{held.id}").status_code == 200  # the link works
