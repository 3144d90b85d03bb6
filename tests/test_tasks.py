import csv
import io
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, ChecklistRun, StepScore, TaskAnalysis, TaskStep
from coach.tasks.services import mastery_met, percent_independent
from tests.conftest import count_queries
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_run,
    make_task,
    make_template,
    make_user,
    make_visit,
    make_worksite,
)

FIVE = [
    "Lay the napkin flat",
    "Place fork and knife",
    "Fold the bottom up",
    "Roll tightly",
    "Add the band",
]


def test_percent_independent_leaves_not_attempted_out():
    assert percent_independent(["I", "I", "V", "NA"]) == pytest.approx(200 / 3)
    assert percent_independent(["I", "NA", "NA"]) == 100.0
    assert percent_independent(["NA", "NA"]) is None
    assert percent_independent([]) is None
    assert percent_independent(["FP", "PP", "M", "G"]) == 0.0


@pytest.mark.parametrize(
    "percents,met",
    [
        ([100, 100], False),  # two runs are not three
        ([100, 100, 100], True),
        ([50, 100, 100, 100], True),  # the last three count
        ([100, 100, 100, 80], False),
        ([100, 99, 100], False),  # 99% is not 100%
        ([100, None, 100, 100], True),  # a run with nothing attempted is not counted
        ([100, 100, None], False),
        ([100, 100, 100, None], True),
    ],
)
def test_mastery_at_its_boundary(percents, met):
    assert mastery_met(percents, 100, 3) is met


def test_mastery_settings_are_used():
    assert mastery_met([80, 85, 90], 80, 3) is True
    assert mastery_met([80, 85, 90], 90, 1) is True
    assert mastery_met([79.9, 85, 90], 80, 3) is False


