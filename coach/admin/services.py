"""User management rules."""

import secrets

import sqlalchemy as sa

from coach.auth.services import hash_password
from coach.auth.sessions import end_all_sessions
from coach.extensions import db
from coach.models import AgencySettings, User
from coach.records import get_or_404

WORDS = [
    "amber",
    "bridge",
    "cedar",
    "delta",
    "ember",
    "fable",
    "garnet",
    "harbor",
    "island",
    "juniper",
    "kettle",
    "lantern",
    "maple",
    "nectar",
    "orchard",
    "pepper",
    "quartz",
    "river",
    "saddle",
    "timber",
    "umber",
    "velvet",
    "willow",
    "yonder",
]


def get_user(user_id: int) -> User:
    """Anyone with an account (the admin pages are for admins only); 404 if none."""
    return get_or_404(sa.select(User).where(User.id == user_id))


def agency_settings() -> AgencySettings:
    """The agency's settings row, made if the first run never did."""
    agency = db.session.get(AgencySettings, 1)
    if agency is None:
        agency = AgencySettings(id=1, setup_complete=True)
        db.session.add(agency)
        db.session.flush()
    return agency


def temporary_password() -> str:
    """Four random words and a number: easy to read aloud, 20+ characters."""
    words = [secrets.choice(WORDS) for _ in range(4)]
    return "-".join(words) + f"-{secrets.randbelow(90) + 10}"


def reset_password(user: User) -> str:
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_all_sessions(user)
    return password


def active_admin_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.role == "admin", User.active.is_(True))
    )


def can_change_role_or_deactivate(acting: User, target: User) -> str | None:
    """A reason this change is refused, or None. The agency always keeps an active admin."""
    if target.id == acting.id:
        return "You cannot deactivate yourself or change your own role."
    if target.role == "admin" and target.active and active_admin_count() <= 1:
        return "This is the only active admin."
    return None
