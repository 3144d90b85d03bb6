"""Milestones a funder pays per outcome (a job placement, then 30, 60 and 90 days of
employment, as the agency sets them), and the claims a supervisor marks against them."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

# The schedule the state VR agency commonly pays: (name, days after the job start).
VR_DEFAULT = [
    ("Job placement", 0),
    ("30 days employed", 30),
    ("60 days employed", 60),
    ("90 days employed", 90),
]
MAX_DAYS = 730  # a milestone lies within two years of the job start


class Milestone(db.Model):
    """One step of a funder's schedule: `days` after the job start (0: the placement)."""

    __tablename__ = "milestones"
    __table_args__ = (
        sa.UniqueConstraint("funder_id", "days", name="uq_milestones_funder_days"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_milestones_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    funder_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funders.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    days: so.Mapped[int]
    amount_cents: so.Mapped[int | None]
    # A service type of unit "per milestone" the funder bills it under (optional).
    service_type_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("service_types.id"), index=True
    )
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    funder: so.Mapped["Funder"] = so.relationship(lazy="raise")  # noqa: F821
    service_type: so.Mapped["ServiceType | None"] = so.relationship(lazy="raise")  # noqa: F821


class MilestoneClaim(db.Model):
    """A supervisor's mark that the agency claimed a milestone of a placement from its
    funder. One per (placement, milestone): a double tap makes one; an undo deletes it
    (both audited)."""

    __tablename__ = "milestone_claims"
    __table_args__ = (
        sa.UniqueConstraint("placement_id", "milestone_id", name="uq_milestone_claims_once"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    placement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("placements.id"), index=True)
    milestone_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("milestones.id"), index=True)
    claimed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    claimed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    placement: so.Mapped["Placement"] = so.relationship(lazy="raise")  # noqa: F821
    milestone: so.Mapped[Milestone] = so.relationship(lazy="raise")
    claimed_by: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821


class MilestoneReach(db.Model):
    """A milestone a job reaches (or will, if it lasts): the day, kept with the jobs,
    authorizations and schedules it comes from (coach/milestones/kept.py), so the list
    of milestones to claim reads an index by day instead of working out every job's
    milestones on each view (656 ms of CPU for a supervisor at XL)."""

    __tablename__ = "milestone_reaches"
    # Each section of the list (a state and a range of days) read in order, the first
    # rows of a day that 10,000 jobs reach without reading the others (82 → 7 ms at XL).
    __table_args__ = (
        sa.Index(
            "ix_milestone_reaches_section",
            "claimed",
            "reached_on",
            "placement_id",
            "milestone_id",
            "client_id",
        ),
    )

    placement_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True
    )
    milestone_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("milestones.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    reached_on: so.Mapped[date]
    claimed: so.Mapped[bool] = so.mapped_column(default=False)  # a MilestoneClaim marks it
