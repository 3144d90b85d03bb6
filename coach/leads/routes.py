"""Job leads: the list with the follow-ups due, a lead and its steps, and the hire."""

from flask import current_app, flash, request, url_for
from flask_login import current_user

from coach.audit.services import audit_views
from coach.clients.services import get_client_for, staff_member
from coach.extensions import db
from coach.forms import add_error, options, to_units
from coach.leads import bp
from coach.leads import services as ls
from coach.leads.follow_up import lead_row
from coach.leads.forms import HireForm, LeadForm, StatusForm
from coach.models import LEAD_STATUSES, Lead, Placement
from coach.records import save_edit
from coach.timeutil import utcnow
from coach.web import form_view, id_arg, int_arg, redirect_to, render, saved_redirect

LEAD_FIELDS = ["position", "employer_id", "shift", "source", "source_detail", "notes"]
EDITED_FIELDS = [*LEAD_FIELDS, "hourly_wage_cents", "weekly_hours_tenths", "client_ids"]


@bp.route("/")
def leads():
    """Open leads, the follow-ups due first (closed ones behind a filter)."""
    closed = request.args.get("show") == "closed"
    coach_id = int_arg("coach") if current_user.sees_all_caseloads else None
    page = ls.leads_page(
        current_user, int_arg("page", 1), current_app.config["PAGE_SIZE"], closed, coach_id
    )
    now = utcnow()
    return render(
        "leads/leads.html",
        "leads/_lead_list.html",
        page=page,
        rows=[lead_row(lead, now) for lead in page.items],
        closed=closed,
        coach=staff_member(coach_id),  # shown to those who may filter by coach
    )


def _lead_form(lead: Lead | None = None) -> LeadForm:
    form = LeadForm(obj=lead)
    keep = [c.id for c in lead.clients] if lead else []
    employers = ls.employer_choices(current_user, lead.employer_id if lead else None)
    form.employer_id.choices = options([(0, "Pick the employer"), *employers])
    form.client_ids.choices = options(ls.seeker_choices(current_user, keep))
    if lead is not None and not form.is_submitted():
        form.hourly_wage.data, form.weekly_hours.data = lead.hourly_wage, lead.weekly_hours
        form.client_ids.data = keep
    return form


def _valid_lead(form: LeadForm, lead: Lead | None = None):
    """The chosen job seekers when the form is sound, else None (messages beside fields)."""
    if not form.validate_on_submit():
        return None
    keep = {c.id for c in lead.clients} if lead else set()
    clients, problem = ls.chosen_seekers(current_user, form.client_ids.data or [], keep)
    return (add_error(form.client_ids, problem) or None) if problem else clients


def _apply(form: LeadForm, lead: Lead, clients) -> None:
    for name in LEAD_FIELDS:
        setattr(lead, name, getattr(form, name).data or "")
    lead.hourly_wage_cents = to_units(form.hourly_wage.data, 100)
    lead.weekly_hours_tenths = to_units(form.weekly_hours.data, 10)
    lead.clients = clients


@bp.route("/new", methods=["GET", "POST"])
@form_view
def new_lead():
    """Add a job lead, from the list, an employer's page or a client's page."""
    form = _lead_form()
    if request.method == "GET":
        form.employer_id.data = id_arg("employer") or 0
        if client_id := id_arg("client"):
            form.client_ids.data = [get_client_for(current_user, client_id).id]
    if (clients := _valid_lead(form)) is not None:
        lead = Lead()
        _apply(form, lead, clients)
        lead, created = ls.create_lead(current_user, form.idempotency_key.data, lead, clients)
        db.session.commit()
        if created:
            flash("Lead saved: follow it up within 48 hours.", "success")
        return saved_redirect(url_for("leads.view_lead", lead_id=lead.id))
    return render("leads/lead_form.html", form=form, lead=None)


@bp.route("/<int:lead_id>")
def view_lead(lead_id: int):
    """A lead: its job, its job seekers, one tap per next status, and its history."""
    lead = ls.get_lead_for(current_user, lead_id)
    audit_views("client", [c.id for c in lead.clients])
    return render(
        "leads/lead.html",
        lead=lead,
        row=lead_row(lead, utcnow()),
        next_statuses=ls.next_statuses(lead),
        statuses=LEAD_STATUSES,
        form=StatusForm(),
    )


