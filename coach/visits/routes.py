from flask import current_app, flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view, audit_views, record_event
from coach.billing.services import default_service, visit_service_options
from coach.clients.services import get_client_for, staff_member
from coach.extensions import db
from coach.forms import ActionForm, csrf_expired
from coach.notereview.flags import is_locked
from coach.notereview.services import review_of
from coach.plans.services import objective_choices
from coach.tasks.services import runs_during
from coach.today.services import cleared, open_items_of
from coach.visits import bp, panel
from coach.visits import services as sv
from coach.visits.forms import (
    AmendVisitForm,
    PastVisitForm,
    StartVisitForm,
    VisitFilterForm,
    VisitNoteForm,
    apply_amendment,
    apply_note,
    ended_at,
    tapped_start,
    times_ok,
)
from coach.web import (
    form_view,
    int_arg,
    is_htmx,
    link_args,
    redirect_to,
    render,
    roles_required,
    saved_redirect,
)


@bp.route("/clients/<int:client_id>/visits/start", methods=["POST"])
@form_view
def start_visit(client_id: int):
    """Start a visit now, with the phone's location when it was given."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    form = StartVisitForm()
    form.placement_id.choices = panel.visit_jobs(client, agency_today())
    if not form.validate_on_submit():
        return panel.render_panel(client, form=form, status=400 if csrf_expired(form) else 200)
    visit = sv.open_visit(current_user, client)
    if visit is None:
        fix = (form.latitude.data, form.longitude.data, form.accuracy.data)
        visit, created = sv.start_now(
            current_user,
            client,
            form.idempotency_key.data,
            form.contact_type.data,
            form.placement_id.data or None,
            fix,
            current_agency(),
            tapped_start(form),
        )
        if not created:
            # A double tap that lost the insert race rolled back, which expired the
            # client this request had loaded: load it (and its jobs) again for the panel.
            client = get_client_for(current_user, client_id, with_jobs=True)
    if is_htmx():
        # A start retried after the visit ended shows the Start button, not the old visit.
        return panel.render_panel(client, visit if visit.in_progress else None)
    return redirect_to(url_for("clients.view_client", client_id=client.id) + "#visit-panel")


@bp.route("/clients/<int:client_id>/visits/pending-form")
def pending_form(client_id: int):
    """The note form for a visit started without signal, fetched by offline.js after the
    client page has shown and kept on the phone by the worker. Apart from the page it
    was 2.5 ms of the client page's 9.7 ms of CPU at L (docs/performance.md). It names
    the client's jobs, so it is audited as a view of the client."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    form = panel.pending_note_form(client, agency_today())
    audit_view("client", client.id)
    return render("visits/_pending_visit.html", form=form)


def _save_or_end(visit_id: int, end: bool):
    visit = sv.get_visit_for(current_user, visit_id)
    client = get_client_for(current_user, visit.client_id, with_jobs=True)
    if not visit.in_progress:  # a retried End: it already happened
        return _already_ended(client, visit)
    form = VisitNoteForm()
    form.placement_id.choices = panel.visit_jobs(client, agency_today(), visit.placement_id)
    form.service_type_id.choices = visit_service_options(visit.service_type_id)
    if not (
        form.validate_on_submit() and times_ok(form, require_end=False, end_now=end, visit=visit)
    ):
        return panel.render_panel(client, visit, form, status=400 if csrf_expired(form) else 200)
    due_before = open_items_of(current_user, client.id) if end else set()
    if end and not sv.claim_end(visit):  # a double tap's other request ended it first
        db.session.rollback()  # lets go of the write lock; the client is read again
        return _already_ended(get_client_for(current_user, client.id, with_jobs=True), visit)
    apply_note(form, visit)
    sv.save_note(visit, end, ended_at(form) if end else None, current_agency())
    key = f"visit-{visit.id}"
    if end:
        _summarise_end(visit, due_before)
    if not is_htmx():
        flash(key, "draft-saved")
        ended = {"ended": visit.id} if end else {}
        return redirect_to(
            url_for("clients.view_client", client_id=client.id, **ended) + "#visit-panel"
        )
    return panel.render_panel(client, None if end else visit, saved_key=key, ended=end and visit)


def _summarise_end(visit, due_before: set) -> None:
    """The ended visit's summary lines: its minutes and units, and what it cleared."""
    units = f"{visit.service_units} unit{'s' if visit.service_units != 1 else ''}"
    flash(f"Visit saved: {visit.duration_minutes} min, {units}.", "success")
    for item in cleared(due_before, open_items_of(current_user, visit.client_id)):
        flash(item, "cleared")


def _already_ended(client, visit):
    """A save or End of a visit that has ended since: the client page as it is now."""
    if not is_htmx():
        return redirect_to(url_for("clients.view_client", client_id=client.id))
    return panel.render_panel(client, saved_key=f"visit-{visit.id}")


@bp.route("/visits/<int:visit_id>/save", methods=["POST"])
@form_view
def save_visit(visit_id: int):
    """Save the note of a visit in progress without ending it."""
    return _save_or_end(visit_id, end=False)


@bp.route("/visits/<int:visit_id>/end", methods=["POST"])
@form_view
def end_visit(visit_id: int):
    """End a visit: save the note, count its duration and service units."""
    return _save_or_end(visit_id, end=True)


