"""Accounts: password rules, sessions a user can see and end, email change, two-step login."""

import hashlib
import re
import time
from datetime import timedelta

import pyotp
import sqlalchemy as sa
from argon2 import extract_parameters

from coach.config import settings
from coach.extensions import db
from coach.models import AuditEvent, OutboxMessage, RecoveryCode, User, UserSession
from coach.passwords import is_common_password
from tests.conftest import make_app
from tests.factories import PASSWORD, ensure_agency, make_user

NEW = "a brand new password"


def change_password(client, new, current=PASSWORD):
    return client.post(
        "/account/password", data={"current": current, "password": new, "confirm": new}
    )


# Passwords


def test_common_passwords_are_refused_next_to_the_field(client, login_as):
    user = login_as("coach")
    for weak in (
        "password1234",
        "iloveyou1234",
        "!!sunshine2024",
        "123456789012",
        "aaaaaaaaaaaa",
    ):
        response = change_password(client, weak)
        assert response.status_code == 200, weak
        assert "most common" in response.text, weak
    db.session.refresh(user)
    assert (
        client.post("/logout")
        and client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )  # the old password still works: nothing changed


def test_long_uncommon_passwords_are_accepted_without_composition_rules(ctx):
    assert not is_common_password("tuesday lamp orchard")
    assert not is_common_password("x" * 100 + "yz")
    assert is_common_password("Password1234")  # case does not help


def test_password_length_limits(client, login_as):
    login_as("coach")
    assert "12 to 128" in change_password(client, "short one").text
    assert "12 to 128" in change_password(client, "long " * 30).text


def test_cli_refuses_a_common_password(runner, ctx):
    result = runner.invoke(
        args=["create-user", "--email", "a@example.org", "--name", "A", "--role", "admin"],
        input="password1234\npassword1234\n",
    )
    assert result.exit_code != 0 and "most common" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "a@example.org")) is None


def test_password_hashes_use_owasp_argon2id_parameters_or_stronger(tmp_path):
    # OWASP Password Storage Cheat Sheet: Argon2id, at least m=19 MiB, t=2, p=1.
    defaults = settings(str(tmp_path))
    app = make_app(tmp_path, **{k: v for k, v in defaults.items() if k.startswith("ARGON2_")})
    with app.app_context():
        params = extract_parameters(make_user().password_hash)
    assert params.type.name == "ID"
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert params.parallelism >= 1


# Sessions


def other_device(app, user, password=PASSWORD):
    device = app.test_client()
    device.post(
        "/login",
        data={"email": user.email, "password": password},
        headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604"},
    )
    assert device.get("/clients/").status_code == 200
    return device


def test_sessions_page_lists_devices_and_ends_another(client, login_as, app):
    user = login_as("coach")
    phone = other_device(app, user)
    page = client.get("/account/sessions").text
    assert "Safari on iPhone" in page and "This device" in page
    phone_session = db.session.scalar(
        sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id.desc())
    )
    response = client.post(f"/account/sessions/{phone_session.id}/end")
    assert response.status_code == 302
    assert phone.get("/clients/").status_code == 302  # that device is logged out
    assert client.get("/clients/").status_code == 200  # this one is not
    assert "Safari on iPhone" not in client.get("/account/sessions").text


def test_end_all_other_sessions_keeps_this_one(client, login_as, app):
    user = login_as("coach")
    devices = [other_device(app, user) for _ in range(2)]
    client.post("/account/sessions/end-others")
    assert all(d.get("/clients/").status_code == 302 for d in devices)
    assert client.get("/clients/").status_code == 200


def test_a_user_cannot_end_their_current_session_through_the_list(client, login_as):
    user = login_as("coach")
    mine = db.session.scalar(sa.select(UserSession.id).where(UserSession.user_id == user.id))
    assert client.post(f"/account/sessions/{mine}/end").status_code == 404
    assert client.get("/clients/").status_code == 200


def test_admin_logs_a_user_out_everywhere(client, login_as, app):
    coach = make_user("coach")
    phone = other_device(app, coach)
    login_as("admin")
    page = client.get(f"/admin/users/{coach.id}/edit").text
    assert "Logged in on 1 device" in page
    client.post(f"/admin/users/{coach.id}/sessions/end")
    assert phone.get("/clients/").status_code == 302
    ended = sa.select(AuditEvent.entity_id).where(AuditEvent.action == "session_end")
    assert db.session.scalar(ended) == coach.id


def test_session_key_is_stored_hashed(client, login_as):
    user = login_as("coach")
    with client.session_transaction() as sess:
        key = sess["sid"]
    stored = db.session.scalar(
        sa.select(UserSession.key_hash).where(UserSession.user_id == user.id)
    )
    assert key not in stored and len(stored) == 64


# Email


