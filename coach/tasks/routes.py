import sqlalchemy as sa
from flask import Response, abort, flash, render_template, request, stream_with_context, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view, record_event
from coach.clients.services import get_client_for, job_choices
from coach.exports import csv_line, spreadsheet_safe
from coach.extensions import db
from coach.forms import ActionForm, options
from coach.models import TaskAnalysis, TaskTemplate, Visit
from coach.tasks import bp
from coach.tasks import services as ts
from coach.tasks.forms import (
    RunNoteForm,
    StartRunForm,
    StepForm,
    TaskForm,
    TaskSettingsForm,
    step_lines,
)
from coach.tasks.snippets import grid_cells
from coach.timeutil import DATE_TIME, format_local, to_local
from coach.visits.services import visible_visits
from coach.web import form_view, id_arg, is_htmx, redirect_to, render, saved_redirect


def _job_choices(client, keep_id: int | None = None) -> list:
    return job_choices(client, agency_today(), "Not tied to a job", keep_id)


def _template_choices() -> list:
    rows = db.session.execute(
        sa.select(TaskTemplate.id, TaskTemplate.title).order_by(TaskTemplate.title)
    ).all()
    return options([(0, "No, I will type the steps"), *rows])


@bp.route("/clients/<int:client_id>/tasks/new", methods=["GET", "POST"])
@form_view
def new_task(client_id: int):
    """Break a job task into steps, typed or copied from the library."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    form = TaskForm()
    form.placement_id.choices = _job_choices(client)
    form.template_id.choices = _template_choices()
    if request.method == "GET":
        audit_view("client", client.id)
        form.template_id.data = id_arg("template") or 0
    if form.validate_on_submit():
        template = db.session.get(TaskTemplate, form.template_id.data or 0)
        if not template and not step_lines(form.steps.data):
            form.steps.errors.append("Type the steps, or pick a task from the library.")
        else:
            task = TaskAnalysis(client_id=client.id, created_by_id=current_user.id)
            _apply_settings(form, task)
            db.session.add(task)
            db.session.flush()
            if template:
                ts.copy_template(template, task)
            ts.add_steps(task, step_lines(form.steps.data), start=ts.next_position(task.id))
            record_event("create", "task", task.id, f"client {client.id}: {task.title}")
            db.session.commit()
            flash("Task saved. Check the steps, then start a run.", "success")
            return saved_redirect(url_for("tasks.view_task", task_id=task.id))
    return render("tasks/task_form.html", form=form, client=client, task=None)


def _apply_settings(form, task) -> None:
    task.title = form.title.data
    task.placement_id = form.placement_id.data or None
    task.strategy = form.strategy.data
    task.mastery_percent = form.mastery_percent.data
    task.mastery_runs = form.mastery_runs.data


@bp.route("/tasks/<int:task_id>")
def view_task(task_id: int):
    """A task's steps (add, edit, reorder, retire) and its recent runs."""
    task = ts.get_task_for(current_user, task_id, with_steps=True)
    audit_view("task", task.id)
    points = ts.run_points(task)
    return render(
        "tasks/task.html",
        task=task,
        points=points[-5:][::-1],
        run_count=len(points),
        step_form=StepForm(),
        start_form=StartRunForm(),
    )


@bp.route("/tasks/<int:task_id>/settings", methods=["GET", "POST"])
@form_view
def edit_task(task_id: int):
    """Rename the task, change its job, strategy or mastery criterion."""
    task = ts.get_task_for(current_user, task_id)
    client = get_client_for(current_user, task.client_id, with_jobs=True)
    if request.method == "GET":
        audit_view("task", task.id)
    form = TaskSettingsForm(obj=task)
    form.placement_id.choices = _job_choices(client, task.placement_id)
    if not form.is_submitted():
        form.placement_id.data = task.placement_id or 0
    if form.validate_on_submit():
        _apply_settings(form, task)
        record_event("update", "task", task.id, "settings")
        db.session.commit()
        return saved_redirect(url_for("tasks.view_task", task_id=task.id))
    return render("tasks/task_form.html", form=form, client=client, task=task)


@bp.route("/tasks/<int:task_id>/steps", methods=["POST"])
@form_view
def add_step(task_id: int):
    """Add a step at the end of the task."""
    task = ts.get_task_for(current_user, task_id)
    form = StepForm()
    if form.validate_on_submit():
        (step,) = ts.add_steps(task, [form.text.data], start=ts.next_position(task.id))
        db.session.flush()
        record_event("create", "task_step", step.id, f"task {task.id}: {step.text}")
        db.session.commit()
        return saved_redirect(url_for("tasks.view_task", task_id=task.id) + "#steps")
    flash(form.text.errors[0] if form.text.errors else "Describe the step.", "error")
    return redirect_to(url_for("tasks.view_task", task_id=task.id) + "#steps")


