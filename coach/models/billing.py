"""What the agency is paid for: service types, funders, and each client's authorizations
(a funder's permission to bill so many units of a service between two dates)."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

SERVICE_UNITS = {
    "15min": "15 minutes",
    "hour": "Hour",
    "milestone": "Per milestone",
}
# Units a visit's time can count in (a milestone is paid per outcome, not per visit).
TIME_UNITS = ("15min", "hour")

FUNDER_KINDS = {
    "state_vr": "State VR agency",
    "medicaid_waiver": "Medicaid waiver",
    "county_mh": "County mental health",
    "school": "School pre-employment services",
    "other": "Other",
}

# The common supported-employment services every agency starts with: (code, name, unit).
SERVICE_SEED = [
    ("ASSESS", "Career or vocational assessment", "15min"),
    ("JOBDEV", "Job development", "hour"),
    ("JOBCOACH", "Job coaching, on-site training", "15min"),
    ("FOLLOW", "Follow-along or extended services", "15min"),
    ("TRAVEL", "Travel training", "15min"),
    ("BENEFITS", "Benefits counselling referral", "milestone"),
    ("JOBSEARCH", "Job-search assistance", "15min"),
]


def service_seed_rows() -> list[dict]:
    """The seeded service types as rows: the migration inserts these, and so does
    coach.billing.services.seed_service_types() for a database made without it."""
    return [
        dict(code=code, name=name, unit=unit, active=True, idempotency_key=f"seed-{code}")
        for code, name, unit in SERVICE_SEED
    ]


class ServiceType(db.Model):
    __tablename__ = "service_types"
    __table_args__ = (
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_service_types_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(20), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    unit: so.Mapped[str] = so.mapped_column(sa.String(20), default="15min")
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def unit_label(self) -> str:
        return SERVICE_UNITS.get(self.unit, self.unit)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    def units_text(self, count: int) -> str:
        """'3 units of 15 minutes', '1 unit of an hour', '2 milestones'."""
        plural = "" if count == 1 else "s"
        if self.unit == "milestone":
            return f"{count} milestone{plural}"
        size = "an hour" if self.unit == "hour" else "15 minutes"
        return f"{count} unit{plural} of {size}"


# The first month of a rate set "from the start": it prices every month before any other.
FROM_THE_START = date(2000, 1, 1)


class ServiceRate(db.Model):
    """What a funder pays a unit of a service from the first day of a month, until a rate
    from a later month: a visit is priced at the rate of the month it was given in, so a
    new contract rate entered in July does not re-price June's claims."""

    __tablename__ = "service_rates"
    __table_args__ = (
        sa.UniqueConstraint("service_type_id", "starts_on", name="uq_service_rates_month"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    service_type_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("service_types.id"))
    starts_on: so.Mapped[date]  # the first day of a month
    rate_cents: so.Mapped[int | None]  # per unit; None: no rate from this month
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def month_label(self) -> str:
        """'the start' or 'July 2026'."""
        return "the start" if self.starts_on == FROM_THE_START else f"{self.starts_on:%B %Y}"


class Funder(db.Model):
    __tablename__ = "funders"
    __table_args__ = (
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_funders_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="state_vr")
    # The counsellor or case manager the agency deals with.
    contact_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    contact_phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def kind_label(self) -> str:
        return FUNDER_KINDS.get(self.kind, self.kind)


class Authorization(db.Model):
    """A funder's authorization of `units` of a service for a client, `start_date` to
    `end_date` (both local days, inclusive)."""

    __tablename__ = "authorizations"
    __table_args__ = (
        sa.Index("ix_authorizations_client_service", "client_id", "service_type_id", "start_date"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_authorizations_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    funder_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funders.id"), index=True)
    service_type_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("service_types.id"), index=True
    )
    number: so.Mapped[str] = so.mapped_column(sa.String(40))
    # The funder's own number for the client (their case), printed on the billing export.
    funder_case_number: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    start_date: so.Mapped[date]
    end_date: so.Mapped[date]
    units: so.Mapped[int]
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    # The units of the billable visits counted against it, when a query asks for them
    # (coach.billing.services.with_authorizations).
    used: so.Mapped[int | None] = so.query_expression()

    client: so.Mapped["Client"] = so.relationship(  # noqa: F821
        back_populates="authorizations", lazy="raise"
    )
    funder: so.Mapped[Funder] = so.relationship(lazy="raise")
    service_type: so.Mapped[ServiceType] = so.relationship(lazy="raise")

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class BillingBatch(db.Model):
    """One export of a funder's month: its visits are marked with the batch (billed), and
    the rows as exported are kept, compressed, so that every download of the batch gives
    the same file, whatever is renamed or re-rated later. A supervisor may reopen a whole
    batch: its visits are released for a new batch, and the batch keeps its file, marked
    reopened (docs/features.md, "Billing export and batches")."""

    __tablename__ = "billing_batches"
    __table_args__ = (
        sa.Index("ix_billing_batches_funder_month", "funder_id", "month_start"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_billing_batches_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    funder_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funders.id"))
    month_start: so.Mapped[date]  # the first day of the agency's local month
    visits: so.Mapped[int] = so.mapped_column(default=0)
    units: so.Mapped[int] = so.mapped_column(default=0)
    amount_cents: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    unrated: so.Mapped[int] = so.mapped_column(default=0)  # visits of a service with no rate
    # The rows as exported: gzip of JSON lines (coach/billing/export_file.py).
    rows_gz: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    reopened_at: so.Mapped[datetime | None]
    reopened_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    funder: so.Mapped[Funder] = so.relationship(lazy="raise")
    created_by: so.Mapped["User"] = so.relationship(  # noqa: F821
        foreign_keys=[created_by_id], lazy="raise"
    )
    reopened_by: so.Mapped["User | None"] = so.relationship(  # noqa: F821
        foreign_keys=[reopened_by_id], lazy="raise"
    )

    @property
    def month_label(self) -> str:
        return self.month_start.strftime("%B %Y")

    @property
    def file_stem(self) -> str:
        return f"billing-batch-{self.id}-{self.month_start:%Y-%m}"


class BilledVisit(db.Model):
    """A visit billed in a batch. A row here, not a column of the visit: exporting a month
    inserts 100,000 of these narrow rows, where marking the visits rewrote each row and
    its 18 index entries (13 s of PostgreSQL's CPU at L). Its key makes a visit billed in
    one batch at most; reopening the batch deletes its rows (the batch keeps its file)."""

    __tablename__ = "billed_visits"

    visit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("visits.id"), primary_key=True)
    batch_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("billing_batches.id"), index=True)


class BillingMonth(db.Model):
    """One client's visits of one agency-local month counted against one funder's
    authorizations (per service, whose rate is applied when they are read), summed by
    what a billing export would do with them. Kept with the visits in the same flush
    (coach/billing/months.py): the preview of a funder's month reads a row per client
    instead of every visit of the month (100,000 at L: 440 ms of SQL on PostgreSQL)."""

    __tablename__ = "billing_months"
    __table_args__ = (
        # The preview reads a funder's month from this index alone, on both databases,
        # summed per service in the index's order (no sort: coach/billing/batches.py).
        sa.Index(
            "ix_billing_months_month",
            "month_start",
            "funder_id",
            "service_type_id",
            "client_id",
            "ready",
            "ready_units",
            "waiting",
            "not_billable",
            "billed",
        ),
        sa.Index("ix_billing_months_client_month", "client_id", "month_start"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    month_start: so.Mapped[date]  # the first day of the agency's local month
    funder_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funders.id"), index=True)
    service_type_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("service_types.id"), index=True
    )
    ready: so.Mapped[int]  # billable, approved, in no batch: what an export would bill
    ready_units: so.Mapped[int]  # their units
    waiting: so.Mapped[int]  # billable, not approved (waiting for review, or returned)
    not_billable: so.Mapped[int]  # over or outside what the funder authorized
    billed: so.Mapped[int]  # already in a batch
