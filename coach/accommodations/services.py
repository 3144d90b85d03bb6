"""Accommodation rules: who sees which request, what the employer may see, versions,
the employer's link and decision, follow-up. The link and the signed record themselves
are coach.signing's."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, url_for

from coach import signing
from coach.agency import agency_today, current_agency
from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.mail import send_mail
from coach.models import (
    FOLLOW_UP_RESULTS,
    PAYERS,
    REQUEST_STATUSES,
    AccommodationRequest,
    Client,
    Placement,
    RequestEvent,
    Signature,
    SignoffLink,
    User,
    Worksite,
)
from coach.models.accommodation import OPEN_STATUSES
from coach.records import create_once, get_or_404
from coach.signing import sha256_hex
from coach.timeutil import to_local, utcnow

FOLLOW_UP_DAYS = 14


# --- who sees what ------------------------------------------------------------------


def visible_requests(user: User) -> sa.Select:
    """Requests of clients this user may see: every query of requests starts here."""
    return (
        sa.select(AccommodationRequest)
        .join(Client, Client.id == AccommodationRequest.client_id)
        .where(may_see_client(user))
    )


def get_request_for(
    user: User, request_id: int, with_jobs: bool = False, with_events: bool = False
) -> AccommodationRequest:
    """The request with its client (and the client's coach, whom the employer's document
    names) and its job, if this user may see it; 404 otherwise. `with_jobs` adds the
    client's jobs with their employers (the form's choices), `with_events` the log."""
    query = (
        visible_requests(user)
        .where(AccommodationRequest.id == request_id)
        .options(
            so.joinedload(AccommodationRequest.client)
            .joinedload(Client.coach)
            .load_only(User.name),
            so.joinedload(AccommodationRequest.placement),
        )
    )
    if with_jobs:
        query = query.options(
            so.joinedload(AccommodationRequest.client)
            .selectinload(Client.placements)
            .joinedload(Placement.worksite)
            .joinedload(Worksite.employer)
        )
    if with_events:
        query = query.options(
            so.selectinload(AccommodationRequest.events).joinedload(RequestEvent.user)
        )
    return get_or_404(query)


def get_signature_for(user: User, signature_id: int) -> Signature:
    """A signed record of a request this user may see, with its link, its request, the
    request's client and log; 404 otherwise."""
    requests = visible_requests(user).subquery()
    query = (
        sa.select(Signature)
        .join(requests, requests.c.id == Signature.request_id)
        .where(Signature.id == signature_id)
        .options(
            so.joinedload(Signature.link),
            so.joinedload(Signature.request).joinedload(AccommodationRequest.client),
            so.joinedload(Signature.request).selectinload(AccommodationRequest.events),
        )
    )
    return get_or_404(query)


def requests_of(user: User, client: Client) -> list[AccommodationRequest]:
    """The client's requests as the client page lists them, newest first."""
    query = (
        visible_requests(user)
        .where(AccommodationRequest.client_id == client.id)
        .order_by(AccommodationRequest.created_at.desc())
    )
    return list(db.session.scalars(query))


def request_list(user: User, include_closed: bool) -> list[AccommodationRequest]:
    """The requests page: open ones (or all) and those with a follow-up pending, oldest
    first, with their clients."""
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


def links_of(request: AccommodationRequest) -> list[SignoffLink]:
    return list(
        db.session.scalars(
            sa.select(SignoffLink)
            .where(SignoffLink.request_id == request.id)
            .order_by(SignoffLink.created_at.desc())
        )
    )


def waiting_for_employer(request: AccommodationRequest, links: list, now) -> bool:
    """Sent, and the employer holds a link that still works (an expired or revoked one
    leaves nothing to wait for: the page says to send a new one, and stops polling)."""
    return request.status == "sent" and any(link.state(now) == "active" for link in links)


def signatures_of(request: AccommodationRequest) -> list[Signature]:
    return list(
        db.session.scalars(
            sa.select(Signature)
            .where(Signature.request_id == request.id)
            .order_by(Signature.signed_at.desc())
        )
    )


def decision_signature(
    request: AccommodationRequest, signatures: list[Signature]
) -> Signature | None:
    """The signature that decided the request (the latest), once it is closed: its page
    then shows the text the employer signed, not one built again from today's records
    (a disclosure widened since would show what the employer never saw)."""
    return signatures[0] if signatures and not request.is_open else None


# --- writing and editing ------------------------------------------------------------


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


