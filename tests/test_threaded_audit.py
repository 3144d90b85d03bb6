"""Threaded workers (gunicorn --threads) serve audited pages without a 500."""

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor

from werkzeug.serving import make_server

from coach.extensions import db
from coach.models import AuditEvent
from tests.conftest import make_app
from tests.factories import PASSWORD, make_client, make_user

THREADS, REQUESTS = 8, 240


def test_audited_pages_under_concurrent_threads_answer_200(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        coach = make_user("coach")
        client_ids = [make_client(coach, f"Ada{n}").id for n in range(4)]
        email = coach.email
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        login = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        login.request(
            "POST",
            "/login",
            body=f"email={email}&password={PASSWORD}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = login.getresponse()
        assert answer.status == 302
        cookie = answer.getheader("Set-Cookie").split(";", 1)[0]

        def view(n: int) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "GET", f"/clients/{client_ids[n % len(client_ids)]}", headers={"Cookie": cookie}
            )
            status = connection.getresponse().status
            connection.close()
            return status

        with ThreadPoolExecutor(THREADS) as pool:
            statuses = list(pool.map(view, range(REQUESTS)))
    finally:
        server.shutdown()
    assert statuses.count(200) == REQUESTS, sorted(set(statuses))
    with app.app_context():
        views = db.session.query(AuditEvent).filter_by(action="view").count()
    assert views == REQUESTS  # every view was audited once
