"""Contacts with or about a client that are not visits: calls, texts, emails, meetings."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

CONTACT_KINDS = {
    "call": "Phone call",
    "text": "Text message",
    "email": "Email",
    "in_person": "In person",
    "team_meeting": "Team meeting",
    "family": "Family contact",
    "letter": "Letter",
    "home_visit": "Home visit",
    "through_team": "Through the team",
}
# A call or message from the client gets a reply within 24 hours (Today).
REPLY_KINDS = ("call", "text", "email")
# Contacts with the client themselves (a team meeting or a family talk is about them).
WITH_CLIENT_KINDS = ("call", "text", "email", "in_person", "letter", "home_visit")
DIRECTIONS = {"in": "They contacted me", "out": "I contacted them"}


class ClientContact(db.Model):
    """One contact, inbound or outbound; it counts as a contact for follow-along."""

    __tablename__ = "client_contacts"
    __table_args__ = (
        sa.Index("ix_client_contacts_client_at", "client_id", "happened_at", "id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_client_contacts_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    coach_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    direction: so.Mapped[str] = so.mapped_column(sa.String(3))
    happened_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # A family contact is logged only with the client's permission, recorded here.
    family_permission: so.Mapped[bool] = so.mapped_column(default=False)
    # Spoken with the client's employer (clears "see the employer" after a job event).
    with_employer: so.Mapped[bool] = so.mapped_column(default=False)
    # False: an attempt nobody answered (outreach); it is not a contact for follow-along.
    reached: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def kind_label(self) -> str:
        return CONTACT_KINDS.get(self.kind, self.kind)

    @property
    def direction_label(self) -> str:
        if not self.reached:
            return "attempt, no answer"
        if self.with_employer:
            return "with the employer"
        return "from them" if self.direction == "in" else "from me"
