"""What the service worker may keep on the phone, and whose it is.

The server decides: a page is kept only when its response carries `X-Coach-Keep`
(the viewer's opaque key), which is sent for the few pages a coach needs without
signal. Sign-off (/s/) and report (/r/) pages, fragments and writes never carry it.
The login and logout answers carry `X-Coach-Clear`: the worker then drops every kept
page (after logout, and after the session limit sends the phone to log in).
"""

import hashlib
import hmac

from flask import current_app, request
from flask_login import current_user

from coach.web import is_htmx

# Pages a coach opens at a job site: Today, the caseload, a client (and the note form
# of a visit started there without signal), a checklist run, and the forms whose saves
# go to the outbox without signal.
KEPT_PAGES = {
    "today.today",
    "clients.caseload",
    "clients.view_client",
    "visits.pending_form",
    "tasks.view_run",
    "mileage.new_trip",
    "jobdev.new_contact",
    "contacts.new_contact",
}
CLEARING_PAGES = {"auth.login", "auth.logout"}


def user_key(user) -> str:
    """An opaque key per user (not their id), naming whose kept pages and outbox are whose."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"kept-pages:{user.id}".encode(), hashlib.sha256).hexdigest()[:24]


def may_keep(response) -> bool:
    """A whole page of the kept list, shown to a logged-in user, answered 200."""
    return (
        request.method == "GET"
        and request.endpoint in KEPT_PAGES
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not is_htmx()
        and current_user.is_authenticated
    )


def mark_for_the_worker(response):
    """Tell the service worker to keep this page for this user, or to drop every page."""
    if request.endpoint in CLEARING_PAGES:
        response.headers["X-Coach-Clear"] = "pages"
    elif may_keep(response):
        response.headers["X-Coach-Keep"] = user_key(current_user)
    return response
