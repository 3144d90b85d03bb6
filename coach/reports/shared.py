"""The counsellor's side: a read-only capability link to one approved version, no account
(coach.signing's link: hashed token, expiry, revocable; a GET only notes the opening)."""

from flask import current_app, render_template, request

from coach import signing
from coach.extensions import db, limiter
from coach.reports import bp
from coach.reports import services as rs
from coach.timeutil import utcnow
from coach.web import public


@bp.after_app_request
def no_trace_on_shared_report(response):
    # Also for answers the view never made: a 429 from the rate limiter, a 400, a 500.
    if request.endpoint == "reports.shared":
        signing.no_trace(response)
    return response


def _rate() -> str:
    return current_app.config["SIGNOFF_RATE_LIMIT"]


@bp.route("/r/<share_token>")
@limiter.limit(_rate)
@signing.private_page
@public
def shared(share_token: str):
    """The one version the link names, to read and print; nothing else."""
    link = rs.find_link(share_token)
    state = signing.link_state(link, utcnow())
    if state != "active":
        return signing.link_state_page(state)
    version = rs.shared_version(link)
    signing.note_opened(link, "report_link")
    db.session.commit()
    figures = rs.figures_of(version)
    return render_template(
        "reports/shared.html",
        version=version,
        f=figures,
        charts=rs.task_charts(figures),
        expires=signing.expiry_text(link),
    )
