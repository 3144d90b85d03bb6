"""Milestones: the list of milestones due, reached and claimed (everyone, each their own
caseload's; supervisors claim), and each funder's schedule (admins)."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today
from coach.audit.services import audit_views, record_event
from coach.extensions import db
from coach.forms import ActionForm, to_units
from coach.milestones import bp
from coach.milestones import services as ms
from coach.milestones.forms import MilestoneForm
from coach.models import Milestone
from coach.records import create_once, save_edit
from coach.web import MAX_ID, form_view, id_arg, redirect_to, render, roles_required, saved_redirect

MILESTONE_FIELDS = ["name", "days", "amount_cents", "service_type_id"]


@bp.route("/")
def milestones():
    """Milestones due within two weeks, reached and not claimed, and claimed, per funder."""
    funder_id = id_arg("funder")
    today = agency_today()
    lists, counts = ms.milestone_rows(current_user, today, funder_id)
    audit_views("client", (row.client_id for rows in lists.values() for row in rows))
    return render(
        "milestones/milestones.html",
        lists=lists,
        counts=counts,
        shown=ms.SHOWN,
        counted_up_to=ms.COUNTED_UP_TO,
        states=ms.STATES,
        funders=ms.funder_filter_choices(),
        funder_id=funder_id or 0,
        due_days=ms.DUE_DAYS,
    )


def _list_url() -> str:
    """Back to the list, with the funder filter the page had."""
    funder = request.form.get("funder", type=int)
    kept = funder if funder is not None and 0 < funder <= MAX_ID else None
    return url_for("milestones.milestones", funder=kept)


@bp.route("/placements/<int:placement_id>/<int:milestone_id>/claim", methods=["POST"])
@roles_required("supervisor", "admin")
def claim(placement_id: int, milestone_id: int):
    """Mark a reached milestone claimed from its funder (once, whatever the taps)."""
    placement = ms.get_placement_for(current_user, placement_id)
    milestone = ms.get_milestone_of(placement, milestone_id)
    if ActionForm().validate_on_submit():
        record, created, problem = ms.claim(placement, milestone, current_user, agency_today())
        if problem:
            flash(problem, "error")
        else:
            if created:
                summary = f"placement {placement.id}: {milestone.name}"
                record_event("claim", "milestone_claim", record.id, summary)
                db.session.commit()
            flash(f"{milestone.name} marked claimed.", "success")
    return redirect_to(_list_url())


@bp.route("/placements/<int:placement_id>/<int:milestone_id>/unclaim", methods=["POST"])
@roles_required("supervisor", "admin")
def unclaim(placement_id: int, milestone_id: int):
    """Undo a claim marked by mistake; the undo is audited too."""
    placement = ms.get_placement_for(current_user, placement_id)
    milestone = ms.get_milestone_of(placement, milestone_id)
    if ActionForm().validate_on_submit():
        record = ms.claim_of(placement, milestone)
        if record is not None:
            summary = f"placement {placement.id}: {milestone.name}"
            record_event("undo_claim", "milestone_claim", record.id, summary)
            db.session.delete(record)
            db.session.commit()
        flash(f"{milestone.name} is no longer marked claimed.", "success")
    return redirect_to(_list_url())


# --- each funder's schedule (admins) -----------------------------------------------------


def _form(funder_id: int, milestone: Milestone | None = None) -> MilestoneForm:
    form = MilestoneForm(
        obj=milestone, funder_id=funder_id, milestone=milestone, user_id=current_user.id
    )
    form.service_type_id.choices = ms.service_options(milestone and milestone.service_type_id)
    if request.method == "GET" and milestone and milestone.amount_cents is not None:
        form.amount.data = milestone.amount_cents / 100
    return form


def _apply(form: MilestoneForm, milestone: Milestone) -> None:
    milestone.name, milestone.days = form.name.data, form.days.data
    milestone.amount_cents = to_units(form.amount.data, 100)
    milestone.service_type_id = form.service_type_id.data or None


@bp.route("/funders/<int:funder_id>", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def schedule(funder_id: int):
    """A funder's milestone schedule, and a form to add a milestone to it."""
    funder = ms.get_funder(funder_id)
    form = _form(funder.id)
    if form.validate_on_submit():
        milestone = Milestone(funder_id=funder.id)
        _apply(form, milestone)
        milestone, created = create_once(milestone, current_user.id, form.idempotency_key.data)
        if created:
            record_event("create", "milestone", milestone.id, f"{funder.name}: {milestone.name}")
            db.session.commit()
            flash(f"{milestone.name} added.", "success")
        return saved_redirect(url_for("milestones.schedule", funder_id=funder.id))
    schedule = ms.schedule_of(funder.id)
    return render("milestones/schedule.html", funder=funder, form=form, schedule=schedule)


@bp.route("/funders/<int:funder_id>/default", methods=["POST"])
@roles_required("admin")
def use_default(funder_id: int):
    """Give a funder without a schedule the VR default in one tap."""
    funder = ms.get_funder(funder_id)
    if ActionForm().validate_on_submit():
        added = ms.add_vr_default(funder, current_user)
        if added:
            record_event("create", "milestone", None, f"{funder.name}: the VR default schedule")
            db.session.commit()
            flash("Milestones set: placement, 30, 60 and 90 days.", "success")
    if request.form.get("back") == "funder":
        return redirect_to(_funder_url(funder.id))
    return redirect_to(url_for("milestones.schedule", funder_id=funder.id))


def _funder_url(funder_id: int) -> str:
    return url_for("billing.edit_funder", funder_id=funder_id) + "#milestones"


@bp.route("/schedule/<int:milestone_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def edit_milestone(milestone_id: int):
    """Rename a milestone, move its days (until claimed), or set its amount."""
    milestone = ms.get_milestone(milestone_id)
    form = _form(milestone.funder_id, milestone)
    if form.validate_on_submit():
        save_edit(milestone, "milestone", MILESTONE_FIELDS, lambda m: _apply(form, m))
        return saved_redirect(url_for("milestones.schedule", funder_id=milestone.funder_id))
    return render("milestones/milestone_form.html", form=form, milestone=milestone)


@bp.route("/schedule/<int:milestone_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_milestone(milestone_id: int):
    """Take a milestone off the schedule; one already claimed for a job is kept."""
    milestone = ms.get_milestone(milestone_id)
    back = url_for("milestones.schedule", funder_id=milestone.funder_id)
    if ActionForm().validate_on_submit():
        if ms.milestone_claimed(milestone):
            flash("This milestone has been claimed for a job: it stays.", "error")
            return redirect_to(back)
        record_event("delete", "milestone", milestone.id, milestone.name)
        db.session.delete(milestone)
        db.session.commit()
        flash(f"{milestone.name} deleted.", "success")
    return redirect_to(back)
