import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import DEFAULT_TZ

TWO_FACTOR_POLICIES = {
    "none": "Optional for everyone",
    "staff": "Required for supervisors and admins",
    "all": "Required for everyone",
}


class AgencySettings(db.Model):
    """The one row of agency-wide settings (id 1)."""

    __tablename__ = "agency_settings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), default="Coach")
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default=DEFAULT_TZ)
    office_address: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    office_latitude: so.Mapped[float | None]
    office_longitude: so.Mapped[float | None]
    # Billing: a 15-minute unit counts once this many minutes of it are used.
    unit_threshold_minutes: so.Mapped[int] = so.mapped_column(default=8, server_default="8")
    # A visit's GPS fix within this distance of the worksite counts as on site.
    onsite_radius_m: so.Mapped[int] = so.mapped_column(default=250, server_default="250")
    # Job development: employer contacts a coach aims for each week (IPS: at least six).
    weekly_contact_target: so.Mapped[int] = so.mapped_column(default=6, server_default="6")
    # Follow-along (Today): a contact every week for this many weeks after a job starts,
    # then one every this many days.
    weekly_contact_weeks: so.Mapped[int] = so.mapped_column(default=4, server_default="4")
    later_contact_days: so.Mapped[int] = so.mapped_column(default=30, server_default="30")
    # Who must use two-step login: "none", "staff" (supervisors and admins) or "all".
    require_two_factor: so.Mapped[str] = so.mapped_column(
        sa.String(10), default="none", server_default="none"
    )
    # Flipped once, atomically, by the first-run page: only one first admin.
    setup_complete: so.Mapped[bool] = so.mapped_column(default=False)

    def requires_two_factor(self, role: str) -> bool:
        return policy_requires_two_factor(self.require_two_factor, role)


def policy_requires_two_factor(policy: str | None, role: str) -> bool:
    if policy == "all":
        return True
    return policy == "staff" and role in ("supervisor", "admin")
