"""The token of a sign-off link never reaches a log: access log, error log, audit rows."""

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from coach import create_app
from coach.accommodations import services as acc
from coach.extensions import db
from tests.factories import make_client, make_request, make_user

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq3k9VbR0xWmTt7pLr2sYc5dNf8gHj1aKe4uPo6iQw0"


@pytest.fixture(autouse=True)
def loggers_enabled(monkeypatch):
    """Alembic's fileConfig (the migration tests) disables the loggers that exist by then."""
    for name in ("coach", "werkzeug"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_access_log_shows_a_placeholder_not_the_token(tmp_path):
    """gunicorn as `make run` starts it: the request line of /s/<token> is redacted."""
    database = tmp_path / "served.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "test-secret",
        "PYTHONPATH": str(ROOT),
    }
    command = (
        f"{sys.executable} -m gunicorn --config gunicorn.conf.py --workers 1 "
        f"--bind 127.0.0.1:{port} --access-logfile - app:app"
    )
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(command.split(), cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            status = None
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/s/{TOKEN}?from=mail")
                except urllib.error.HTTPError as error:
                    status = error.code
                    break
                except OSError:
                    time.sleep(0.1)
            assert status == 404  # an unknown link, answered
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    assert '"GET /s/[token]?from=mail HTTP/1.1" 404' in text, text
    assert TOKEN not in text
    # make run and the Procfile start gunicorn with the same settings file.
    assert "--config gunicorn.conf.py" in (ROOT / "Makefile").read_text()
    assert "--config gunicorn.conf.py" in (ROOT / "Procfile").read_text()


def test_the_apps_error_log_names_the_path_without_the_token(client, monkeypatch, caplog):
    def broken(token):
        raise RuntimeError("the database driver failed")

    monkeypatch.setattr(acc, "find_link", broken)
    with caplog.at_level(logging.ERROR):
        assert client.get(f"/s/{TOKEN}").status_code == 500
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Unhandled error on GET /s/[token]" in logged
    assert TOKEN not in logged


def test_the_development_servers_request_line_is_redacted(app, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"GET /s/%s HTTP/1.1" 200 -', TOKEN)
    assert TOKEN not in caplog.text and "/s/[token]" in caplog.text


def test_audit_rows_of_a_sign_off_hold_no_token(client, ctx):
    coach = make_user("coach")
    item = make_request(make_client(coach, "Rosa"), coach)
    _, token = acc.create_link(item, "the document", coach, "Dana", "dana@example.com")
    db.session.commit()
    assert client.get(f"/s/{token}").status_code == 200
    signed = client.post(
        f"/s/{token}",
        data={
            "consent": "y",
            "signer_name": "Dana Brooks",
            "signer_title": "Manager",
            "decision": "approved",
        },
    )
    assert signed.status_code == 200
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM audit_events")).all()
        events = connection.execute(sa.text("SELECT summary FROM request_events")).all()
    assert {row.action for row in rows} >= {"view", "sign"}
    assert not re.search(re.escape(token), repr(rows) + repr(events))
