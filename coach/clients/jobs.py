"""A client's job: its form (add, edit), and its page: what the job is, what it pays
and how that changed."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.audit.services import audit_view, record_event
from coach.clients import bp
from coach.clients.forms import PlacementChangeForm, PlacementForm
from coach.clients.services import (
    add_pay_change,
    add_placement,
    get_client_for,
    get_placement_for,
    pay_change_problem,
    pay_history,
    set_start_pay,
    start_pay,
    sync_current_pay,
    worksite_choices,
)
from coach.extensions import db
from coach.forms import add_error, options, to_units
from coach.models import Placement
from coach.records import save_edit
from coach.web import form_view, render, saved_redirect


def _job_page(placement, form: PlacementChangeForm):
    return render(
        "clients/job.html", placement=placement, history=pay_history(placement), form=form
    )


@bp.route("/placements/<int:placement_id>")
def view_placement(placement_id: int):
    """One job: its details, benefits, why it ended, and its wage and hours history,
    with the form for a change. Audited as a view of the client's record."""
    placement = get_placement_for(current_user, placement_id)
    audit_view("client", placement.client_id)
    return _job_page(placement, PlacementChangeForm())


@bp.route("/placements/<int:placement_id>/changes", methods=["POST"])
@form_view
def add_change(placement_id: int):
    """Record a new wage or hours from a date on (once per idempotency key, audited)."""
    placement = get_placement_for(current_user, placement_id)
    form = PlacementChangeForm()
    valid = form.validate_on_submit()
    problem = valid and pay_change_problem(placement, form.effective_date.data)
    if valid and not problem:
        add_pay_change(
            current_user,
            placement,
            form.idempotency_key.data,
            form.effective_date.data,
            to_units(form.hourly_wage.data, 100),
            to_units(form.weekly_hours.data, 10),
        )
        flash("Wage and hours change saved.", "success")
        return saved_redirect(url_for("clients.view_placement", placement_id=placement.id))
    if problem:
        add_error(form.effective_date, problem)
    audit_view("client", placement.client_id)
    return _job_page(placement, form)


PLACEMENT_FIELDS = [
    "worksite_id",
    "job_title",
    "start_date",
    "end_date",
    "hourly_wage_cents",
    "weekly_hours_tenths",
    "end_reason",
    "benefit_health",
    "benefit_paid_leave",
    "benefit_retirement",
    "competitive",
    "supervisor_name",
    "notes",
]
BENEFIT_FIELDS = ["benefit_health", "benefit_paid_leave", "benefit_retirement", "competitive"]


def _placement_form(placement: Placement | None = None, start=None) -> PlacementForm:
    """The job form; its wage and hours are the start's (`start`: the first row of the
    job's pay history; later changes are added on the job page)."""
    form = PlacementForm(obj=placement)
    form.worksite_id.choices = options([(0, "Pick a worksite")] + worksite_choices())
    form.hourly_wage.label.text = "Hourly wage at the start, $ (optional)"
    form.weekly_hours.label.text = "Hours a week at the start (optional)"
    if placement is not None and request.method == "GET":
        first = start or placement
        form.hourly_wage.data = first.hourly_wage
        form.weekly_hours.data = first.weekly_hours
    return form


def _apply_placement(form: PlacementForm, placement: Placement) -> None:
    placement.worksite_id = form.worksite_id.data
    placement.job_title = form.job_title.data
    placement.start_date = form.start_date.data
    placement.end_date = form.end_date.data
    placement.end_reason = form.end_reason.data or "" if form.end_date.data else ""
    placement.hourly_wage_cents = to_units(form.hourly_wage.data, 100)
    placement.weekly_hours_tenths = to_units(form.weekly_hours.data, 10)
    for name in BENEFIT_FIELDS:
        setattr(placement, name, bool(getattr(form, name).data))
    placement.supervisor_name = form.supervisor_name.data or ""
    placement.notes = form.notes.data or ""


def _apply_edit(form: PlacementForm, placement: Placement, start) -> None:
    """The form's values, its wage and hours as the start's; the job's own wage and
    hours stay its latest change's."""
    _apply_placement(form, placement)
    before = (start.hourly_wage_cents, start.weekly_hours_tenths) if start else (None, None)
    set_start_pay(placement, start, placement.hourly_wage_cents, placement.weekly_hours_tenths)
    after = (placement.hourly_wage_cents, placement.weekly_hours_tenths)
    if after != before:
        record_event("update", "placement", placement.id, f"start pay: {before!r} → {after!r}")
    sync_current_pay(placement)


def _valid_placement(form: PlacementForm) -> bool:
    valid = form.validate_on_submit()
    if valid and form.worksite_id.data == 0:
        return add_error(form.worksite_id, "Pick the worksite.")
    return valid


@bp.route("/<int:client_id>/placements/new", methods=["GET", "POST"])
@form_view
def new_placement(client_id: int):
    """Record a job the client got."""
    client = get_client_for(current_user, client_id)
    if request.method == "GET":
        audit_view("client", client.id)
    form = _placement_form()
    if _valid_placement(form):
        placement = Placement()
        _apply_placement(form, placement)
        add_placement(client, placement)
        db.session.commit()
        flash("Placement saved.", "success")
        return saved_redirect(url_for("clients.view_client", client_id=client.id))
    return render("clients/placement_form.html", form=form, client=client, placement=None)


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@form_view
def edit_placement(placement_id: int):
    """Edit a placement: dates, wage, hours."""
    placement = get_placement_for(current_user, placement_id)
    if request.method == "GET":
        audit_view("client", placement.client_id)
    start = start_pay(pay_history(placement))
    form = _placement_form(placement, start)
    if _valid_placement(form):
        save_edit(
            placement,
            "placement",
            PLACEMENT_FIELDS,
            lambda p: _apply_edit(form, p, start),
            private=["notes"],
        )
        return saved_redirect(url_for("clients.view_placement", placement_id=placement.id))
    return render(
        "clients/placement_form.html", form=form, client=placement.client, placement=placement
    )
