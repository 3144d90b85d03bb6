"""Task-analysis rules: who sees which task, scoring, percent independent, mastery."""

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from coach.audit.services import record_event
from coach.charts import chart_geometry
from coach.clients.services import may_see_client
from coach.exports import spreadsheet_safe
from coach.extensions import db
from coach.forms import options
from coach.models import (
    PROMPT_LEVELS,
    ChecklistRun,
    Client,
    StepScore,
    TaskAnalysis,
    TaskStep,
    TaskTemplate,
    User,
    Visit,
)
from coach.records import create_once, get_or_404
from coach.tasks.forms import step_lines
from coach.timeutil import DATE_TIME, format_local, to_local, utcnow
from coach.visits.services import visible_visits

GRID_RUNS = 20  # runs shown in the steps × runs grid; the chart shows them all


# --- arithmetic ---------------------------------------------------------------------


def percent_independent(levels: list[str]) -> float | None:
    """Share of attempted steps done independently; 'not attempted' is left out."""
    attempted = [level for level in levels if level != "NA"]
    if not attempted:
        return None
    return 100.0 * sum(1 for level in attempted if level == "I") / len(attempted)


def mastery_met(percents: list[float | None], threshold: int, runs_needed: int) -> bool:
    """The last `runs_needed` scored runs (oldest first) all at or above the threshold.

    A run with nothing attempted (None) is not a run of the task: it neither counts nor
    breaks the chain.
    """
    scored = [p for p in percents if p is not None]
    if runs_needed <= 0 or len(scored) < runs_needed:
        return False
    return all(p >= threshold for p in scored[-runs_needed:])


# --- who sees what ------------------------------------------------------------------


def visible_tasks(user: User) -> sa.Select:
    """Tasks of the clients this user may see: every query of tasks, and of their steps
    and runs, starts here."""
    return sa.select(TaskAnalysis).join(TaskAnalysis.client).where(may_see_client(user))


def visible_task_ids(user: User) -> sa.Select:
    return visible_tasks(user).with_only_columns(TaskAnalysis.id)


def visible_steps(user: User) -> sa.Select:
    """Steps of the tasks this user may see."""
    return sa.select(TaskStep).where(TaskStep.task_id.in_(visible_task_ids(user)))


def visible_runs(user: User) -> sa.Select:
    """Checklist runs of the tasks this user may see."""
    return sa.select(ChecklistRun).where(ChecklistRun.task_id.in_(visible_task_ids(user)))


def get_task_for(user: User, task_id: int, with_steps: bool = False) -> TaskAnalysis:
    """The task with its client and job (and, `with_steps`, its steps, retired ones
    too), if this user may see it; 404 otherwise."""
    query = (
        visible_tasks(user)
        .where(TaskAnalysis.id == task_id)
        .options(so.joinedload(TaskAnalysis.client), so.joinedload(TaskAnalysis.placement))
    )
    if with_steps:  # joined in the same query: a task has a few dozen steps at most
        query = query.options(so.joinedload(TaskAnalysis.steps))
    return get_or_404(query)


def get_step_for(user: User, step_id: int) -> TaskStep:
    """The step with its task, if this user may see the task; 404 otherwise."""
    query = visible_steps(user).where(TaskStep.id == step_id).options(so.joinedload(TaskStep.task))
    return get_or_404(query)


def get_run_for(user: User, run_id: int, with_steps: bool = False) -> ChecklistRun:
    """The run with its task and the task's client (and, `with_steps`, the task's
    steps), if this user may see the task; 404 otherwise."""
    task = so.joinedload(ChecklistRun.task)
    query = (
        visible_runs(user)
        .where(ChecklistRun.id == run_id)
        .options(task.joinedload(TaskAnalysis.client))
    )
    if with_steps:
        query = query.options(task.joinedload(TaskAnalysis.steps))
    return get_or_404(query)


def tasks_of(client: Client) -> list[sa.Row]:
    """The client's task analyses as (id, title) rows, for the lists that link to them.
    `client` was read through the clients' scope, so its tasks are the user's to see."""
    return db.session.execute(
        sa.select(TaskAnalysis.id, TaskAnalysis.title)
        .where(TaskAnalysis.client_id == client.id)
        .order_by(TaskAnalysis.title)
    ).all()


# --- changing tasks and steps -------------------------------------------------------


