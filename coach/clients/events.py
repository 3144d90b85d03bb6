"""Job problems and job losses, logged on a client's job."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today
from coach.audit.services import audit_view
from coach.clients import bp
from coach.clients.forms import JobEventForm
from coach.clients.services import get_placement_for, log_job_event
from coach.web import form_view, render, saved_redirect


@bp.route("/placements/<int:placement_id>/events/new", methods=["GET", "POST"])
@form_view
def new_job_event(placement_id: int):
    """Log a job problem or a job loss: seeing the employer is then due within 24 hours,
    and a loss ends the job with its reason."""
    placement = get_placement_for(current_user, placement_id)
    if request.method == "GET":
        audit_view("client", placement.client_id)
    form = JobEventForm()
    if form.validate_on_submit():
        loss = dict(end_date=form.end_date.data or agency_today(), end_reason=form.end_reason.data)
        event, _ = log_job_event(
            current_user,
            placement,
            form.idempotency_key.data,
            form.kind.data,
            form.note.data or "",
            **loss,
        )
        flash(f"{event.kind_label} logged: see the employer within 24 hours.", "success")
        return saved_redirect(url_for("clients.view_client", client_id=placement.client_id))
    return render("clients/job_event_form.html", form=form, placement=placement)