@bp.route("/steps/<int:step_id>/edit", methods=["GET", "POST"])
@form_view
def edit_step(step_id: int):
    """Reword a step (its scores stay with it)."""
    step = ts.get_step_for(current_user, step_id)
    task = ts.get_task_for(current_user, step.task_id)
    if not step.active:  # its wording is part of past runs' record
        flash("A retired step keeps its wording.", "error")
        return redirect_to(url_for("tasks.view_task", task_id=task.id))
    if request.method == "GET":
        audit_view("task", task.id)
    form = StepForm(obj=step)
    if form.validate_on_submit():
        record_event("update", "task_step", step.id, f"{step.text!r} → {form.text.data!r}")
        step.text = form.text.data
        db.session.commit()
        return saved_redirect(url_for("tasks.view_task", task_id=task.id) + "#steps")
    return render("tasks/step_form.html", form=form, step=step, task=task)


@bp.route("/steps/<int:step_id>/<any(up, down):direction>", methods=["POST"])
def move_step(step_id: int, direction: str):
    """Move a step one place up or down."""
    step = ts.get_step_for(current_user, step_id)
    if ActionForm().validate_on_submit():
        ts.move_step(step, -1 if direction == "up" else 1)
        record_event("update", "task_step", step.id, f"moved {direction}")
        db.session.commit()
    return redirect_to(url_for("tasks.view_task", task_id=step.task_id) + "#steps")


@bp.route("/steps/<int:step_id>/retire", methods=["POST"])
def retire_step(step_id: int):
    """Remove a step from future runs: retired if scored, deleted if never used."""
    step = ts.get_step_for(current_user, step_id)
    if ActionForm().validate_on_submit():
        outcome = ts.retire_or_delete(step)
        record_event("retire" if outcome == "retired" else "delete", "task_step", step.id)
        db.session.commit()
        flash(
            f"Step {outcome}." + (" Past runs keep its scores." if outcome == "retired" else ""),
            "success",
        )
    return redirect_to(url_for("tasks.view_task", task_id=step.task_id) + "#steps")


@bp.route("/tasks/<int:task_id>/runs", methods=["POST"])
def start_run(task_id: int):
    """Start a checklist run (from the task, or from a visit under way)."""
    task = ts.get_task_for(current_user, task_id)
    form = StartRunForm()
    if not form.validate_on_submit():
        return redirect_to(url_for("tasks.view_task", task_id=task.id))
    visit_id = _own_visit(form.visit_id.data, task)
    run, created = ts.start_run(current_user, task, form.idempotency_key.data, visit_id)
    if created:  # a retried tap opens the run it made, and is not logged again
        record_event("create", "checklist_run", run.id, f"task {task.id}")
        db.session.commit()
    return redirect_to(url_for("tasks.view_run", run_id=run.id))


def _own_visit(visit_id, task) -> int | None:
    """A run joins a visit only if that visit is of the same client and visible."""
    if not visit_id:
        return None
    visit = db.session.scalar(visible_visits(current_user).where(Visit.id == visit_id))
    return visit.id if visit and visit.client_id == task.client_id else None


@bp.route("/runs/<int:run_id>")
def view_run(run_id: int):
    """Score the steps of a run, one tap each."""
    run = ts.run_heading_for(current_user, run_id)
    levels = ts.run_levels(run)
    steps = ts.steps_for_run(run.task_id, levels)
    audit_view("checklist_run", run.id)  # after the reads: one transaction, not two
    return render(
        "tasks/run.html",
        run=run,
        steps=steps,
        levels=levels,
        percent=ts.percent_independent(list(levels.values())),
        note_form=RunNoteForm(obj=run),
    )