def template_choices() -> list:
    """The library's tasks for the new-task form's select, 'none' first."""
    rows = db.session.execute(
        sa.select(TaskTemplate.id, TaskTemplate.title).order_by(TaskTemplate.title)
    ).all()
    return options([(0, "No, I will type the steps"), *rows])


def create_task(user: User, client: Client, form) -> TaskAnalysis:
    """A new task for the client from the form: the library task's steps (if one was
    picked), then the typed ones. Logged; not committed."""
    task = TaskAnalysis(client_id=client.id, created_by_id=user.id)
    apply_settings(form, task)
    db.session.add(task)
    db.session.flush()
    if form.template_id.data:  # a choice of the select: the library task exists
        copy_template(db.session.get(TaskTemplate, form.template_id.data), task)
    add_steps(task, step_lines(form.steps.data), start=next_position(task.id))
    record_event("create", "task", task.id, f"client {client.id}: {task.title}")
    return task


TASK_SETTINGS = [
    "title",
    "placement_id",
    "objective_id",
    "strategy",
    "mastery_percent",
    "mastery_runs",
]


def apply_settings(form, task: TaskAnalysis) -> None:
    """Copy the task form's settings (not its steps or library choice) to the task."""
    task.title = form.title.data
    task.placement_id = form.placement_id.data or None
    task.objective_id = form.objective_id.data or None  # a choice of the client's objectives
    task.strategy = form.strategy.data
    task.mastery_percent = form.mastery_percent.data
    task.mastery_runs = form.mastery_runs.data


def add_steps(task: TaskAnalysis, lines: list[str], start: int = 1) -> list[TaskStep]:
    steps = [
        TaskStep(task_id=task.id, position=start + i, text=line.strip()[:300])
        for i, line in enumerate(lines)
        if line.strip()
    ]
    db.session.add_all(steps)
    return steps


def add_step(task: TaskAnalysis, text: str) -> TaskStep:
    """A step at the end of the task. Logged; not committed."""
    (step,) = add_steps(task, [text], start=next_position(task.id))
    db.session.flush()
    record_event("create", "task_step", step.id, f"task {task.id}: {step.text}")
    return step


def active_steps(task_id: int) -> list[TaskStep]:
    return list(
        db.session.scalars(
            sa.select(TaskStep)
            .where(TaskStep.task_id == task_id, TaskStep.retired_at.is_(None))
            .order_by(TaskStep.position, TaskStep.id)
        )
    )


def next_position(task_id: int) -> int:
    top = db.session.scalar(
        sa.select(sa.func.max(TaskStep.position)).where(TaskStep.task_id == task_id)
    )
    return (top or 0) + 1


def move_step(step: TaskStep, direction: int) -> None:
    """Swap a step with its neighbour (-1 up, +1 down), then number the steps 1..n."""
    if not step.active:
        return  # a stale page: retired steps have no place in the order
    steps = active_steps(step.task_id)
    index = next(i for i, s in enumerate(steps) if s.id == step.id)
    other = index + direction
    if 0 <= other < len(steps):
        steps[index], steps[other] = steps[other], steps[index]
    for number, s in enumerate(steps, start=1):
        s.position = number


def step_has_scores(step: TaskStep) -> bool:
    return bool(
        db.session.scalar(sa.select(StepScore.id).where(StepScore.step_id == step.id).limit(1))
    )


def retire_or_delete(step: TaskStep) -> str:
    """Retire a step that has scores (past runs stay true); delete one that has none."""
    if step_has_scores(step):
        step.retired_at = utcnow()
        return "retired"
    db.session.delete(step)
    return "deleted"


def copy_template(template: TaskTemplate, task: TaskAnalysis) -> None:
    task.strategy = template.strategy
    add_steps(task, template.step_lines)


# --- runs ---------------------------------------------------------------------------


def start_run(
    user: User, task: TaskAnalysis, key: str, visit_id: int | None
) -> tuple[ChecklistRun, bool]:
    """One run per idempotency key: (run, created). A double tap opens the same run;
    a new run is logged. Not committed."""
    run = ChecklistRun(
        task_id=task.id,
        client_id=task.client_id,
        coach_id=task.client.coach_id,
        visit_id=visit_id,
    )
    run, created = create_once(run, user.id, key)
    if not created and run.task_id != task.id:  # a key is for one form, of one task
        abort(400)
    if created:  # a retried tap opens the run it made, and is not logged again
        record_event("create", "checklist_run", run.id, f"task {task.id}")
    return run, created


