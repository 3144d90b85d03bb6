"""The weekly email: on Monday morning, each coach's overdue items and the week's
deadlines, over the agency's SMTP setting (`flask --app app send-digests`)."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from coach.agency import current_agency
from coach.extensions import db
from coach.mail import send_mail
from coach.models import User
from coach.timeutil import format_local
from coach.today.due import When
from coach.today.services import ShownItem, item_rows, now_for_rules

DIGEST_SIZE = 100  # the most urgent items in one email


def digest_body(user: User, items: list[ShownItem], when: When, today_url: str) -> str:
    """The email's text: overdue first, then this week's deadlines, one line each."""
    overdue = [item for item in items if item.overdue]
    coming = [item for item in items if not item.overdue]
    lines = [f"Good morning {user.name},", ""]
    for title, group in (("Overdue", overdue), ("Due this week", coming)):
        lines.append(f"{title}: {len(group)}")
        lines.extend(
            f"- {short_name(item.client_name)}: {item.label}, {item.todo} "
            f"({format_local(item.due_at, when.tz, '%a %b %-d, %-I:%M %p')}, {item.when})"
            for item in group
        )
        lines.append("")
    lines.append(f"Open Today: {today_url}" if today_url else "Open Today in the app.")
    lines.append("You can turn this email off in My account.")
    return "\n".join(lines)


def short_name(name: str) -> str:
    """ "Rosa D.": an email leaves the app, so it names a client no more than needed."""
    first, *rest = name.split()
    return f"{first} {rest[-1][0]}." if rest else first


def recipients() -> list[User]:
    """Active coaches who have not turned the digest off."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == "coach", User.active.is_(True), User.weekly_digest.is_(True))
            .order_by(User.id)
        )
    )


def send_digests() -> tuple[int, int]:
    """Send each coach their digest of what is overdue and due within 7 days: (sent,
    skipped: nothing due, or already sent today). A second run the same day sends no
    second email."""
    when = now_for_rules()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    today_url = f"{base}/today/" if base else ""
    week = when.now + timedelta(days=7)
    sent = skipped = 0
    for user in recipients():  # one query per coach: a batch job, not a page
        if user.digest_sent_on == when.today:
            skipped += 1
            continue
        items = [i for i in item_rows(user, when, DIGEST_SIZE) if i.due_at <= week]
        if not items:
            skipped += 1
            continue
        subject = f"{current_agency().name}: {sum(i.overdue for i in items)} overdue, this week"
        send_mail(user.email, subject, digest_body(user, items, when, today_url))
        user.digest_sent_on = when.today
        db.session.commit()
        sent += 1
    return sent, skipped
