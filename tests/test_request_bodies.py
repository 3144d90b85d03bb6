"""Request bodies the server cannot read whole are refused, never half-saved: a body
sent in chunks (Transfer-Encoding: chunked, no Content-Length) is read whole, or
answered 411 where the server cannot; one past the 2 MB cap is 413, with a plain page."""

import http.client
import threading
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.test import encode_multipart

from coach.extensions import db
from coach.models import Trip
from tests.conftest import make_app
from tests.factories import PASSWORD, make_user

CAP = 2 * 1024 * 1024
TRIP = {
    "idempotency_key": "chunked-trip-1",
    "trip_date": "2026-11-02",
    "purpose": "Drove to the store",
    "origin": "Office",
    "destination": "Store",
    "miles": "3",
    "client_id": "0",
}
NOTES = "Parked at the back, by the loading dock"


def trips(app) -> list[Trip]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Trip)))


@pytest.fixture
def server(tmp_path):
    """The app served by werkzeug on a loopback port (which, like gunicorn, decodes
    chunked bodies and sets wsgi.input_terminated), and a logged-in session cookie."""
    app = make_app(tmp_path)
    with app.app_context():
        email = make_user("coach").email
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", httpd.server_port, timeout=30)
    conn.request(
        "POST",
        "/login",
        urlencode({"email": email, "password": PASSWORD}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 302
    cookie = response.getheader("Set-Cookie").split(";")[0]
    yield app, httpd.server_port, cookie
    httpd.shutdown()
    thread.join(timeout=5)
    httpd.server_close()


def post_chunked(port: int, cookie: str, body: bytes, chunk: int = 64 * 1024):
    """POST a form body in chunks, as some proxies and clients send it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("POST", "/mileage/new")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.putheader("Cookie", cookie)
    conn.endheaders()
    try:
        for start in range(0, len(body), chunk):
            part = body[start : start + chunk]
            conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before the rest is sent
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response.status, text


def test_a_chunked_form_is_read_whole_and_saved_with_every_field(server):
    app, port, cookie = server
    status, _ = post_chunked(port, cookie, urlencode({**TRIP, "notes": NOTES}).encode(), 20)
    assert status == 302
    (trip,) = trips(app)
    assert trip.notes == NOTES and trip.purpose == "Drove to the store"


def test_a_chunked_form_past_the_cap_is_413_and_saves_nothing(server):
    # The trip's fields come first, then padding past the cap, then the notes: read up
    # to the cap and no further, the form was valid without its notes and was saved.
    app, port, cookie = server
    body = urlencode({**TRIP, "pad": "x" * CAP, "notes": NOTES}).encode()
    status, text = post_chunked(port, cookie, body)
    assert status == 413
    assert "Too large" in text and "Traceback" not in text
    assert trips(app) == []


def test_a_chunked_body_the_server_cannot_read_is_411(client, login_as):
    # The test client, like a server that does not decode chunks itself, leaves no
    # Content-Length and no wsgi.input_terminated: werkzeug would read an empty form.
    login_as("coach")
    response = client.post(
        "/mileage/new", data={**TRIP, "notes": NOTES}, headers={"Transfer-Encoding": "chunked"}
    )
    assert response.status_code == 411
    assert "Length required" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0


def test_a_body_past_the_cap_is_413_with_a_plain_page(client, login_as):
    login_as("coach")
    response = client.post("/mileage/new", data={**TRIP, "notes": "x" * (CAP + 1)})
    assert response.status_code == 413
    assert "Too large" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0


def test_a_long_multipart_field_under_the_cap_gets_a_message_beside_it(client, login_as):
    # Flask 3.1 refuses a multipart text field over 500 kB with a bare 413 by default.
    login_as("coach")
    boundary, body = encode_multipart({**TRIP, "notes": "x" * 600_000})  # in memory
    response = client.post(
        "/mileage/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 200
    assert "Use at most" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0
