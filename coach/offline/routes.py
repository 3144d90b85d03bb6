import hashlib

from flask import current_app, jsonify, render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from coach.offline import bp
from coach.offline.services import mark_for_the_worker, user_key
from coach.web import public

bp.after_app_request(mark_for_the_worker)

SHELL = ["app.css", "app.js", "offline.js", "htmx-2.0.11.min.js", "icon.svg"]


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, from the root so its scope is the whole app; never cached."""
    static_url = current_app.jinja_env.globals["static_url"]
    shell = [static_url(name) for name in SHELL]
    body = render_template(
        "offline/sw.js",
        shell_urls=shell,
        # A new shell (any file changed) is a new worker, which keeps the new files.
        version=hashlib.sha256(" ".join(shell).encode()).hexdigest()[:12],
        max_age_ms=int(current_app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() * 1000),
    )
    headers = {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache"}
    return body, 200, headers


@bp.route("/outbox/session")
def outbox_session():
    """Before the outbox sends: a fresh CSRF token and whose session this is.

    An expired session is sent to log in instead (require_login), which the outbox
    reads as "log in again, then it is sent"."""
    return jsonify(csrf=generate_csrf(), user=user_key(current_user))
