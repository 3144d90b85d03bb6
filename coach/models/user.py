from datetime import datetime

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
    # Sessions carry the version they were made under; bumping it ends them all.
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[datetime | None]

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
