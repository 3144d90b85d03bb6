"""ADA reasonable-accommodation requests, the interactive process, and employer sign-off."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

REQUEST_STATUSES = {
    "draft": "Draft",
    "sent": "Sent to employer",
    "approved": "Approved",
    "approved_with_changes": "Approved with changes",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}
DECISIONS = {
    "approved": "Approve",
    "approved_with_changes": "Approve with changes",
    "declined": "Decline",
}
PAYERS = {"employer": "Employer", "vr_agency": "VR agency", "other": "Other"}
REQUEST_METHODS = {
    "in_person": "In person",
    "email": "Email",
    "phone": "Phone",
    "letter": "Letter",
}
EVENT_KINDS = {
    "status": "Status",
    "meeting": "Meeting",
    "conversation": "Conversation",
    "note": "Note",
    "follow_up": "Follow-up",
    "link": "Sign-off link",
}
FOLLOW_UP_RESULTS = {
    "works": "Works well",
    "partly": "Partly works: needs adjusting",
    "not_working": "Does not work",
}
OPEN_STATUSES = ("draft", "sent")


class AccommodationRequest(db.Model):
    __tablename__ = "accommodation_requests"
    __table_args__ = (
        sa.Index("ix_accommodation_requests_status_created", "status", "created_at"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_requests_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    # The new-request form's key (requests written before it have none).
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    placement_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("placements.id"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(30), default="draft")
    version: so.Mapped[int] = so.mapped_column(default=1)

    functional_limitation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    diagnosis: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    job_function: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    accommodation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    alternatives: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    estimated_cost_cents: so.Mapped[int | None]
    payer: so.Mapped[str] = so.mapped_column(sa.String(20), default="employer")
    payer_other: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    date_needed: so.Mapped[date | None]
    request_date: so.Mapped[date | None]
    request_method: so.Mapped[str] = so.mapped_column(sa.String(20), default="in_person")

    # The employer contact the request goes to.
    contact_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")

    decision_rationale: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    implemented_on: so.Mapped[date | None]
    follow_up_due: so.Mapped[date | None] = so.mapped_column(index=True)
    follow_up_done_on: so.Mapped[date | None]
    follow_up_result: so.Mapped[str] = so.mapped_column(sa.String(20), default="")

    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
    placement: so.Mapped["Placement | None"] = so.relationship(lazy="raise")  # noqa: F821
    events: so.Mapped[list["RequestEvent"]] = so.relationship(
        back_populates="request", lazy="raise", order_by="RequestEvent.at.desc()"
    )

    @property
    def status_label(self) -> str:
        return REQUEST_STATUSES.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def decided(self) -> bool:
        return self.status in DECISIONS


class RequestEvent(db.Model):
    """The interactive process, as it happened: status changes, meetings, talks, follow-up."""

    __tablename__ = "request_events"
    __table_args__ = (sa.Index("ix_request_events_request_at", "request_id", "at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("accommodation_requests.id"))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    occurred_on: so.Mapped[date | None]
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    summary: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    request: so.Mapped[AccommodationRequest] = so.relationship(
        back_populates="events", lazy="raise"
    )
    user: so.Mapped["User | None"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)


class SignoffLink(db.Model):
    """A capability link for one decision on one version. Only the token's hash is kept."""

    __tablename__ = "signoff_links"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("accommodation_requests.id"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The send form's key: a retried "Make the link" does not make (and email) a second one.
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    document_version: so.Mapped[int]
    document_text: so.Mapped[str] = so.mapped_column(sa.Text)
    document_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    sent_to_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    sent_to_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    emailed: so.Mapped[bool] = so.mapped_column(default=False)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    first_viewed_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]
    used_at: so.Mapped[datetime | None]

    def state(self, now: datetime) -> str:
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


class Signature(db.Model):
    """The signed record (ESIGN/UETA). Written once; there is no code path that changes it."""

    __tablename__ = "signatures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    request_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("accommodation_requests.id"), index=True
    )
    link_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("signoff_links.id"), unique=True)
    document_version: so.Mapped[int]
    document_text: so.Mapped[str] = so.mapped_column(sa.Text)
    document_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    decision: so.Mapped[str] = so.mapped_column(sa.String(30))
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    signer_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    signer_title: so.Mapped[str] = so.mapped_column(sa.String(120))
    signer_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    consent_text: so.Mapped[str] = so.mapped_column(sa.Text)
    consented: so.Mapped[bool]
    signed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # The SHA-256 of the whole record: the decision, who signed, when, from where, and
    # the document's own SHA-256 (coach/signing.py seal). None on records signed before
    # it was kept, whose document alone is sealed.
    record_sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    request: so.Mapped[AccommodationRequest] = so.relationship(lazy="raise")
    link: so.Mapped[SignoffLink] = so.relationship(lazy="raise")

    @property
    def decision_label(self) -> str:
        return REQUEST_STATUSES.get(self.decision, self.decision)


class OutboxMessage(db.Model):
    """Mail the app sent (or, with no mail server configured, would have sent)."""

    __tablename__ = "outbox_messages"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    to: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    delivered: so.Mapped[bool] = so.mapped_column(default=False)
    error: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
