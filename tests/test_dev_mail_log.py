"""With no mail server (make run), the log says whom a message went to and its subject."""

import logging
import re
import uuid

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import OutboxMessage
from tests.factories import make_client, make_request


@pytest.fixture(autouse=True)
def loggers_enabled(monkeypatch):
    """Alembic's fileConfig (the migration tests) disables the loggers that exist by then."""
    for name in ("coach",):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)


def test_development_mail_is_logged_without_its_link(client, login_as, caplog):
    # No caplog.at_level: the app's own level decides, as under gunicorn.
    coach = login_as("coach")
    item = make_request(make_client(coach, "Rosa", disclosure="functional"), coach)
    response = client.post(
        f"/accommodations/{item.id}/send",
        data={
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": "email",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    mail = [line for line in lines if "dana@grocery.example.com" in line]
    assert mail and "accommodation request to review" in mail[0]
    assert not any("/s/" in line for line in lines)  # the link is read in the outbox
    body = db.session.scalar(sa.select(OutboxMessage.body))
    assert re.search(r"/s/[A-Za-z0-9_-]{40,}", body)


def test_outside_development_no_mail_server_keeps_no_link_in_the_outbox(app):
    from coach.mail import send_mail

    app.testing = False  # a deployment that has not set MAIL_SERVER yet
    with app.test_request_context():
        app.config.update(DEVELOPMENT=False, MAIL_SERVER="")
        assert not send_mail("dana@example.com", "Review", "Open https://x/s/secret", "Open it")
        db.session.commit()
        assert db.session.scalar(sa.select(OutboxMessage.body)) == "Open it"
