import segno
from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from coach.accommodations import bp
from coach.accommodations import services as acc
from coach.accommodations.forms import (
    EventForm,
    FollowUpForm,
    ImplementedForm,
    RequestForm,
    SendForm,
)
from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view, record_event
from coach.clients.services import get_client_for
from coach.extensions import db
from coach.forms import ActionForm, options, to_units
from coach.mail import NO_PUBLIC_BASE_URL, public_base_url, send_mail
from coach.models import AccommodationRequest, User
from coach.timeutil import utcnow
from coach.web import form_view, int_arg, redirect_to, render, saved_redirect

FIELDS = [
    "functional_limitation",
    "diagnosis",
    "job_function",
    "accommodation",
    "alternatives",
    "payer",
    "payer_other",
    "date_needed",
    "request_date",
    "request_method",
    "contact_name",
    "contact_email",
]


def _request_form(client, obj=None) -> RequestForm:
    form = RequestForm(obj=obj)
    jobs = [(p.id, f"{p.job_title} at {p.worksite.employer.name}") for p in client.placements]
    form.placement_id.choices = options([*jobs, (0, "No job yet")])
    if obj is not None and not form.is_submitted():
        form.estimated_cost.data = (
            None if obj.estimated_cost_cents is None else (obj.estimated_cost_cents / 100)
        )
        form.placement_id.data = obj.placement_id or 0
    return form


def _apply(form, item: AccommodationRequest) -> None:
    for name in FIELDS:
        setattr(
            item,
            name,
            getattr(form, name).data
            if getattr(form, name).data is not None
            else ("" if name not in ("date_needed", "request_date") else None),
        )
    item.estimated_cost_cents = to_units(form.estimated_cost.data, 100)
    item.placement_id = form.placement_id.data or None


def _document(item) -> str:
    coach = db.session.get(User, item.client.coach_id)
    return acc.employer_document(item, current_agency().name, coach.name)


