"""Settings read from the environment, with safe defaults."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def load_secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else a random key kept in instance/.

    The file is created with O_EXCL so that several gunicorn workers starting
    at once agree on one key.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return path.read_text().strip()


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'coach.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def in_development(app) -> bool:
    """make run (DEVELOPMENT=1), the debug server (FLASK_DEBUG=1) and the tests.

    There a sign-off link may use the address the request came to when PUBLIC_BASE_URL
    is not set; anywhere else an emailed link needs PUBLIC_BASE_URL.
    """
    return bool(app.config["DEVELOPMENT"] or app.debug or app.testing)


def trusted_hosts(public_base_url: str, development: bool) -> list[str] | None:
    """Host names the app answers to (Flask's TRUSTED_HOSTS; other Host headers get 400).

    TRUSTED_HOSTS (comma-separated) when set; else PUBLIC_BASE_URL's host, with
    localhost and 127.0.0.1 in development; else None, any host: in development without
    PUBLIC_BASE_URL that lets a phone on the network reach make run by the laptop's address.
    """
    listed = [h.strip() for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    if listed:
        return listed
    host = urlsplit(public_base_url).hostname
    if not host:
        return None
    return [host, "localhost", "127.0.0.1"] if development else [host]


def settings(instance_path: str) -> dict:
    """The app's configuration. Every cookie option is set on purpose."""
    secure = _bool("SESSION_COOKIE_SECURE", False)
    idle = _int("SESSION_IDLE_MINUTES", 30)
    development = _bool("DEVELOPMENT", False) or _bool("FLASK_DEBUG", False)
    public_base_url = os.environ.get("PUBLIC_BASE_URL", "").strip().rstrip("/")
    absolute = _int("SESSION_MAX_HOURS", 12)
    max_body = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)  # bytes in one request
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # How long a SQLite write waits for another writer before giving up (503).
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 5000),
        # The same on PostgreSQL: how long a statement waits for a lock (lock_timeout).
        "POSTGRES_LOCK_TIMEOUT_MS": _int("POSTGRES_LOCK_TIMEOUT_MS", 5000),
        # Sessions: short-lived, cookie not readable from scripts, not sent cross-site.
        # Over HTTPS the __Host- prefix makes browsers refuse the cookie unless it is
        # Secure, for this host only and for the whole path.
        "SESSION_COOKIE_NAME": "__Host-coach_session" if secure else "coach_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute),
        # The server enforces the idle and absolute limits itself and rewrites the cookie
        # once a minute of activity (seen_at), so re-signing it on every response
        # (Flask's default) only costs time: about 0.6 ms a request.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=idle),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=absolute),
        # flask-login's remember-me cookie is never issued; if it ever were, keep it tame.
        "REMEMBER_COOKIE_DURATION": timedelta(hours=absolute),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
        # CSRF tokens live as long as the session; an expired form is re-rendered, not lost.
        "WTF_CSRF_TIME_LIMIT": absolute * 3600,
        "WTF_CSRF_SSL_STRICT": True,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        "MAX_CONTENT_LENGTH": max_body,
        # Flask 3.1 caps one multipart text field at 500 kB with a bare 413; up to the
        # body's cap, the form's own length checks answer beside the field instead.
        "MAX_FORM_MEMORY_SIZE": max_body,
        # Login throttling: per account (in the database, shared by every server)
        # and per address (Flask-Limiter; per worker unless the storage URI is shared).
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # Counted by each gunicorn worker on its own (memory://): make run and the Procfile
        # start 2, so 15 a worker lets one address try at most 30 times a minute.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "15 per minute"),
        # Argon2id, above OWASP's minimum (19 MiB, t=2, p=1).
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
        "ARGON2_PARALLELISM": _int("ARGON2_PARALLELISM", 4),
        "PAGE_SIZE": _int("PAGE_SIZE", 25),
        # Mail: with no MAIL_SERVER, messages go to the log and the admin's outbox page.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "coach@localhost"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        # Mileage: flag a trip whose miles exceed the straight-line distance this many times.
        "MILEAGE_FLAG_FACTOR": float(os.environ.get("MILEAGE_FLAG_FACTOR", "2.5")),
        # Employer sign-off links.
        "SIGNOFF_LINK_DAYS": _int("SIGNOFF_LINK_DAYS", 14),
        "SIGNOFF_RATE_LIMIT": os.environ.get("SIGNOFF_RATE_LIMIT", "30 per minute"),
        # make run sets DEVELOPMENT=1; see in_development().
        "DEVELOPMENT": development,
        # Where links in emails point (e.g. https://coach.example.org). Never the request's
        # Host header outside development: anyone can send any Host.
        "PUBLIC_BASE_URL": public_base_url,
        "TRUSTED_HOSTS": trusted_hosts(public_base_url, development),
        "TRUST_PROXY": _bool("TRUST_PROXY", False),
        "QUERY_COUNT_HEADER": _bool("QUERY_COUNT_HEADER", False),
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "application/javascript",
            "text/javascript",
            "text/csv",
            "image/svg+xml",
        ],
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_MIN_SIZE": 500,
    }
