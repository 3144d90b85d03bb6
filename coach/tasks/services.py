"""Task-analysis rules: who sees which task, scoring, percent independent, mastery."""

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from coach.extensions import RowCard, db, read_card_or_404, reusable
from coach.models import (
    PROMPT_LEVELS,
    ChecklistRun,
    Client,
    Placement,
    StepScore,
    TaskAnalysis,
    TaskStep,
    TaskTemplate,
    User,
)
from coach.models.caseload import CLIENT_NAME, ClientNameOfRow
from coach.models.tasks import TaskLabels
from coach.timeutil import utcnow

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
    query = sa.select(TaskAnalysis)
    if not user.sees_all_caseloads:
        query = query.join(Client, Client.id == TaskAnalysis.client_id).where(
            Client.coach_id == user.id
        )
    return query


def own_tasks_only(query: sa.Select, client_joined: bool = False) -> sa.Select:
    """visible_tasks' rule for a reused statement: tasks of the user's own clients, the
    user's id bound at execution as `user_id`."""
    if not client_joined:
        query = query.join(Client, Client.id == TaskAnalysis.client_id)
    return query.where(Client.coach_id == sa.bindparam("user_id"))


@reusable
def _task_query(own_only: bool, with_steps: bool) -> sa.Select:
    query = (
        sa.select(TaskAnalysis)
        .where(TaskAnalysis.id == sa.bindparam("task_id"))
        .options(so.joinedload(TaskAnalysis.client), so.joinedload(TaskAnalysis.placement))
    )
    if own_only:
        query = own_tasks_only(query)
    if with_steps:  # joined in the same query: a task has a few dozen steps at most
        query = query.options(so.joinedload(TaskAnalysis.steps))
    return query


def get_task_for(user: User, task_id: int, with_steps: bool = False) -> TaskAnalysis:
    query = _task_query(not user.sees_all_caseloads, with_steps)
    values = {"task_id": task_id, "user_id": user.id}
    task = db.session.scalars(query, values).unique().first()
    if task is None:
        abort(404)
    return task


class TaskHeading(ClientNameOfRow, RowCard):
    """What the progress page shows of its task: title, mastery rule, client and job."""


@reusable
def _heading_query(own_only: bool) -> sa.Select:
    query = (
        sa.select(
            TaskAnalysis.id,
            TaskAnalysis.title,
            TaskAnalysis.mastery_percent,
            TaskAnalysis.mastery_runs,
            *CLIENT_NAME,
            Placement.job_title,
        )
        .join(Client, Client.id == TaskAnalysis.client_id)
        .outerjoin(Placement, Placement.id == TaskAnalysis.placement_id)
        .where(TaskAnalysis.id == sa.bindparam("task_id"))
    )
    return own_tasks_only(query, client_joined=True) if own_only else query


def task_heading_for(user: User, task_id: int) -> TaskHeading:
    """get_task_for's answer as one row, for a page that only shows the task (a fifth of
    the ORM's cost); 404 if the user may not see it."""
    query = _heading_query(not user.sees_all_caseloads)
    return read_card_or_404(TaskHeading, query, {"task_id": task_id, "user_id": user.id})


def step_of_run(run: ChecklistRun, step_id: int) -> TaskStep:
    """A step of the run's task (the run was checked to be the user's); 404 otherwise."""
    step = db.session.get(TaskStep, step_id)
    if step is None or step.task_id != run.task_id:
        abort(404)
    return step


def get_step_for(user: User, step_id: int) -> TaskStep:
    step = db.session.get(TaskStep, step_id)
    if step is None:
        abort(404)
    get_task_for(user, step.task_id)
    return step


@reusable
def _run_query(own_only: bool) -> sa.Select:
    query = (
        sa.select(ChecklistRun)
        .join(TaskAnalysis, TaskAnalysis.id == ChecklistRun.task_id)
        .where(ChecklistRun.id == sa.bindparam("run_id"))
    )
    return own_tasks_only(query) if own_only else query


def get_run_for(user: User, run_id: int) -> ChecklistRun:
    """The run, if this user may see its task; 404 otherwise."""
    values = {"run_id": run_id, "user_id": user.id}
    run = db.session.scalar(_run_query(not user.sees_all_caseloads), values)
    if run is None:
        abort(404)
    return run


class RunHeading(TaskLabels, ClientNameOfRow, RowCard):
    """A run as its page shows it: when, its note and visit, its task and client."""


