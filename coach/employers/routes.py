from flask import current_app, flash, request, url_for
from flask_login import current_user

from coach.audit.services import audit_views, record_event
from coach.employers import bp
from coach.employers.forms import EmployerForm, NewEmployerForm, PersonForm, WorksiteForm
from coach.employers.services import (
    KINDS,
    add_person,
    employers_page,
    get_employer_for,
    get_person_for,
    get_worksite_for,
    placements_at,
    remove_person,
)
from coach.extensions import db
from coach.forms import ActionForm
from coach.jobdev.services import audit_shown, employer_contacts
from coach.leads.services import leads_at
from coach.models import Employer, EmployerPerson, Worksite
from coach.records import save_edit
from coach.web import form_view, int_arg, redirect_to, render, saved_redirect

EMPLOYER_FIELDS = [
    "name",
    "contact_name",
    "contact_title",
    "contact_email",
    "contact_phone",
    "notes",
    "needs",
    "hiring_seasons",
]
PERSON_FIELDS = ["name", "title", "phone", "email"]
WORKSITE_FIELDS = ["name", "address", "latitude", "longitude"]


def _fill_employer(form: EmployerForm, employer: Employer) -> None:
    for name in EMPLOYER_FIELDS:
        setattr(employer, name, getattr(form, name).data or "")


def _fill_worksite(form: WorksiteForm, site: Worksite) -> None:
    form.populate_obj(site)
    site.address = site.address or ""


@bp.route("/")
def employers():
    """Employers the coach works with (all of them for supervisors)."""
    search = request.args.get("q", "")[:80]
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    size = current_app.config["PAGE_SIZE"]
    page = employers_page(current_user, int_arg("page", 1), size, search, kind)
    return render(
        "employers/employers.html",
        "employers/_employer_list.html",
        page=page,
        search=search,
        kind=kind,
        kinds=KINDS,
    )


@bp.route("/new", methods=["GET", "POST"])
@form_view
def new_employer():
    """Add an employer, and its first worksite when an address is given."""
    form = NewEmployerForm()
    if form.validate_on_submit():
        employer = Employer(created_by_id=current_user.id)
        _fill_employer(form, employer)
        db.session.add(employer)
        db.session.flush()
        if form.address.data:
            site = Worksite(employer_id=employer.id, name=employer.name, address=form.address.data)
            db.session.add(site)
        record_event("create", "employer", employer.id, employer.name)
        db.session.commit()
        flash(f"{employer.name} added.", "success")
        return saved_redirect(url_for("employers.view_employer", employer_id=employer.id))
    return render("employers/employer_form.html", form=form, employer=None)


@bp.route("/<int:employer_id>")
def view_employer(employer_id: int):
    """An employer or a prospect: its people, needs, worksites, and its history (our
    contacts with it, and the jobs our clients hold there), newest first."""
    employer = get_employer_for(current_user, employer_id, with_people=True)
    contacts = employer_contacts(current_user, employer.id)
    audit_shown(contacts)
    placements = placements_at(current_user, employer)
    audit_views("client", {p.client_id for p in placements})  # who works there, and when
    return render(
        "employers/employer.html",
        employer=employer,
        placements=placements,
        contacts=contacts,
        employer_leads=leads_at(current_user, employer),
    )


@bp.route("/<int:employer_id>/edit", methods=["GET", "POST"])
@form_view
def edit_employer(employer_id: int):
    """Edit an employer's name and contact."""
    employer = get_employer_for(current_user, employer_id)
    form = EmployerForm(obj=employer)
    if form.validate_on_submit():
        save_edit(
            employer,
            "employer",
            EMPLOYER_FIELDS,
            lambda e: _fill_employer(form, e),
            private=["notes", "needs"],
        )
        return saved_redirect(url_for("employers.view_employer", employer_id=employer.id))
    return render("employers/employer_form.html", form=form, employer=employer)


@bp.route("/<int:employer_id>/worksites/new", methods=["GET", "POST"])
@form_view
def new_worksite(employer_id: int):
    """Add a worksite (a store, a branch) to an employer."""
    employer = get_employer_for(current_user, employer_id)
    form = WorksiteForm()
    if form.validate_on_submit():
        site = Worksite(employer_id=employer.id)
        _fill_worksite(form, site)
        db.session.add(site)
        db.session.flush()
        record_event("create", "worksite", site.id, f"{employer.name}: {site.name}")
        db.session.commit()
        flash("Worksite added.", "success")
        return saved_redirect(url_for("employers.view_employer", employer_id=employer.id))
    return render("employers/worksite_form.html", form=form, employer=employer, worksite=None)


@bp.route("/worksites/<int:worksite_id>/edit", methods=["GET", "POST"])
@form_view
def edit_worksite(worksite_id: int):
    """Edit a worksite's address and coordinates."""
    site = get_worksite_for(current_user, worksite_id)
    form = WorksiteForm(obj=site)
    if form.validate_on_submit():
        save_edit(site, "worksite", WORKSITE_FIELDS, lambda s: _fill_worksite(form, s))
        return saved_redirect(url_for("employers.view_employer", employer_id=site.employer_id))
    return render("employers/worksite_form.html", form=form, employer=site.employer, worksite=site)


def _fill_person(form: PersonForm, person: EmployerPerson) -> None:
    for name in PERSON_FIELDS:
        setattr(person, name, getattr(form, name).data or "")


@bp.route("/<int:employer_id>/people/new", methods=["GET", "POST"])
@form_view
def new_person(employer_id: int):
    """Add one of the employer's contact people."""
    employer = get_employer_for(current_user, employer_id)
    form = PersonForm()
    if form.validate_on_submit():
        person = EmployerPerson(employer_id=employer.id)
        _fill_person(form, person)
        add_person(current_user, form.idempotency_key.data, person)
        flash("Person added.", "success")
        return saved_redirect(url_for("employers.view_employer", employer_id=employer.id))
    return render("employers/person_form.html", form=form, employer=employer, person=None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@form_view
def edit_person(person_id: int):
    """Edit a contact person's title, phone or email."""
    person = get_person_for(current_user, person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        save_edit(person, "employer_person", PERSON_FIELDS, lambda p: _fill_person(form, p))
        return saved_redirect(url_for("employers.view_employer", employer_id=person.employer_id))
    return render("employers/person_form.html", form=form, employer=person.employer, person=person)


@bp.route("/people/<int:person_id>/remove", methods=["POST"])
def remove_employer_person(person_id: int):
    """Take a contact person off the employer (they left the business)."""
    person = get_person_for(current_user, person_id)
    employer_id = person.employer_id
    if ActionForm().validate_on_submit():
        remove_person(person)
        flash("Person removed.", "success")
    return redirect_to(url_for("employers.view_employer", employer_id=employer_id))