@bp.route("/clients/<int:client_id>/visits/new", methods=["GET", "POST"])
@form_view
def new_past_visit(client_id: int):
    """Write up a visit afterwards, with its start and end times."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    form = PastVisitForm()
    form.placement_id.choices = panel.visit_jobs(client, agency_today())
    form.objective_id.choices = objective_choices(current_user, client.id)
    form.service_type_id.choices = visit_service_options()
    if request.method == "GET":
        audit_view("client", client.id)
        form.contact_type.data = "on_site"
        form.placement_id.data = form.placement_id.choices[0].value
        form.service_type_id.data = default_service(client.id, agency_today()) or 0
    if form.validate_on_submit() and times_ok(form, require_end=True):
        visit, created = sv.write_up(
            current_user,
            client,
            form.idempotency_key.data,
            lambda visit: apply_note(form, visit),
            ended_at(form),
            current_agency(),
        )
        if created:
            flash("Visit saved.", "success")
        return saved_redirect(url_for("visits.view_visit", visit_id=visit.id))
    return render("visits/visit_form.html", form=form, client=client, visit=None)


@bp.route("/visits/<int:visit_id>")
def view_visit(visit_id: int):
    """One visit: the note, its units and location, and its amendment history."""
    visit = sv.get_visit_for(current_user, visit_id, with_history=True)
    audit_view("visit", visit.id)
    return render(
        "visits/visit.html",
        visit=visit,
        delete_form=ActionForm(),
        runs=runs_during(visit),
        review=review_of(current_user, visit),
    )


@bp.route("/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@form_view
def amend_visit(visit_id: int):
    """Amend an ended visit; the earlier version is kept."""
    visit = sv.get_visit_for(current_user, visit_id)
    if request.method == "GET":
        audit_view("visit", visit.id)
    if visit.in_progress:
        return redirect_to(url_for("clients.view_client", client_id=visit.client_id))
    if is_locked(visit):
        return _refuse_locked(visit)
    client = get_client_for(current_user, visit.client_id, with_jobs=True)
    form = AmendVisitForm(obj=visit)
    form.placement_id.choices = panel.visit_jobs(client, agency_today(), visit.placement_id)
    form.objective_id.choices = objective_choices(current_user, client.id)
    form.service_type_id.choices = visit_service_options(visit.service_type_id)
    if request.method == "GET":
        panel.fill_note_form(form, visit)
        form.objective_id.data = visit.objective_id or 0
    if form.validate_on_submit() and times_ok(form, require_end=True, visit=visit):
        reason = form.reason.data or ""
        fill = lambda visit: apply_amendment(form, visit)  # noqa: E731
        if sv.amend(visit, current_user, fill, reason, current_agency()):
            flash("Visit amended; the earlier version is kept in its history.", "success")
        return saved_redirect(url_for("visits.view_visit", visit_id=visit.id))
    return render("visits/visit_form.html", form=form, client=client, visit=visit)


def _refuse_locked(visit):
    """An approved note is locked: nothing changes, and the visit page says why."""
    flash("This note is approved and locked: add an addendum instead.", "error")
    return redirect_to(url_for("visits.view_visit", visit_id=visit.id))


@bp.route("/visits/<int:visit_id>/delete", methods=["POST"])
@roles_required("supervisor", "admin")
def delete_visit(visit_id: int):
    """Soft-delete a visit (supervisors only); the record stays in the database."""
    visit = sv.get_visit_for(current_user, visit_id)
    if is_locked(visit):
        return _refuse_locked(visit)
    if ActionForm().validate_on_submit():
        sv.soft_delete(visit, current_user)
        record_event("delete", "visit", visit.id, "soft delete")
        db.session.commit()
        flash("Visit deleted. It stays in the audit trail.", "success")
    return redirect_to(url_for("clients.view_client", client_id=visit.client_id))


@bp.route("/clients/<int:client_id>/visits")
def client_visits(client_id: int):
    """A client's visits: the history the client page loads once it is scrolled to
    (units per month and the newest visits), then older pages by infinite scroll; plain
    pages without htmx."""
    client = get_client_for(current_user, client_id)
    before = sv.parse_cursor(request.args.get("before"))
    history = panel.visit_history(client, before)
    audit_view("client", client.id)  # every page of it shows notes
    fragment = "visits/_timeline_items.html" if before else "visits/_history.html"
    return render(
        "visits/client_visits.html", fragment, client=client, older=bool(before), **history
    )


@bp.route("/visits/")
def visit_report():
    """Visits across caseloads, filtered by coach, client and dates, with totals.

    Older pages follow by keyset, not by counting, so every page costs the same.
    """
    form = VisitFilterForm(request.args)
    form.validate()
    form.start.data = sv.first_day_shown(form.start.data, form.end.data, agency_today())
    since, until = sv.utc_bounds(form.start.data, form.end.data, current_agency().timezone)
    coach_id = int_arg("coach")  # chosen from coach_matches (clients)
    query = sv.report_visits(current_user, coach_id, form.client.data or "", since, until)
    days, bounds = (form.start.data, form.end.data), (since, until)
    asked = bool(request.args.get("totals"))
    totals = sv.list_totals(current_user, coach_id, form.client.data, days, bounds, query, asked)
    before = sv.parse_cursor(request.args.get("before"))
    visits, more = sv.newest_first(sv.listed(query), before, current_app.config["PAGE_SIZE"])
    audit_views("client", (visit.client_id for visit in visits))  # whose notes were shown
    args = link_args(drop=("before",), start=form.start.data.isoformat() if form.start.data else "")
    older = None
    if more:
        older = url_for("visits.visit_report", **args, before=sv.cursor_of(visits[-1]))
    return render(
        "visits/visits.html",
        "visits/_report_rows.html",
        form=form,
        visits=visits,
        older=older,
        totals=totals,
        count_url=None if totals is not None else url_for("visits.visit_report", **args, totals=1),
        coach=staff_member(coach_id),  # shown to those who may filter by coach
    )
