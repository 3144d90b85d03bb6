from datetime import timedelta

from flask import current_app, flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view, audit_views, record_event
from coach.clients.services import coach_choices, get_client_for
from coach.extensions import db
from coach.forms import DONE_WINDOW, ActionForm, csrf_expired, date_window_problem
from coach.tasks.services import runs_during
from coach.timeutil import from_local, local_day_start, local_input_value, utcnow
from coach.visits import bp, panel
from coach.visits import services as sv
from coach.visits.forms import (
    AmendVisitForm,
    PastVisitForm,
    StartVisitForm,
    VisitFilterForm,
    VisitNoteForm,
)
from coach.web import (
    form_view,
    is_htmx,
    link_args,
    redirect_to,
    render,
    roles_required,
    saved_redirect,
)

MAX_VISIT = timedelta(hours=16)


def _tz() -> str:
    return current_agency().timezone


def _times_ok(form, require_end: bool, end_now: bool = False, visit=None) -> bool:
    """Start before end, neither in the future, at most 16 hours long, within the last
    year unless left as stored.

    `end_now`: an empty end means "now" (ending a visit under way), which counts too.
    """
    stored = (visit.started_at, visit.ended_at) if visit else (None, None)
    for f, kept in zip((form.started_at, form.ended_at), stored, strict=True):
        changed = f.data and not f.errors and not _unchanged(f, kept)
        if changed and (problem := date_window_problem(f.data.date(), DONE_WINDOW)):
            f.errors.append(problem)
    if form.started_at.errors or form.ended_at.errors:
        return False
    tz = _tz()
    now = utcnow()
    start = from_local(form.started_at.data, tz)
    end = from_local(form.ended_at.data, tz) or (now if end_now else None)
    if start and start > now + timedelta(minutes=5):
        form.started_at.errors.append("The start is in the future.")
    if end and start and end < start:
        form.ended_at.errors.append("The end is before the start.")
    elif end and start and end - start > MAX_VISIT:
        form.ended_at.errors.append(
            "A visit cannot last more than 16 hours: enter when it really ended."
        )
    if form.ended_at.data and end > now + timedelta(minutes=5):
        form.ended_at.errors.append("The end is in the future.")
    if require_end and not form.ended_at.data:
        form.ended_at.errors.append("Enter when the visit ended.")
    return not (form.started_at.errors or form.ended_at.errors)


def _unchanged(field, stored) -> bool:
    """Whether the coach left the minute shown in the input as it was."""
    return stored is not None and field.data == local_input_value(stored, _tz()).replace(
        second=0, microsecond=0
    )


def _changed_time(field, stored):
    """The typed time as UTC, or the stored one (seconds and DST fold intact) if the
    coach left the minute shown in the input as it was."""
    return stored if _unchanged(field, stored) else from_local(field.data, _tz())


def _apply_note(form, visit) -> None:
    for name in sv.NOTE_FIELDS:
        setattr(visit, name, getattr(form, name).data or "")
    visit.contact_type = form.contact_type.data
    visit.tags = "|".join(t for t in form.tags.data or [] if t in dict(form.tags.choices))
    visit.started_at = _changed_time(form.started_at, visit.started_at)
    sv.set_placement(visit, form.placement_id.data)


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
        visit, created = sv.create_visit(
            current_user,
            client,
            form.idempotency_key.data,
            started_at=utcnow(),
            contact_type=form.contact_type.data,
            placement_id=form.placement_id.data or None,
        )
        if created:
            sv.locate(
                visit,
                form.latitude.data,
                form.longitude.data,
                form.accuracy.data,
                current_agency(),
            )
            record_event(
                "create",
                "visit",
                visit.id,
                f"started for client {client.id}; {visit.location_status}",
            )
            db.session.commit()
        else:
            # A double tap that lost the insert race rolled back, which expired the
            # client this request had loaded: load it (and its jobs) again for the panel.
            client = get_client_for(current_user, client_id, with_jobs=True)
    if is_htmx():
        # A start retried after the visit ended shows the Start button, not the old visit.
        return panel.render_panel(client, visit if visit.in_progress else None)
    return redirect_to(url_for("clients.view_client", client_id=client.id) + "#visit-panel")


