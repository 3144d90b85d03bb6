"""Server-side session records: what lets a user or an admin end a session.

The signed cookie holds a random key; the database holds only its SHA-256.
A session is open while its row has no `ended_at` and it is within the idle
and absolute limits.
"""

import re
import secrets
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app, g, request, session

from coach.extensions import db
from coach.models import AgencySettings, User, UserSession
from coach.signing import sha256_hex
from coach.timeutil import utcnow

KEEP_OLD_SESSIONS = timedelta(days=30)


def open_session_record(user: User, method: str) -> str:
    """A new session row for this device; returns the key for the cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    # Rows of sessions long over are no use to anyone (the audit log keeps the logins).
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < now - KEEP_OLD_SESSIONS
        )
    )
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=sha256_hex(key),
            created_at=now,
            last_seen_at=now,
            ip=(request.remote_addr or "")[:45],
            user_agent=request.headers.get("User-Agent", "")[:300],
            method=method,
        )
    )
    return key


@cache
def session_user_statement() -> sa.Select:
    """Built once, with the user and the key as parameters: it runs on every page, and
    building it each time was a tenth of a light page's instructions (docs/performance.md,
    fourteenth session). It holds no data: tests/test_auth.py has two people signed in at once."""
    return (
        sa.select(User, UserSession.id, AgencySettings)
        .join(UserSession, UserSession.user_id == User.id)
        .outerjoin(AgencySettings, AgencySettings.id == 1)
        .where(
            User.id == sa.bindparam("user_id"),
            User.active.is_(True),
            UserSession.key_hash == sa.bindparam("key_hash"),
            UserSession.ended_at.is_(None),
        )
    )


def load_session_user(user_id: int) -> User | None:
    """The user of this cookie, if its session row is still open (one query)."""
    key = session.get("sid")
    if not isinstance(key, str):
        return None
    # The agency's settings ride along: every page needs them (its name, time zone,
    # two-step policy), and a query of their own would cost more than a health check.
    row = db.session.execute(
        session_user_statement(), {"user_id": user_id, "key_hash": sha256_hex(key)}
    ).first()
    if row is None:
        return None
    user, g.session_id, agency = row
    if agency is not None:
        g.agency = agency
    return user


def current_session_id() -> int | None:
    return g.get("session_id")


def touch_session(now: datetime) -> None:
    """Note that the session is in use (once a minute, from the lifetime check)."""
    if session_id := current_session_id():
        db.session.execute(
            sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
        )
        db.session.commit()


def end_all_sessions(user: User, keep: int | None = None) -> int:
    """End every open session of this user, on every device, except `keep`."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query.values(ended_at=utcnow())).rowcount


def end_one_session(user: User, session_id: int) -> bool:
    """End one of the user's own sessions; False if it is not theirs or already over."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
    )
    return result.rowcount == 1


def open_sessions(user_id: int) -> list[UserSession]:
    """Sessions still usable: not ended, not idle too long, not past the absolute limit."""
    cfg = current_app.config
    now = utcnow()
    return db.session.scalars(
        sa.select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - cfg["SESSION_IDLE_TIMEOUT"],
            UserSession.created_at > now - cfg["SESSION_ABSOLUTE_TIMEOUT"],
        )
        .order_by(UserSession.last_seen_at.desc())
    ).all()


_BROWSERS = [
    ("Edg/", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "Chromebook"),
    ("Linux", "Linux"),
]


def describe_device(user_agent: str) -> str:
    """A label like "Chrome on Android": enough to recognise one's own phone, no library needed."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.sub(r"\s+", " ", user_agent)[:40] or "Unknown device")
