"""Accounts: password hashing, login throttling, session lifetime, first run."""

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, flash, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from coach.audit.services import record_event
from coach.auth.sessions import end_all_sessions, open_session_record, touch_session
from coach.auth.twofactor import is_required_for, use_recovery_code, verify_totp
from coach.extensions import db
from coach.mail import send_mail
from coach.models import AgencySettings, LoginThrottle, User
from coach.timeutil import utcnow
from coach.web import PUBLIC_VIEWS, endpoint_is, redirect_to

# A hash to check against when the email is unknown, so both paths take as long.
_DUMMY_HASH: dict[tuple, str] = {}


def password_hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalize_email(email: str) -> str:
    return email.strip().lower()


def plausible_email(email: str) -> bool:
    return 0 < len(email) <= 254 and not any(ord(c) < 32 or ord(c) == 127 for c in email)


def looks_like_email(text: str) -> bool:
    """Whether what was typed in the email box is an email address, as the forms check
    every account's email (email_validator, no DNS). What is not is often a password
    typed in the wrong box: it is never kept."""
    if not plausible_email(text):
        return False
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(email: str, name: str, role: str, password: str, **extra) -> User:
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def is_locked_out(email: str, now: datetime | None = None) -> bool:
    row = db.session.get(LoginThrottle, normalize_email(email))
    now = now or utcnow()
    return bool(row and row.locked_until and row.locked_until > now)


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Failures count toward a lockout.

    Unknown emails are counted and hashed like known ones, so neither the
    answer, the lockout nor the timing tells whether an account exists.
    """
    email = normalize_email(email)
    now = utcnow()
    # An account's email always counts, even one made outside the forms (seed scripts).
    user = find_user_by_email(email) if plausible_email(email) else None
    if user is None and not looks_like_email(email):
        # Often a password in the wrong box: neither counted (no account has it, so
        # there is nothing to lock) nor written down.
        check_password(_dummy_hash(), password)
        record_event("login_failed", "user", None, "email: not an email")
        db.session.commit()
        return None
    if is_locked_out(email, now):
        record_event("login_locked", "user", None, f"email={email}")
        db.session.commit()
        return None
    if user is None:
        check_password(_dummy_hash(), password)
    elif user.active and check_password(user.password_hash, password):
        # With two-step login the count is cleared only after the code: else the
        # password alone would reset it between guesses of the code.
        if not user.has_two_factor:
            _clear_failures(email)
        return user
    _register_failure(email, now)
    record_event("login_failed", "user", user.id if user else None, f"email={email}")
    db.session.commit()
    return None


def confirm_current_password(password: str) -> bool:
    """The current password, asked again before a sensitive change.

    Wrong ones count toward the login lockout; reaching it ends the user's
    sessions, so a stolen session cannot go on guessing.
    """
    user = current_user
    if not is_locked_out(user.email) and check_password(user.password_hash, password):
        return True
    _register_failure(user.email, utcnow())
    record_event("password_confirm_failed", "user", user.id)
    if is_locked_out(user.email):
        end_all_sessions(user)
    db.session.commit()
    return False


def change_own_email(email: str) -> bool:
    """Give the current user a new login email; False if another account has it.

    The old address is told, so a change made by someone else does not go unseen.
    """
    user = current_user
    if email == user.email:
        return True
    old = user.email
    user.email = email
    record_event("update", "user", user.id, f"email: {old} → {email}")
    try:
        db.session.commit()
    except IntegrityError:  # taken, possibly a moment ago by another request
        db.session.rollback()
        return False
    send_mail(
        old,
        "Your Coach login email was changed",
        f"The login email of your Coach account ({user.name}) was changed to {email}.\n"
        "If you did not do this, tell your agency's administrator now.",
    )
    db.session.commit()  # the outbox row
    return True


def _clear_failures(email: str) -> None:
    row = db.session.get(LoginThrottle, email)
    if row:
        db.session.delete(row)


SECOND_STEP_SECONDS = 300


def begin_second_step(user: User, target: str) -> None:
    """The password was right; the session remembers who is half logged in, for 5 minutes."""
    session.clear()
    session["second_step_user"] = user.id
    session["second_step_at"] = time.time()
    session["second_step_next"] = target
    db.session.commit()


def pending_second_step_user() -> User | None:
    user_id = session.get("second_step_user")
    started = session.get("second_step_at", 0)
    if not isinstance(user_id, int) or time.time() - started > SECOND_STEP_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if not (user and user.active and user.has_two_factor):
        return None
    # A copy of this half-logged-in cookie is spent once any login of the user completes.
    if user.last_login_at and user.last_login_at.replace(tzinfo=UTC).timestamp() > started:
        return None
    return user


def check_second_step(user: User, code: str) -> str | None:
    """How the login is completed ("password+totp" or "password+recovery code"), or None.

    Wrong codes count toward the same lockout as wrong passwords.
    """
    if is_locked_out(user.email):
        record_event("login_locked", "user", user.id, "second step")
        db.session.commit()
        return None
    if verify_totp(user, code):
        method = "password+totp"
    elif use_recovery_code(user, code):
        method = "password+recovery code"
    else:
        _register_failure(user.email, utcnow())
        record_event("login_failed", "user", user.id, "wrong second-step code")
        db.session.commit()
        return None
    _clear_failures(user.email)
    return method


def _register_failure(email: str, now: datetime) -> None:
    """Count a failure atomically: simultaneous attempts must not overwrite each other."""
    cfg = current_app.config
    window = timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LoginThrottle)
        .values(email=email, failures=0)
        .on_conflict_do_nothing(index_elements=["email"])
    )
    row = LoginThrottle.__table__.c
    db.session.execute(
        sa.update(LoginThrottle)
        .where(row.email == email)
        .values(
            failures=sa.case((row.last_failure_at < now - window, 1), else_=row.failures + 1),
            last_failure_at=now,
        )
    )
    db.session.execute(
        sa.update(LoginThrottle)
        .where(row.email == email, row.failures >= cfg["LOGIN_MAX_FAILURES"])
        .values(locked_until=now + window, failures=0)
    )


def _dummy_hash() -> str:
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not a real password")
    return _DUMMY_HASH[key]


def start_session(user: User, method: str = "password") -> None:
    """Log in on a fresh session: whatever the visitor's cookie held is dropped."""
    session.clear()
    login_user(user, remember=False)
    session.permanent = True
    session["sid"] = open_session_record(user, method)
    now = time.time()
    session["login_at"] = now
    session["seen_at"] = now
    user.last_login_at = utcnow()
    record_event("login", "user", user.id, method, user_id=user.id)
    db.session.commit()


