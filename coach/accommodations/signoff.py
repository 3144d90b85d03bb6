"""The employer's side: a capability link, no account, one decision (coach.signing)."""

from flask import current_app, render_template, request

from coach import signing
from coach.accommodations import bp
from coach.accommodations import services as acc
from coach.accommodations.forms import SignForm
from coach.audit.services import record_event
from coach.extensions import db, limiter
from coach.timeutil import utcnow
from coach.web import client_ip, form_view, public


@bp.after_app_request
def no_trace_on_signoff(response):
    # Also for answers the view never made: a 429 from the rate limiter, a 400, a 500.
    if request.endpoint == "accommodations.sign":
        signing.no_trace(response)
    return response


def _rate() -> str:
    return current_app.config["SIGNOFF_RATE_LIMIT"]


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(_rate)
@signing.private_page
@public
@form_view
def sign(token: str):
    """Read the request and decide. A GET only notes that the link was opened."""
    link = acc.find_link(token)
    state = signing.link_state(link, utcnow())
    if state != "active":
        return signing.link_state_page(state)
    form = SignForm()
    if request.method != "POST":  # a GET (or a HEAD): opened, nothing decided
        signing.note_opened(link, "signoff_link")
        db.session.commit()
    elif form.validate_on_submit():
        signature = acc.record_decision(
            link,
            form.decision.data,
            form.comment.data,
            form.signer_name.data,
            form.signer_title.data,
            ip=client_ip(),
            user_agent=request.user_agent.string,
        )
        if signature is None:  # decided a moment ago by another tap or device
            return signing.link_state_page("used")
        db.session.commit()
        return render_template("accommodations/signed.html", signature=signature)
    else:  # the document shown again, with the form's problems: a view too
        record_event("view", "signoff_link", link.id, "document shown again to fix the form")
        db.session.commit()
    return render_template(
        "accommodations/sign.html",
        link=link,
        form=form,
        consent_text=signing.CONSENT_TEXT,
        expires=signing.expiry_text(link),
    )
