"""Contacts that are not visits: who may see them, logging one, a client's latest."""

import sqlalchemy as sa

from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import Client, ClientContact, User
from coach.records import create_once
from coach.timeutil import utcnow

LATEST = 10  # contacts shown on the client page


def visible_contacts(user: User) -> sa.Select:
    """Contacts with the clients this user may see: every query of contacts starts here."""
    return (
        sa.select(ClientContact)
        .join(Client, Client.id == ClientContact.client_id)
        .where(may_see_client(user))
    )


def latest_contacts(user: User, client: Client, limit: int = LATEST) -> list[ClientContact]:
    """The client's latest contacts, newest first."""
    query = (
        visible_contacts(user)
        .where(ClientContact.client_id == client.id)
        .order_by(ClientContact.happened_at.desc(), ClientContact.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def log_contact(user: User, client: Client, key: str, **fields) -> tuple[ClientContact, bool]:
    """Log a contact once per idempotency key, with its audit event: (contact, created)."""
    fields["happened_at"] = fields.get("happened_at") or utcnow()
    if fields.get("kind") != "family":
        fields["family_permission"] = False
    contact = ClientContact(client_id=client.id, coach_id=client.coach_id, **fields)
    contact, created = create_once(contact, user.id, key)
    if created:
        record_event("create", "client_contact", contact.id, f"{contact.kind} {contact.direction}")
    db.session.commit()
    return contact, created