def _save_or_end(visit_id: int, end: bool):
    visit = sv.get_visit_for(current_user, visit_id)
    client = get_client_for(current_user, visit.client_id, with_jobs=True)
    back = url_for("clients.view_client", client_id=client.id)
    if not visit.in_progress:  # a retried End: it already happened
        if not is_htmx():
            return redirect_to(back)
        return panel.render_panel(client, saved_key=f"visit-{visit.id}")
    form = VisitNoteForm()
    form.placement_id.choices = panel.visit_jobs(client, agency_today(), visit.placement_id)
    if not (
        form.validate_on_submit() and _times_ok(form, require_end=False, end_now=end, visit=visit)
    ):
        return panel.render_panel(client, visit, form, status=400 if csrf_expired(form) else 200)
    if end and not sv.claim_end(visit):  # a double tap's other request ended it first
        db.session.rollback()  # lets go of the write lock; the client is read again
        if not is_htmx():
            return redirect_to(back)
        return panel.render_panel(
            get_client_for(current_user, client.id, with_jobs=True),
            saved_key=f"visit-{visit.id}",
        )
    _apply_note(form, visit)
    if end:
        sv.finish(visit, current_agency(), from_local(form.ended_at.data, _tz()))
    record_event(
        "end" if end else "update",
        "visit",
        visit.id,
        f"{visit.duration_minutes} min, {visit.service_units} units" if end else "note",
    )
    db.session.commit()
    key = f"visit-{visit.id}"
    if end:
        flash(
            f"Visit saved: {visit.duration_minutes} min, {visit.service_units} "
            f"unit{'s' if visit.service_units != 1 else ''}.",
            "success",
        )
    if not is_htmx():
        flash(key, "draft-saved")
        return redirect_to(back + "#visit-panel")
    return panel.render_panel(client, None if end else visit, saved_key=key)


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
    if request.method == "GET":
        audit_view("client", client.id)
    form = PastVisitForm()
    form.placement_id.choices = panel.visit_jobs(client, agency_today())
    if request.method == "GET":
        form.contact_type.data = "on_site"
        form.placement_id.data = form.placement_id.choices[0].value
    if form.validate_on_submit() and _times_ok(form, require_end=True):
        settings, ended_at = current_agency(), from_local(form.ended_at.data, _tz())

        def prepare(visit) -> None:
            _apply_note(form, visit)
            sv.finish(visit, settings, ended_at)

        visit, created = sv.create_visit(
            current_user, client, form.idempotency_key.data, prepare, started_at=utcnow()
        )
        if created:
            record_event("create", "visit", visit.id, f"written afterwards for client {client.id}")
            db.session.commit()
            flash("Visit saved.", "success")
        return saved_redirect(url_for("visits.view_visit", visit_id=visit.id))
    return render("visits/visit_form.html", form=form, client=client, visit=None)


