"""Accommodation rules: what the employer may see, versions, links, the signed record."""

import hashlib
import secrets
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app

from coach.agency import current_agency
from coach.extensions import db, read_cards, reusable
from coach.models import (
    PAYERS,
    REQUEST_STATUSES,
    AccommodationRequest,
    Client,
    RequestCard,
    RequestEvent,
    Signature,
    SignoffLink,
    User,
)
from coach.timeutil import format_local, to_local, utcnow

CONSENT_TEXT = (
    "I agree to sign this document electronically. I understand that my typed name above is "
    "my signature, that it has the same effect as a handwritten signature, and that I can "
    "ask the agency for a paper copy of this record."
)
FOLLOW_UP_DAYS = 14


# --- who sees what ------------------------------------------------------------------


def visible_requests(user: User) -> sa.Select:
    query = sa.select(AccommodationRequest)
    if not user.sees_all_caseloads:
        query = query.join(Client, Client.id == AccommodationRequest.client_id).where(
            Client.coach_id == user.id
        )
    return query


def get_request_for(user: User, request_id: int, with_events: bool = False):
    query = (
        visible_requests(user)
        .where(AccommodationRequest.id == request_id)
        .options(
            so.joinedload(AccommodationRequest.client),
            so.joinedload(AccommodationRequest.placement),
        )
    )
    if with_events:
        query = query.options(
            so.selectinload(AccommodationRequest.events).joinedload(RequestEvent.user)
        )
    request = db.session.scalar(query)
    if request is None:
        abort(404)
    return request


@reusable
def _requests_query() -> sa.Select:
    r = AccommodationRequest
    return (
        sa.select(
            r.id, r.accommodation, r.status, r.created_at, r.follow_up_due, r.follow_up_done_on
        )
        .where(r.client_id == sa.bindparam("client_id"))
        .order_by(r.created_at.desc())
    )


def requests_of(client: Client) -> list[RequestCard]:
    """The client's requests as the client page lists them."""
    return read_cards(RequestCard, _requests_query(), {"client_id": client.id})


def log_event(request, kind: str, summary: str, user_id: int | None, occurred_on=None):
    db.session.add(
        RequestEvent(
            request_id=request.id,
            kind=kind,
            summary=summary[:4000],
            user_id=user_id,
            occurred_on=occurred_on,
        )
    )


def set_status(request, status: str, user_id: int | None, why: str = "") -> None:
    if request.status == status:
        return
    new_label = REQUEST_STATUSES.get(status, status)
    summary = f"{request.status_label} → {new_label}" + (f": {why}" if why else "")
    request.status = status
    log_event(request, "status", summary, user_id)


# --- the document the employer sees -------------------------------------------------


def money(cents: int | None) -> str:
    return "Not estimated" if cents is None else f"${Decimal(cents) / 100:,.2f}"


def employer_document(request: AccommodationRequest, agency_name: str, coach_name: str) -> str:
    """The request as the employer sees it: only what the client agreed to disclose.

    This exact text is what the sign-off page shows, what is hashed, and what is signed.
    """
    client = request.client
    disclosure = client.disclosure
    lines = [
        "REQUEST FOR A REASONABLE ACCOMMODATION",
        f"Agency: {agency_name}",
        f"Employment specialist: {coach_name}",
        f"Employee: {client.first_name} {client.last_name}",
    ]
    if request.placement:
        lines.append(f"Position: {request.placement.job_title}")
    lines.append(f"Document version: {request.version}")
    lines.append("")
    if disclosure == "diagnosis" and request.diagnosis:
        lines += ["Condition (shared with the employee's permission):", request.diagnosis, ""]
    if disclosure in ("functional", "diagnosis") and request.functional_limitation:
        lines += ["Functional limitation:", request.functional_limitation, ""]
    if disclosure == "none":
        lines += ["The employee has not chosen to share medical or disability information.", ""]
    lines += [
        "Job function affected:",
        request.job_function or "-",
        "",
        "Accommodation requested:",
        request.accommodation or "-",
        "",
        "Alternatives considered:",
        request.alternatives or "None listed",
        "",
        f"Estimated cost: {money(request.estimated_cost_cents)}",
        "Paid by: "
        + (
            request.payer_other
            if request.payer == "other" and request.payer_other
            else PAYERS.get(request.payer, request.payer)
        ),
        "Date needed: "
        + (
            request.date_needed.strftime("%B %-d, %Y")
            if request.date_needed
            else "As soon as possible"
        ),
    ]
    return "\n".join(lines).strip() + "\n"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- versions and links -------------------------------------------------------------


