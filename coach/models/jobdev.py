"""Job development: a coach's contacts with employers and prospects."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

CONTACT_METHODS = {
    "in_person": "In person",
    "phone": "Phone",
    "email": "Email",
    "video": "Video",
}

CONTACT_PURPOSES = {
    "learn_needs": "Learn the business's needs",
    "describe_supports": "Describe our supports",
    "present_job_seeker": "Present a job seeker",
    "follow_up": "Follow up",
    "other": "Other",
}

# Job seekers discussed in a contact: each a client whose disclosure choice allows it.
contact_clients = sa.Table(
    "employer_contact_clients",
    db.metadata,
    sa.Column(
        "contact_id",
        sa.ForeignKey("employer_contacts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("client_id", sa.ForeignKey("clients.id"), primary_key=True, index=True),
)


class EmployerContact(db.Model):
    """A coach's contact with an employer or a prospect (job development)."""

    __tablename__ = "employer_contacts"
    __table_args__ = (
        # A coach's contacts by date: the list, the week's counter, the 8-week table.
        sa.Index("ix_employer_contacts_coach_date", "created_by_id", "contact_date", "id"),
        sa.Index("ix_employer_contacts_date", "contact_date", "created_by_id"),
        sa.Index("ix_employer_contacts_employer_date", "employer_id", "contact_date"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_employer_contacts_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    employer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employers.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    # The agency's local date of the contact, so weeks count right at a time-zone edge.
    contact_date: so.Mapped[date]
    person_met: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    method: so.Mapped[str] = so.mapped_column(sa.String(12), default="in_person")
    purpose: so.Mapped[str] = so.mapped_column(sa.String(24), default="learn_needs")
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    next_step: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    next_step_date: so.Mapped[date | None]
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    employer: so.Mapped["Employer"] = so.relationship(lazy="raise")  # noqa: F821
    created_by: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821
    clients: so.Mapped[list["Client"]] = so.relationship(  # noqa: F821
        secondary=contact_clients, lazy="raise", order_by="Client.last_name, Client.first_name"
    )

    @property
    def named_ids(self) -> tuple[int, ...]:
        """The ids of the job seekers discussed, for an edit's audit event."""
        return tuple(sorted(c.id for c in self.clients))

    @property
    def method_label(self) -> str:
        return CONTACT_METHODS.get(self.method, self.method)

    @property
    def purpose_label(self) -> str:
        return CONTACT_PURPOSES.get(self.purpose, self.purpose)
