"""The job seeker's search log: a month of it (printable for the VR counsellor), and
adding or fixing an application or an interview from a phone."""

from datetime import date

from flask import flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today, parse_month
from coach.audit.services import audit_view
from coach.clients.services import get_client_for
from coach.extensions import db
from coach.leads import bp
from coach.leads import searchlog as sl
from coach.leads.forms import ApplicationForm, InterviewForm
from coach.models import Client, JobApplication, JobInterview
from coach.records import save_edit
from coach.web import form_view, render, saved_redirect

APPLICATION_FIELDS = ["employer_name", "position", "applied_on", "method", "result", "notes"]
INTERVIEW_FIELDS = [
    "employer_name",
    "position",
    "interview_on",
    "interview_time",
    "went_with",
    "notes",
]
# The kinds of entry: their form, model, fields and audit name.
KINDS = {
    "application": (ApplicationForm, JobApplication, APPLICATION_FIELDS, "job_application"),
    "interview": (InterviewForm, JobInterview, INTERVIEW_FIELDS, "job_interview"),
}


def log_url(client_id: int, day: date) -> str:
    return url_for("leads.search_log", client_id=client_id, month=f"{day:%Y-%m}")


@bp.route("/clients/<int:client_id>/log")
def search_log(client_id: int):
    """A month of the client's applications and interviews, ready to print."""
    client = get_client_for(current_user, client_id)
    year, month = parse_month(request.args.get("month"))
    start = date(year, month, 1)
    entries = sl.month_of_log(client, year, month)
    audit_view("client", client.id)
    return render(
        "leads/search_log.html",
        client=client,
        start=start,
        previous=date(year - (month == 1), (month - 2) % 12 + 1, 1),
        following=date(year + (month == 12), month % 12 + 1, 1),
        **entries,
    )


def _fill(form, entry, fields: list[str]) -> None:
    for name in fields:
        value = getattr(form, name).data
        setattr(entry, name, "" if value is None and name == "notes" else value)


def _new_entry(kind: str, client: Client):
    """The new-entry form of `kind` for the client: saved once, or shown again."""
    form_class, model, fields, _ = KINDS[kind]
    form = form_class()
    if request.method == "GET":
        audit_view("client", client.id)
        getattr(
            form, "applied_on" if kind == "application" else "interview_on"
        ).data = agency_today()
    if form.validate_on_submit():
        entry = model()
        _fill(form, entry, fields)
        entry, created = sl.create_entry(current_user, form.idempotency_key.data, entry, client)
        db.session.commit()
        if created:
            flash(f"{kind.title()} added to the search log.", "success")
        return saved_redirect(log_url(client.id, entry.day))
    return render(
        "leads/entry_form.html",
        form=form,
        kind=kind,
        client=client,
        entry=None,
        names=sl.employer_names(current_user),
    )


def _edit_entry(kind: str, entry):
    form_class, _, fields, entity = KINDS[kind]
    form = form_class(obj=entry)
    if request.method == "GET":
        audit_view("client", entry.client_id)
    if form.validate_on_submit():
        save_edit(
            entry,
            entity,
            [*fields, "employer_id"],
            lambda e: _fill(form, e, fields) or sl.link_employer(current_user, e),
            private=["notes"],
        )
        return saved_redirect(log_url(entry.client_id, entry.day))
    return render(
        "leads/entry_form.html",
        form=form,
        kind=kind,
        client=entry.client,
        entry=entry,
        names=sl.employer_names(current_user),
    )


@bp.route("/clients/<int:client_id>/applications/new", methods=["GET", "POST"])
@form_view
def new_application(client_id: int):
    """Log a job the client applied for."""
    return _new_entry("application", get_client_for(current_user, client_id))


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@form_view
def edit_application(application_id: int):
    """Fix an application, or set its result."""
    return _edit_entry("application", sl.get_application_for(current_user, application_id))


@bp.route("/clients/<int:client_id>/interviews/new", methods=["GET", "POST"])
@form_view
def new_interview(client_id: int):
    """Log a job interview of the client."""
    return _new_entry("interview", get_client_for(current_user, client_id))


@bp.route("/interviews/<int:interview_id>/edit", methods=["GET", "POST"])
@form_view
def edit_interview(interview_id: int):
    """Fix an interview, or say how it went."""
    return _edit_entry("interview", sl.get_interview_for(current_user, interview_id))
