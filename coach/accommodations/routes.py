from flask import flash, render_template, request, url_for
from flask_login import current_user

from coach import signing
from coach.accommodations import bp
from coach.accommodations import services as acc
from coach.accommodations.forms import (
    EventForm,
    FollowUpForm,
    ImplementedForm,
    SendForm,
    fill_request,
    request_form,
)
from coach.agency import agency_today, current_agency
from coach.audit.services import audit_view, record_event
from coach.clients.services import get_client_for
from coach.extensions import db
from coach.forms import ActionForm
from coach.timeutil import utcnow
from coach.web import form_view, int_arg, redirect_to, render, saved_redirect

DECIDED_IS_A_RECORD = (
    "A decided or withdrawn request is a record and stays as it is. "
    "Write a new request for a new accommodation."
)
JUST_DECIDED = "The employer has just decided on this request: it can no longer change."
ALREADY_SENT = (
    "That link was already made and sent. To show the QR code again, make a "
    "new link (the old one then stops working)."
)


def _to_request(request_id: int):
    return redirect_to(url_for("accommodations.view_request", request_id=request_id))


@bp.route("/clients/<int:client_id>/accommodations/new", methods=["GET", "POST"])
@form_view
def new_request(client_id: int):
    """Write an accommodation request with the client."""
    client = get_client_for(current_user, client_id, with_jobs=True)
    if request.method == "GET":
        audit_view("client", client.id)
    form = request_form(client, today=agency_today())
    if form.validate_on_submit():
        key = form.idempotency_key.data
        item = acc.write_request(client, current_user, key, lambda item: fill_request(form, item))
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
    audit_view("accommodation", item.id)
    today = agency_today()
    signatures, links, now = acc.signatures_of(item), acc.links_of(item), utcnow()
    return render(
        "accommodations/request.html",
        item=item,
        client=item.client,
        signed=acc.decision_signature(item, signatures),
        document=acc.document_for(item),
        links=links,
        signatures=signatures,
        now=now,
        waiting=acc.waiting_for_employer(item, links, now),
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
    links, now = acc.links_of(item), utcnow()
    return render_template(
        "accommodations/_status.html",
        item=item,
        signatures=acc.signatures_of(item) if item.decided else [],
        links=links,
        now=now,
        waiting=acc.waiting_for_employer(item, links, now),
        oob=True,
    )


@bp.route("/accommodations/<int:request_id>/edit", methods=["GET", "POST"])
@form_view
def edit_request(request_id: int):
    """Edit the request; after it was sent this makes a new version that needs a new link."""
    item = acc.get_request_for(current_user, request_id, with_jobs=True)
    if not item.is_open:
        flash(DECIDED_IS_A_RECORD, "error")
        return _to_request(item.id)
    if request.method == "GET":
        audit_view("accommodation", item.id)
    form = request_form(item.client, item)
    if form.validate_on_submit():
        outcome = acc.save_request_edit(item, current_user, lambda i: fill_request(form, i))
        if outcome == "decided":
            flash(JUST_DECIDED, "error")
            return _to_request(item.id)
        flash(
            f"Saved as version {item.version}. Send a new link for the employer to sign it."
            if outcome == "new version"
            else "Saved.",
            "success",
        )
        return saved_redirect(url_for("accommodations.view_request", request_id=item.id))
    return render("accommodations/request_form.html", form=form, client=item.client, item=item)


@bp.route("/accommodations/<int:request_id>/send", methods=["GET", "POST"])
@form_view
def send_request(request_id: int):
    """Make a sign-off link for the employer: emailed, shown as a QR code, or copied."""
    item = acc.get_request_for(current_user, request_id)
    if not item.is_open:
        flash("This request is already decided or withdrawn.", "error")
        return _to_request(item.id)
    if not item.client.may_be_named_to_employers:
        flash(acc.not_disclosed(item), "error")
        return _to_request(item.id)
    if request.method == "GET":
        audit_view("accommodation", item.id)
    # Not obj=item: the request's own idempotency key would fill the form's new one.
    form = SendForm(contact_name=item.contact_name, contact_email=item.contact_email)
    if form.validate_on_submit() and (base := signing.link_base(form, "Sign-off link")):
        sent = acc.send_link(item, current_user, form, base)
        if sent is None:  # a retried or double-tapped send
            flash(ALREADY_SENT, "info")
            return _to_request(item.id)
        db.session.commit()
        link, url = sent  # the token in the URL is shown on this answer only
        return signing.link_ready_page(
            link,
            url,
            form.how.data,
            who="The employer",
            label="Sign-off link",
            field_id="signoff-url",
            done_url=url_for("accommodations.view_request", request_id=item.id),
        )
    return render("accommodations/send.html", form=form, item=item)


def _simple_action(request_id: int, action) -> object:
    item = acc.get_request_for(current_user, request_id)
    if ActionForm().validate_on_submit():
        action(item)
        db.session.commit()
    return _to_request(item.id)


@bp.route("/accommodations/<int:request_id>/revoke", methods=["POST"])
def revoke(request_id: int):
    """Stop the open link from working."""

    def do(item):
        if acc.revoke_link(item, current_user.id):
            flash("The link no longer works.", "success")

    return _simple_action(request_id, do)


@bp.route("/accommodations/<int:request_id>/withdraw", methods=["POST"])
def withdraw(request_id: int):
    """Withdraw the request (the client no longer wants it)."""

    def do(item):
        if item.is_open and not acc.withdraw(item, current_user.id):
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
    return _to_request(item.id)


@bp.route("/accommodations/<int:request_id>/follow-up", methods=["POST"])
@form_view
def follow_up(request_id: int):
    """Record whether the accommodation works, one to two weeks in."""
    item = acc.get_request_for(current_user, request_id)
    form = FollowUpForm()
    if item.implemented_on and form.validate_on_submit():
        acc.record_follow_up(item, form.result.data, form.notes.data, current_user.id)
        db.session.commit()
        return saved_redirect(url_for("accommodations.view_request", request_id=item.id))
    flash("Pick whether it works.", "error")
    return _to_request(item.id)


@bp.route("/accommodations/records/<int:signature_id>")
def signed_record(signature_id: int):
    """The signed record, for print: the document, the decision and the audit trail."""
    signature = acc.get_signature_for(current_user, signature_id)
    audit_view("signature", signature.id)
    return render(
        "accommodations/record.html",
        signature=signature,
        item=signature.request,
        events=acc.record_events(signature),
        verified=signing.verify(signature),
        link=signature.link,
        expires=signing.expiry_text(signature.link),
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