def revoke_open_links(request, user_id: int | None, why: str) -> int:
    """Revoke unused links in one conditional UPDATE: a link the employer is signing at this
    very moment is either already used (and left alone) or revoked before they can."""
    count = db.session.execute(
        sa.update(SignoffLink)
        .where(
            SignoffLink.request_id == request.id,
            SignoffLink.used_at.is_(None),
            SignoffLink.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if count:
        log_event(request, "link", f"Link revoked: {why}", user_id)
    return count


def still_open(request) -> bool:
    """Re-read the status after taking the write lock: the employer may have just signed."""
    db.session.flush()  # our own changes first, so the refresh keeps them
    db.session.refresh(request, ["status", "version"])
    return request.is_open


def new_version_if_shared(request, user_id: int, document_changed: bool = True) -> bool:
    """Editing after a link went out makes a new version; the old links stop working.

    What was already signed stays as it was: the signature holds its own copy.
    """
    shared = db.session.scalar(
        sa.select(sa.func.count(SignoffLink.id)).where(
            SignoffLink.request_id == request.id,
            SignoffLink.document_version == request.version,
        )
    )
    if not shared or not document_changed:
        return False
    revoke_open_links(request, user_id, f"version {request.version} was edited")
    request.version += 1
    if request.status == "sent":
        set_status(
            request, "draft", user_id, f"edited after sending; now version {request.version}"
        )
    return True


def create_link(
    request, document: str, user: User, name: str, email: str
) -> tuple[SignoffLink, str]:
    """A new link replaces any open one. Returns the link and its token (never stored)."""
    revoke_open_links(request, user.id, "replaced by a new link")
    token = secrets.token_urlsafe(32)  # 256 bits
    link = SignoffLink(
        request_id=request.id,
        token_hash=sha256_hex(token),
        document_version=request.version,
        document_text=document,
        document_sha256=sha256_hex(document),
        sent_to_name=name,
        sent_to_email=email,
        created_by_id=user.id,
        expires_at=utcnow() + timedelta(days=current_app.config["SIGNOFF_LINK_DAYS"]),
    )
    db.session.add(link)
    db.session.flush()
    log_event(
        request,
        "link",
        f"Sign-off link made for {name or email or 'the employer'}"
        f" (version {request.version}, expires {expiry_text(link)})",
        user.id,
    )
    set_status(request, "sent", user.id)
    return link, token


def expiry_text(link: SignoffLink) -> str:
    """When the link stops working, as the email, the sign-off page, the signed record and
    the log all say it: the one stored instant, in the agency's zone, with the zone named."""
    return format_local(link.expires_at, current_agency().timezone, "%B %-d, %Y, %-I:%M %p %Z")


def link_for_key(key: str) -> SignoffLink | None:
    return db.session.scalar(sa.select(SignoffLink).where(SignoffLink.idempotency_key == key))


def find_link(token: str) -> SignoffLink | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(SignoffLink).where(SignoffLink.token_hash == sha256_hex(token))
    )


def record_decision(link: SignoffLink, form, ip: str, user_agent: str) -> Signature | None:
    """Sign once: the link is claimed atomically, so a second decision is refused."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(SignoffLink)
        .where(
            SignoffLink.id == link.id,
            SignoffLink.used_at.is_(None),
            SignoffLink.revoked_at.is_(None),
            SignoffLink.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    signature = Signature(
        request_id=link.request_id,
        link_id=link.id,
        document_version=link.document_version,
        document_text=link.document_text,
        document_sha256=link.document_sha256,
        decision=form.decision.data,
        comment=form.comment.data or "",
        signer_name=form.signer_name.data,
        signer_title=form.signer_title.data,
        signer_email=link.sent_to_email,
        consent_text=CONSENT_TEXT,
        consented=True,
        signed_at=now,
        ip=ip[:45],
        user_agent=user_agent[:300],
    )
    db.session.add(signature)
    request = db.session.get(AccommodationRequest, link.request_id)
    # Only the version the link was made for, and only while it waits for a decision.
    decided = db.session.execute(
        sa.update(AccommodationRequest)
        .where(
            AccommodationRequest.id == link.request_id,
            AccommodationRequest.status == "sent",
            AccommodationRequest.version == link.document_version,
        )
        .values(status="sent")
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:
        db.session.rollback()
        return None
    db.session.refresh(request, ["status"])
    set_status(
        request,
        form.decision.data,
        None,
        f"signed by {signature.signer_name}, {signature.signer_title}",
    )
    if signature.comment:
        request.decision_rationale = signature.comment
    return signature


def links_of(request) -> list[SignoffLink]:
    return list(
        db.session.scalars(
            sa.select(SignoffLink)
            .where(SignoffLink.request_id == request.id)
            .order_by(SignoffLink.created_at.desc())
        )
    )


def link_of(signature: Signature) -> SignoffLink:
    return db.session.get(SignoffLink, signature.link_id)


def get_signature(signature_id: int) -> Signature:
    """The signature row; the caller checks the request is visible."""
    signature = db.session.get(Signature, signature_id)
    if signature is None:
        abort(404)
    return signature


def request_list(user: User, include_closed: bool) -> list[AccommodationRequest]:
    query = visible_requests(user).options(so.joinedload(AccommodationRequest.client))
    if not include_closed:
        query = query.where(
            sa.or_(
                AccommodationRequest.status.in_(("draft", "sent")),
                sa.and_(
                    AccommodationRequest.follow_up_due.is_not(None),
                    AccommodationRequest.follow_up_done_on.is_(None),
                ),
            )
        )
    return list(db.session.scalars(query.order_by(AccommodationRequest.created_at)))


def signatures_of(request) -> list[Signature]:
    return list(
        db.session.scalars(
            sa.select(Signature)
            .where(Signature.request_id == request.id)
            .order_by(Signature.signed_at.desc())
        )
    )


def verify(signature: Signature) -> bool:
    return sha256_hex(signature.document_text) == signature.document_sha256


# --- follow-up ----------------------------------------------------------------------


def mark_implemented(request, on: date, user_id: int) -> None:
    request.implemented_on = on
    request.follow_up_due = on + timedelta(days=FOLLOW_UP_DAYS)
    log_event(
        request,
        "status",
        f"Put in place on {on:%b %-d, %Y}; follow-up due {request.follow_up_due:%b %-d, %Y}",
        user_id,
        occurred_on=on,
    )


def days_open(request, today: date, tz_name: str) -> int:
    """Whole days since the request was written, counted on the agency's calendar."""
    return (today - to_local(request.created_at, tz_name).date()).days


def follow_up_is_due(request, today: date) -> bool:
    return bool(
        request.follow_up_due and not request.follow_up_done_on and request.follow_up_due <= today
    )


def disclosure_changed(client, user_id: int) -> int:
    """What the employer may see changed: open requests need a new version and a new link."""
    count = 0
    for request in db.session.scalars(
        sa.select(AccommodationRequest).where(
            AccommodationRequest.client_id == client.id,
            AccommodationRequest.status.in_(("draft", "sent")),
        )
    ):
        if new_version_if_shared(request, user_id):
            log_event(request, "note", "The client's disclosure choice changed", user_id)
            count += 1
    return count
