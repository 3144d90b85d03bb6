"""Links in emails point at PUBLIC_BASE_URL, never at whatever Host a request named."""

import uuid

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AccommodationRequest, OutboxMessage, SignoffLink
from tests.conftest import FreshContextClient, make_app
from tests.factories import PASSWORD, make_client, make_request, make_user

PUBLIC = "https://coach.example.org"


@pytest.fixture(autouse=True)
def no_settings_from_the_shell(monkeypatch):
    for name in ("PUBLIC_BASE_URL", "TRUSTED_HOSTS", "DEVELOPMENT", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def coach_with_a_request(app, base_url="http://localhost"):
    app.test_client_class = FreshContextClient
    client = app.test_client()
    with app.app_context():
        coach = make_user("coach")
        item_id = make_request(make_client(coach, "Rosa", disclosure="functional"), coach).id
        email = coach.email
    login = client.post("/login", data={"email": email, "password": PASSWORD}, base_url=base_url)
    assert login.status_code == 302
    return client, item_id


def email_the_link(client, item_id, **kwargs):
    return client.post(
        f"/accommodations/{item_id}/send",
        data={
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": "email",
            "idempotency_key": uuid.uuid4().hex,
        },
        **kwargs,
    )


def test_an_emailed_link_uses_public_base_url_whatever_the_host_header(tmp_path, monkeypatch):
    # The mail as it would go out (outside development the outbox keeps it without the link).
    sent = []
    monkeypatch.setattr(
        "coach.accommodations.services.send_mail",
        lambda to, subject, body, redacted_body=None: sent.append(body) or False,
    )
    app = make_app(tmp_path, PUBLIC_BASE_URL=PUBLIC, TESTING=False)
    client, item_id = coach_with_a_request(app, base_url="http://evil.example.net")
    answer = email_the_link(client, item_id, base_url="http://evil.example.net")
    assert answer.status_code == 200
    (body,) = sent
    assert f"{PUBLIC}/s/" in body and "evil.example.net" not in body
    assert f'value="{PUBLIC}/s/' in answer.text  # the QR code and the copied link too


def test_without_public_base_url_outside_development_nothing_is_emailed_or_made(tmp_path):
    app = make_app(tmp_path, TESTING=False)
    client, item_id = coach_with_a_request(app)
    answer = email_the_link(client, item_id)
    assert "PUBLIC_BASE_URL is not set" in answer.text and "No link was made" in answer.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SignoffLink.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
        assert db.session.get(AccommodationRequest, item_id).status == "draft"
        admin = make_user("admin")
    client.post("/logout")
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert "Sign-off links cannot be emailed" in client.get("/admin/outbox").text


def test_make_run_without_public_base_url_emails_a_link_to_where_it_was_reached(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("DEVELOPMENT", "1")  # as make run sets it
    app = make_app(tmp_path, TESTING=False)
    assert app.config["TRUSTED_HOSTS"] is None  # a phone on the network reaches it by address
    laptop = "http://192.168.1.20:5000"
    client, item_id = coach_with_a_request(app, base_url=laptop)
    assert email_the_link(client, item_id, base_url=laptop).status_code == 200
    with app.app_context():
        assert f"{laptop}/s/" in db.session.scalar(sa.select(OutboxMessage.body))
    with app.app_context():
        assert "Sign-off links cannot be emailed" not in app.test_client().get("/login").text


def test_an_untrusted_host_gets_400(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC + "/")
    app = make_app(tmp_path)
    assert app.config["TRUSTED_HOSTS"] == ["coach.example.org"]
    client = app.test_client()
    assert client.get("/login", base_url=PUBLIC).status_code == 200
    refused = client.get("/login", headers={"Host": "evil.example.net"})
    assert refused.status_code == 400 and "Traceback" not in refused.text


def test_trusted_hosts_from_the_environment_and_in_development(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setenv("DEVELOPMENT", "1")
    app = make_app(tmp_path)
    assert app.config["TRUSTED_HOSTS"] == ["coach.example.org", "localhost", "127.0.0.1"]
    assert app.test_client().get("/login").status_code == 200  # http://localhost
    monkeypatch.setenv("TRUSTED_HOSTS", "coach.example.org, .internal.example.org")
    app = make_app(tmp_path)
    assert app.config["TRUSTED_HOSTS"] == ["coach.example.org", ".internal.example.org"]
    assert app.test_client().get("/login").status_code == 400
