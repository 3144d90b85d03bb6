"""A client's job page: what the job is, what it pays and how that changed."""

from flask import flash, url_for
from flask_login import current_user

from coach.audit.services import audit_view
from coach.clients import bp
from coach.clients.forms import PlacementChangeForm
from coach.clients.services import (
    add_pay_change,
    get_placement_for,
    pay_change_problem,
    pay_history,
)
from coach.forms import add_error, to_units
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
