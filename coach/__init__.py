"""Coach: a mobile web app for job coaches."""

import importlib
import json
import logging
import os
import uuid
from contextlib import suppress

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from coach import config
from coach.extensions import compress, csrf, db, limiter, login_manager, migrate
from coach.logs import keep_tokens_out_of
from coach.web import (
    BoundedIntConverter,
    current_tab,
    link_args,
    read_chunked_body_whole,
    refuse_nul_bytes,
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedIntConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config.settings(app.instance_path))
    if test_config:
        app.config.update(test_config)
    # Error lines name the path; a sign-off path carries its token (coach/logs.py).
    keep_tokens_out_of(app.logger, logging.getLogger("werkzeug"))
    # INFO lines (development mail) show under gunicorn, whose default level is above them.
    if not app.logger.level:
        app.logger.setLevel(logging.INFO)
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    register_extensions(app)
    register_blueprints(app)
    # Session and login checks run before the CSRF check, so an expired session
    # is sent to log in (and back) instead of getting a bare CSRF error.
    register_request_hooks(app)
    csrf.init_app(app)
    limiter.init_app(app)
    register_template_helpers(app)
    register_static_cache(app)
    if app.config.get("QUERY_COUNT_HEADER"):
        register_query_count_header(app)

    from coach.errors import register_error_handlers

    register_error_handlers(app)

    from coach.cli import register_cli

    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = with_lock_wait(app.config)
    db.init_app(app)
    migrate.init_app(app, db)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    # We check idle and absolute session age ourselves (auth.session_is_fresh).
    login_manager.session_protection = "basic"

    from coach.auth.sessions import load_session_user

    @login_manager.user_loader
    def load_user(user_id: str):
        # Only while the session's row is open: a copied cookie stops working once
        # the session is ended (log out, password change, deactivation, "end session").
        return load_session_user(int(user_id))

    from coach.billing import months
    from coach.clients import pay_columns
    from coach.milestones import kept as milestone_reaches
    from coach.outcomes import firsts
    from coach.today import kept
    from coach.visits import days

    kept.start_keeping(db.session)  # Today's items are written with the records they come from
    days.start_keeping(db.session)  # so are the agency's visits summed per day
    months.start_keeping(db.session)  # and per client and month for billing
    pay_columns.start_keeping(db.session)  # and a job's first wage
    firsts.start_keeping(db.session)  # and then a client's first contact, start and wage
    milestone_reaches.start_keeping(db.session)  # and the day each job reaches a milestone

    with app.app_context():
        # Registered once per engine: a test run reuses one engine across its apps.
        if db.engine.dialect.name == "sqlite":
            create_private_file(db.engine.url.database)
            if not sa.event.contains(db.engine, "connect", _sqlite_pragmas):
                from coach.audit.services import full_sync_on_return

                sa.event.listen(db.engine, "connect", _sqlite_pragmas)
                sa.event.listen(db.engine, "checkin", full_sync_on_return)


