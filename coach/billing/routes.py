"""Service types and funders (admins), and each client's authorizations (whoever may
see the client)."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today
from coach.audit.services import audit_view, record_event
from coach.billing import bp
from coach.billing import services as bs
from coach.billing.forms import (
    AuthorizationForm,
    FunderForm,
    NewServiceForm,
    ServiceRateForm,
    ServiceTypeForm,
)
from coach.clients.services import get_client_for
from coach.extensions import db
from coach.forms import ActionForm, options, to_units
from coach.milestones.services import schedule_of
from coach.models import FROM_THE_START, Authorization, Funder, ServiceType
from coach.records import create_once, save_edit
from coach.web import form_view, redirect_to, render, roles_required, saved_redirect

SERVICE_FIELDS = ["code", "name", "unit", "active"]
FUNDER_FIELDS = ["name", "kind", "contact_name", "contact_email", "contact_phone", "active"]
AUTHORIZATION_FIELDS = [
    "funder_id",
    "service_type_id",
    "number",
    "funder_case_number",
    "start_date",
    "end_date",
    "units",
    "notes",
]


# --- service types ---------------------------------------------------------------------


def _apply_service(form: ServiceTypeForm, service: ServiceType) -> None:
    service.code, service.name = form.code.data.upper(), form.name.data
    service.unit, service.active = form.unit.data, form.active.data


@bp.route("/services", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def services():
    """The service types the agency bills, and a form to add one."""
    form = NewServiceForm(user_id=current_user.id)
    if form.validate_on_submit():
        service = ServiceType()
        _apply_service(form, service)
        service.active = True  # the add form has no "In use" box
        service, created = create_once(service, current_user.id, form.idempotency_key.data)
        if created:
            record_event("create", "service_type", service.id, service.code)
            if (cents := to_units(form.rate.data, 100)) is not None:
                change = bs.set_rate(service, FROM_THE_START, cents, current_user.id)
                record_event("update", "service_type", service.id, change)
            db.session.commit()
            flash(f"Service {service.code} added.", "success")
        return saved_redirect(url_for("billing.services"))
    rates = bs.rates_in(agency_today().replace(day=1))
    return render("billing/services.html", form=form, services=bs.all_services(), rates=rates)


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def edit_service(service_id: int):
    """Rename, re-rate or deactivate a service type."""
    service = bs.get_service(service_id)
    form = ServiceTypeForm(obj=service, service=service)
    if form.validate_on_submit():
        save_edit(service, "service_type", SERVICE_FIELDS, lambda s: _apply_service(form, s))
        return saved_redirect(url_for("billing.services"))
    return _service_page(service, form, ServiceRateForm(formdata=None))


@bp.route("/services/<int:service_id>/rates", methods=["POST"])
@roles_required("admin")
@form_view
def set_service_rate(service_id: int):
    """Set the service's rate from a month (replacing that month's rate, if any)."""
    service = bs.get_service(service_id)
    rate_form = ServiceRateForm()
    if rate_form.validate_on_submit():
        cents = to_units(rate_form.rate.data, 100)
        change = bs.set_rate(service, rate_form.month_start, cents, current_user.id)
        record_event("update", "service_type", service.id, change)
        db.session.commit()
        flash(f"{service.code}: {change}.", "success")
        return saved_redirect(url_for("billing.edit_service", service_id=service.id))
    return _service_page(service, ServiceTypeForm(obj=service, service=service), rate_form)


def _service_page(service: ServiceType, form: ServiceTypeForm, rate_form: ServiceRateForm):
    return render(
        "billing/service_form.html",
        form=form,
        rate_form=rate_form,
        service=service,
        rates=bs.rate_history(service),
        used=bs.service_used(service),
    )


@bp.route("/services/<int:service_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_service(service_id: int):
    """Delete a service type nothing names yet; one in use is deactivated instead."""
    service = bs.get_service(service_id)
    if ActionForm().validate_on_submit():
        if bs.service_used(service):
            flash("This service is in use: uncheck “In use” instead.", "error")
            return redirect_to(url_for("billing.edit_service", service_id=service.id))
        record_event("delete", "service_type", service.id, service.code)
        bs.delete_service(service)
        db.session.commit()
        flash("Service deleted.", "success")
    return redirect_to(url_for("billing.services"))


# --- funders -----------------------------------------------------------------------------


@bp.route("/funders")
@roles_required("admin")
def funders():
    """The funders that pay for services, with their counsellor or case manager."""
    return render("billing/funders.html", funders=bs.all_funders())


@bp.route("/funders/new", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def new_funder():
    """Add a funder."""
    form = FunderForm()
    if form.validate_on_submit():
        funder = Funder()
        form.populate_obj(funder)
        funder.active = True  # the add form has no "In use" box
        funder, created = create_once(funder, current_user.id, form.idempotency_key.data)
        if created:
            record_event("create", "funder", funder.id, funder.name)
            db.session.commit()
            flash(f"{funder.name} added.", "success")
        return saved_redirect(url_for("billing.funders"))
    return render("billing/funder_form.html", form=form, funder=None)


@bp.route("/funders/<int:funder_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def edit_funder(funder_id: int):
    """Change a funder's details, or stop offering it."""
    funder = bs.get_funder(funder_id)
    form = FunderForm(obj=funder)
    if form.validate_on_submit():
        save_edit(funder, "funder", FUNDER_FIELDS, form.populate_obj)
        return saved_redirect(url_for("billing.funders"))
    milestones = schedule_of(funder.id)  # its milestone schedule (coach/milestones)
    return render("billing/funder_form.html", form=form, funder=funder, milestones=milestones)