def visit_of_task(user: User, visit_id: int | None, task: TaskAnalysis) -> int | None:
    """The visit a new run joins: one this user may see, of the task's client; else
    none."""
    if not visit_id:
        return None
    visit = db.session.scalar(visible_visits(user).where(Visit.id == visit_id))
    return visit.id if visit and visit.client_id == task.client_id else None


def set_note(run: ChecklistRun, form) -> None:
    run.note = form.note.data or ""


def steps_for_run(run: ChecklistRun, levels: dict[int, str]) -> list[TaskStep]:
    """The steps a run shows, in order: the active ones, and retired ones this run
    scored. The run was read with its task's steps."""
    return [step for step in run.task.steps if step.active or step.id in levels]


def shown_step(steps: list[TaskStep], step_id: int) -> tuple[int, TaskStep]:
    """(number, step) of a step the run page shows; 404 for any other step (of another
    task, or retired before this run scored it)."""
    for number, step in enumerate(steps, start=1):
        if step.id == step_id:
            return number, step
    abort(404)


def score_step(run: ChecklistRun, step: TaskStep, level: str) -> tuple[StepScore, str | None]:
    """Set a step's prompt level in a run; returns the score and the level it replaced.
    Each score is logged, who set it and when (a run may be scored by anyone who sees
    the client); a correction with the level it replaced. Not committed."""
    if level not in PROMPT_LEVELS:
        abort(400)
    same_step = sa.select(StepScore).where(StepScore.run_id == run.id, StepScore.step_id == step.id)
    score = db.session.scalar(same_step)
    if score is None:
        score = StepScore(run_id=run.id, step_id=step.id, level=level)
        db.session.add(score)
        try:
            db.session.flush()
            record_event("create", "step_score", run.id, f"step {step.id}: {level}")
            return score, None
        except sa.exc.IntegrityError:  # a double tap (on another worker) scored it first
            db.session.rollback()
            score = db.session.scalar(same_step)
    previous = score.level
    score.level, score.scored_at = level, utcnow()
    if previous != level:  # a correction: keep what it was
        record_event("update", "step_score", run.id, f"step {step.id}: {previous} → {level}")
    return score, previous


def run_levels(run: ChecklistRun) -> dict[int, str]:
    """{step id: prompt level} of the steps the run has scored."""
    rows = db.session.execute(
        sa.select(StepScore.step_id, StepScore.level).where(StepScore.run_id == run.id)
    )
    return dict(rows.all())


def runs_during(visit) -> list[tuple[ChecklistRun, float | None]]:
    """The checklist runs made during a visit (read through the visits' scope), with
    their percent independent."""
    runs = db.session.scalars(
        sa.select(ChecklistRun)
        .where(ChecklistRun.visit_id == visit.id)
        .options(so.joinedload(ChecklistRun.task), so.selectinload(ChecklistRun.scores))
        .order_by(ChecklistRun.started_at)
    ).all()
    return [(run, percent_independent([s.level for s in run.scores])) for run in runs]


# --- progress -----------------------------------------------------------------------


class RunPoint(NamedTuple):
    """A run's point on the chart and its column of the grid."""

    run_id: int
    started_at: datetime
    percent: float | None
    attempted: int
    independent: int


def run_points(task: TaskAnalysis) -> list[RunPoint]:
    """Percent independent for every run of the task, oldest first, in one query."""
    attempted = sa.func.sum(sa.case((StepScore.level != "NA", 1), else_=0))
    independent = sa.func.sum(sa.case((StepScore.level == "I", 1), else_=0))
    rows = db.session.execute(
        sa.select(ChecklistRun.id, ChecklistRun.started_at, attempted, independent)
        .outerjoin(StepScore, StepScore.run_id == ChecklistRun.id)
        .where(ChecklistRun.task_id == task.id)
        .group_by(ChecklistRun.id, ChecklistRun.started_at)
        .order_by(ChecklistRun.started_at, ChecklistRun.id)
    ).all()
    return [
        RunPoint(rid, started, (100.0 * (i or 0) / a) if a else None, a or 0, i or 0)
        for rid, started, a, i in rows
    ]


