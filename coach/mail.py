"""Sending mail: SMTP when configured, else the log and the outbox (development)."""

import smtplib
from email.message import EmailMessage

from flask import current_app

from coach.extensions import db
from coach.models import OutboxMessage


def send_mail(to: str, subject: str, body: str, redacted_body: str | None = None) -> bool:
    """Send one plain-text message; True when an SMTP server accepted it.

    The outbox keeps `redacted_body` when a real server is used (a message may carry a
    capability link that must not sit in the database); in development, with no server,
    the outbox holds the full message so the flow works end to end, and the log says
    to whom and what, never the link.
    """
    cfg = current_app.config
    message = OutboxMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    if not cfg["MAIL_SERVER"]:
        # Whom and what only: the body may carry a sign-off link, read in the outbox.
        current_app.logger.info(
            "Mail (no MAIL_SERVER set) to %s: %s (the message is in the admin's outbox)",
            to,
            subject,
        )
        return False
    message.body = redacted_body if redacted_body is not None else body
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
