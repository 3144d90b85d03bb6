"""Sending mail: SMTP when configured, else the log and the outbox (development)."""

import smtplib
from email.message import EmailMessage

from flask import current_app, request

from coach.config import in_development
from coach.extensions import db
from coach.models import OutboxMessage


def send_mail(to: str, subject: str, body: str, redacted_body: str | None = None) -> bool:
    """Send one plain-text message; True when an SMTP server accepted it.

    The outbox keeps `redacted_body` (a message may carry a capability link that must
    not sit in the database), except in development with no server: there the outbox
    holds the full message so the flow works end to end. The log says to whom and
    what, never the link.
    """
    cfg = current_app.config
    keep_all = not cfg["MAIL_SERVER"] and in_development(current_app)
    kept = body if keep_all or redacted_body is None else redacted_body
    message = OutboxMessage(to=to, subject=subject, body=kept)
    db.session.add(message)
    if not cfg["MAIL_SERVER"]:
        # Whom and what only: the body may carry a sign-off link, read in the outbox.
        current_app.logger.info(
            "Mail (no MAIL_SERVER set) to %s: %s (the message is in the admin's outbox)",
            to,
            subject,
        )
        return False
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = to
    email["Subject"] = subject
    email.set_content(body)
    try:
        smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.warning("Mail to %s failed: %s", to, error)
        message.error = str(error)[:500]
        return False
    message.delivered = True
    return True


def public_base_url() -> str | None:
    """Where links sent to people outside the app point, without a trailing slash.

    PUBLIC_BASE_URL; in development without it, the address the request came to, so
    the sign-off flow works on a laptop; else None: a link built from the request's
    Host header could point at any server the sender of that header names.
    """
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if base:
        return base
    if in_development(current_app):
        return request.host_url.rstrip("/")
    return None


def emailed_links_refused() -> bool:
    """True while links cannot be emailed: no PUBLIC_BASE_URL outside development."""
    return public_base_url() is None


NO_PUBLIC_BASE_URL = (
    "The link was not emailed: this server does not know its public address "
    "(PUBLIC_BASE_URL is not set), so a link in an email could point to the wrong site. "
    "No link was made. Choose “Show a QR code or copy the link”, or ask your "
    "administrator to set PUBLIC_BASE_URL."
)
