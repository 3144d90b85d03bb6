from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from coach.extensions import db
from coach.timeutil import utcnow

ROLES = {"coach": "Coach", "supervisor": "Supervisor", "admin": "Admin"}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default="coach")
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False)
    # Two-step login: the TOTP secret (encrypted, see auth/twofactor.py) is kept from
    # enrolment; it counts once a code confirms it.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    totp_enabled_at: so.Mapped[datetime | None]
    # The last 30-second step accepted, so a code cannot be replayed.
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[datetime | None]
    # The Monday email of what is due (Today); a coach can turn it off in My account.
    weekly_digest: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    digest_sent_on: so.Mapped[date | None]

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def sees_all_caseloads(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginThrottle(db.Model):
    """Failed logins per email address, known or not, so lockout reveals nothing."""

    __tablename__ = "login_throttles"

    email: so.Mapped[str] = so.mapped_column(sa.String(254), primary_key=True)
    failures: so.Mapped[int] = so.mapped_column(default=0)
    last_failure_at: so.Mapped[datetime | None]
    locked_until: so.Mapped[datetime | None]


class UserSession(db.Model):
    """One login on one device: ending the row ends the session, wherever the cookie is."""

    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("ix_user_sessions_user_open", "user_id", "ended_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    # SHA-256 of the random key in the cookie: a copy of the database opens no session.
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    ended_at: so.Mapped[datetime | None]
    # How it was opened: "password", "password+totp", "password+recovery code".
    method: so.Mapped[str] = so.mapped_column(sa.String(30), default="password")


class RecoveryCode(db.Model):
    """A one-time code for logging in without the authenticator app."""

    __tablename__ = "recovery_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[datetime | None]