def test_changing_email_needs_the_current_password(client, login_as):
    user = login_as("coach")
    taken = make_user("coach")
    response = client.post("/account/email", data={"email": "new@example.org", "current": "nope"})
    assert "not your current password" in response.text
    response = client.post("/account/email", data={"email": taken.email, "current": PASSWORD})
    assert "Another account already uses this email" in response.text
    db.session.refresh(user)
    assert user.email != "new@example.org"
    response = client.post(
        "/account/email", data={"email": "New@Example.org ", "current": PASSWORD}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == "new@example.org"
    client.post("/logout")
    assert (
        client.post("/login", data={"email": "new@example.org", "password": PASSWORD}).status_code
        == 302
    )


# Two-step login


def shown_secret(page: str) -> str:
    return re.search(r'id="totp-secret"[^>]* value="([A-Z2-7]{32})"', page).group(1)


def enrol(client, user) -> list[str]:
    page = client.get("/account/two-factor")
    assert "<svg" in page.text  # the QR code
    secret = shown_secret(page.text)  # and the key to type instead
    response = client.post("/account/two-factor", data={"code": "000000", "current": PASSWORD})
    assert "does not match" in response.text
    db.session.refresh(user)
    assert not user.has_two_factor
    code = pyotp.TOTP(secret).now()
    response = client.post("/account/two-factor", data={"code": code, "current": "wrong"})
    assert "not your current password" in response.text
    response = client.post("/account/two-factor", data={"code": code, "current": PASSWORD})
    assert "Two-step login is on" in response.text
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    SECRETS[user.id] = secret
    return codes


SECRETS: dict[int, str] = {}  # user id → the TOTP secret their "app" holds


def future_code(user, steps=1):
    """The code of the next 30-second step: accepted (clock drift) and not yet used."""
    return pyotp.TOTP(SECRETS[user.id]).at(time.time() + 30 * steps)


def test_enrol_then_log_in_with_a_code(client, login_as, auth):
    user = login_as("coach")
    codes = enrol(client, user)
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    client.post("/logout")

    response = auth.login(user.email)
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/clients/").status_code == 302  # the password alone is not enough
    response = client.post("/login/code", data={"code": "123456"})
    assert "does not work" in response.text
    db.session.refresh(user)
    response = client.post("/login/code", data={"code": future_code(user)})
    assert response.status_code == 302
    assert client.get("/clients/").status_code == 200


def test_a_code_cannot_be_used_twice(client, login_as, auth, app):
    user = login_as("coach")
    enrol(client, user)
    db.session.refresh(user)
    code = future_code(user)
    client.post("/logout")
    auth.login(user.email)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    thief = app.test_client()
    thief.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "does not work" in thief.post("/login/code", data={"code": code}).text


def test_recovery_code_works_once(client, login_as, auth, app):
    user = login_as("coach")
    codes = enrol(client, user)
    client.post("/logout")
    auth.login(user.email)
    response = client.post("/login/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "9 left" in response.text
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "does not work" in other.post("/login/code", data={"code": codes[3]}).text


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, login_as, auth, app):
    user = login_as("coach")
    enrol(client, user)
    client.post("/logout")
    auth.login(user.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login/code", data={"code": "000000"})
    # Even the right password and then the right code are refused now.
    auth.login(user.email)
    db.session.refresh(user)
    assert client.post("/login/code", data={"code": future_code(user)}).status_code != 302
    assert client.get("/clients/").status_code == 302


def test_the_second_step_expires(client, login_as, auth):
    user = login_as("coach")
    enrol(client, user)
    client.post("/logout")
    auth.login(user.email)
    with client.session_transaction() as sess:
        sess["second_step_at"] -= 301
    db.session.refresh(user)
    response = client.post("/login/code", data={"code": future_code(user)})
    assert response.headers["Location"].endswith("/login")


def test_new_recovery_codes_and_turning_off_need_the_password(client, login_as):
    user = login_as("coach")
    old = enrol(client, user)
    assert client.post("/account/two-factor/codes", data={"current": "nope"}).status_code == 400
    response = client.post("/account/two-factor/codes", data={"current": PASSWORD})
    assert "old codes no" in response.text and old[0] not in response.text
    assert client.post("/account/two-factor/off", data={"current": "nope"}).status_code == 400
    client.post("/account/two-factor/off", data={"current": PASSWORD})
    db.session.refresh(user)
    assert not user.has_two_factor and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_agency_can_require_two_step_login_for_staff(client, login_as, app):
    ensure_agency(require_two_factor="staff")
    supervisor = login_as("supervisor")
    response = client.get("/clients/")
    assert response.headers["Location"].endswith("/account/two-factor")
    codes = enrol(client, supervisor)
    assert codes and client.get("/clients/").status_code == 200
    # Required: it cannot be turned off.
    client.post("/account/two-factor/off", data={"current": PASSWORD})
    db.session.refresh(supervisor)
    assert supervisor.has_two_factor
    # A coach is not asked under "staff"...
    coach_device = app.test_client()
    coach = make_user("coach")
    coach_device.post("/login", data={"email": coach.email, "password": PASSWORD})
    assert coach_device.get("/clients/").status_code == 200
    # ...but is under "all".
    ensure_agency(require_two_factor="all")
    assert coach_device.get("/clients/").headers["Location"].endswith("/account/two-factor")


def test_admin_turns_off_two_step_login_for_a_lost_phone(client, login_as, app):
    coach = make_user("coach")
    device = other_device(app, coach)
    enrol(device, coach)
    login_as("admin")
    client.post(f"/admin/users/{coach.id}/two-factor/off")
    db.session.refresh(coach)
    assert not coach.has_two_factor
    assert device.get("/clients/").status_code == 302  # and their sessions ended
    assert (
        app.test_client()
        .post("/login", data={"email": coach.email, "password": PASSWORD})
        .headers["Location"]
        .endswith("/")
    )


def test_old_sessions_drop_off_the_list_after_the_idle_limit(client, login_as, app):
    user = login_as("coach")
    other_device(app, user)
    assert "Safari on iPhone" in client.get("/account/sessions").text
    phone = db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).all()[-1]
    phone.last_seen_at -= app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1)
    db.session.commit()
    page = client.get("/account/sessions").text
    assert "Safari on iPhone" not in page and "This device" in page


