import sqlalchemy as sa

from coach.extensions import db
from coach.models import AgencySettings, AuditEvent, User
from coach.timeutil import utcnow
from tests.conftest import make_app
from tests.factories import PASSWORD, make_user

GENERIC = "do not match an active account"


def test_home_without_session_redirects_to_login(client, ctx):
    make_user()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_pages_need_login_and_come_back_after(client, auth, ctx):
    user = make_user()
    response = client.get("/clients/?q=ada")
    assert response.status_code == 302
    assert "/login?next=/clients/?q%3Dada" in response.headers["Location"]
    response = auth.login(user.email, query_string={"next": "/clients/?q=ada"})
    assert response.headers["Location"] == "/clients/?q=ada"


def test_login_refuses_offsite_next(client, auth, ctx):
    user = make_user()
    response = auth.login(user.email, query_string={"next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_first_run_creates_the_first_admin_only_once(client, ctx):
    login_page = client.get("/login")
    assert login_page.status_code == 200 and "Set up your agency" in login_page.text
    data = {
        "agency_name": "Riverbend",
        "name": "Alex Admin",
        "email": "Alex@Example.org",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    response = client.post("/setup", data=data)
    assert response.status_code == 302
    admin = db.session.scalar(sa.select(User))
    assert (admin.email, admin.role) == ("alex@example.org", "admin")
    assert db.session.get(AgencySettings, 1).name == "Riverbend"
    # The page is gone once someone exists, even for a second visitor.
    client.post("/logout")
    assert client.get("/setup").headers["Location"].endswith("/login")
    assert "Set up your agency" not in client.get("/login").text
    client.post("/setup", data={**data, "email": "mallory@example.org"})
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_first_run_validates_password(client, ctx):
    response = client.post(
        "/setup",
        data={
            "agency_name": "A",
            "name": "B",
            "email": "b@x.org",
            "password": "short",
            "confirm": "short",
        },
    )
    assert "Use 12 to 128 characters" in response.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_login_success_sets_safe_cookie(client, auth, ctx):
    user = make_user()
    response = auth.login(user.email)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "remember_token" not in str(response.headers)
    assert client.get("/clients/").status_code == 200


def test_secure_cookie_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    app = make_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    client = app.test_client()
    with app.app_context():
        user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-coach_session=") and "Secure" in cookie and "Path=/" in cookie
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_login_failure_does_not_say_which_part(client, auth, ctx):
    user = make_user()
    wrong_password = auth.login(user.email, "not the password")
    unknown_email = auth.login("nobody@example.org", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert GENERIC in wrong_password.text and GENERIC in unknown_email.text
    assert 'value="nobody@example.org"' in unknown_email.text  # the email is kept
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert events.count("login_failed") == 2


def test_repeated_failures_lock_the_account(client, auth, ctx, app):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user.email, "wrong password!")
    locked = auth.login(user.email)  # the right password, but locked now
    assert locked.status_code == 200 and GENERIC in locked.text
    # Unknown emails lock the same way, so a lockout reveals nothing.
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("ghost@example.org", "wrong password!")
    assert "locked" in auth.login("ghost@example.org").text
    # After the lockout expires, the right password works again.
    from coach.models import LoginThrottle

    db.session.get(LoginThrottle, user.email).locked_until = utcnow()
    db.session.commit()
    assert auth.login(user.email).status_code == 302


def test_login_is_rate_limited_per_address(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        make_user()
    codes = [
        client.post("/login", data={"email": "x@example.org", "password": "p"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert "Too many tries" in client.post("/login", data={}).text


def test_session_is_renewed_at_login(client, auth, ctx):
    user = make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
    auth.login(user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == str(user.id)


def test_logout_clears_the_session(client, auth, ctx):
    user = make_user()
    auth.login(user.email)
    response = auth.logout()
    assert response.headers["Location"].endswith("/login")
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    assert client.get("/clients/").status_code == 302


def test_idle_timeout_logs_out(client, auth, ctx, app):
    user = make_user()
    auth.login(user.email)
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    with client.session_transaction() as sess:
        sess["seen_at"] -= idle + 5
    response = client.get("/clients/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/clients/").status_code == 302


def test_activity_keeps_session_alive_until_absolute_limit(client, auth, ctx, app):
    user = make_user()
    auth.login(user.email)
    absolute = app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()
    with client.session_transaction() as sess:
        sess["seen_at"] -= 600  # ten minutes idle is fine
    assert client.get("/clients/").status_code == 200
    with client.session_transaction() as sess:
        sess["login_at"] -= absolute + 1
    assert client.get("/clients/").status_code == 302


def test_deactivated_user_is_logged_out_and_cannot_log_in(client, auth, ctx):
    user = make_user()
    auth.login(user.email)
    user.active = False
    db.session.commit()
    assert client.get("/clients/").status_code == 302
    assert GENERIC in auth.login(user.email).text


def test_temporary_password_must_be_changed(client, auth, ctx):
    user = make_user(must_change_password=True)
    auth.login(user.email)
    assert client.get("/clients/").headers["Location"].endswith("/account/password")
    response = client.post(
        "/account/password",
        data={
            "current": "wrong",
            "password": "my own long password",
            "confirm": "my own long password",
        },
    )
    assert "not your current password" in response.text
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "my own long password",
            "confirm": "my own long password",
        },
    )
    assert response.status_code == 302
    assert client.get("/clients/").status_code == 200
    auth.logout()
    assert auth.login(user.email, "my own long password").status_code == 302


def test_default_password_hashing_is_argon2id_above_owasp_minimum(tmp_path):
    app = make_app(tmp_path)
    defaults = create_default_config(tmp_path)
    assert defaults["ARGON2_MEMORY_COST"] >= 19 * 1024
    assert defaults["ARGON2_TIME_COST"] >= 2
    with app.app_context():
        user = make_user()
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def create_default_config(tmp_path):
    from coach.config import settings

    return settings(str(tmp_path))


def test_health_check(client):
    assert client.get("/healthz").text == "ok"


def test_a_copied_cookie_stops_working_after_logout(client, auth, ctx, app):
    user = make_user()
    auth.login(user.email)
    stolen = client.get_cookie("coach_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("coach_session", stolen)
    assert thief.get("/clients/").status_code == 302


def test_password_change_ends_other_sessions_but_not_this_one(client, auth, ctx, app):
    user = make_user()
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/clients/").status_code == 200
    auth.login(user.email)
    client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert client.get("/clients/").status_code == 200
    assert other_device.get("/clients/").status_code == 302


def test_a_session_clock_from_the_future_is_not_trusted(client, auth, ctx):
    user = make_user()
    auth.login(user.email)
    with client.session_transaction() as sess:
        sess["seen_at"] += 3600  # e.g. written by a server whose clock read local time
    assert client.get("/clients/").status_code == 302


def test_two_people_signed_in_at_once_each_get_their_own_account(client, auth, ctx, app):
    # The statement that finds a cookie's user is built once (auth/sessions.py): who is
    # asking must be a parameter of each run, never part of what was built.
    jordan = make_user(email="jordan@example.org", name="Jordan Lee")
    sam = make_user(email="sam@example.org", name="Sam Ortiz")
    auth.login(jordan.email)
    other = app.test_client()
    other.post("/login", data={"email": sam.email, "password": PASSWORD})
    for _ in range(2):
        assert "Jordan Lee" in client.get("/menu").get_data(as_text=True)
        mine = other.get("/menu").get_data(as_text=True)
        assert "Sam Ortiz" in mine and "Jordan Lee" not in mine
