"""Log a call, a text, an email or a meeting with or about a client."""

from flask import flash, request, url_for
from flask_login import current_user

from coach.clients.services import client_choices, get_client_for
from coach.contacts import bp
from coach.contacts.forms import ContactForm
from coach.contacts.services import log_contact
from coach.forms import options
from coach.models import CONTACT_KINDS, DIRECTIONS
from coach.web import form_view, id_arg, render, saved_redirect


def _prefill(form: ContactForm) -> None:
    """From the client page (`?client=`) or a Today item (`?client=&direction=out`,
    `&employer=1` after a job problem or loss)."""
    if client_id := id_arg("client"):
        form.client_id.data = get_client_for(current_user, client_id).id
    if request.args.get("kind") in CONTACT_KINDS:
        form.kind.data = request.args["kind"]
    if request.args.get("direction") in DIRECTIONS:
        form.direction.data = request.args["direction"]
    form.with_employer.data = request.args.get("employer") == "1"


def _back_to() -> tuple[str, str]:
    """Where the form was opened from: the client's page, or Today."""
    client_id = id_arg("client")
    if client_id and request.args.get("back") != "today":
        return url_for("clients.view_client", client_id=client_id), "Client"
    return url_for("today.today"), "Today"


@bp.route("/new", methods=["GET", "POST"])
@form_view
def new_contact():
    """Log a contact that is not a visit: which client, how, who reached out."""
    form = ContactForm()
    form.client_id.choices = options(client_choices(current_user))
    if request.method == "GET":
        _prefill(form)
    if form.validate_on_submit():
        client = get_client_for(current_user, form.client_id.data)
        contact, _ = log_contact(
            current_user,
            client,
            form.idempotency_key.data,
            kind=form.kind.data,
            direction=form.direction.data,
            happened_at=form.moment(),
            family_permission=form.family_permission.data,
            with_employer=form.with_employer.data,
            reached=not (form.no_answer.data and form.direction.data == "out"),
            note=form.note.data or "",
        )
        flash(f"{contact.kind_label} logged{'' if contact.reached else ' (no answer)'}.", "success")
        back = "today.today" if request.args.get("back") == "today" else None
        target = url_for(back) if back else url_for("clients.view_client", client_id=client.id)
        return saved_redirect(target)
    return render("contacts/contact_form.html", form=form, back_to=_back_to())
