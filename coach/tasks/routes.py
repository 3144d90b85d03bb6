from flask import Response, flash, render_template, request, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view, record_event
from coach.clients.services import get_client_for, job_choices
from coach.exports import csv_chunks
from coach.extensions import db
from coach.forms import ActionForm
from coach.plans.services import objective_choices
from coach.records import save_edit
from coach.tasks import bp
from coach.tasks import services as ts
from coach.tasks.forms import RunNoteForm, StartRunForm, StepForm, TaskForm, TaskSettingsForm
from coach.web import form_view, id_arg, is_htmx, redirect_to, render, saved_redirect


def _job_choices(client, keep_id: int | None = None) -> list:
    return job_choices(client, agency_today(), "Not tied to a job", keep_id)


def _task_url(task_id: int, anchor: str = "") -> str:
    return url_for("tasks.view_task", task_id=task_id) + anchor


@bp.route("/clients/<int:client_id>/tasks/new", methods=["GET", "POST"])
@form_view
def new_task(client_id: int):
    """Break a job task into steps, typed or copied from the library."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    form = TaskForm()
    form.placement_id.choices = _job_choices(client)
    form.objective_id.choices = objective_choices(current_user, client.id)
    form.template_id.choices = ts.template_choices()
    if request.method == "GET":
        audit_view("client", client.id)
        form.template_id.data = id_arg("template") or 0
    if form.validate_on_submit():
        task = ts.create_task(current_user, client, form)
        db.session.commit()
        flash("Task saved. Check the steps, then start a run.", "success")
        return saved_redirect(_task_url(task.id))
    return render("tasks/task_form.html", form=form, client=client, task=None)


@bp.route("/tasks/<int:task_id>")
def view_task(task_id: int):
    """A task's steps (add, edit, reorder, retire) and its recent runs."""
    task = ts.get_task_for(current_user, task_id, with_steps=True)
    points = ts.run_points(task)
    audit_view("task", task.id)  # after the reads: one transaction, not two
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
    form.objective_id.choices = objective_choices(current_user, client.id)
    if not form.is_submitted():
        form.placement_id.data = task.placement_id or 0
        form.objective_id.data = task.objective_id or 0
    if form.validate_on_submit():
        save_edit(task, "task", ts.TASK_SETTINGS, lambda record: ts.apply_settings(form, record))
        return saved_redirect(_task_url(task.id))
    return render("tasks/task_form.html", form=form, client=client, task=task)


@bp.route("/tasks/<int:task_id>/steps", methods=["POST"])
@form_view
def add_step(task_id: int):
    """Add a step at the end of the task."""
    task = ts.get_task_for(current_user, task_id)
    form = StepForm()
    if form.validate_on_submit():
        ts.add_step(task, form.text.data)
        db.session.commit()
        return saved_redirect(_task_url(task.id, "#steps"))
    flash(form.text.errors[0] if form.text.errors else "Describe the step.", "error")
    return redirect_to(_task_url(task.id, "#steps"))


@bp.route("/steps/<int:step_id>/edit", methods=["GET", "POST"])
@form_view
def edit_step(step_id: int):
    """Reword a step (its scores stay with it)."""
    step = ts.get_step_for(current_user, step_id)
    if not step.active:  # its wording is part of past runs' record
        flash("A retired step keeps its wording.", "error")
        return redirect_to(_task_url(step.task_id))
    if request.method == "GET":
        audit_view("task", step.task_id)
    form = StepForm(obj=step)
    if form.validate_on_submit():
        save_edit(step, "task_step", ["text"], form.populate_obj)
        return saved_redirect(_task_url(step.task_id, "#steps"))
    return render("tasks/step_form.html", form=form, step=step, task=step.task)


@bp.route("/steps/<int:step_id>/<any(up, down):direction>", methods=["POST"])
def move_step(step_id: int, direction: str):
    """Move a step one place up or down."""
    step = ts.get_step_for(current_user, step_id)
    if ActionForm().validate_on_submit():
        ts.move_step(step, -1 if direction == "up" else 1)
        record_event("update", "task_step", step.id, f"moved {direction}")
        db.session.commit()
    return redirect_to(_task_url(step.task_id, "#steps"))