# --- authorizations ----------------------------------------------------------------------


def _authorization_form(client_id: int, authorization: Authorization | None = None):
    form = AuthorizationForm(
        obj=authorization,
        client_id=client_id,
        authorization_id=authorization.id if authorization else None,
    )
    funder_id = authorization.funder_id if authorization else None
    service_id = authorization.service_type_id if authorization else None
    form.funder_id.choices = options([(0, "Pick the funder"), *bs.funder_choices(funder_id)])
    form.service_type_id.choices = options(
        [(0, "Pick the service"), *bs.service_choices(service_id)]
    )
    return form


def _apply_authorization(form: AuthorizationForm, authorization: Authorization) -> None:
    """Copy the form, then count the client's visits again against the new figures."""
    for name in AUTHORIZATION_FIELDS:
        setattr(authorization, name, getattr(form, name).data)
    authorization.notes = authorization.notes or ""
    authorization.funder_case_number = authorization.funder_case_number or ""
    db.session.flush()
    bs.rebill_client(authorization.client_id)


def _client_url(client_id: int) -> str:
    return url_for("clients.view_client", client_id=client_id) + "#authorizations"


@bp.route("/clients/<int:client_id>/authorizations/new", methods=["GET", "POST"])
@form_view
def new_authorization(client_id: int):
    """Record a funder's authorization for the client."""
    client = get_client_for(current_user, client_id)
    if request.method == "GET":
        audit_view("client", client.id)
    form = _authorization_form(client.id)
    if form.validate_on_submit():
        key = form.idempotency_key.data
        grant = Authorization(client_id=client.id)
        for name in AUTHORIZATION_FIELDS:
            setattr(grant, name, getattr(form, name).data)
        grant.notes = grant.notes or ""
        grant.funder_case_number = grant.funder_case_number or ""
        grant, created = create_once(grant, current_user.id, key)
        if created:
            bs.rebill_client(client.id)
            record_event("create", "authorization", grant.id, f"client {client.id}")
            db.session.commit()
            flash(f"Authorization {grant.number} saved.", "success")
        return saved_redirect(_client_url(client.id))
    return render("billing/authorization_form.html", form=form, client=client, grant=None)


@bp.route("/authorizations/<int:authorization_id>/edit", methods=["GET", "POST"])
@form_view
def edit_authorization(authorization_id: int):
    """Correct an authorization: its visits are counted again."""
    grant = bs.get_authorization_for(current_user, authorization_id)
    if request.method == "GET":
        audit_view("client", grant.client_id)
    form = _authorization_form(grant.client_id, grant)
    if form.validate_on_submit():
        apply = lambda g: _apply_authorization(form, g)  # noqa: E731
        save_edit(grant, "authorization", AUTHORIZATION_FIELDS, apply, private=["notes"])
        return saved_redirect(_client_url(grant.client_id))
    return render("billing/authorization_form.html", form=form, client=grant.client, grant=grant)