@bp.route("/runs/<int:run_id>/steps/<int:step_id>", methods=["POST"])
def score(run_id: int, step_id: int):
    """Record one step's prompt level; htmx gets the row and the run's percent back."""
    run = ts.get_run_for(current_user, run_id)
    step = ts.step_of_run(run, step_id)
    if not ActionForm().validate_on_submit():
        return redirect_to(url_for("tasks.view_run", run_id=run.id))
    if not step.active and step.id not in ts.run_levels(run):
        abort(404)  # retired steps are only kept for the runs that scored them
    level = request.form.get("level", "")
    _, previous = ts.score_step(run, step, level)
    if previous and previous != level:  # a correction: keep what it was
        record_event("update", "step_score", run.id, f"step {step.id}: {previous} → {level}")
    db.session.commit()
    if not is_htmx():
        return redirect_to(url_for("tasks.view_run", run_id=run.id) + f"#step-{step.id}")
    levels = ts.run_levels(run)
    steps = ts.steps_for_run(run.task_id, levels)
    number, row = next((n, s) for n, s in enumerate(steps, start=1) if s.id == step.id)
    return render_template(
        "tasks/_score_row.html",
        run=run,
        step=row,  # the row the run page shows, so the two share the kept piece
        level=level,
        number=number,
        oob_summary=True,
        levels=levels,
        percent=ts.percent_independent(list(levels.values())),
    )


@bp.route("/runs/<int:run_id>/note", methods=["POST"])
@form_view
def run_note(run_id: int):
    """A short note on the run."""
    run = ts.get_run_for(current_user, run_id)
    form = RunNoteForm()
    if form.validate_on_submit():
        # The audit entry keeps the earlier note: runs are records too.
        record_event("update", "checklist_run", run.id, f"note: {run.note!r} → {form.note.data!r}")
        run.note = form.note.data or ""
        db.session.commit()
        flash("Note saved.", "success")
        return saved_redirect(url_for("tasks.view_run", run_id=run.id))
    flash(form.note.errors[0] if form.note.errors else "The note could not be saved.", "error")
    return redirect_to(url_for("tasks.view_run", run_id=run.id))


@bp.route("/tasks/<int:task_id>/progress")
def progress(task_id: int):
    """Percent independent run by run, the steps × runs grid and the mastery badge."""
    task = ts.task_heading_for(current_user, task_id)
    points = ts.run_points(task)
    scores = ts.grid_scores([p.run_id for p in points[-ts.GRID_RUNS :]])
    steps = ts.steps_of(task.id)
    audit_view("task", task.id)  # after the reads: one transaction, not two
    return render("tasks/progress.html", **progress_context(task, points, scores, steps))


def progress_context(task, points: list, scores: dict, steps: list) -> dict:
    """What the progress page's chart, mastery badge and grid show."""
    shown = points[-ts.GRID_RUNS :]
    used = {step_id for (_, step_id) in scores}
    steps = [s for s in steps if s.active or s.id in used]
    mastered = ts.mastery_met([p.percent for p in points], task.mastery_percent, task.mastery_runs)
    return dict(
        task=task,
        points=points,
        shown=shown,
        # Each step's cells in the runs shown, laid out here: in Python the grid costs a
        # fraction of what the same loops cost in the template.
        grid=[
            (step, grid_cells([scores.get((p.run_id, step.id)) for p in shown])) for step in steps
        ],
        columns=grid_columns(points, shown, current_agency().timezone),
        mastered=mastered,
        chart=ts.chart_geometry(points),
    )


def grid_columns(points: list, shown: list, tz_name: str) -> list[tuple[int, str, str]]:
    """The grid's column heads: each run shown by its number, time and short date."""
    first = len(points) - len(shown) + 1
    heads = []
    for number, point in enumerate(shown, start=first):
        local = to_local(point.started_at, tz_name)
        heads.append((number, local.strftime(DATE_TIME), local.strftime("%-m/%-d")))
    return heads


@bp.route("/tasks/<int:task_id>/datasheet.csv")
def datasheet(task_id: int):
    """The data sheet: one row per run, one column per step, as CSV."""
    task = ts.get_task_for(current_user, task_id, with_steps=True)
    points = ts.run_points(task)
    scores = ts.grid_scores([p.run_id for p in points])
    tz = current_agency().timezone
    record_event("export", "task", task.id, "data sheet CSV")
    db.session.commit()

    header = ["Run", "Date", "Percent independent"] + [
        f"{n}. {s.text}" + ("" if s.active else " (retired)") for n, s in enumerate(task.steps, 1)
    ]

    def rows():
        yield csv_line([spreadsheet_safe(cell) for cell in header])
        for n, p in enumerate(points, 1):
            percent = "" if p.percent is None else f"{p.percent:.0f}"
            date = format_local(p.started_at, tz, "%Y-%m-%d %H:%M")
            yield csv_line(
                [n, date, percent, *[scores.get((p.run_id, s.id), "") for s in task.steps]]
            )

    filename = f"task-{task.id}-datasheet.csv"
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
