import gzip
import re

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import Client
from tests.conftest import csrf_from, make_app
from tests.factories import PASSWORD, make_user


@pytest.fixture
def csrf_app(tmp_path):
    return make_app(tmp_path, WTF_CSRF_ENABLED=True)


def logged_in(app):
    client = app.test_client()
    with app.app_context():
        user = make_user()
        email = user.email
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_post_without_csrf_token_is_rejected(csrf_app):
    client = logged_in(csrf_app)
    response = client.post(
        "/clients/new",
        data={
            "first_name": "Ada",
            "last_name": "Byron",
            "status": "referral",
            "disclosure": "none",
        },
    )
    assert response.status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Client.id))) == 0


def test_expired_form_comes_back_filled_in(csrf_app):
    client = logged_in(csrf_app)
    response = client.post(
        "/clients/new",
        data={
            "first_name": "Ada",
            "last_name": "Byron",
            "notes": "Likes early shifts",
            "status": "referral",
            "disclosure": "none",
            "csrf_token": "expired-token",
        },
    )
    assert response.status_code == 400
    assert "expired" in response.text
    assert 'value="Ada"' in response.text and "Likes early shifts" in response.text
    # The page carries a fresh token: sending it again works.
    token = csrf_from(response.text)
    again = client.post(
        "/clients/new",
        data={
            "first_name": "Ada",
            "last_name": "Byron",
            "notes": "Likes early shifts",
            "status": "referral",
            "disclosure": "none",
            "csrf_token": token,
        },
    )
    assert again.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(Client.notes)) == "Likes early shifts"


def test_button_without_csrf_token_changes_nothing(csrf_app):
    client = logged_in(csrf_app)
    response = client.post("/logout")
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.text
    assert client.get("/clients/").status_code == 200  # still logged in


def test_htmx_requests_send_the_token_in_a_header(csrf_app):
    client = logged_in(csrf_app)
    page = client.get("/clients/").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login"


def test_review_cards_carry_each_sessions_own_token(csrf_app):
    """Each session (here one supervisor's phone and laptop) gets its own token on the
    review queue's approve buttons, and it works."""
    from coach.models import Trip
    from tests.factories import make_trip

    with csrf_app.app_context():
        trip = make_trip(make_user("coach", name="Cora Coach"), status="submitted")
        emails = [make_user("supervisor").email] * 2
    pages, browsers = [], []
    for email in emails:
        browser = csrf_app.test_client()
        token = csrf_from(browser.get("/login").text)
        browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        response = browser.get("/mileage/review", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        page = gzip.decompress(response.data).decode()
        assert "Cora Coach" in page
        pages.append(page)
        browsers.append(browser)
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) for page in pages]
    assert all(len(found) == 1 for found in tokens)  # every form of a page: one token
    assert tokens[0] != tokens[1]  # and not the other session's
    response = browsers[1].post(f"/mileage/{trip.id}/approve", data={"csrf_token": tokens[1].pop()})
    assert response.status_code == 302
    with csrf_app.app_context():
        assert db.session.get(Trip, trip.id).status == "approved"
