"""What happens on a job after the start: a problem, or its loss (Today's employer rule)."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

JOB_EVENT_KINDS = {"problem": "Job problem", "loss": "Job loss"}


class PlacementEvent(db.Model):
    """A job problem or a job loss, logged on the placement; seeing the employer is due
    within 24 hours of it."""

    __tablename__ = "placement_events"
    __table_args__ = (
        sa.Index("ix_placement_events_client_at", "client_id", "happened_at", "id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_placement_events_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    placement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("placements.id"), index=True)
    # The placement's client, kept here so the Today rule filters by caseload in one join.
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    happened_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    placement: so.Mapped["Placement"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def kind_label(self) -> str:
        return JOB_EVENT_KINDS.get(self.kind, self.kind)