@pytest.fixture
def coach_task(login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    return coach, person, make_task(person, coach, FIVE)


def test_new_task_typed_and_from_library(client, coach_task):
    coach, person, _ = coach_task
    response = client.post(
        f"/clients/{person.id}/tasks/new",
        data={
            "title": "Stock the dairy cooler",
            "placement_id": 0,
            "template_id": 0,
            "steps": "Check dates\n\nRotate old stock forward\n  Fill from the back  ",
            "strategy": "most_to_least",
            "mastery_percent": 90,
            "mastery_runs": 2,
        },
    )
    assert response.status_code == 302
    task = db.session.scalar(sa.select(TaskAnalysis).where(TaskAnalysis.title.like("Stock%")))
    steps = db.session.scalars(
        sa.select(TaskStep.text).where(TaskStep.task_id == task.id).order_by(TaskStep.position)
    ).all()
    assert steps == ["Check dates", "Rotate old stock forward", "Fill from the back"]
    assert (task.strategy, task.mastery_percent, task.mastery_runs) == ("most_to_least", 90, 2)

    template = make_template("Roll silverware", "Lay napkin\nPlace fork\nRoll tight")
    client.post(
        f"/clients/{person.id}/tasks/new",
        data={
            "title": "Roll silverware (Rosa)",
            "placement_id": 0,
            "template_id": template.id,
            "steps": "Put in the bin",
            "strategy": "least_to_most",
            "mastery_percent": 100,
            "mastery_runs": 3,
        },
    )
    task = db.session.scalar(sa.select(TaskAnalysis).where(TaskAnalysis.title.like("%(Rosa)")))
    steps = db.session.scalars(
        sa.select(TaskStep.text).where(TaskStep.task_id == task.id).order_by(TaskStep.position)
    ).all()
    assert steps == ["Lay napkin", "Place fork", "Roll tight", "Put in the bin"]


def test_new_task_needs_steps_and_valid_mastery(client, coach_task):
    _, person, _ = coach_task
    response = client.post(
        f"/clients/{person.id}/tasks/new",
        data={
            "title": "Empty",
            "placement_id": 0,
            "template_id": 0,
            "steps": "",
            "strategy": "least_to_most",
            "mastery_percent": 101,
            "mastery_runs": 0,
        },
    )
    assert "From 1 to 100." in response.text and "From 1 to 20." in response.text
    response = client.post(
        f"/clients/{person.id}/tasks/new",
        data={
            "title": "Empty",
            "placement_id": 0,
            "template_id": 0,
            "steps": "",
            "strategy": "least_to_most",
            "mastery_percent": 100,
            "mastery_runs": 3,
        },
    )
    assert "Type the steps, or pick a task from the library." in response.text
    assert db.session.scalar(sa.select(sa.func.count(TaskAnalysis.id))) == 1


def test_steps_add_edit_reorder(client, coach_task):
    _, _, task = coach_task
    first, second = task.steps[0], task.steps[1]
    client.post(f"/tasks/{task.id}/steps", data={"text": "Stack the rolls"})
    client.post(f"/steps/{second.id}/up")
    client.post(f"/steps/{first.id}/edit", data={"text": "Lay one napkin flat"})
    texts = db.session.scalars(
        sa.select(TaskStep.text).where(TaskStep.task_id == task.id).order_by(TaskStep.position)
    ).all()
    assert texts[:2] == ["Place fork and knife", "Lay one napkin flat"]
    assert texts[-1] == "Stack the rolls"


def test_retiring_a_scored_step_keeps_past_runs(client, coach_task):
    coach, _, task = coach_task
    scored, unused = task.steps[2], task.steps[4]
    unused_id = unused.id
    run = make_run(task, coach, {s.id: "I" for s in task.steps[:4]})
    client.post(f"/steps/{scored.id}/retire")
    client.post(f"/steps/{unused.id}/retire")
    db.session.expire_all()
    assert db.session.get(TaskStep, scored.id).retired_at is not None  # kept, retired
    unused_left = sa.select(sa.func.count(TaskStep.id)).where(TaskStep.id == unused_id)
    assert db.session.scalar(unused_left) == 0  # never scored: deleted
    assert (
        db.session.scalar(sa.select(sa.func.count(StepScore.id)).where(StepScore.run_id == run.id))
        == 4
    )
    progress = client.get(f"/tasks/{task.id}/progress").text
    assert "Fold the bottom up" in progress and "retired" in progress
    assert "Fold the bottom up" in client.get(f"/runs/{run.id}").text
    new_run = make_run(task, coach, {})
    assert "Fold the bottom up" not in client.get(f"/runs/{new_run.id}").text
    assert "Fold the bottom up" not in client.get(f"/tasks/{task.id}").text.split("Recent runs")[0]


def test_start_run_once_per_key_and_from_a_visit(client, coach_task):
    coach, person, task = coach_task
    visit = make_visit(person, coach, minutes=None)
    data = {"idempotency_key": "run-key-12345", "visit_id": visit.id}
    first = client.post(f"/tasks/{task.id}/runs", data=data)
    second = client.post(f"/tasks/{task.id}/runs", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    run = db.session.scalar(sa.select(ChecklistRun))
    assert run.visit_id == visit.id
    assert db.session.scalar(sa.select(sa.func.count(ChecklistRun.id))) == 1


def test_run_cannot_join_another_clients_visit(client, coach_task):
    coach, _, task = coach_task
    other_visit = make_visit(make_client(coach, "Other", "Client"), coach, minutes=None)
    client.post(
        f"/tasks/{task.id}/runs",
        data={"idempotency_key": "run-key-67890", "visit_id": other_visit.id},
    )
    assert db.session.scalar(sa.select(ChecklistRun.visit_id)) is None


def test_scoring_with_htmx_returns_the_row_and_summary(client, coach_task):
    coach, _, task = coach_task
    run = make_run(task, coach, {})
    step = task.steps[1]
    response = client.post(
        f"/runs/{run.id}/steps/{step.id}", data={"level": "V"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="step-{step.id}"' in response.text
    assert 'aria-label="Verbal prompt" aria-pressed="true"' in response.text
    assert 'id="run-summary"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "<strong>0%</strong> independent" in response.text
    client.post(f"/runs/{run.id}/steps/{step.id}", data={"level": "I"})
    assert db.session.scalar(sa.select(StepScore.level)) == "I"
    first, correction = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.user_id, AuditEvent.summary)
        .where(AuditEvent.entity_type == "step_score")
        .order_by(AuditEvent.id)
    ).all()
    assert first == ("create", coach.id, f"step {step.id}: V")  # who scored it, too
    assert correction == ("update", coach.id, f"step {step.id}: V → I")


def test_bad_level_or_foreign_step_changes_nothing(client, coach_task):
    coach, person, task = coach_task
    run = make_run(task, coach, {})
    assert (
        client.post(f"/runs/{run.id}/steps/{task.steps[0].id}", data={"level": "X"}).status_code
        == 400
    )
    other_task = make_task(person, coach, ["Elsewhere"])
    response = client.post(f"/runs/{run.id}/steps/{other_task.steps[0].id}", data={"level": "I"})
    assert response.status_code == 404  # a step of another task, even one the coach sees
    assert db.session.scalar(sa.select(sa.func.count(StepScore.id))) == 0


def test_the_run_page_names_its_task_client_strategy_and_visit(client, coach_task):
    coach, person, task = coach_task
    person.preferred_name = "Ro"
    db.session.commit()
    run = make_run(task, coach, {}, started_at=datetime(2026, 11, 2, 14, 0))
    page = client.get(f"/runs/{run.id}").text
    assert "<title>Run · Roll silverware · Coach</title>" in page
    assert "Ro (Rosa) Rivera · run of Nov 2, 9:00 AM" in page
    assert "Least-to-most: give the client a moment" in page
    assert f'href="/tasks/{task.id}/progress"' in page and "Back to the visit" not in page
    visit = make_visit(person, coach)
    run = make_run(task, coach, {}, visit=visit)
    page = client.get(f"/runs/{run.id}").text
    assert f'href="/clients/{person.id}#visit-panel">Back to the visit' in page


def test_a_run_scored_step_by_step_survives_an_interrupted_session(client, coach_task, auth):
    coach, _, task = coach_task
    run = make_run(task, coach, {})
    for step, level in zip(task.steps[:3], ["I", "V", "G"], strict=True):
        client.post(f"/runs/{run.id}/steps/{step.id}", data={"level": level})
    auth.logout()  # the battery dies; later the coach logs in again
    auth.login(coach.email)
    page = client.get(f"/runs/{run.id}").text
    assert page.count('aria-pressed="true"') == 3
    assert "<strong>3</strong> steps scored" in page


def test_progress_page_chart_grid_and_badge(client, coach_task):
    coach, person, task = coach_task
    day = datetime(2026, 10, 1, 15)
    for i, n_independent in enumerate([2, 5, 5]):
        make_run(
            task,
            coach,
            {s.id: ("I" if k < n_independent else "V") for k, s in enumerate(task.steps)},
            started_at=day + timedelta(days=i),
        )
    page = client.get(f"/tasks/{task.id}/progress").text
    assert "<svg" in page and 'role="img"' in page and "Run 3: 100%" in page
    assert '<span class="h-sub">Rosa Rivera · progress</span>' in page  # no job: none named
    assert "Not met yet" in page  # 40%, 100%, 100%: two runs in a row only
    make_run(task, coach, {s.id: "I" for s in task.steps}, started_at=day + timedelta(days=3))
    page = client.get(f"/tasks/{task.id}/progress").text
    assert "Ready to fade support" in page
    task.placement_id = make_placement(person, make_worksite(make_employer()), "Busser").id
    db.session.commit()
    page = client.get(f"/tasks/{task.id}/progress").text
    assert '<span class="h-sub">Rosa Rivera · Busser · progress</span>' in page
    assert page.count('class="lvl lvl-I"') == 2 + 5 + 5 + 5 + 1  # grid cells + legend
    # Each run's column: its number, its date, and its time in the agency's zone.
    assert (
        '<th scope="col" title="Oct 1, 2026 11:00 AM">1<span class="grid-date">10/1</span>' in page
    )
    assert (
        '<th scope="col" title="Oct 4, 2026 11:00 AM">4<span class="grid-date">10/4</span>' in page
    )
    make_run(
        task,
        coach,
        {s.id: ("I" if k else "NA") for k, s in enumerate(task.steps)},
        started_at=day + timedelta(days=4),
    )
    assert "Ready to fade support" in client.get(f"/tasks/{task.id}/progress").text


def test_progress_badge_respects_99_percent(client, coach_task):
    coach, person, _ = coach_task
    steps = [f"Step {i}" for i in range(100)]
    task = make_task(person, coach, steps, title="Long task")
    for day in range(3):
        levels = {s.id: "I" for s in task.steps}
        if day == 1:
            levels[task.steps[0].id] = "V"  # 99% independent
        make_run(task, coach, levels, started_at=datetime(2026, 10, 1 + day))
    assert "Not met yet" in client.get(f"/tasks/{task.id}/progress").text


def test_datasheet_csv(client, coach_task):
    coach, _, task = coach_task
    make_run(
        task,
        coach,
        {task.steps[0].id: "I", task.steps[1].id: "NA"},
        started_at=datetime(2026, 10, 1, 15),
    )
    response = client.get(f"/tasks/{task.id}/datasheet.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:4] == ["Run", "Date", "Percent independent", "1. Lay the napkin flat"]
    assert rows[1][:5] == ["1", "2026-10-01 11:00", "100", "I", "NA"]


def test_another_coachs_tasks_are_not_found(client, coach_task):
    other = make_user("coach")
    theirs = make_client(other, "Private", "Person")
    task = make_task(theirs, other, ["Secret step"])
    run = make_run(task, other, {task.steps[0].id: "I"})
    for method, url in [
        ("get", f"/tasks/{task.id}"),
        ("get", f"/tasks/{task.id}/progress"),
        ("get", f"/tasks/{task.id}/datasheet.csv"),
        ("get", f"/runs/{run.id}"),
        ("post", f"/runs/{run.id}/steps/{task.steps[0].id}"),
        ("post", f"/tasks/{task.id}/runs"),
        ("get", f"/clients/{theirs.id}/tasks/new"),
    ]:
        response = getattr(client, method)(url, data={"level": "V"})
        assert response.status_code == 404, url
    assert db.session.scalar(sa.select(StepScore.level)) == "I"


def test_library_is_edited_by_supervisors(client, coach_task, auth, login_as):
    assert client.get("/task-library/").status_code == 200
    assert client.get("/task-library/new").status_code == 404
    auth.logout()
    login_as("supervisor")
    response = client.post(
        "/task-library/new",
        data={
            "title": "Stock the dairy cooler",
            "strategy": "least_to_most",
            "steps": "Check dates\nRotate stock",
        },
    )
    assert response.status_code == 302
    assert "Stock the dairy cooler" in client.get("/task-library/").text


@pytest.mark.parametrize("runs", [3, 300])
def test_progress_page_query_count_is_constant(client, coach_task, runs):
    coach, _, task = coach_task
    start = datetime(2026, 1, 1)
    for i in range(runs):
        db.session.add(
            ChecklistRun(
                task_id=task.id,
                client_id=task.client_id,
                coach_id=coach.id,
                created_by_id=coach.id,
                idempotency_key=f"bulk-{i}",
                started_at=start + timedelta(hours=i),
            )
        )
    db.session.flush()
    run_ids = db.session.scalars(sa.select(ChecklistRun.id)).all()
    db.session.add_all(
        StepScore(run_id=r, step_id=s.id, level="I" if (r + s.id) % 3 else "V")
        for r in run_ids
        for s in task.steps
    )
    db.session.commit()
    db.session.remove()
    with count_queries() as statements:
        assert client.get(f"/tasks/{task.id}/progress").status_code == 200
    assert len(statements) == EXPECTED_PROGRESS_QUERIES


# user with agency, the task with its client, job and steps, runs, grid, audit
EXPECTED_PROGRESS_QUERIES = 5


def test_runs_made_during_a_visit_show_on_the_visit(client, coach_task):
    coach, person, task = coach_task
    visit = make_visit(person, coach, minutes=None)
    make_run(task, coach, {task.steps[0].id: "I", task.steps[1].id: "V"}, visit=visit)
    page = client.get(f"/visits/{visit.id}").text
    assert "Task runs during this visit" in page and "50% independent" in page


def test_datasheet_is_spreadsheet_safe_and_has_a_header_without_runs(client, coach_task):
    from coach.exports import spreadsheet_safe

    coach, person, _ = coach_task
    task = make_task(person, coach, ["Fold", "Roll"])
    rows = list(csv.reader(io.StringIO(client.get(f"/tasks/{task.id}/datasheet.csv").text)))
    assert rows == [["Run", "Date", "Percent independent", "1. Fold", "2. Roll"]]
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("+1+2") == "'+1+2" and spreadsheet_safe("Fine") == "Fine"


def test_one_key_cannot_start_runs_of_two_tasks(client, coach_task):
    coach, person, task = coach_task
    other = make_task(person, coach, ["A"], title="Other task")
    assert (
        client.post(f"/tasks/{task.id}/runs", data={"idempotency_key": "shared-key-1"}).status_code
        == 302
    )
    assert (
        client.post(f"/tasks/{other.id}/runs", data={"idempotency_key": "shared-key-1"}).status_code
        == 400
    )


def test_retired_steps_cannot_be_moved_edited_or_newly_scored(client, coach_task):
    coach, _, task = coach_task
    step = task.steps[0]
    make_run(task, coach, {step.id: "I"})
    client.post(f"/steps/{step.id}/retire")
    assert client.post(f"/steps/{step.id}/up").status_code == 302
    client.post(f"/steps/{step.id}/edit", data={"text": "Rewritten"})
    db.session.expire_all()
    assert db.session.get(TaskStep, step.id).text == FIVE[0]
    new_run = make_run(task, coach, {})
    assert (
        client.post(f"/runs/{new_run.id}/steps/{step.id}", data={"level": "I"}).status_code == 404
    )


def test_task_settings_keep_an_ended_job(client, coach_task):
    from tests.factories import make_employer, make_placement, make_worksite

    coach, person, task = coach_task
    ended = make_placement(
        person, make_worksite(make_employer()), "Old job", end_date=datetime(2026, 1, 31).date()
    )
    make_placement(person, make_worksite(make_employer("New place")), "New job")
    task.placement_id = ended.id
    db.session.commit()
    page = client.get(f"/tasks/{task.id}/settings").text
    assert f'<option selected value="{ended.id}">Old job' in page


def test_a_supervisor_sees_every_caseloads_tasks_and_a_coach_only_their_own(
    client, coach_task, auth, login_as
):
    from coach.tasks.services import visible_runs, visible_steps, visible_tasks

    coach, _, task = coach_task
    other = make_user("coach")
    theirs = make_task(make_client(other, "Private", "Person"), other, ["Secret step"])
    run = make_run(theirs, other, {theirs.steps[0].id: "I"})

    def ids(query) -> set:
        return set(db.session.scalars(query).all())

    assert ids(visible_tasks(coach)) == {task}
    assert theirs.steps[0] not in ids(visible_steps(coach)) and not ids(visible_runs(coach))
    auth.logout()
    supervisor = login_as("supervisor")
    assert ids(visible_tasks(supervisor)) == {task, theirs}
    assert ids(visible_runs(supervisor)) == {run}
    for url in [f"/tasks/{theirs.id}", f"/tasks/{theirs.id}/progress", f"/runs/{run.id}"]:
        assert "Secret step" in client.get(url).text, url


def test_a_new_task_can_serve_an_objective_of_the_persons_plan(client, coach_task):
    from coach.models import PlanObjective
    from tests.factories import make_plan

    coach, person, _ = coach_task
    assert "Plan objective it serves" not in client.get(f"/clients/{person.id}/tasks/new").text
    make_plan(person, coach)
    objective = db.session.scalars(sa.select(PlanObjective)).one()
    assert "Goal 1 · Objective 1.1" in client.get(f"/clients/{person.id}/tasks/new").text
    data = {
        "title": "Wipe tables",
        "placement_id": 0,
        "objective_id": objective.id,
        "template_id": 0,
        "steps": "Spray\nWipe",
        "strategy": "least_to_most",
        "mastery_percent": 100,
        "mastery_runs": 3,
    }
    assert client.post(f"/clients/{person.id}/tasks/new", data=data).status_code == 302
    task = db.session.scalar(sa.select(TaskAnalysis).where(TaskAnalysis.title == "Wipe tables"))
    assert task.objective_id == objective.id
