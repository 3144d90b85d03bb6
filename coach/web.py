"""Small helpers shared by every blueprint: htmx-aware rendering and redirects."""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.templating import Environment
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from coach.extensions import db


class PlainGlobalsEnvironment(Environment):
    """Flask's Jinja environment, with each template's globals in one plain dict.

    Jinja layers a template's globals over the environment's in a ChainMap, and every
    render, include and import walks that ChainMap key by key in Python: 20 µs each,
    and a page has half a dozen (pallets/jinja#2185 would fix it upstream). Jinja asks
    that globals be set before the first template is loaded, and ours all are (in
    create_app), so a copy made at loading time holds them all.
    """

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


MILEAGE_TAB = {
    "mileage.trips",
    "mileage.new_trip",
    "mileage.edit_trip",
    "mileage.monthly_log",
    "mileage.submit",
}
MORE_TAB = {
    "auth.menu",
    "auth.change_password",
    "mileage.review",
    "mileage.export",
    "mileage.rates",
}
MORE_TAB_AREAS = {"admin", "audit", "employers", "accommodations"}


def current_tab(endpoint: str | None) -> str:
    """The main tab a page belongs to, marked aria-current; '' for none."""
    endpoint = endpoint or ""
    area = endpoint.split(".")[0]
    if area == "clients":
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


def render(template: str, fragment: str | None = None, **context) -> str:
    """The whole page, or only `fragment` when htmx asks for a piece of it."""
    if fragment and is_htmx():
        return render_template(fragment, **context)
    return render_template(template, **context)


@dataclass
class Page:
    """One page of a long list, with what the pager shows."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(count: sa.Select, items: sa.Select, values: dict, page: int, per_page: int) -> Page:
    """Page `page` of `items` (a statement with bound `limit` and `offset`) and the total
    from `count`, both reused statements (extensions.reusable) run with `values`.

    A first page that is not full is the whole list, so it needs no count."""
    page = max(1, page)
    rows = db.session.scalars(
        items, {**values, "limit": per_page, "offset": (page - 1) * per_page}
    ).all()
    if page == 1 and len(rows) < per_page:
        return Page(rows, len(rows), page, per_page)
    return Page(rows, db.session.scalar(count, values), page, per_page)


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


def search_pattern(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere (use with escape="\\")."""
    text = "".join(c for c in text.strip() if c.isprintable())
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def refuse_nul_bytes():
    """No text field has a use for NUL, and PostgreSQL refuses to store it: answer 400."""
    for values in (request.args, request.form):
        if any("\x00" in value for value in values.values()):
            abort(400)


def client_ip() -> str:
    return request.remote_addr or ""


class UrlPattern:
    """url_for(endpoint, name=N, **values) for each N of a long list, built once.

    A list with a link or a form per row would call url_for for every row; at 7-10 µs
    a call, fifty rows cost half a millisecond. The URL is built once with a marker
    for N, and each row only puts its number in.
    """

    def __init__(self, endpoint: str, name: str, **values) -> None:
        url = url_for(endpoint, **{name: MAX_ID}, **values)
        self.head, marker, self.tail = url.partition(str(MAX_ID))
        if not marker or str(MAX_ID) in self.tail:
            raise ValueError(f"{endpoint}: {name} is not one plain number in {url}")

    def __call__(self, number: int) -> str:
        return f"{self.head}{int(number)}{self.tail}"


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
