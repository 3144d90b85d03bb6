"""Job development, part B: job leads with their dated status changes, and each job
seeker's search log (applications and interviews)."""

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.models.caseload import Client, Employer
from coach.timeutil import utcnow

# The order a lead usually runs; "not hired" and "closed" end it from any open status.
LEAD_STEPS = ("new", "followed_up", "applied", "interview", "offer", "hired")
LEAD_STATUSES = {
    "new": "New",
    "followed_up": "Followed up",
    "applied": "Applied",
    "interview": "Interview",
    "offer": "Offer",
    "hired": "Hired",
    "not_hired": "Not hired",
    "closed": "Closed",
}
OPEN_LEAD_STATUSES = ("new", "followed_up", "applied", "interview", "offer")
LEAD_SOURCES = {
    "employer_contact": "Employer contact",
    "job_board": "Job board",
    "network": "Network (friends, family, agencies)",
    "client": "The job seeker found it",
    "other": "Other",
}
APPLICATION_METHODS = {
    "online": "Online",
    "in_person": "In person",
    "email": "Email",
    "phone": "Phone",
    "coach": "Through the coach",
}
APPLICATION_RESULTS = {
    "pending": "Pending",
    "interview": "Interview",
    "offer": "Offer",
    "hired": "Hired",
    "not_hired": "Not hired",
    "no_answer": "No answer",
}
INTERVIEW_COMPANY = {"alone": "Alone", "coach": "With the coach"}


def dollars(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


def hours(tenths: int | None) -> Decimal | None:
    return None if tenths is None else Decimal(tenths) / 10


# The open leads in list order: those waiting for their follow-up first, then the rest;
# in each, the one unchanged longest first (a new lead's last change is its making, so
# the most overdue comes first). ix_leads_open_order holds that order, so a page of the
# supervisor's list is read off the index instead of sorting every lead. The string is
# a literal, not a bound parameter: SQLite uses an index on an expression only for the
# same expression. {t} is "" in the index (SQLite refuses a table name there) and
# "leads." in a query that joins other tables; "<>" is how PostgreSQL gives the
# expression back, so Alembic finds the index unchanged.
WAITING_LAST = "({t}status <> 'new')"


lead_clients = sa.Table(
    "lead_clients",
    db.metadata,
    sa.Column("lead_id", sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("client_id", sa.ForeignKey("clients.id"), primary_key=True, index=True),
)


class Lead(db.Model):
    """A job opening a coach heard of, and the job seekers it might suit."""

    __tablename__ = "leads"
    __table_args__ = (
        # The lead list: a coach's open leads, the ones due soonest (oldest) first.
        sa.Index("ix_leads_owner_status_made", "created_by_id", "status", "created_at"),
        sa.Index("ix_leads_status_made", "status", "created_at"),
        sa.Index(
            "ix_leads_open_order", sa.text(WAITING_LAST.format(t="")), "status_changed_at", "id"
        ),
        sa.Index("ix_leads_changed", "status_changed_at", "id"),  # the closed ones
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_leads_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    position: so.Mapped[str] = so.mapped_column(sa.String(160))
    employer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employers.id"), index=True)
    # Money in integer cents, hours in tenths, as placements keep them.
    hourly_wage_cents: so.Mapped[int | None]
    weekly_hours_tenths: so.Mapped[int | None]
    shift: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    source: so.Mapped[str] = so.mapped_column(sa.String(20), default="other")
    source_detail: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="new")
    status_changed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    employer: so.Mapped[Employer] = so.relationship(lazy="raise")
    owner: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821
    clients: so.Mapped[list[Client]] = so.relationship(
        secondary=lead_clients, lazy="raise", order_by="Client.last_name, Client.first_name"
    )
    changes: so.Mapped[list["LeadStatusChange"]] = so.relationship(
        back_populates="lead",
        lazy="raise",
        order_by="LeadStatusChange.changed_at.desc(), LeadStatusChange.id.desc()",
    )

    @property
    def status_label(self) -> str:
        return LEAD_STATUSES.get(self.status, self.status)

    @property
    def source_label(self) -> str:
        return LEAD_SOURCES.get(self.source, self.source)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES

    @property
    def client_ids(self) -> list[int]:
        """The job seekers' ids (the lead read with its clients), as its edit is logged."""
        return sorted(client.id for client in self.clients)

    @property
    def hourly_wage(self) -> Decimal | None:
        return dollars(self.hourly_wage_cents)

    @property
    def weekly_hours(self) -> Decimal | None:
        return hours(self.weekly_hours_tenths)


class LeadStatusChange(db.Model):
    """One dated step of a lead: what it became, when (UTC and the agency's date), by whom."""

    __tablename__ = "lead_status_changes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    lead_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    changed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    local_date: so.Mapped[date]
    changed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    lead: so.Mapped[Lead] = so.relationship(back_populates="changes", lazy="raise")
    changed_by: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def status_label(self) -> str:
        return LEAD_STATUSES.get(self.status, self.status)


class LogEntryMixin:
    """What applications and interviews share: whose, at which employer, for which job,
    made once per idempotency key, perhaps from a lead."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    # The employer as typed; linked to the directory when the name is one of its employers.
    employer_name: so.Mapped[str] = so.mapped_column(sa.String(160))
    employer_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("employers.id"), index=True)
    position: so.Mapped[str] = so.mapped_column(sa.String(160))
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    lead_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("leads.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class JobApplication(LogEntryMixin, db.Model):
    """A job the person applied for."""

    __tablename__ = "job_applications"
    __table_args__ = (
        sa.Index("ix_job_applications_client_day", "client_id", "applied_on", "id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_job_applications_idempotency"
        ),
    )

    applied_on: so.Mapped[date]
    client: so.Mapped[Client] = so.relationship(lazy="raise")
    method: so.Mapped[str] = so.mapped_column(sa.String(20))
    result: so.Mapped[str] = so.mapped_column(sa.String(20), default="pending")

    @property
    def day(self) -> date:
        return self.applied_on

    @property
    def method_label(self) -> str:
        return APPLICATION_METHODS.get(self.method, self.method)

    @property
    def result_label(self) -> str:
        return APPLICATION_RESULTS.get(self.result, self.result)


class JobInterview(LogEntryMixin, db.Model):
    """A job interview the person went to (or will go to)."""

    __tablename__ = "job_interviews"
    __table_args__ = (
        sa.Index("ix_job_interviews_client_day", "client_id", "interview_on", "id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_job_interviews_idempotency"
        ),
    )

    interview_on: so.Mapped[date]
    client: so.Mapped[Client] = so.relationship(lazy="raise")
    interview_time: so.Mapped[time | None]
    went_with: so.Mapped[str] = so.mapped_column(sa.String(20), default="alone")

    @property
    def day(self) -> date:
        return self.interview_on

    @property
    def went_with_label(self) -> str:
        return INTERVIEW_COMPANY.get(self.went_with, self.went_with)
