"""The job-support plan of a job: the supports the person needs, the accommodations in
place (linked to their requests), the natural supports at work, the fading schedule of
coach hours, and the handoff to follow-along."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

# The most coach hours a week a schedule plans: a full-time job, in tenths.
MAX_WEEK_TENTHS = 800

support_requests = sa.Table(
    "support_plan_requests",
    db.Model.metadata,
    sa.Column("support_plan_id", sa.ForeignKey("support_plans.id"), primary_key=True),
    sa.Column("request_id", sa.ForeignKey("accommodation_requests.id"), primary_key=True),
)


class SupportPlan(db.Model):
    """One per job (placement). `handoff_date` is planned while `handed_off` is false;
    once handed off it is the day intensive coaching ended."""

    __tablename__ = "support_plans"
    __table_args__ = (
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_support_plans_idempotency"
        ),
        sa.UniqueConstraint("placement_id", name="uq_support_plans_placement"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    placement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("placements.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    supports_needed: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    handoff_date: so.Mapped[date | None]
    handed_off: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
    placement: so.Mapped["Placement"] = so.relationship(lazy="raise")  # noqa: F821
    people: so.Mapped[list["NaturalSupport"]] = so.relationship(
        back_populates="plan", lazy="raise", order_by="NaturalSupport.id"
    )
    weeks: so.Mapped[list["FadingWeek"]] = so.relationship(
        back_populates="plan",
        lazy="raise",
        order_by="FadingWeek.week",
        cascade="all, delete-orphan",
    )
    requests: so.Mapped[list["AccommodationRequest"]] = so.relationship(  # noqa: F821
        secondary=support_requests, lazy="raise", order_by="AccommodationRequest.id"
    )

    @property
    def schedule(self) -> tuple[int, ...]:
        """Planned coach hours, in tenths, week by week (read with its weeks)."""
        return tuple(week.planned_tenths for week in self.weeks)

    @property
    def request_ids(self) -> tuple[int, ...]:
        """The linked accommodation requests (read with them)."""
        return tuple(request.id for request in self.requests)


class NaturalSupport(db.Model):
    """A co-worker or supervisor who helps the person at work, and with what."""

    __tablename__ = "natural_supports"
    __table_args__ = (
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_natural_supports_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    support_plan_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("support_plans.id"), index=True
    )
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    helps_with: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    plan: so.Mapped[SupportPlan] = so.relationship(back_populates="people", lazy="raise")


class FadingWeek(db.Model):
    """Planned coach hours (tenths) in week `week` of the job (week 1 starts on the job's
    start date)."""

    __tablename__ = "fading_weeks"
    __table_args__ = (
        sa.UniqueConstraint("support_plan_id", "week", name="uq_fading_weeks_week"),
        sa.CheckConstraint(
            f"planned_tenths >= 0 AND planned_tenths <= {MAX_WEEK_TENTHS}",
            name="ck_fading_weeks_hours",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    support_plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("support_plans.id"))
    week: so.Mapped[int]
    planned_tenths: so.Mapped[int]

    plan: so.Mapped[SupportPlan] = so.relationship(back_populates="weeks", lazy="raise")
