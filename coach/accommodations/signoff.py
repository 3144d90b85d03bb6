"""The employer's side: a capability link, no account, one decision."""

from functools import wraps

from flask import current_app, make_response, render_template, request

from coach.accommodations import bp
from coach.accommodations import services as acc
from coach.accommodations.forms import SignForm
from coach.audit.services import record_event
from coach.extensions import db, limiter
from coach.timeutil import utcnow
from coach.web import client_ip, form_view, public

STATE_MESSAGES = {
    "expired": "This link has expired. Ask the employment specialist for a new one.",
    "revoked": "This link was withdrawn or replaced by a newer one. Use the most recent link "
    "you were sent, or ask the employment specialist.",
    "used": "A decision was already recorded with this link. Thank you.",
}


def no_trace(response):
    """Pages under a capability URL: never cached, indexed or leaked through Referer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.after_app_request
def no_trace_on_signoff(response):
    # Also for answers the view never made: a 429 from the rate limiter, a 400, a 500.
    if request.endpoint == "accommodations.sign":
        no_trace(response)
    return response


def private_page(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        return no_trace(make_response(view(*args, **kwargs)))

    return wrapped


def _rate() -> str:
    return current_app.config["SIGNOFF_RATE_LIMIT"]


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(_rate)
@private_page
@public
@form_view
def sign(token: str):
    """Read the request and decide. A GET only notes that the link was opened."""
    link = acc.find_link(token)
    if link is None:
        return render_template(
            "accommodations/sign_state.html", state="unknown", message="This link is not valid."
        ), 404
    state = link.state(utcnow())
    if state != "active":
        return render_template(
            "accommodations/sign_state.html", state=state, message=STATE_MESSAGES[state]
        ), 410
    form = SignForm()
    if request.method == "GET":
        # A mail scanner opens links too: a GET says the link was opened, not by whom.
        if link.first_viewed_at is None:
            link.first_viewed_at = utcnow()
        record_event("view", "signoff_link", link.id, "link opened (possibly by a mail scanner)")
        db.session.commit()
    elif form.validate_on_submit():
        signature = acc.record_decision(link, form, client_ip(), request.user_agent.string)
        if signature is None:  # decided a moment ago by another tap or device
            return render_template(
                "accommodations/sign_state.html", state="used", message=STATE_MESSAGES["used"]
            ), 410
        record_event(
            "sign",
            "accommodation",
            link.request_id,
            f"{signature.decision} by {signature.signer_name}",
        )
        db.session.commit()
        return render_template("accommodations/signed.html", signature=signature)
    return render_template(
        "accommodations/sign.html",
        link=link,
        form=form,
        consent_text=acc.CONSENT_TEXT,
        expires=acc.expiry_text(link),
    )
