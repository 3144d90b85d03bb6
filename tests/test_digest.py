"""The weekly digest: each coach's overdue items and the week's deadlines, emailed
through the SMTP setting by `flask --app app send-digests`; a coach can turn it off."""

import socket
from datetime import date, datetime

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, OutboxMessage, User
from tests.clock import freeze_clock
from tests.factories import make_client, make_request, make_user

MONDAY = datetime(2026, 11, 30, 7, 0)  # local


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def caseload(coach, name="Rosa"):
    person = make_client(coach, name, "Diaz")
    make_request(person, coach, follow_up_due=date(2026, 11, 27))  # overdue
    make_request(person, coach, follow_up_due=date(2026, 12, 3))  # this week
    make_request(person, coach, follow_up_due=date(2026, 12, 12))  # later: not in it
    return person


def test_the_digest_is_delivered_through_smtp(app, runner, ctx, monkeypatch):
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    freeze_clock(monkeypatch, MONDAY)
    coach = make_user("coach", email="jordan@example.org", name="Jordan Lee")
    caseload(coach)
    make_user("coach", email="idle@example.org")  # nothing due: no email
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        app.config["PUBLIC_BASE_URL"] = "https://coach.example.org"
        result = runner.invoke(args=["send-digests"])
        again = runner.invoke(args=["send-digests"])  # cron ran twice: one email
    finally:
        controller.stop()
        app.config["MAIL_SERVER"] = ""
    assert "Sent 1 digest" in result.output and "Sent 0 digests" in again.output
    (recipients, content), *more = inbox.messages
    assert not more and recipients == ["jordan@example.org"]
    assert "Subject: Test Agency: 1 overdue, this week" in content
    assert "Overdue: 1" in content and "Due this week: 1" in content
    assert "Rosa D.: Accommodation check" in content and "Diaz" not in content
    assert "Dec 12" not in content
    assert "https://coach.example.org/today/" in content
    assert db.session.scalar(sa.select(OutboxMessage)).delivered


def test_a_coach_turns_the_digest_off_in_my_account(client, login_as, runner, monkeypatch):
    freeze_clock(monkeypatch, MONDAY)
    coach = login_as("coach")
    caseload(coach)
    page = client.get("/account").text
    assert "Monday email" in page and 'name="weekly_digest" type="checkbox" value="y"' in page
    assert client.post("/account/digest", data={}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, coach.id).weekly_digest
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert event.summary == "weekly_digest: True → False"
    assert "Sent 0 digests" in runner.invoke(args=["send-digests"]).output
    client.post("/account/digest", data={"weekly_digest": "y"})
    assert "Sent 1 digest" in runner.invoke(args=["send-digests"]).output