def write_request(client: Client, user: User, key: str, fill: Callable) -> AccommodationRequest:
    """A new draft request for the client, once per form key, `fill(request)` copying the
    form's values; its log starts with how it was made. Nothing is committed here."""
    request = AccommodationRequest(client_id=client.id)
    fill(request)
    request, created = create_once(request, user.id, key)
    if request.client_id != client.id:  # the key made a request for someone else
        abort(400)
    if not created:  # a second tap of Save: the request the first one wrote
        return request
    log_event(
        request,
        "status",
        f"Request written ({request.request_method.replace('_', ' ')})",
        user.id,
        occurred_on=request.request_date,
    )
    record_event("create", "accommodation", request.id, f"client {client.id}")
    return request


def save_request_edit(request: AccommodationRequest, user: User, fill: Callable) -> str:
    """Save an edit of an open request and commit: 'saved', 'new version' (it had been
    sent: the old links stop working and a new one is needed), or 'decided' (the employer
    decided a moment ago: nothing was changed)."""
    before = document_for(request)
    fill(request)
    new_version = new_version_if_shared(
        request, user.id, document_changed=document_for(request) != before
    )
    if not still_open(request):
        db.session.rollback()
        return "decided"
    # The summary names the version, not the text: the request holds health information.
    record_event("update", "accommodation", request.id, f"version {request.version}")
    db.session.commit()
    return "new version" if new_version else "saved"


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


def open_requests_of(client) -> list[AccommodationRequest]:
    """The client's requests still open (a draft, or sent to the employer): the only ones
    that may have a link that works."""
    return db.session.scalars(
        sa.select(AccommodationRequest).where(
            AccommodationRequest.client_id == client.id,
            AccommodationRequest.status.in_(OPEN_STATUSES),
        )
    ).all()


def disclosure_changed(client, user_id: int) -> int:
    """What the employer may see changed: open requests need a new version and a new link."""
    count = 0
    for request in open_requests_of(client):
        if new_version_if_shared(request, user_id):
            log_event(request, "note", "The client's disclosure choice changed", user_id)
            count += 1
    return count


def case_closed(client, user_id: int) -> int:
    """The client's case closed: the employer's open links of their requests stop working
    (the service relationship that let the employer read them is over). Returns how many."""
    why = "the client's case was closed"
    return sum(revoke_open_links(request, user_id, why) for request in open_requests_of(client))


def revoke_link(request, user_id: int) -> bool:
    """The coach stops the open link from working: the request is a draft again. False
    if there was no open link."""
    if not revoke_open_links(request, user_id, "revoked by the coach"):
        return False
    set_status(request, "draft", user_id, "link revoked")
    record_event("revoke", "accommodation", request.id)
    return True


def withdraw(request, user_id: int) -> bool:
    """Withdraw an open request (the client no longer wants it); False if the employer
    decided a moment ago."""
    revoke_open_links(request, user_id, "request withdrawn")
    if not still_open(request):
        return False
    set_status(request, "withdrawn", user_id)
    record_event("withdraw", "accommodation", request.id)
    return True


# --- the document the employer sees -------------------------------------------------


def money(cents: int | None) -> str:
    return "Not estimated" if cents is None else f"${Decimal(cents) / 100:,.2f}"


def document_for(request: AccommodationRequest) -> str:
    """The employer's document of a request read by get_request_for()."""
    return employer_document(request, current_agency().name, request.client.coach.name)


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


# --- the employer's link ------------------------------------------------------------


def revoke_open_links(request, user_id: int | None, why: str) -> int:
    """Stop the request's unused links from working (and log it if there were any)."""
    count = signing.revoke_open(SignoffLink, utcnow(), SignoffLink.request_id == request.id)
    if count:
        log_event(request, "link", f"Link revoked: {why}", user_id)
    return count


def create_link(
    request, document: str, user: User, name: str, email: str, key: str | None = None
) -> tuple[SignoffLink | None, str]:
    """A link for the employer to sign `document`, the request's current version; it
    replaces any open one. Returns the link and its token (never stored). Under the send
    form's idempotency `key`, a key already used answers (None, "") and changes nothing
    (a retried or double-tapped send)."""
    revoke_open_links(request, user.id, "replaced by a new link")
    token = signing.new_token()
    link = SignoffLink(
        request_id=request.id,
        token_hash=sha256_hex(token),
        document_version=request.version,
        document_text=document,
        document_sha256=sha256_hex(document),
        sent_to_name=name,
        sent_to_email=email,
        expires_at=signing.link_expiry(),
    )
    if key is None:  # made in code, not through the form
        link.created_by_id = user.id
        db.session.add(link)
        db.session.flush()
    else:
        link, created = create_once(link, user.id, key)
        if not created:
            db.session.rollback()  # the revocation above too
            return None, ""
    log_event(
        request,
        "link",
        f"Sign-off link made for {name or email or 'the employer'}"
        f" (version {request.version}, expires {signing.expiry_text(link)})",
        user.id,
    )
    set_status(request, "sent", user.id)
    return link, token