@bp.route("/clients/<int:client_id>/accommodations/new", methods=["GET", "POST"])
@form_view
def new_request(client_id: int):
    """Write an accommodation request with the client."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    form = _request_form(client)
    if request.method == "GET":
        audit_view("client", client.id)
        form.request_date.data = agency_today()
        current = next((p for p in client.placements if p.end_date is None), None)
        if current:
            form.placement_id.data = current.id
            employer = current.worksite.employer
            form.contact_name.data, form.contact_email.data = (
                employer.contact_name,
                employer.contact_email,
            )
    if form.validate_on_submit():
        item = AccommodationRequest(client_id=client.id, created_by_id=current_user.id)
        _apply(form, item)
        db.session.add(item)
        db.session.flush()
        acc.log_event(
            item,
            "status",
            f"Request written ({item.request_method.replace('_', ' ')})",
            current_user.id,
            occurred_on=item.request_date,
        )
        record_event("create", "accommodation", item.id, f"client {client.id}")
        db.session.commit()
        flash(
            "Request saved as a draft. Check what the employer will see, then send it.", "success"
        )
        return saved_redirect(url_for("accommodations.view_request", request_id=item.id))
    return render("accommodations/request_form.html", form=form, client=client, item=None)


@bp.route("/accommodations/<int:request_id>")
def view_request(request_id: int):
    """The request: what the employer sees, its status, the process log and signatures."""
    item = acc.get_request_for(current_user, request_id, with_events=True)
    client = get_client_for(current_user, item.client_id)
    audit_view("accommodation", item.id)
    today = agency_today()
    return render(
        "accommodations/request.html",
        item=item,
        client=client,
        document=_document(item),
        links=acc.links_of(item),
        signatures=acc.signatures_of(item),
        now=utcnow(),
        event_form=EventForm(formdata=None, occurred_on=today),
        implemented_form=ImplementedForm(formdata=None, implemented_on=today),
        follow_up_form=FollowUpForm(formdata=None),
        follow_up_due=acc.follow_up_is_due(item, today),
    )


@bp.route("/accommodations/<int:request_id>/status")
def request_status(request_id: int):
    """The status badge; polls itself while the employer has the link. The actions and
    the links come along out of band, so a decision takes its buttons away at once."""
    item = acc.get_request_for(current_user, request_id)
    return render_template(
        "accommodations/_status.html",
        item=item,
        signatures=acc.signatures_of(item) if item.decided else [],
        links=acc.links_of(item),
        now=utcnow(),
        oob=True,
    )


@bp.route("/accommodations/<int:request_id>/edit", methods=["GET", "POST"])
@form_view
def edit_request(request_id: int):
    """Edit the request; after it was sent this makes a new version that needs a new link."""
    item = acc.get_request_for(current_user, request_id)
    client = get_client_for(current_user, item.client_id, with_jobs=True)
    if not item.is_open:
        flash(
            "A decided or withdrawn request is a record and stays as it is. "
            "Write a new request for a new accommodation.",
            "error",
        )
        return redirect_to(url_for("accommodations.view_request", request_id=item.id))
    if request.method == "GET":
        audit_view("accommodation", item.id)
    form = _request_form(client, item)
    if form.validate_on_submit():
        before = _document(item)
        _apply(form, item)
        new_version = acc.new_version_if_shared(
            item, current_user.id, document_changed=_document(item) != before
        )
        if not acc.still_open(item):
            db.session.rollback()
            flash(
                "The employer has just decided on this request: it can no longer change.", "error"
            )
            return redirect_to(url_for("accommodations.view_request", request_id=item.id))
        record_event("update", "accommodation", item.id, f"version {item.version}")
        db.session.commit()
        flash(
            f"Saved as version {item.version}. Send a new link for the employer to sign it."
            if new_version
            else "Saved.",
            "success",
        )
        return saved_redirect(url_for("accommodations.view_request", request_id=item.id))
    return render("accommodations/request_form.html", form=form, client=client, item=item)


@bp.route("/accommodations/<int:request_id>/send", methods=["GET", "POST"])
@form_view
def send_request(request_id: int):
    """Make a sign-off link for the employer: emailed, shown as a QR code, or copied."""
    item = acc.get_request_for(current_user, request_id)
    if not item.is_open:
        flash("This request is already decided or withdrawn.", "error")
        return redirect_to(url_for("accommodations.view_request", request_id=item.id))
    if request.method == "GET":
        audit_view("accommodation", item.id)
    form = SendForm(obj=item)
    if form.validate_on_submit():
        base = public_base_url()
        if form.how.data == "email" and base is None:
            # Refused before anything is made: no link, no mail, no status change.
            current_app.logger.warning("Sign-off link not emailed: PUBLIC_BASE_URL is not set")
            form.form_errors.append(NO_PUBLIC_BASE_URL)
            return render("accommodations/send.html", form=form, item=item)
        if acc.link_for_key(form.idempotency_key.data):  # a retried or double-tapped send
            return _already_sent(item)
        item.contact_name, item.contact_email = form.contact_name.data, form.contact_email.data
        link, token = acc.create_link(
            item, _document(item), current_user, item.contact_name, item.contact_email or ""
        )
        link.idempotency_key = form.idempotency_key.data
        try:
            db.session.flush()  # claim the key before any mail goes out
        except IntegrityError:  # the other tap of a double tap got there first
            db.session.rollback()
            return _already_sent(item)
        # Shown on the coach's own phone, a link may use the address it reached us at.
        url = _public_url(token, base or request.host_url.rstrip("/"))
        if form.how.data == "email":
            link.emailed = _email_link(item, link, url)
        record_event(
            "send",
            "accommodation",
            item.id,
            f"link {link.id} to {item.contact_email or 'shown on the phone'}",
        )
        db.session.commit()
        # The token is shown on this response only: it is never stored.
        qr = segno.make(url, error="m").svg_inline(scale=4, dark="#111827", omitsize=True)
        return render_template(
            "accommodations/link_ready.html",
            item=item,
            link=link,
            url=url,
            qr=qr,
            emailed=link.emailed,
            how=form.how.data,
        )
    return render("accommodations/send.html", form=form, item=item)


def _already_sent(item):
    flash(
        "That link was already made and sent. To show the QR code again, make a "
        "new link (the old one then stops working).",
        "info",
    )
    return redirect_to(url_for("accommodations.view_request", request_id=item.id))


def _public_url(token: str, base: str) -> str:
    return base + url_for("accommodations.sign", token=token)


def _email_link(item, link, url: str) -> bool:
    agency = current_agency().name
    subject = f"{agency}: accommodation request to review"
    body = (
        f"Hello {link.sent_to_name or ''},\n\n{current_user.name} of {agency} asks you to "
        f"review a request for a workplace accommodation for {item.client.first_name}.\n\n"
        f"Open this link to read it and record your decision (no account needed):\n{url}\n\n"
        f"The link works once and expires on {acc.expiry_text(link)}.\n"
    )
    redacted = body.replace(url, "[sign-off link, not stored]")
    return send_mail(link.sent_to_email, subject, body, redacted_body=redacted)


def _simple_action(request_id: int, action) -> object:
    item = acc.get_request_for(current_user, request_id)
    if ActionForm().validate_on_submit():
        action(item)
        db.session.commit()
    return redirect_to(url_for("accommodations.view_request", request_id=item.id))


@bp.route("/accommodations/<int:request_id>/revoke", methods=["POST"])
def revoke(request_id: int):
    """Stop the open link from working."""

    def do(item):
        if acc.revoke_open_links(item, current_user.id, "revoked by the coach"):
            acc.set_status(item, "draft", current_user.id, "link revoked")
            record_event("revoke", "accommodation", item.id)
            flash("The link no longer works.", "success")

    return _simple_action(request_id, do)


@bp.route("/accommodations/<int:request_id>/withdraw", methods=["POST"])
def withdraw(request_id: int):
    """Withdraw the request (the client no longer wants it)."""

    def do(item):
        if item.is_open:
            acc.revoke_open_links(item, current_user.id, "request withdrawn")
            if acc.still_open(item):
                acc.set_status(item, "withdrawn", current_user.id)
                record_event("withdraw", "accommodation", item.id)
            else:
                flash("The employer has just decided on this request.", "error")

    return _simple_action(request_id, do)


@bp.route("/accommodations/<int:request_id>/events", methods=["POST"])
@form_view
def add_event(request_id: int):
    """Log a meeting, conversation or note of the interactive process."""
    item = acc.get_request_for(current_user, request_id)
    form = EventForm()
    if form.validate_on_submit():
        acc.log_event(
            item,
            form.kind.data,
            form.summary.data,
            current_user.id,
            occurred_on=form.occurred_on.data,
        )
        record_event("update", "accommodation", item.id, f"logged {form.kind.data}")
        db.session.commit()
        return saved_redirect(url_for("accommodations.view_request", request_id=item.id) + "#log")
    for error in form.errors.values():
        flash(error[0], "error")
    return redirect_to(url_for("accommodations.view_request", request_id=item.id) + "#log")


@bp.route("/accommodations/<int:request_id>/implemented", methods=["POST"])
def implemented(request_id: int):
    """Record the date the accommodation was put in place; a follow-up falls due."""
    item = acc.get_request_for(current_user, request_id)
    form = ImplementedForm()
    if item.decided and item.status != "declined" and form.validate_on_submit():
        acc.mark_implemented(item, form.implemented_on.data, current_user.id)
        record_event("update", "accommodation", item.id, "put in place")
        db.session.commit()
    for error in form.errors.values():  # the form sits on the request page, as the log's
        flash(error[0], "error")
    return redirect_to(url_for("accommodations.view_request", request_id=item.id))


@bp.route("/accommodations/<int:request_id>/follow-up", methods=["POST"])
@form_view
def follow_up(request_id: int):
    """Record whether the accommodation works, one to two weeks in."""
    item = acc.get_request_for(current_user, request_id)
    form = FollowUpForm()
    if item.implemented_on and form.validate_on_submit():
        item.follow_up_done_on = agency_today()
        item.follow_up_result = form.result.data
        acc.log_event(
            item,
            "follow_up",
            f"{dict(form.result.choices)[form.result.data]}. {form.notes.data or ''}".strip(),
            current_user.id,
            occurred_on=item.follow_up_done_on,
        )
        record_event("update", "accommodation", item.id, "follow-up")
        db.session.commit()
        return saved_redirect(url_for("accommodations.view_request", request_id=item.id))
    flash("Pick whether it works.", "error")
    return redirect_to(url_for("accommodations.view_request", request_id=item.id))


@bp.route("/accommodations/records/<int:signature_id>")
def signed_record(signature_id: int):
    """The signed record, for print: the document, the decision and the audit trail."""
    signature = acc.get_signature(signature_id)
    item = acc.get_request_for(current_user, signature.request_id, with_events=True)
    audit_view("signature", signature.id)
    link = acc.link_of(signature)
    return render(
        "accommodations/record.html",
        signature=signature,
        item=item,
        verified=acc.verify(signature),
        link=link,
        expires=acc.expiry_text(link),
    )


@bp.route("/accommodations/")
def open_requests():
    """Open requests and their age, and follow-ups that are due."""
    today = agency_today()
    items = acc.request_list(current_user, int_arg("all") == 1)
    return render(
        "accommodations/list.html",
        items=items,
        opened={i.id: acc.days_open(i, today, current_agency().timezone) for i in items},
        due=[i for i in items if acc.follow_up_is_due(i, today)],
        show_all=int_arg("all") == 1,
    )