def end_session() -> None:
    """Log out: this session and the user's sessions elsewhere end."""
    if current_user.is_authenticated:
        end_all_sessions(current_user)
        record_event("logout", "user", current_user.id)
        db.session.commit()
    logout_user()
    session.clear()


def require_login():
    """Every view needs a login unless it is marked public; runs before the CSRF check."""
    if request.endpoint is None or request.endpoint == "static" or endpoint_is(PUBLIC_VIEWS):
        return None
    if current_user.is_authenticated:
        return None
    flash("Please log in to continue.", "info")
    return redirect_to(url_for("auth.login", next=_safe_next_target()))


def enforce_session_lifetime():
    """Log out sessions idle too long or older than the absolute limit."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    cfg = current_app.config
    login_at = session.get("login_at", 0)
    seen_at = session.get("seen_at", 0)
    if (
        now - login_at > cfg["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
        or now - seen_at > cfg["SESSION_IDLE_TIMEOUT"].total_seconds()
        or max(login_at, seen_at) > now + 60  # a clock from the future: not one of ours
    ):
        logout_user()
        session.clear()
        flash("Your session timed out. Please log in again.", "info")
        return redirect_to(url_for("auth.login", next=_safe_next_target()))
    # Only write the cookie and the session row once a minute, not on every request.
    if now - seen_at > 60:
        session["seen_at"] = now
        touch_session(utcnow())
    if current_user.must_change_password:
        if request.endpoint in ("auth.change_password", "auth.logout"):
            return None
        return redirect_to(url_for("auth.change_password"))
    if (
        not current_user.has_two_factor
        and request.endpoint not in ("auth.two_factor", "auth.logout")
        and is_required_for(current_user)
    ):
        flash("Your agency asks everyone in your role to set up two-step login.", "info")
        return redirect_to(url_for("auth.two_factor"))
    return None


def _safe_next_target() -> str | None:
    """Where to come back to after logging in again: this page, if it is a page."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and is_safe_next(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: never send someone elsewhere after login.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash,
    so `/\t/evil.example` would become `//evil.example`: any of them is refused.
    """
    if not target or not target.startswith("/"):
        return False
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not target.startswith("//")


def needs_first_run() -> bool:
    settings = db.session.get(AgencySettings, 1)
    return not (settings and settings.setup_complete)


def claim_first_run() -> bool:
    """Atomically mark setup done; only the first caller gets True."""
    if db.session.get(AgencySettings, 1) is None:
        db.session.add(AgencySettings(id=1))
        db.session.flush()
    result = db.session.execute(
        sa.update(AgencySettings)
        .where(AgencySettings.id == 1, AgencySettings.setup_complete.is_(False))
        .values(setup_complete=True)
    )
    return result.rowcount == 1
