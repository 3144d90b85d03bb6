"""Works without signal: what the server tells the service worker to keep, and the
pieces the outbox relies on (the worker itself, a fresh CSRF token, marked forms)."""

import gzip
import re
from pathlib import Path

from coach.offline.services import KEPT_PAGES, user_key
from coach.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    make_client,
    make_report,
    make_report_link,
    make_run,
    make_task,
    make_user,
    make_visit,
)

STATIC = Path(__file__).resolve().parent.parent / "coach" / "static"


def test_the_service_worker_is_served_from_the_root_never_cached_and_small(client):
    response = client.get("/sw.js")  # no login needed: it is registered from the login page too
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert re.search(r'"/static/app\.js\?v=[0-9a-f]{12}"', body)  # the shell, cache-busted
    assert "/static/offline.js?v=" in body
    assert "MAX_AGE_MS = 43200000;" in body  # the 12-hour session limit
    # The first load grows by the worker and offline.js, compressed: at most 10 KB.
    added = len(gzip.compress(response.data, 9))
    added += len(gzip.compress((STATIC / "offline.js").read_bytes(), 9))
    assert added <= 10 * 1024


def test_the_policy_lets_only_our_own_worker_run(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp
    assert "script-src" not in csp and "unsafe" not in csp


def test_pages_a_coach_needs_without_signal_are_marked_for_their_viewer(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    rosa = make_client(coach, "Rosa")
    run = make_run(make_task(rosa, coach), coach, {})
    auth.login(coach.email, PASSWORD)
    key = user_key(coach)
    for path in ("/today/", "/clients/", f"/clients/{rosa.id}", f"/runs/{run.id}", "/mileage/new"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Coach-Keep"] == key, path
        assert response.headers["Cache-Control"] == "no-store"  # never in shared caches
    assert f'data-user="{key}"' in client.get("/today/").get_data(as_text=True)
    assert len(key) == 24 and key != str(coach.id)  # an opaque key, not the user's id


def test_other_pages_fragments_and_writes_are_never_marked(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    rosa = make_client(coach, "Rosa")
    visit = make_visit(rosa, coach)
    auth.login(coach.email, PASSWORD)
    for path in ("/menu", f"/visits/{visit.id}", f"/clients/{rosa.id}/visits", "/mileage/"):
        assert "X-Coach-Keep" not in client.get(path).headers, path
    fragment = client.get(f"/clients/{rosa.id}", headers={"HX-Request": "true"})
    assert "X-Coach-Keep" not in fragment.headers  # htmx asking for a piece
    boosted_headers = {"HX-Request": "true", "HX-Boosted": "true"}
    boosted = client.get(f"/clients/{rosa.id}", headers=boosted_headers)
    assert boosted.headers["X-Coach-Keep"] == user_key(coach)  # a whole page
    write = client.post("/mileage/new", data={"purpose": ""})
    assert "X-Coach-Keep" not in write.headers
    missing = client.get("/clients/999999")
    assert missing.status_code == 404 and "X-Coach-Keep" not in missing.headers


def test_sign_off_and_report_links_are_never_marked(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    supervisor = make_user("supervisor")
    rosa = make_client(coach, "Rosa")
    token = make_report_link(make_report(rosa, coach, approved_by=supervisor), coach)
    auth.login(coach.email, PASSWORD)
    response = client.get(f"/r/{token}")
    assert response.status_code == 200
    assert "X-Coach-Keep" not in response.headers
    assert "X-Coach-Keep" not in client.get("/s/not-a-token").headers
    assert not any(endpoint.startswith(("signoff", "reports.shared")) for endpoint in KEPT_PAGES)


def test_two_users_get_two_keys(ctx):
    one, two = make_user("coach"), make_user("coach")
    assert user_key(one) != user_key(two)
    assert user_key(one) == user_key(one)


def test_login_and_logout_tell_the_worker_to_drop_kept_pages(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    assert client.get("/login").headers["X-Coach-Clear"] == "pages"
    auth.login(coach.email, PASSWORD)
    assert client.post("/logout").headers["X-Coach-Clear"] == "pages"


def test_the_outbox_gets_a_fresh_token_and_whose_session_it_is(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    auth.login(coach.email, PASSWORD)
    response = client.get("/outbox/session")
    assert response.status_code == 200
    assert response.json["user"] == user_key(coach)
    assert response.json["csrf"]
    assert response.headers["Cache-Control"] == "no-store"


def test_an_ended_session_sends_the_outbox_to_log_in(ctx, client):
    response = client.get("/outbox/session")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_saves_that_go_to_the_outbox_are_marked(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    rosa = make_client(coach, "Rosa")
    run = make_run(make_task(rosa, coach), coach, {})
    auth.login(coach.email, PASSWORD)
    client_page = client.get(f"/clients/{rosa.id}").get_data(as_text=True)
    assert 'data-outbox="Visit started"' in client_page
    run_page = client.get(f"/runs/{run.id}").get_data(as_text=True)
    assert 'data-outbox="Step 1"' in run_page and 'data-outbox="Run note saved"' in run_page
    assert 'data-outbox="Trip"' in client.get("/mileage/new").get_data(as_text=True)
    assert 'data-outbox="Employer contact"' in client.get("/jobdev/new").get_data(as_text=True)
    assert 'data-outbox="Contact logged"' in client.get("/contacts/new").get_data(as_text=True)
    make_visit(rosa, coach, minutes=None, started_at=utcnow())
    under_way = client.get(f"/clients/{rosa.id}").get_data(as_text=True)
    assert 'data-outbox="End of visit, with its note"' in under_way
    assert 'data-outbox="Visit note saved"' in under_way


def test_the_note_form_of_a_visit_started_without_signal_comes_apart_and_is_kept(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    rosa = make_client(coach, "Rosa")
    auth.login(coach.email, PASSWORD)
    page = client.get(f"/clients/{rosa.id}").get_data(as_text=True)
    src = f"/clients/{rosa.id}/visits/pending-form"
    # The page names where the form is, and does not carry it.
    assert f'<template id="pending-visit" data-src="{src}"></template>' in page
    assert "Visit started on this phone" not in page
    response = client.get(src, headers={"X-Coach-Fragment": "keep"})
    form = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["X-Coach-Keep"] == user_key(coach)  # the worker keeps it
    assert "Visit started on this phone" in form
    assert 'data-outbox="End of visit, with its note"' in form and "data-outbox-pending" in form
    assert 'action="/visits/0/end"' in form and 'name="tasks_observed"' in form
    # With a visit under way, the panel is its note: nothing is fetched.
    make_visit(rosa, coach, minutes=None, started_at=utcnow())
    assert 'id="pending-visit"' not in client.get(f"/clients/{rosa.id}").get_data(as_text=True)


def test_the_pending_note_form_of_another_coachs_client_is_not_found(ctx, client, auth):
    coach = make_user("coach", email="jordan@example.org")
    other = make_user("coach", email="sam@example.org")
    theirs = make_client(other, "Lee")
    auth.login(coach.email, PASSWORD)
    response = client.get(f"/clients/{theirs.id}/visits/pending-form")
    assert response.status_code == 404 and "X-Coach-Keep" not in response.headers


def _start(client, rosa, when):
    from coach.agency import current_agency
    from coach.timeutil import local_input_value

    local = local_input_value(when, current_agency().timezone)
    return client.post(
        f"/clients/{rosa.id}/visits/start",
        data={
            "idempotency_key": "k" * 32,
            "contact_type": "on_site",
            "placement_id": "0",
            "started_at": local.strftime("%Y-%m-%dT%H:%M"),
        },
        headers={"HX-Request": "true"},
    )


def test_a_start_sent_from_the_outbox_keeps_the_time_start_was_tapped(ctx, client, auth):
    from datetime import timedelta

    from coach.extensions import db
    from coach.models import Visit

    coach = make_user("coach", email="jordan@example.org")
    rosa = make_client(coach, "Rosa")
    auth.login(coach.email, PASSWORD)
    tapped = utcnow() - timedelta(hours=2)
    response = _start(client, rosa, tapped)
    assert "Visit under way" in response.get_data(as_text=True)
    visit = db.session.scalars(db.select(Visit)).one()
    assert visit.started_at == tapped.replace(second=0, microsecond=0)


def test_a_start_from_the_outbox_too_old_or_in_the_future_is_refused_beside_it(ctx, client, auth):
    from datetime import timedelta

    from coach.extensions import db
    from coach.models import Visit

    coach = make_user("coach", email="jordan@example.org")
    rosa = make_client(coach, "Rosa")
    auth.login(coach.email, PASSWORD)
    old = _start(client, rosa, utcnow() - timedelta(hours=17)).get_data(as_text=True)
    assert "started more than 16 hours ago" in old and 'class="flash flash-error"' in old
    future = _start(client, rosa, utcnow() + timedelta(hours=1)).get_data(as_text=True)
    assert "The start is in the future." in future
    assert db.session.scalar(db.select(db.func.count(Visit.id))) == 0