@bp.route("/steps/<int:step_id>/retire", methods=["POST"])
def retire_step(step_id: int):
    """Remove a step from future runs: retired if scored, deleted if never used."""
    step = ts.get_step_for(current_user, step_id)
    if ActionForm().validate_on_submit():
        outcome = ts.retire_or_delete(step)
        record_event("retire" if outcome == "retired" else "delete", "task_step", step.id)
        db.session.commit()
        kept = " Past runs keep its scores." if outcome == "retired" else ""
        flash(f"Step {outcome}.{kept}", "success")
    return redirect_to(_task_url(step.task_id, "#steps"))


@bp.route("/tasks/<int:task_id>/runs", methods=["POST"])
def start_run(task_id: int):
    """Start a checklist run (from the task, or from a visit under way)."""
    task = ts.get_task_for(current_user, task_id)
    form = StartRunForm()
    if not form.validate_on_submit():
        return redirect_to(_task_url(task.id))
    visit_id = ts.visit_of_task(current_user, form.visit_id.data, task)
    run, _ = ts.start_run(current_user, task, form.idempotency_key.data, visit_id)
    db.session.commit()
    return redirect_to(url_for("tasks.view_run", run_id=run.id))


@bp.route("/runs/<int:run_id>")
def view_run(run_id: int):
    """Score the steps of a run, one tap each."""
    run = ts.get_run_for(current_user, run_id, with_steps=True)
    levels = ts.run_levels(run)
    audit_view("checklist_run", run.id)  # after the reads: one transaction, not two
    return render(
        "tasks/run.html",
        run=run,
        steps=ts.steps_for_run(run, levels),
        levels=levels,
        percent=ts.percent_independent(list(levels.values())),
        note_form=RunNoteForm(obj=run),
    )


@bp.route("/runs/<int:run_id>/steps/<int:step_id>", methods=["POST"])
def score(run_id: int, step_id: int):
    """Record one step's prompt level; htmx gets the row and the run's percent back."""
    run = ts.get_run_for(current_user, run_id, with_steps=True)
    number, step = ts.shown_step(ts.steps_for_run(run, ts.run_levels(run)), step_id)
    if not ActionForm().validate_on_submit():
        return redirect_to(url_for("tasks.view_run", run_id=run.id))
    level = request.form.get("level", "")
    ts.score_step(run, step, level)
    db.session.commit()
    if not is_htmx():
        return redirect_to(url_for("tasks.view_run", run_id=run.id) + f"#step-{step.id}")
    levels = ts.run_levels(run)
    return render_template(
        "tasks/_score_row.html",
        run=run,
        step=step,
        level=level,
        number=number,
        oob_summary=True,
        levels=levels,
        percent=ts.percent_independent(list(levels.values())),
    )


@bp.route("/runs/<int:run_id>/note", methods=["POST"])
@form_view
def run_note(run_id: int):
    """A short note on the run (the audit entry keeps the earlier one)."""
    run = ts.get_run_for(current_user, run_id)
    form = RunNoteForm()
    if form.validate_on_submit():
        save_edit(run, "checklist_run", ["note"], lambda r: ts.set_note(r, form), private=["note"])
        return saved_redirect(url_for("tasks.view_run", run_id=run.id))
    flash(form.note.errors[0] if form.note.errors else "The note could not be saved.", "error")
    return redirect_to(url_for("tasks.view_run", run_id=run.id))


@bp.route("/tasks/<int:task_id>/progress")
def progress(task_id: int):
    """Percent independent run by run, the steps × runs grid and the mastery badge."""
    task = ts.get_task_for(current_user, task_id, with_steps=True)
    context = ts.progress_of(task, current_agency().timezone)
    audit_view("task", task.id)  # after the reads: one transaction, not two
    return render("tasks/progress.html", task=task, **context)


@bp.route("/tasks/<int:task_id>/datasheet.csv")
def datasheet(task_id: int):
    """The data sheet: one row per run, one column per step, as CSV."""
    task = ts.get_task_for(current_user, task_id, with_steps=True)
    rows = ts.datasheet_rows(task, current_agency().timezone)
    record_event("export", "task", task.id, "data sheet CSV")
    db.session.commit()
    return Response(
        csv_chunks(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="task-{task.id}-datasheet.csv"'},
    )
