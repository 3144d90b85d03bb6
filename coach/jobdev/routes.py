"""Job development: log a contact with an employer or a prospect, list them, and the
supervisors' 8-week table."""

from datetime import date

from flask import current_app, flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today
from coach.clients.services import staff_member
from coach.employers.services import get_employer_for
from coach.jobdev import bp
from coach.jobdev import services as js
from coach.jobdev.forms import ContactForm
from coach.models import EmployerContact
from coach.records import save_edit
from coach.web import form_view, id_arg, int_arg, render, roles_required, saved_redirect

CONTACT_FIELDS = [
    "employer_id",
    "contact_date",
    "person_met",
    "method",
    "purpose",
    "note",
    "next_step",
    "next_step_date",
    "named_ids",
]
# Free text that may say something about a person: named in the audit log, not copied.
CONTACT_TEXT = ["person_met", "note", "next_step"]


def week_arg() -> date | None:
    """?week=YYYY-MM-DD as the Monday of that week; None when absent or not a date."""
    try:
        day = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return None
    return js.week_start(day) if 2000 <= day.year <= 2100 else None


@bp.route("/")
def contacts():
    """Employer contacts, newest first: a coach's own, everyone's for supervisors."""
    coach_id, week, employer_id = int_arg("coach"), week_arg(), int_arg("employer")
    page = js.contacts_page(
        current_user,
        int_arg("page", 1),
        current_app.config["PAGE_SIZE"],
        coach_id,
        week,
        employer_id,
    )
    js.audit_shown(page.items)
    coach = staff_member(coach_id) if current_user.sees_all_caseloads else None
    return render("jobdev/contacts.html", page=page, coach=coach, week=week)


def _form(contact: EmployerContact | None = None) -> ContactForm:
    keep = contact.named_ids if contact else ()
    form = ContactForm(obj=contact, clients=js.active_clients(current_user, keep))
    if contact is not None and not form.is_submitted():
        form.employer_name.data, form.client_ids.data = contact.employer.name, list(keep)
    return form


def _fill(form: ContactForm, contact: EmployerContact, employer_id: int) -> None:
    for name in ("contact_date", "method", "purpose", "next_step_date"):
        setattr(contact, name, getattr(form, name).data)
    for name in CONTACT_TEXT:
        setattr(contact, name, getattr(form, name).data or "")
    chosen = set(form.client_ids.data or ())
    contact.employer_id = employer_id
    contact.clients = [c for c in form.clients if c.id in chosen]


def _page(form: ContactForm, contact=None):
    matches = js.employer_matches(form.employer_name.data or "")
    return render(
        "jobdev/contact_form.html",
        form=form,
        contact=contact,
        matches=matches,
        people=js.people_names(form.employer_id.data),
        came_from=request.values.get("from", ""),
    )


def _save_new(form: ContactForm) -> EmployerContact:
    """The contact this form's key made already (a double tap, a retry), or a new one
    with its employer: the one picked or named, or a new prospect (saved together)."""
    contact = js.contact_by_key(current_user, form.idempotency_key.data)
    if contact is not None:
        return contact
    employer = js.employer_for_contact(current_user, form.employer_id.data, form.employer_name.data)
    contact = EmployerContact()
    _fill(form, contact, employer.id)
    contact, _ = js.create_contact(current_user, form.idempotency_key.data, employer, contact)
    return contact


@bp.route("/new", methods=["GET", "POST"])
@form_view
def new_contact():
    """Log a contact: employer (or a new prospect), how, why, who was discussed."""
    form = _form()
    if request.method == "GET":
        form.contact_date.data = agency_today()
        if employer_id := id_arg("employer"):
            employer = get_employer_for(current_user, employer_id)
            form.employer_id.data, form.employer_name.data = employer.id, employer.name
    if form.validate_on_submit():
        contact = _save_new(form)
        flash(f"Contact with {js.employer_name(contact)} logged.", "success")
        if request.form.get("from") == "employer":
            return saved_redirect(
                url_for("employers.view_employer", employer_id=contact.employer_id)
            )
        return saved_redirect(url_for("today.today"))  # home, with the week's counter
    return _page(form)


@bp.route("/employer-search")
def employer_search():
    """The contact form's employer matches for what was typed (an htmx fragment)."""
    name = request.args.get("employer_name", "")[:160]
    return render(
        "jobdev/_employer_matches.html",
        "jobdev/_employer_matches.html",
        matches=js.employer_matches(name),
        name=name.strip(),
        picked=None,
    )


@bp.route("/<int:contact_id>")
def view_contact(contact_id: int):
    """One contact: with whom, how, why, who was discussed, and what comes next."""
    contact = js.get_contact_for(current_user, contact_id)
    js.audit_shown([contact])
    return render("jobdev/contact.html", contact=contact)


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@form_view
def edit_contact(contact_id: int):
    """Fix a contact (audited)."""
    contact = js.get_contact_for(current_user, contact_id)
    js.audit_shown([contact])
    form = _form(contact)
    if form.validate_on_submit():
        employer = js.employer_for_contact(
            current_user, form.employer_id.data, form.employer_name.data
        )
        save_edit(
            contact,
            "employer_contact",
            CONTACT_FIELDS,
            lambda c: _fill(form, c, employer.id),
            private=CONTACT_TEXT,
        )
        return saved_redirect(url_for("jobdev.view_contact", contact_id=contact.id))
    return _page(form, contact)


@bp.route("/weeks")
@roles_required("supervisor", "admin")
def weeks():
    """Each coach's employer contacts per week, the last 8 weeks, against the target."""
    starts, rows, page = js.weeks_table(agency_today(), int_arg("page", 1))
    target = js.weekly_target()
    return render("jobdev/weeks.html", starts=starts, rows=rows, page=page, target=target)
