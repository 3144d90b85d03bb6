"""Error pages: plain, styled, never a stack trace."""

from contextlib import suppress

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from coach.extensions import db
from coach.web import FORM_VIEWS, endpoint_is, is_htmx

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, reload the page and try again."),
    403: ("Not allowed", "Your account cannot do that."),
    404: ("Not found", "There is nothing here, or it is not on your caseload."),
    405: ("Not allowed", "That page cannot be used that way."),
    411: ("Length required", "Send this again; it must say how long it is (no chunked body)."),
    413: ("Too large", "What you sent is larger than this app accepts."),
    429: ("Too many tries", "Wait a few minutes, then try again."),
    500: (
        "Something went wrong on our side",
        "Nothing you typed was saved twice. "
        "Go back and try again; if it keeps happening, tell your administrator.",
    ),
}


def error_page(status: int):
    title, detail = MESSAGES.get(status, MESSAGES[500])
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, detail=detail), status


# Seconds a phone (or a proxy) should wait before trying again when the database is away.
RETRY_AFTER = 60


def database_unavailable(error: Exception):
    """A plain 503 while the database is locked, stopped or unreachable.

    The page touches nothing in the database (no agency name, no user), so it can be
    shown while the database is away. htmx requests keep the page as it is (the form
    and what was typed stay on screen) and app.js shows a banner instead.
    """
    with suppress(sa.exc.SQLAlchemyError):  # the connection is gone: nothing to roll back
        db.session.rollback()
    # The driver's message only: the SQL's parameters may hold a client's note.
    reason = getattr(error, "orig", None) or error
    current_app.logger.error(
        "Database unavailable on %s %s: %s", request.method, request.path, reason
    )
    headers = {"Retry-After": str(RETRY_AFTER), "Cache-Control": "no-store"}
    if request.headers.get("HX-Request"):
        headers["HX-Reswap"] = "none"
        template = "errors/_unavailable.html"
    else:
        template = "errors/unavailable.html"
    return render_template(template), 503, headers


def register_error_handlers(app: Flask) -> None:
    # OperationalError: locked or unreachable; TimeoutError: no pooled connection came free.
    app.register_error_handler(sa.exc.OperationalError, database_unavailable)
    app.register_error_handler(sa.exc.TimeoutError, database_unavailable)

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        """An expired form comes back filled in, with a note; anything else is a plain 400."""
        if endpoint_is(FORM_VIEWS):
            view = current_app.view_functions[request.endpoint]
            response = current_app.make_response(view(**(request.view_args or {})))
            if response.status_code == 200:
                response.status_code = 400
            return response
        return error_page(400)

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        """A Host header not in TRUSTED_HOSTS: plain text, as no URL can be built for it."""
        return (
            "Bad request: this server does not answer to that host name.\n",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_page(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_page(InternalServerError.code)
