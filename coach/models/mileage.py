"""Mileage for client transport: trips, and the dated per-mile rates they are paid at."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

TRIP_STATUSES = {
    "draft": "Draft",
    "submitted": "Submitted",
    "approved": "Approved",
    "returned": "Returned",
    "exported": "Exported",
}
EDITABLE = ("draft", "returned")
LOCKED = ("approved", "exported")

# IRS standard business rates, in tenths of a cent per mile.
DEFAULT_RATES = [(date(2024, 1, 1), 670), (date(2025, 1, 1), 700), (date(2026, 1, 1), 725)]


class MileageRate(db.Model):
    __tablename__ = "mileage_rates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    effective_from: so.Mapped[date] = so.mapped_column(unique=True)
    # Tenths of a cent: 72.5¢ is 725. Exact, and no float ever touches it.
    tenth_cents_per_mile: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


# The review queue puts flagged trips first (false sorts before true), then orders by
# coach, date and id. ix_trips_review holds that order, so a page of the queue is read
# off the index instead of sorting every submitted trip. The '' is a literal, not a bound
# parameter: SQLite uses an index on an expression only for the same expression.
FLAGGED_FIRST = "(flag_reason = '')"


class ExportedTrip(db.Model):
    """An approved trip exported for finance (coach/mileage/services.py, mark_exported).
    A row here, not the trip's status: exporting a month inserts 100,000 of these narrow
    rows, where setting the trips' status rewrote each trip and its 10 index entries
    (7.8 s of PostgreSQL's CPU at L). Trips exported before carry status "exported"."""

    __tablename__ = "exported_trips"

    trip_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("trips.id"), primary_key=True)
    exported_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Trip(db.Model):
    __tablename__ = "trips"
    __table_args__ = (
        sa.Index("ix_trips_coach_date", "coach_id", "trip_date", "id"),
        sa.Index("ix_trips_coach_id", "coach_id", "id"),  # a coach's latest trips
        sa.Index("ix_trips_status_date", "status", "trip_date"),
        sa.Index(
            "ix_trips_review",
            "status",
            sa.text(FLAGGED_FIRST),
            "coach_id",
            "trip_date",
            "id",
        ),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_trips_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    coach_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    trip_date: so.Mapped[date]
    purpose: so.Mapped[str] = so.mapped_column(sa.String(300))
    client_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    visit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("visits.id"), index=True)
    origin: so.Mapped[str] = so.mapped_column(sa.String(300))
    destination: so.Mapped[str] = so.mapped_column(sa.String(300))
    origin_lat: so.Mapped[float | None]
    origin_lng: so.Mapped[float | None]
    dest_lat: so.Mapped[float | None]
    dest_lng: so.Mapped[float | None]
    # Miles in tenths; odometer readings in tenths too.
    odometer_start_tenths: so.Mapped[int | None]
    odometer_end_tenths: so.Mapped[int | None]
    miles_tenths: so.Mapped[int]
    round_trip: so.Mapped[bool] = so.mapped_column(default=False)
    vehicle: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    straight_miles_tenths: so.Mapped[int | None]
    flag_reason: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    tenth_cents_per_mile: so.Mapped[int | None]
    amount_cents: so.Mapped[int | None]
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="draft")
    return_comment: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    submitted_at: so.Mapped[datetime | None]
    approved_at: so.Mapped[datetime | None]
    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    exported_at: so.Mapped[datetime | None]  # exported before its ExportedTrip rows
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Exported for finance since: its ExportedTrip row (read with the trip).
    exported: so.Mapped[bool] = so.column_property(sa.exists().where(ExportedTrip.trip_id == id))

    coach: so.Mapped["User"] = so.relationship(foreign_keys=[coach_id], lazy="raise")  # noqa: F821
    client: so.Mapped["Client | None"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def shown_status(self) -> str:
        """The status people see: an approved trip, once exported, is "exported"."""
        return "exported" if self.status == "approved" and self.exported else self.status

    @property
    def status_label(self) -> str:
        return TRIP_STATUSES.get(self.shown_status, self.shown_status)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def miles(self) -> Decimal:
        return Decimal(self.miles_tenths) / 10

    @property
    def one_way_miles(self) -> Decimal:
        """The miles as the coach typed them: a round trip stores twice that."""
        return self.miles / 2 if self.round_trip else self.miles
