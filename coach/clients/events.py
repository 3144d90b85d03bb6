"""Job problems and job losses, logged on a client's job; a client's own follow-along
rhythm."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today
from coach.audit.services import audit_view
from coach.clients import bp
from coach.clients.forms import JobEventForm, RhythmForm
from coach.clients.services import get_client_for, get_placement_for, log_job_event
from coach.records import save_edit
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


@bp.route("/<int:client_id>/rhythm", methods=["GET", "POST"])
@form_view
def edit_rhythm(client_id: int):
    """Set how often this client is contacted in follow-along (audited), or go back to
    the agency's rhythm."""
    client = get_client_for(current_user, client_id)
    if request.method == "GET":
        audit_view("client", client.id)
    form = RhythmForm(obj=client)
    if form.validate_on_submit():
        save_edit(
            client,
            "client",
            ["contact_every_days"],
            lambda c: setattr(c, "contact_every_days", form.contact_every_days.data),
        )
        return saved_redirect(url_for("clients.view_client", client_id=client.id))
    return render("clients/rhythm_form.html", form=form, client=client)