def with_lock_wait(config: dict) -> dict:
    """The engine's options, with how long a statement waits for a lock held by
    another connection before giving up (a plain 503, coach/errors.py): SQLite's busy
    timeout, PostgreSQL's lock_timeout, both set when each connection opens.

    PostgreSQL's JIT compiler is off: it compiles a statement whose estimated cost is
    high, and the app's statements read few rows. The outcomes page at XL (1,000
    coaches) spent 1.45 s compiling its pay figures' statement, which runs in 0.12 s."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    backend = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend == "sqlite":
        connect_args.setdefault("timeout", int(config["SQLITE_BUSY_TIMEOUT_MS"]) / 1000)
    elif backend == "postgresql":
        lock_ms = int(config["POSTGRES_LOCK_TIMEOUT_MS"])
        connect_args.setdefault("options", f"-c lock_timeout={lock_ms:d} -c jit=off")
    return {**options, "connect_args": connect_args}


def create_private_file(path: str | None) -> None:
    """Create a SQLite database file readable by its owner only (0600), as the secret key.

    SQLite would create it with the umask's mode (usually 0644, readable by every local
    user); it gives the -wal and -shm files beside it the database's own mode.
    """
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Durable, concurrent SQLite: WAL, full sync, foreign keys (the lock wait is a
    connect argument: with_lock_wait)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 32 MB of pages kept per connection (SQLite's default is 2 MB): a page reading
    # thousands of rows, as outcomes does, re-read them from the OS each time. Outcomes
    # at L: 40.7 → 32.5 ms of CPU a request, a coach's 21.8 → 15.6 (docs/performance.md).
    cursor.execute("PRAGMA cache_size=-32000")
    cursor.close()


# Each area's package only names its blueprint; these modules add its views to it when
# imported (by create_app), so importing an area's services never pulls in views.
AREAS = {
    "auth": ["routes", "account"],
    "admin": ["routes"],
    "clients": ["routes", "events", "jobs"],
    "employers": ["routes"],
    "jobdev": ["routes"],
    "visits": ["routes"],
    "tasks": ["routes", "library"],
    "accommodations": ["routes", "signoff"],
    "mileage": ["routes", "review"],
    "leads": ["routes", "log"],
    "audit": ["routes"],
    "today": ["routes"],
    "contacts": ["routes"],
    "plans": ["routes"],
    "profile": ["routes"],
    "billing": ["routes", "export"],
    "support": ["routes"],
    "notereview": ["routes"],
    "milestones": ["routes"],
    "reports": ["routes", "shared"],
    "outcomes": ["routes"],
    "offline": ["routes"],
}


def register_blueprints(app: Flask) -> None:
    for area, view_modules in AREAS.items():
        for name in view_modules:
            importlib.import_module(f"coach.{area}.{name}")
        app.register_blueprint(importlib.import_module(f"coach.{area}").bp)


def register_request_hooks(app: Flask) -> None:
    from coach.auth.services import enforce_session_lifetime, require_login

    app.before_request(read_chunked_body_whole)  # before anything reads the form
    app.before_request(refuse_nul_bytes)
    app.before_request(enforce_session_lifetime)
    app.before_request(require_login)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'; worker-src 'self'",
        )
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=()")
        response.vary.add("HX-Request")
        if request.is_secure or app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if session.get("_user_id"):
            # Pages about people are never kept in shared caches or the back-forward cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_template_helpers(app: Flask) -> None:
    from coach.agency import current_agency
    from coach.models import NOTE_SECTIONS, PROMPT_LEVELS, REVIEW_STATUSES
    from coach.offline.services import user_key
    from coach.timeutil import DATE_TIME, format_date, format_local

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["agency"] = current_agency
    app.jinja_env.filters["localtime"] = lambda v, fmt=DATE_TIME: format_local(
        v, current_agency().timezone, fmt
    )
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["fromjson"] = json.loads
    app.jinja_env.globals["note_sections"] = NOTE_SECTIONS
    app.jinja_env.globals["review_statuses"] = REVIEW_STATUSES
    app.jinja_env.globals["new_key"] = lambda: uuid.uuid4().hex
    app.jinja_env.globals["link_args"] = link_args
    app.jinja_env.globals["csrf_input"] = csrf_input
    app.jinja_env.globals["prompt_levels"] = PROMPT_LEVELS
    app.jinja_env.globals["current_tab"] = current_tab
    app.jinja_env.globals["user_key"] = user_key
    app.jinja_env.filters["money"] = lambda v: "" if v is None else f"${v:,.2f}"
    app.jinja_env.filters["hours"] = lambda tenths: f"{tenths / 10:g} h"  # hours kept in tenths
    app.jinja_env.filters["number"] = lambda n: f"{n:,}"  # 35795 → 35,795
    app.jinja_env.filters["minutes_as_hours"] = lambda m: f"{m / 60:,.1f} h"


def csrf_input() -> Markup:
    """This session's CSRF token as a hidden input, for a list's small action forms
    (without an id, so fifty of them on a page stay valid HTML)."""
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    return Markup('<input type="hidden" name="{}" value="{}">').format(name, generate_csrf())


def register_static_cache(app: Flask) -> None:
    """Static URLs carry a hash of the file's content, so browsers may keep them a year."""
    import hashlib

    from flask import url_for

    digests: dict[str, str] = {}  # the files do not change while the app runs

    def static_url(filename: str) -> str:
        if filename not in digests:
            with open(os.path.join(app.static_folder, filename), "rb") as f:
                digests[filename] = hashlib.sha256(f.read()).hexdigest()[:12]
        return url_for("static", filename=filename, v=digests[filename])

    app.jinja_env.globals["static_url"] = static_url
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 365 * 24 * 3600

    @app.after_request
    def buffer_static(response):
        # Our static files are small: read them into the response so Flask-Compress
        # gzips them whole (its streaming path leaves the file handle open).
        if request.endpoint == "static" and response.direct_passthrough:
            response.direct_passthrough = False
            response.make_sequence()
        return response


def _count_query(conn, cursor, statement, *args) -> None:
    from flask import has_request_context

    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1


def register_query_count_header(app: Flask) -> None:
    """For `make bench`: every response says how many SQL statements it cost."""
    with app.app_context():
        if not sa.event.contains(db.engine, "before_cursor_execute", _count_query):
            sa.event.listen(db.engine, "before_cursor_execute", _count_query)

    @app.after_request
    def header(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