# What of the request's log belongs on its signed record: the status changes and the
# link's life. The coach's notes of meetings and talks with the client are the agency's,
# and the employer may be given a copy of the record.
RECORD_EVENT_KINDS = ("status", "link")


def record_events(signature: Signature) -> list:
    """The request's log on its signed record, newest first: its status and link events
    up to the signature, so the record stays as it was when signed."""
    return [
        event
        for event in reversed(signature.request.events)
        if event.kind in RECORD_EVENT_KINDS and event.at <= signature.signed_at
    ]


def not_disclosed(request: AccommodationRequest) -> str:
    return (
        f"{request.client.first_name} chose not to disclose a disability to employers, and "
        "a request for an accommodation would. Talk it through with them, and change "
        "their disclosure choice first if they agree."
    )


def send_link(request, user: User, form, base_url: str) -> tuple[SignoffLink, str] | None:
    """Make the employer's link from the send form (and email it if asked): the link and
    its URL, or None if the form's idempotency key already made one. The URL holds the
    token: it is shown on this answer only. The key is claimed before any mail goes out;
    nothing is committed here."""
    name, email = form.contact_name.data, form.contact_email.data or ""
    request.contact_name, request.contact_email = name, email
    key = form.idempotency_key.data
    link, token = create_link(request, document_for(request), user, name, email, key)
    if link is None:
        return None
    url = base_url + url_for("accommodations.sign", token=token)
    if form.how.data == "email":
        link.emailed = email_link(request, link, url, user)
    record_event(
        "send", "accommodation", request.id, f"link {link.id} to {email or 'shown on the phone'}"
    )
    return link, url


def email_link(request, link: SignoffLink, url: str, user: User) -> bool:
    agency = current_agency().name
    subject = f"{agency}: accommodation request to review"
    body = (
        f"Hello {link.sent_to_name or ''},\n\n{user.name} of {agency} asks you to "
        f"review a request for a workplace accommodation for {request.client.first_name}.\n\n"
        f"Open this link to read it and record your decision (no account needed):\n{url}\n\n"
        f"The link works once and expires on {signing.expiry_text(link)}.\n"
    )
    redacted = body.replace(url, "[sign-off link, not stored]")
    return send_mail(link.sent_to_email, subject, body, redacted_body=redacted)


def find_link(token: str) -> SignoffLink | None:
    return signing.find_by_token(SignoffLink, token)


def record_decision(
    link: SignoffLink,
    decision: str,
    comment: str,
    signer_name: str,
    signer_title: str,
    ip: str,
    user_agent: str,
) -> Signature | None:
    """The employer's one decision, signed: the link is claimed atomically, so a second
    decision (another tap, another device) gets None, as does a link whose version was
    edited or withdrawn a moment ago. Nothing is committed here."""
    now = utcnow()
    if not signing.claim(link, now):
        db.session.rollback()
        return None
    # Only the version the link was made for, and only while it waits for a decision.
    waiting = db.session.execute(
        sa.update(AccommodationRequest)
        .where(
            AccommodationRequest.id == link.request_id,
            AccommodationRequest.status == "sent",
            AccommodationRequest.version == link.document_version,
        )
        .values(status="sent")
        .execution_options(synchronize_session=False)
    ).rowcount
    if waiting != 1:
        db.session.rollback()
        return None
    signature = Signature(
        request_id=link.request_id,
        link_id=link.id,
        decision=decision,
        comment=comment or "",
        signer_name=signer_name,
        signer_title=signer_title,
        signer_email=link.sent_to_email,
        **signing.signed_record_fields(link, ip, user_agent, now),
    )
    signature.record_sha256 = signing.seal(signature)
    db.session.add(signature)
    request = db.session.get(AccommodationRequest, link.request_id)
    db.session.refresh(request, ["status"])
    set_status(request, decision, None, f"signed by {signer_name}, {signer_title}")
    if signature.comment:
        request.decision_rationale = signature.comment
    record_event("sign", "accommodation", request.id, f"{decision} by {signer_name}")
    return signature


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


def record_follow_up(request, result: str, notes: str | None, user_id: int) -> None:
    """Whether the accommodation works, one to two weeks in, as of today."""
    request.follow_up_done_on = agency_today()
    request.follow_up_result = result
    summary = f"{FOLLOW_UP_RESULTS[result]}. {notes or ''}".strip()
    log_event(request, "follow_up", summary, user_id, occurred_on=request.follow_up_done_on)
    record_event("update", "accommodation", request.id, "follow-up")


def days_open(request, today: date, tz_name: str) -> int:
    """Whole days since the request was written, counted on the agency's calendar."""
    return (today - to_local(request.created_at, tz_name).date()).days


def follow_up_is_due(request, today: date) -> bool:
    return bool(
        request.follow_up_due and not request.follow_up_done_on and request.follow_up_due <= today
    )