@reusable
def _run_heading_query(own_only: bool) -> sa.Select:
    query = (
        sa.select(
            ChecklistRun.id,
            ChecklistRun.started_at,
            ChecklistRun.visit_id,
            ChecklistRun.note,
            ChecklistRun.task_id,
            TaskAnalysis.title.label("task_title"),
            TaskAnalysis.strategy,
            TaskAnalysis.client_id,
            *CLIENT_NAME,
        )
        .join(TaskAnalysis, TaskAnalysis.id == ChecklistRun.task_id)
        .join(Client, Client.id == TaskAnalysis.client_id)
        .where(ChecklistRun.id == sa.bindparam("run_id"))
    )
    return own_tasks_only(query, client_joined=True) if own_only else query


def run_heading_for(user: User, run_id: int) -> RunHeading:
    """The run page's run, task and client in one row; 404 if the user may not see the
    task."""
    query = _run_heading_query(not user.sees_all_caseloads)
    return read_card_or_404(RunHeading, query, {"run_id": run_id, "user_id": user.id})


@reusable
def _tasks_of_query() -> sa.Select:
    return (
        sa.select(TaskAnalysis.id, TaskAnalysis.title)
        .where(TaskAnalysis.client_id == sa.bindparam("client_id"))
        .order_by(TaskAnalysis.title)
    )


def tasks_of(client: Client) -> list[sa.Row]:
    """The client's task analyses as (id, title) rows, for the lists that link to them."""
    return db.session.connection().execute(_tasks_of_query(), {"client_id": client.id}).all()


# --- changing steps -----------------------------------------------------------------


def add_steps(task: TaskAnalysis, lines: list[str], start: int = 1) -> list[TaskStep]:
    steps = [
        TaskStep(task_id=task.id, position=start + i, text=line.strip()[:300])
        for i, line in enumerate(lines)
        if line.strip()
    ]
    db.session.add_all(steps)
    return steps


def active_steps(task_id: int) -> list[TaskStep]:
    return list(
        db.session.scalars(
            sa.select(TaskStep)
            .where(TaskStep.task_id == task_id, TaskStep.retired_at.is_(None))
            .order_by(TaskStep.position, TaskStep.id)
        )
    )


@reusable
def _steps_query() -> sa.Select:
    active = TaskStep.retired_at.is_(None).label("active")
    return (
        sa.select(TaskStep.id, TaskStep.text, active)
        .where(TaskStep.task_id == sa.bindparam("task_id"))
        .order_by(TaskStep.position, TaskStep.id)
    )


def steps_of(task_id: int) -> list[sa.Row]:
    """A task's steps in order, as (id, text, active) rows for the pages that show them."""
    return db.session.connection().execute(_steps_query(), {"task_id": task_id}).all()


def steps_for_run(task_id: int, levels: dict[int, str]) -> list[sa.Row]:
    """The steps a run shows: the active ones, and retired ones this run scored."""
    return [step for step in steps_of(task_id) if step.active or step.id in levels]


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
    """One run per idempotency key: (run, created). A double tap opens the same run."""
    existing = db.session.scalar(
        sa.select(ChecklistRun).where(
            ChecklistRun.created_by_id == user.id, ChecklistRun.idempotency_key == key
        )
    )
    if existing:
        if existing.task_id != task.id:  # a key is for one form, of one task
            abort(400)
        return existing, False
    run = ChecklistRun(
        task_id=task.id,
        client_id=task.client_id,
        coach_id=task.client.coach_id,
        created_by_id=user.id,
        idempotency_key=key,
        visit_id=visit_id,
    )
    db.session.add(run)
    try:
        db.session.flush()
    except IntegrityError:  # the same key raced in from a second tap
        db.session.rollback()
        return db.session.scalar(
            sa.select(ChecklistRun).where(
                ChecklistRun.created_by_id == user.id, ChecklistRun.idempotency_key == key
            )
        ), False
    return run, True


@reusable
def _score_query() -> sa.Select:
    return sa.select(StepScore).where(
        StepScore.run_id == sa.bindparam("run_id"), StepScore.step_id == sa.bindparam("step_id")
    )


