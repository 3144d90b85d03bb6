"""Signing through a link, for someone without an account: the capability link and the
signed record. Employers sign accommodation requests this way; the person's employment
plan is to be signed the same way.

The capability link: a 256-bit random token of which only the SHA-256 is stored, an
expiry, one use, revocable; a GET only notes that the link was opened (mail scanners
open links too), the decision is a POST. Its model has the columns token_hash,
expires_at, first_viewed_at, revoked_at and used_at, document_version, document_text and
document_sha256 (what the link shows), and a state(now) method.

Someone who signs on the coach's phone (the person signing their employment plan) needs no
link: the document is a Document (version, text, SHA-256) and the one signature per
version is taken with take_once(), the same conditional UPDATE that claims a link.

The signed record keeps what ESIGN/UETA need: the exact document shown (its text and
SHA-256), the signer's consent to sign electronically, the time (UTC) and the device
(IP and browser). Its model has the columns of signed_record_fields(); once written it
never changes.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

import segno
import sqlalchemy as sa
from flask import current_app, make_response, render_template, request

from coach.agency import current_agency
from coach.audit.services import record_event
from coach.extensions import db
from coach.mail import NO_PUBLIC_BASE_URL, public_base_url
from coach.timeutil import format_local, utcnow

CONSENT_TEXT = (
    "I agree to sign this document electronically. I understand that my typed name above is "
    "my signature, that it has the same effect as a handwritten signature, and that I can "
    "ask the agency for a paper copy of this record."
)
# What a link that cannot be used says, and its HTTP status: nothing more is revealed.
LINK_STATES = {
    "unknown": ("This link is not valid.", 404),
    "expired": ("This link has expired. Ask the employment specialist for a new one.", 410),
    "revoked": (
        "This link was withdrawn or replaced by a newer one. Use the most recent link "
        "you were sent, or ask the employment specialist.",
        410,
    ),
    "used": ("A decision was already recorded with this link. Thank you.", 410),
}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the capability link ------------------------------------------------------------


def new_token() -> str:
    """A token for a new link (256 bits): it goes in the link, once; store sha256_hex()."""
    return secrets.token_urlsafe(32)


def link_expiry() -> datetime:
    """When a link made now stops working."""
    return utcnow() + timedelta(days=current_app.config["SIGNOFF_LINK_DAYS"])


def find_by_token(model, token: str):
    """The link of this token, whatever its state, or None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(sa.select(model).where(model.token_hash == sha256_hex(token)))


def link_state(link, now: datetime) -> str:
    """'active', or why the link cannot be used: unknown (None), used, revoked, expired
    (the link model's state(now) says which)."""
    return "unknown" if link is None else link.state(now)


def link_state_page(state: str):
    """The plain page of a link that cannot be used, with its status."""
    message, status = LINK_STATES[state]
    return render_template("signing/link_state.html", state=state, message=message), status


def expiry_text(link) -> str:
    """When the link stops working, as the email, the sign-off page, the signed record and
    the log all say it: the one stored instant, in the agency's zone, with the zone named."""
    return format_local(link.expires_at, current_agency().timezone, "%B %-d, %Y, %-I:%M %p %Z")


def note_opened(link, entity_type: str) -> None:
    """A GET of the link: it was opened, perhaps by a mail scanner, not necessarily read by
    the person it was sent to. Nothing is decided."""
    if link.first_viewed_at is None:
        link.first_viewed_at = utcnow()
    record_event("view", entity_type, link.id, "link opened (possibly by a mail scanner)")


def take_once(model, row_id: int, values: dict, *where) -> bool:
    """Change one row only if `where` still holds, in one conditional UPDATE: of two taps
    or two devices acting at once, exactly one gets True."""
    taken = db.session.execute(
        sa.update(model).where(model.id == row_id, *where).values(**values)
    ).rowcount
    return taken == 1


def claim(link, now: datetime) -> bool:
    """Use the link for its one decision (take_once): of two taps or two devices deciding
    at once, exactly one gets True."""
    model = type(link)
    return take_once(
        model,
        link.id,
        {"used_at": now},
        model.used_at.is_(None),
        model.revoked_at.is_(None),
        model.expires_at > now,
    )


def revoke_open(model, now: datetime, *where) -> int:
    """Revoke the unused links `where` selects, in one conditional UPDATE: a link being
    signed at this very moment is either already used (and left alone) or revoked first."""
    return db.session.execute(
        sa.update(model)
        .where(*where, model.used_at.is_(None), model.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def no_trace(response):
    """Pages under a capability URL: never cached, indexed or leaked through Referer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def private_page(view):
    """A view under a capability URL: its answers carry no_trace()'s headers."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return no_trace(make_response(view(*args, **kwargs)))

    return wrapped


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code, for the other person to scan from a phone."""
    return segno.make(url, error="m").svg_inline(scale=4, dark="#111827", omitsize=True)


# --- the signed record --------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A document to sign without a link: what signed_record_fields() reads of a link."""

    document_version: int
    document_text: str
    document_sha256: str

    @classmethod
    def of(cls, version: int, text: str) -> "Document":
        return cls(version, text, sha256_hex(text))


def link_base(form, what: str) -> str | None:
    """The address a new link starts with; None (the form says why, nothing is made)
    when it is to be emailed and PUBLIC_BASE_URL is not set. Shown on the coach's own
    phone, a link may use the address the phone reached us at."""
    base = public_base_url()
    if form.how.data == "email" and base is None:
        current_app.logger.warning("%s not emailed: PUBLIC_BASE_URL is not set", what)
        form.form_errors.append(NO_PUBLIC_BASE_URL)
        return None
    return base or request.host_url.rstrip("/")


def link_ready_page(link, url: str, how: str, **wording) -> str:
    """The one answer that shows a new link's URL and QR code (its token, only now);
    `wording`: who, label, field_id and done_url of link_ready.html."""
    return render_template(
        "link_ready.html", link=link, url=url, qr=qr_svg(url), how=how, **wording
    )


def signed_record_fields(link, ip: str, user_agent: str, now: datetime) -> dict:
    """The signed record's evidence: the document the link (or a Document) showed (its
    version, text and SHA-256), the consent given, the time and the device."""
    return {
        "document_version": link.document_version,
        "document_text": link.document_text,
        "document_sha256": link.document_sha256,
        "consent_text": CONSENT_TEXT,
        "consented": True,
        "signed_at": now,
        "ip": ip[:45],
        "user_agent": user_agent[:300],
    }


# What a record's seal covers: the decision and everything that says who made it, when
# and from where, with the document's fingerprint.
SEALED = (
    "decision",
    "comment",
    "signer_name",
    "signer_title",
    "signer_email",
    "signed_at",
    "consent_text",
    "consented",
    "ip",
    "user_agent",
    "document_version",
    "document_sha256",
)


def seal(record) -> str:
    """The SHA-256 of the record's sealed fields (SEALED), written as sorted JSON."""
    fields = {name: getattr(record, name) for name in SEALED}
    fields["signed_at"] = fields["signed_at"].isoformat()
    return sha256_hex(json.dumps(fields, sort_keys=True, ensure_ascii=False))


def verify(record) -> bool:
    """The stored document still matches the fingerprint taken when it was signed, and,
    where the record keeps a seal (`record_sha256`), so do its decision and signer: a
    changed decision no longer reads as verified."""
    document = sha256_hex(record.document_text) == record.document_sha256
    sealed = getattr(record, "record_sha256", None)
    return document and (sealed is None or sealed == seal(record))