class TaskStanding(NamedTuple):
    """Where a task stands: its latest scored run's percent independent, and whether its
    mastery criterion is met."""

    task_id: int
    title: str
    objective_id: int | None
    percent: float | None
    mastered: bool


def standings(where: sa.ColumnElement[bool]) -> list[TaskStanding]:
    """The standing of each task matching `where` (e.g. the tasks linked to a plan's
    objectives), by task id, in one query: every run's percent, grouped per task."""
    attempted = sa.func.sum(sa.case((StepScore.level != "NA", 1), else_=0))
    independent = sa.func.sum(sa.case((StepScore.level == "I", 1), else_=0))
    task = TaskAnalysis
    rows = db.session.execute(
        sa.select(task.id, task.title, task.objective_id, task.mastery_percent, task.mastery_runs)
        .add_columns(ChecklistRun.id, attempted, independent)
        .outerjoin(ChecklistRun, ChecklistRun.task_id == task.id)
        .outerjoin(StepScore, StepScore.run_id == ChecklistRun.id)
        .where(where)
        .group_by(task.id, ChecklistRun.id, ChecklistRun.started_at)
        .order_by(task.id, ChecklistRun.started_at, ChecklistRun.id)
    ).all()
    percents: dict[int, list[float | None]] = {}
    for row in rows:
        runs = percents.setdefault(row[0], [])
        if row[5] is not None:
            runs.append(100.0 * (row[7] or 0) / row[6] if row[6] else None)
    seen = {row[0]: row for row in rows}
    result = []
    for task_id, (_, title, objective_id, threshold, runs_needed, *_) in seen.items():
        scored = [p for p in percents[task_id] if p is not None]
        mastered = mastery_met(scored, threshold, runs_needed)
        result.append(
            TaskStanding(task_id, title, objective_id, scored[-1] if scored else None, mastered)
        )
    return result


def grid_scores(run_ids: list[int]) -> dict[tuple[int, int], str]:
    """(run id, step id) → level for the runs shown in the grid."""
    if not run_ids:
        return {}
    rows = db.session.execute(
        sa.select(StepScore.run_id, StepScore.step_id, StepScore.level).where(
            StepScore.run_id.in_(run_ids)
        )
    )
    return {(r, s): level for r, s, level in rows}


def progress_of(task: TaskAnalysis, tz_name: str) -> dict:
    """What the progress page shows: every run's point (the chart), the last GRID_RUNS
    runs' columns and each step's levels in them (the grid), and whether the mastery
    criterion is met. The task was read with its steps."""
    points = run_points(task)
    shown = points[-GRID_RUNS:]
    scores = grid_scores([p.run_id for p in shown])
    used = {step_id for (_, step_id) in scores}
    return dict(
        points=points,
        shown=shown,
        grid=[
            (step, [scores.get((p.run_id, step.id)) for p in shown])
            for step in task.steps
            if step.active or step.id in used
        ],
        columns=grid_columns(points, shown, tz_name),
        mastered=mastery_met([p.percent for p in points], task.mastery_percent, task.mastery_runs),
        chart=chart_geometry([p.percent for p in points]),
    )


def grid_columns(points: list, shown: list, tz_name: str) -> list[tuple[int, str, str]]:
    """The grid's column heads: each run shown by its number, time and short date."""
    first = len(points) - len(shown) + 1
    heads = []
    for number, point in enumerate(shown, start=first):
        local = to_local(point.started_at, tz_name)
        heads.append((number, local.strftime(DATE_TIME), local.strftime("%-m/%-d")))
    return heads


def datasheet_rows(task: TaskAnalysis, tz_name: str) -> list[list]:
    """The data sheet: a header, then one row per run with a column per step (retired
    ones too, marked). The task was read with its steps."""
    points = run_points(task)
    scores = grid_scores([p.run_id for p in points])
    header = ["Run", "Date", "Percent independent"] + [
        f"{n}. {s.text}" + ("" if s.active else " (retired)") for n, s in enumerate(task.steps, 1)
    ]
    rows = [[spreadsheet_safe(cell) for cell in header]]
    for n, p in enumerate(points, 1):
        percent = "" if p.percent is None else f"{p.percent:.0f}"
        date = format_local(p.started_at, tz_name, "%Y-%m-%d %H:%M")
        rows.append([n, date, percent, *[scores.get((p.run_id, s.id), "") for s in task.steps]])
    return rows