@bp.route("/visits/<int:visit_id>")
def view_visit(visit_id: int):
    """One visit: the note, its units and location, and its amendment history."""
    visit = sv.get_visit_for(current_user, visit_id, with_history=True)
    audit_view("visit", visit.id)
    return render(
        "visits/visit.html", visit=visit, delete_form=ActionForm(), runs=runs_during(visit)
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
    client = get_client_for(current_user, visit.client_id, with_jobs=True)
    form = AmendVisitForm(obj=visit)
    form.placement_id.choices = panel.visit_jobs(client, agency_today(), visit.placement_id)
    if request.method == "GET":
        panel.fill_note_form(form, visit)
    if form.validate_on_submit() and _times_ok(form, require_end=True, visit=visit):
        before = sv.snapshot_visit(visit)
        times_before = (visit.started_at, visit.ended_at)
        _apply_note(form, visit)
        visit.ended_at = _changed_time(form.ended_at, visit.ended_at)
        if (visit.started_at, visit.ended_at) != times_before:
            # Units are recounted only when the times change; a note edit keeps what was billed.
            sv.count_units(visit, current_agency())
        if sv.keep_version(visit, before, current_user, form.reason.data or ""):
            record_event("amend", "visit", visit.id, form.reason.data or "")
            flash("Visit amended; the earlier version is kept in its history.", "success")
        db.session.commit()
        return saved_redirect(url_for("visits.view_visit", visit_id=visit.id))
    return render("visits/visit_form.html", form=form, client=client, visit=visit)


@bp.route("/visits/<int:visit_id>/delete", methods=["POST"])
@roles_required("supervisor", "admin")
def delete_visit(visit_id: int):
    """Soft-delete a visit (supervisors only); the record stays in the database."""
    visit = sv.get_visit_for(current_user, visit_id)
    if ActionForm().validate_on_submit():
        sv.soft_delete(visit, current_user)
        record_event("delete", "visit", visit.id, "soft delete")
        db.session.commit()
        flash("Visit deleted. It stays in the audit trail.", "success")
    return redirect_to(url_for("clients.view_client", client_id=visit.client_id))


@bp.route("/clients/<int:client_id>/visits")
def client_visits(client_id: int):
    """Older visits of a client: infinite scroll for htmx, plain pages without it."""
    client = get_client_for(current_user, client_id)
    visits = sv.timeline(client, sv.parse_cursor(request.args.get("before")), panel.TIMELINE_SIZE)
    audit_view("client", client.id)  # every page of it shows notes
    return render(
        "visits/client_visits.html",
        "visits/_timeline_items.html",
        client=client,
        visits=visits[:panel.TIMELINE_SIZE],
        more=len(visits) > panel.TIMELINE_SIZE,
    )


@bp.route("/visits/")
def visit_report():
    """Visits across caseloads, filtered by coach, client and dates, with totals.

    Without dates it shows the last 7 days, so the page costs the same however many
    years of notes the agency has; older pages follow by keyset, not by counting.
    Totals are summed for one coach's visits (a coach's own list, or a coach picked in
    the filter); across every coach they are summed when asked (`totals=1`), because
    that sum grows with the number of coaches and the page should not.
    """
    form = VisitFilterForm(request.args)
    form.coach.choices = [(0, "All coaches"), *coach_choices(everyone=True)]
    form.validate()
    tz = _tz()
    if not form.start.data and not form.end.data:
        form.start.data = agency_today() - timedelta(days=6)
    start = local_day_start(form.start.data, tz)
    try:
        end = local_day_start(form.end.data + timedelta(days=1), tz) if form.end.data else None
    except OverflowError:  # the last day there is: no upper bound
        end = None
    coach_id = form.coach.data if not form.coach.errors else None
    shape, values = sv.report_filters(current_user, coach_id, form.client.data or "", start, end)
    one_coach = not current_user.sees_all_caseloads or bool(coach_id)
    totals = sv.report_totals(shape, values) if one_coach or request.args.get("totals") else None
    size = current_app.config["PAGE_SIZE"]
    visits = sv.report_page(shape, values, sv.parse_cursor(request.args.get("before")), size)
    more = len(visits) > size
    audit_views("client", (visit.client_id for visit in visits[:size]))  # whose notes were shown
    args = link_args(drop=("before",), start=form.start.data.isoformat() if form.start.data else "")
    older = (
        url_for("visits.visit_report", **args, before=sv.cursor_of(visits[size - 1]))
        if more
        else None
    )
    return render(
        "visits/visits.html",
        "visits/_report_rows.html",
        form=form,
        visits=visits[:size],
        older=older,
        totals=totals,
        count_url=None if totals is not None else url_for("visits.visit_report", **args, totals=1),
    )
