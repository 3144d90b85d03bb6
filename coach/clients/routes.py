from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user

from coach.accommodations.services import case_closed, disclosure_changed
from coach.agency import agency_today
from coach.audit.services import audit_view, record_event
from coach.clients import bp
from coach.clients.forms import ClientForm
from coach.clients.services import (
    assignable_coaches,
    assigned_coach,
    caseload_page,
    find_staff,
    get_client_for,
    staff_member,
)
from coach.extensions import db
from coach.forms import options
from coach.models import CLIENT_STATUSES, Client
from coach.pages import client_page
from coach.records import save_edit
from coach.web import (
    MAX_ID,
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


@bp.route("/coaches/for-client")
@roles_required("supervisor", "admin")
def coach_options():
    """Active staff whose name holds what was typed, as choices of the client form's
    coach (radio buttons the form posts); one picked from an earlier search stays."""
    search = request.args.get("coach_q", "")[:80]
    chosen = staff_member(int_arg("coach_id"))  # picked from an earlier search: kept
    matches = [m for m in find_staff(search, active_only=True) if m != chosen]
    return render_template(
        "clients/_coach_options.html", matches=matches, chosen=chosen, search=search
    )


def _client_form(client: Client | None = None) -> ClientForm:
    form = ClientForm(obj=client)
    wanted = request.form.get("coach_id", type=int) if request.method == "POST" else None
    wanted = wanted if wanted and 0 < wanted <= MAX_ID else None  # beyond any id: refused
    form.coach_id.choices = options(assignable_coaches(current_user, client, wanted))
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
        disclosure, status = client.disclosure, client.status

        def apply(record: Client) -> None:
            form.populate_obj(record)
            if record.disclosure != disclosure and disclosure_changed(record, current_user.id):
                flash(
                    "What employers may see changed: open accommodation requests need a new link.",
                    "info",
                )
            closed_now = record.status == "closed" and status != "closed"
            if closed_now and case_closed(record, current_user.id):
                flash("The case is closed: the employer's open links no longer work.", "info")

        save_edit(client, "client", CLIENT_FIELDS, apply, private=["notes"])
        return saved_redirect(url_for("clients.view_client", client_id=client.id))
    return render("clients/client_form.html", form=form, client=client)
