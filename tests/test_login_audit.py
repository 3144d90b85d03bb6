"""What was typed in the email box of a failed login is kept only if it is an email."""

import logging

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, LoginThrottle
from tests.factories import PASSWORD, make_user

TYPED_PASSWORD = "Tr0ub4dor&3 horse battery"


def everything_stored() -> str:
    with db.engine.connect() as connection:
        audit = connection.execute(sa.select(AuditEvent.__table__)).all()
        throttles = connection.execute(sa.select(LoginThrottle.__table__)).all()
    return (repr(audit) + repr(throttles)).lower()  # emails are kept lower-cased


def test_a_password_typed_in_the_email_box_is_not_kept(client, auth, ctx, caplog):
    with caplog.at_level(logging.DEBUG):
        response = auth.login(TYPED_PASSWORD, "whatever was in the password box")
    assert response.status_code == 200 and "do not match" in response.text
    assert TYPED_PASSWORD.lower() not in everything_stored()
    assert TYPED_PASSWORD not in caplog.text
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "login_failed")
    ).all()
    assert summaries == ["email: not an email"]


def test_a_password_with_an_at_sign_is_not_taken_for_an_email(client, auth, ctx):
    auth.login("P@ssw0rd.2024!", "x")
    assert "p@ssw0rd" not in everything_stored()


def test_a_failed_login_with_an_email_still_names_it_and_counts(client, auth, ctx):
    auth.login("nobody@example.org", "wrong password!")
    summary = db.session.scalar(sa.select(AuditEvent.summary))
    assert summary == "email=nobody@example.org"
    assert db.session.get(LoginThrottle, "nobody@example.org").failures == 1


def test_an_accounts_email_counts_even_if_the_forms_would_refuse_it(client, auth, ctx, app):
    # Seed scripts (soak, bench) make accounts at .test domains, which email_validator refuses.
    user = make_user(email="coach1@soak.test")
    assert auth.login(user.email, PASSWORD).status_code == 302
    auth.logout()
    auth.login(user.email, "wrong password!")
    assert db.session.get(LoginThrottle, "coach1@soak.test").failures == 1
