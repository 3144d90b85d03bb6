from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from coach.accommodations.services import disclosure_changed
from coach.agency import agency_today
from coach.audit.services import audit_view, record_event
from coach.clients import bp
from coach.clients.forms import ClientForm, PlacementForm
from coach.clients.services import (
    add_placement,
    assignable_coaches,
    assigned_coach,
    caseload_page,
    find_staff,
    get_client_for,
    get_placement_for,
    pay_history,
    set_start_pay,
    staff_member,
    start_pay,
    sync_current_pay,
    worksite_choices,
)
from coach.extensions import db
from coach.forms import add_error, options, to_units
from coach.models import CLIENT_STATUSES, Client, Placement
from coach.pages import client_page
from coach.records import save_edit
from coach.web import (
    form_view,
    id_arg,
    int_arg,
    link_args,
    render,
    roles_required,
    saved_redirect,
)

CLIENT_FIELDS = [
    "first_name",
    "last_name",
    "preferred_name",
    "phone",
    "email",
    "status",
    "disclosure",
    "coach_id",
    "referral_date",
    "intake_date",
    "notes",
]
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


@bp.route("/")
def caseload():
    """The caseload: the coach's clients (everyone's for supervisors), searchable."""
    search = request.args.get("q", "")[:80]
    status = request.args.get("status", "")
    status = status if status in CLIENT_STATUSES else ""
    coach_id = int_arg("coach")
    page = caseload_page(
        current_user,
        int_arg("page", 1),
        current_app.config["PAGE_SIZE"],
        search,
        status,
        coach_id,
    )
    return render(
        "clients/caseload.html",
        "clients/_client_list.html",
        page=page,
        search=search,
        status=status,
        coach=staff_member(coach_id),  # shown to those who may filter by coach
        statuses=CLIENT_STATUSES,
    )


@bp.route("/coaches")
@roles_required("supervisor", "admin")
def coach_matches():
    """Coaches whose name holds what was typed, for a list's coach filter: links to the
    same list (its other filters kept) showing that coach's records."""
    search = request.args.get("coach_q", "")[:80]
    return render_template(
        "clients/_coach_matches.html",
        matches=find_staff(search),
        search=search,
        kept=link_args(drop=("coach_q", "coach", "before", "page")),
    )


def _client_form(client: Client | None = None) -> ClientForm:
    form = ClientForm(obj=client)
    form.coach_id.choices = options(assignable_coaches(current_user, client))
    if client is None and request.method == "GET":
        form.coach_id.data = current_user.id
        form.referral_date.data = agency_today()
    current = client.coach_id if client else None
    form.coach_id.data = assigned_coach(current_user, form.coach_id.data, current)
    return form


@bp.route("/new", methods=["GET", "POST"])
@form_view
def new_client():
    """Add a client to a caseload."""
    form = _client_form()
    if form.validate_on_submit():
        client = Client()
        form.populate_obj(client)
        client.referral_date = client.referral_date or agency_today()
        db.session.add(client)
        db.session.flush()
        record_event("create", "client", client.id, f"added {client.full_name}")
        db.session.commit()
        flash(f"{client.full_name} is on the caseload.", "success")
        return saved_redirect(url_for("clients.view_client", client_id=client.id))
    return render("clients/client_form.html", form=form, client=None)


@bp.route("/<int:client_id>")
def view_client(client_id: int):
    """One client: the visit panel, details, jobs and visits. Every view is audited."""
    page = client_page(current_user, client_id, id_arg("ended"))
    audit_view("client", client_id)  # after the reads: one transaction, not two
    return render("clients/client.html", **page)


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@form_view
def edit_client(client_id: int):
    """Edit a client's details."""
    client = get_client_for(current_user, client_id)
    if request.method == "GET":
        audit_view("client", client.id)
    form = _client_form(client)
    if form.validate_on_submit():
        disclosure = client.disclosure

        def apply(record: Client) -> None:
            form.populate_obj(record)
            if record.disclosure != disclosure and disclosure_changed(record, current_user.id):
                flash(
                    "What employers may see changed: open accommodation requests need a new link.",
                    "info",
                )

        save_edit(client, "client", CLIENT_FIELDS, apply, private=["notes"])
        return saved_redirect(url_for("clients.view_client", client_id=client.id))
    return render("clients/client_form.html", form=form, client=client)


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