def score_step(run: ChecklistRun, step: TaskStep, level: str) -> tuple[StepScore, str | None]:
    """Set a step's prompt level in a run; returns the score and the level it replaced."""
    if level not in PROMPT_LEVELS:
        abort(400)
    values = {"run_id": run.id, "step_id": step.id}
    score = db.session.scalar(_score_query(), values)
    if score is None:
        score = StepScore(run_id=run.id, step_id=step.id, level=level)
        db.session.add(score)
        try:
            db.session.flush()
            return score, None
        except IntegrityError:  # a double tap (on another worker) scored the step first
            db.session.rollback()
            score = db.session.scalar(_score_query(), values)
    previous = score.level
    score.level, score.scored_at = level, utcnow()
    return score, previous


@reusable
def _levels_query() -> sa.Select:
    return sa.select(StepScore.step_id, StepScore.level).where(
        StepScore.run_id == sa.bindparam("run_id")
    )


def run_levels(run: ChecklistRun | RunHeading) -> dict[int, str]:
    return dict(db.session.connection().execute(_levels_query(), {"run_id": run.id}).all())


def runs_during(visit) -> list[tuple[ChecklistRun, float | None]]:
    """The checklist runs made during a visit, with their percent independent."""
    runs = db.session.scalars(
        sa.select(ChecklistRun)
        .where(ChecklistRun.visit_id == visit.id)
        .options(so.joinedload(ChecklistRun.task), so.selectinload(ChecklistRun.scores))
        .order_by(ChecklistRun.started_at)
    ).all()
    return [(run, percent_independent([s.level for s in run.scores])) for run in runs]


# --- progress -----------------------------------------------------------------------


class RunPoint(NamedTuple):  # a tuple: the progress page's kept piece is keyed by them
    run_id: int
    started_at: datetime
    percent: float | None
    attempted: int
    independent: int


@reusable
def _points_query() -> sa.Select:
    attempted = sa.func.sum(sa.case((StepScore.level != "NA", 1), else_=0))
    independent = sa.func.sum(sa.case((StepScore.level == "I", 1), else_=0))
    return (
        sa.select(ChecklistRun.id, ChecklistRun.started_at, attempted, independent)
        .outerjoin(StepScore, StepScore.run_id == ChecklistRun.id)
        .where(ChecklistRun.task_id == sa.bindparam("task_id"))
        .group_by(ChecklistRun.id, ChecklistRun.started_at)
        .order_by(ChecklistRun.started_at, ChecklistRun.id)
    )


def run_points(task: TaskAnalysis | TaskHeading) -> list[RunPoint]:
    """Percent independent for every run of the task, oldest first, in one query."""
    rows = db.session.connection().execute(_points_query(), {"task_id": task.id}).all()
    return [
        RunPoint(rid, started, (100.0 * (i or 0) / a) if a else None, a or 0, i or 0)
        for rid, started, a, i in rows
    ]


def grid_scores(run_ids: list[int]) -> dict[tuple[int, int], str]:
    """(run id, step id) → level for the runs shown in the grid."""
    if not run_ids:
        return {}
    rows = db.session.connection().execute(_grid_query(), {"run_ids": run_ids}).all()
    return {(r, s): level for r, s, level in rows}


@reusable
def _grid_query() -> sa.Select:
    return sa.select(StepScore.run_id, StepScore.step_id, StepScore.level).where(
        StepScore.run_id.in_(sa.bindparam("run_ids", expanding=True))
    )


def chart_geometry(points: list[RunPoint], width: int = 340, height: int = 180) -> dict:
    """Coordinates for the server-drawn line chart of percent independent per run."""
    left, right, top, bottom = 44, 8, 12, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(points)
    coords = []
    for i, p in enumerate(points):
        if p.percent is None:
            continue
        x = left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)
        y = top + plot_h * (1 - p.percent / 100)
        coords.append({"x": round(x, 1), "y": round(y, 1), "point": p, "number": i + 1})
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "bottom": top + plot_h,
        "coords": coords,
        "path": " ".join(
            f"{'M' if i == 0 else 'L'}{c['x']},{c['y']}" for i, c in enumerate(coords)
        ),
        # Written here, not by a template loop that costs several times as much. Floats
        # and ints only, so nothing needs escaping (which bandit's B704 cannot see).
        "dots": Markup(  # nosec B704
            "".join(
                f'<circle cx="{c["x"]}" cy="{c["y"]}" r="{4 if n <= 40 else 2}" class="dot"/>'
                for c in coords
            )
        ),
        "gridlines": [
            {"y": round(top + plot_h * (1 - v / 100), 1), "label": v} for v in (0, 25, 50, 75, 100)
        ],
    }
