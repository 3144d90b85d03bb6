"""Two saves of overlapping authorizations at once: one is kept, the other refused."""

import http.client
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from werkzeug.serving import make_server

import coach.billing.forms as billing_forms
from coach.extensions import db
from coach.models import Authorization, ServiceType
from tests.conftest import make_app
from tests.factories import PASSWORD, make_client, make_funder, make_user

SAVES = 4


def test_overlapping_authorizations_saved_at_once_keep_one(tmp_path, monkeypatch):
    app = make_app(tmp_path)
    with app.app_context():
        coach = make_user("coach")
        person_id = make_client(coach, "Rosa", "Diaz").id
        funder_id = make_funder(make_user("admin")).id
        service_id = db.session.scalars(
            sa.select(ServiceType.id).where(ServiceType.code == "JOBCOACH")
        ).one()
        email = coach.email

    check = billing_forms.overlapping

    def slow_check(*args, **kwargs):
        found = check(*args, **kwargs)
        time.sleep(0.3)  # every save now checks before any other has saved, unless held
        return found

    monkeypatch.setattr(billing_forms, "overlapping", slow_check)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def post(path: str, body: str, cookie: str = "") -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse()

    try:
        login = post("/login", f"email={email}&password={PASSWORD}")
        cookie = login.getheader("Set-Cookie").split(";", 1)[0]

        def save(n: int) -> tuple[int, str]:
            body = (
                f"idempotency_key={uuid.uuid4().hex}&funder_id={funder_id}&service_type_id={service_id}"
                f"&number=VR-{n}&start_date=2026-11-0{n + 1}&end_date=2027-01-31&units=40"
            )
            answer = post(f"/billing/clients/{person_id}/authorizations/new", body, cookie)
            return answer.status, answer.read().decode()

        with ThreadPoolExecutor(SAVES) as pool:
            answers = list(pool.map(save, range(SAVES)))
    finally:
        server.shutdown()
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (SAVES - 1) + [302], statuses
    refused = [page for status, page in answers if status == 200]
    assert all("These dates overlap authorization VR-" in page for page in refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Authorization.id))) == 1