@bp.route("/<int:lead_id>/edit", methods=["GET", "POST"])
@form_view
def edit_lead(lead_id: int):
    """Fix a lead's details."""
    lead = ls.get_lead_for(current_user, lead_id)
    if request.method == "GET":
        audit_views("client", [c.id for c in lead.clients])
    form = _lead_form(lead)
    if (clients := _valid_lead(form, lead)) is not None:
        save_edit(lead, "lead", EDITED_FIELDS, lambda r: _apply(form, r, clients), ["notes"])
        return saved_redirect(url_for("leads.view_lead", lead_id=lead.id))
    return render("leads/lead_form.html", form=form, lead=lead)


@bp.route("/<int:lead_id>/status", methods=["POST"])
def change_status(lead_id: int):
    """Move a lead one step (applied or interview also fill the job seeker's log)."""
    lead = ls.get_lead_for(current_user, lead_id)
    form = StatusForm()
    form.client_id.choices = options([(c.id, c.display_name) for c in lead.clients])
    status = form.status.data
    if not form.validate_on_submit() or status == "hired":
        return redirect_to(url_for("leads.view_lead", lead_id=lead.id))
    if ls.seeker_needed(lead, status) and not form.client_id.data:
        return render("leads/which_seeker.html", lead=lead, form=form, statuses=LEAD_STATUSES)
    chosen = next((c for c in lead.clients if c.id == form.client_id.data), None)
    if ls.move_lead(current_user, lead, status, form.note.data or ""):
        logged = ls.log_for_status(current_user, lead, status, chosen)
        db.session.commit()
        added = f" Added to {logged}'s search log." if logged else ""
        flash(f"Lead moved to {lead.status_label.lower()}.{added}", "success")
    else:
        db.session.rollback()
        flash(f"The lead is {lead.status_label.lower()} already: nothing changed.", "info")
    return redirect_to(url_for("leads.view_lead", lead_id=lead.id))


def _hire_form(lead: Lead) -> HireForm:
    form = HireForm()
    form.client_id.choices = options([(c.id, c.display_name) for c in lead.clients])
    sites = [(s.id, s.name) for s in lead.employer.worksites]
    form.worksite_id.choices = options([*sites, (0, "A new address (below)")])
    if not form.is_submitted():
        form.client_id.data = lead.clients[0].id if len(lead.clients) == 1 else None
        form.worksite_id.data = sites[0][0] if sites else 0
        form.job_title.data = lead.position
        form.hourly_wage.data, form.weekly_hours.data = lead.hourly_wage, lead.weekly_hours
    return form


def _valid_hire(form: HireForm) -> bool:
    if not form.validate_on_submit():
        return False
    if not form.worksite_id.data and not form.address.data:
        return add_error(form.address, "Pick a worksite above, or type the new one's address.")
    return True


@bp.route("/<int:lead_id>/hire", methods=["GET", "POST"])
@form_view
def hire(lead_id: int):
    """Mark the lead hired: the job it makes, filled from the lead, saved in one step."""
    lead = ls.get_lead_for(current_user, lead_id)
    if "hired" not in ls.next_statuses(lead) or not lead.clients:
        why = f"it is {lead.status_label.lower()}" if lead.clients else "add the job seeker first"
        flash(f"This lead cannot be marked hired: {why}.", "info")
        return redirect_to(url_for("leads.view_lead", lead_id=lead.id))
    form = _hire_form(lead)
    if _valid_hire(form):
        client = next(c for c in lead.clients if c.id == form.client_id.data)
        placement = Placement(
            worksite_id=form.worksite_id.data or None,
            job_title=form.job_title.data,
            start_date=form.start_date.data,
            hourly_wage_cents=to_units(form.hourly_wage.data, 100),
            weekly_hours_tenths=to_units(form.weekly_hours.data, 10),
        )
        if ls.hire(current_user, lead, client, placement, form.address.data or ""):
            flash(f"{client.display_name} is hired: the job is on their page.", "success")
        return saved_redirect(url_for("clients.view_client", client_id=client.id))
    audit_views("client", [c.id for c in lead.clients])
    return render("leads/hire.html", form=form, lead=lead)
