"""Small helpers shared by every blueprint: htmx-aware rendering and redirects."""

import inspect
from collections.abc import Callable
from functools import wraps

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
)
from flask_login import current_user
from werkzeug.routing import IntegerConverter

MILEAGE_TAB = {
    "mileage.trips",
    "mileage.new_trip",
    "mileage.edit_trip",
    "mileage.monthly_log",
    "mileage.submit",
}
# Pages of other areas opened from the client page.
CLIENT_PAGES = {"billing.new_authorization", "billing.edit_authorization"}
MORE_TAB = {
    "auth.menu",
    "auth.change_password",
    "mileage.review",
    "mileage.export",
    "mileage.rates",
    "reports.review",
    "notereview.queue",
    "notereview.return_note",
}
MORE_TAB_AREAS = {
    "admin",
    "audit",
    "employers",
    "accommodations",
    "jobdev",
    "leads",
    "billing",
    "milestones",
    "outcomes",
}


def current_tab(endpoint: str | None) -> str:
    """The main tab a page belongs to, marked aria-current; '' for none."""
    endpoint = endpoint or ""
    area = endpoint.split(".")[0]
    if area == "today":
        return "today"
    if area in ("clients", "profile", "reports") and endpoint != "reports.review":
        return "caseload"
    if endpoint in CLIENT_PAGES:
        return "caseload"
    if area == "visits":
        return "visits"
    if endpoint in MILEAGE_TAB:
        return "mileage"
    if endpoint in MORE_TAB or area in MORE_TAB_AREAS:
        return "more"
    return ""


def is_htmx() -> bool:
    """True for htmx requests that want a fragment (boosted ones want the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def render(template: str, fragment: str | None = None, /, **context) -> str:
    """The whole page, or only `fragment` when htmx asks for a piece of it.

    Positional-only, so a page may pass a variable named `template` (the task library)."""
    if fragment and is_htmx():
        return render_template(fragment, **context)
    return render_template(template, **context)


def redirect_to(url: str) -> Response:
    """A redirect that also works for htmx requests that swap a fragment."""
    if is_htmx():
        return Response(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def saved_redirect(url: str) -> Response:
    """After a form is saved: redirect, and tell the browser to drop its draft of it.

    Forms keep drafts under their own path (`data-draft-key="{{ request.path }}"`);
    the flashed marker reaches the next page, where app.js clears that draft.
    """
    flash(request.path, "draft-saved")
    return redirect_to(url)


# Views anyone may open without logging in (login, first run, health check).
PUBLIC_VIEWS: set[str] = set()


def _name(view: Callable) -> str:
    inner = inspect.unwrap(view)
    return f"{inner.__module__}.{inner.__qualname__}"


def public(view: Callable) -> Callable:
    """Mark a view that needs no login; every other view does."""
    PUBLIC_VIEWS.add(_name(view))
    return view


def endpoint_is(marked: set[str]) -> bool:
    """Whether the view for this request carries a marker (public, form_view)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and _name(view) in marked


# Views whose form is re-rendered with the typed values when its CSRF token has expired.
FORM_VIEWS: set[str] = set()


def form_view(view: Callable) -> Callable:
    """Mark a view that validates a FlaskForm and re-renders it on failure.

    Only such views are re-run after a CSRF failure: their form then fails
    validation too, so nothing changes and the coach gets their text back.
    """
    FORM_VIEWS.add(_name(view))
    return view


def roles_required(*roles: str) -> Callable:
    """Restrict a view to some roles; everyone else gets a 404 (nothing to see here)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


MAX_ID = 2**31 - 1  # the largest id any database column here holds


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in URLs, refusing numbers no row can have (they would crash the query)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, default: int | None = None) -> int | None:
    """A positive integer query argument, or `default` when absent, malformed or too big."""
    value = request.args.get(name, type=int)
    if value is None or not 0 < value <= MAX_ID:
        return default
    return value


def id_arg(name: str) -> int | None:
    """A query argument naming a record: None when absent; an id no row can have
    (not a number, below 1, beyond MAX_ID) is an unknown record, 404."""
    value = request.args.get(name, "")
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID):
        abort(404)
    return int(value)


def search_pattern(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere (use with escape="\\")."""
    text = "".join(c for c in text.strip() if c.isprintable())
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def read_chunked_body_whole():
    """A body sent in chunks (no Content-Length) is read whole here, or refused.

    Werkzeug reads such a body only when the server says it ends the stream itself
    (`wsgi.input_terminated`: gunicorn, werkzeug's server); otherwise the form comes out
    empty, so it is refused with 411. And it stops reading silently at
    MAX_CONTENT_LENGTH, so a form past the cap would lose its last fields and could
    still save: a body that reaches the cap is refused with 413.
    """
    if request.content_length is not None:
        return
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    if not request.environ.get("wsgi.input_terminated"):
        abort(411)
    body = request.get_data(cache=True)  # request.form parses this copy
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and len(body) >= limit:
        abort(413)


def refuse_nul_bytes():
    """No text field has a use for NUL, and PostgreSQL refuses to store it: answer 400."""
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            abort(400)


def client_ip() -> str:
    return request.remote_addr or ""


def link_args(drop: tuple[str, ...] = (), **updates) -> dict:
    """This page's query string, for links to the same list (pages, filters).

    Names url_for() reserves (`endpoint`, `_external`, `_method`…) are left out:
    passed through from a visitor's URL they would crash the link or bend it.
    """
    args = {
        k: v
        for k, v in request.args.items()
        if k != "endpoint" and not k.startswith("_") and k not in drop
    }
    args.update(updates)
    return args