def test_rows_of_long_finished_sessions_are_pruned_at_the_next_login(client, login_as, auth):
    user = login_as("coach")
    old = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    old.last_seen_at -= timedelta(days=31)
    old_key = old.key_hash
    db.session.commit()
    client.post("/logout")
    auth.login(user.email)
    keys = db.session.scalars(
        sa.select(UserSession.key_hash).where(UserSession.user_id == user.id)
    ).all()
    assert len(keys) == 1 and keys[0] != old_key


def test_secrets_are_not_in_the_database_in_clear(client, login_as):
    user = login_as("coach")
    codes = enrol(client, user)
    db.session.refresh(user)
    assert SECRETS[user.id] not in user.totp_secret
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    plain = [hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes]
    assert not set(stored) & set(plain)  # keyed: a plain hash of a code matches nothing


def test_codes_work_whatever_the_servers_time_zone(client, login_as, auth, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        user = login_as("coach")
        enrol(client, user)
        client.post("/logout")
        auth.login(user.email)
        assert client.post("/login/code", data={"code": future_code(user)}).status_code == 302
    finally:
        monkeypatch.undo()
        time.tzset()


def test_digits_typed_in_another_script_are_read_as_digits(client, login_as, auth):
    user = login_as("coach")
    enrol(client, user)
    client.post("/logout")
    auth.login(user.email)
    fullwidth = future_code(user).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.post("/login/code", data={"code": fullwidth}).status_code == 302
    client.post("/logout")
    auth.login(user.email)
    response = client.post("/login/code", data={"code": "١٢٣٤٥٦"})  # Arabic-Indic, wrong
    assert response.status_code == 200 and "does not work" in response.text


def test_a_new_user_under_a_required_policy_changes_password_then_sets_up(client, auth, ctx):
    ensure_agency(require_two_factor="all")
    user = make_user("coach", must_change_password=True)
    auth.login(user.email)
    assert client.get("/clients/").headers["Location"].endswith("/account/password")
    assert change_password(client, NEW).headers["Location"].endswith("/")
    assert client.get("/clients/").headers["Location"].endswith("/account/two-factor")
    assert client.get("/account/two-factor").status_code == 200


def test_wrong_current_passwords_end_the_session_at_the_lockout(client, login_as, app):
    user = login_as("coach")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/account/email", data={"email": "x@example.org", "current": "?"})
    assert "not your current password" in response.text
    assert client.get("/clients/").status_code == 302  # logged out
    db.session.refresh(user)
    assert user.email != "x@example.org"


def test_the_old_address_is_told_of_an_email_change(client, login_as):
    user = login_as("coach")
    old = user.email
    client.post("/account/email", data={"email": "moved@example.org", "current": PASSWORD})
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.to == old and "moved@example.org" in message.body


def test_an_admin_cannot_turn_off_their_own_second_factor_from_the_users_page(client, login_as):
    admin = login_as("admin")
    enrol(client, admin)
    assert client.post(f"/admin/users/{admin.id}/two-factor/off").status_code == 404
    db.session.refresh(admin)
    assert admin.has_two_factor


def test_a_copy_of_the_half_logged_in_cookie_is_spent_by_the_login(client, login_as, auth, app):
    user = login_as("coach")
    enrol(client, user)
    client.post("/logout")
    auth.login(user.email)
    copy = app.test_client()
    copy.set_cookie("coach_session", client.get_cookie("coach_session").value)
    assert client.post("/login/code", data={"code": future_code(user)}).status_code == 302
    response = copy.post("/login/code", data={"code": future_code(user, steps=-1)})
    assert response.headers["Location"].endswith("/login")
    assert copy.get("/clients/").status_code == 302
