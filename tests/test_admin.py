import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AgencySettings, AuditEvent, User
from tests.factories import make_client, make_user


@pytest.mark.parametrize("role", ["coach", "supervisor"])
@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new", "/admin/settings"])
def test_admin_pages_are_for_admins_only(client, login_as, role, url):
    login_as(role)
    assert client.get(url).status_code == 404


def test_admin_adds_a_coach_who_logs_in_with_temporary_password(client, login_as, auth):
    login_as("admin")
    response = client.post(
        "/admin/users/new",
        data={"name": "Jordan Lee", "email": "Jordan@Example.org", "role": "coach"},
    )
    assert response.status_code == 200
    password = re.search(r"<code>([^<]+)</code>", response.text).group(1)
    assert len(password) >= 12
    user = db.session.scalar(sa.select(User).where(User.email == "jordan@example.org"))
    assert user.must_change_password and user.role == "coach"
    auth.logout()
    response = auth.login("jordan@example.org", password)
    assert response.status_code == 302
    assert client.get("/clients/").headers["Location"].endswith("/account/password")


def test_duplicate_email_is_refused(client, login_as):
    login_as("admin")
    make_user(email="taken@example.org")
    response = client.post(
        "/admin/users/new", data={"name": "X", "email": "TAKEN@example.org", "role": "coach"}
    )
    assert "Another account already uses this email." in response.text


def test_deactivate_and_reactivate(client, login_as, auth):
    admin = login_as("admin")
    coach = make_user("coach")
    client.post(f"/admin/users/{coach.id}/active")
    db.session.expire_all()
    assert db.session.get(User, coach.id).active is False
    # You cannot lock yourself out.
    client.post(f"/admin/users/{admin.id}/active")
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
    client.post(f"/admin/users/{coach.id}/active")
    db.session.expire_all()
    assert db.session.get(User, coach.id).active is True
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_id == coach.id)
    ).all()
    assert "deactivate" in actions and "activate" in actions


def test_reset_password_replaces_the_old_one(client, login_as, auth):
    login_as("admin")
    coach = make_user("coach")
    response = client.post(f"/admin/users/{coach.id}/reset")
    password = re.search(r"<code>([^<]+)</code>", response.text).group(1)
    auth.logout()
    assert auth.login(coach.email).status_code == 200  # the old password no longer works
    assert auth.login(coach.email, password).status_code == 302


def test_only_admin_cannot_be_demoted(client, login_as):
    admin = login_as("admin")
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"name": admin.name, "email": admin.email, "role": "coach"},
    )
    assert "cannot" in response.text
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_settings_time_zone_changes_displayed_times(client, login_as):
    login_as("admin")
    coach = make_user("coach")
    coach.last_login_at = datetime(2026, 7, 1, 16, 30)  # UTC
    db.session.commit()
    rules = {"unit_threshold_minutes": 8, "onsite_radius_m": 250, "weekly_contact_target": 6}
    rules |= {"weekly_contact_weeks": 4, "later_contact_days": 30}
    client.post(
        "/admin/settings",
        data={"name": "Riverbend", "timezone": "America/Chicago", "office_address": "", **rules},
    )
    assert "Jul 1, 2026 11:30 AM" in client.get("/admin/users").text
    client.post("/admin/settings", data={"name": "Riverbend", "timezone": "Europe/Berlin", **rules})
    assert "Jul 1, 2026 6:30 PM" in client.get("/admin/users").text
    response = client.post("/admin/settings", data={"name": "R", "timezone": "Mars/Base", **rules})
    assert "Choose one of the options shown" in response.text
    db.session.expire_all()
    assert db.session.get(AgencySettings, 1).timezone == "Europe/Berlin"


def test_audit_log_for_supervisors_only(client, login_as, auth):
    coach = login_as("coach")
    mine = make_client(coach, "Audited", "Person")
    client.get(f"/clients/{mine.id}")
    assert client.get("/audit/").status_code == 404
    auth.logout()
    login_as("supervisor")
    page = client.get("/audit/?type=client").text
    assert f'href="/clients/{mine.id}">client #{mine.id}</a>' in page
    assert "view" in page and coach.name in page and "127.0.0.1" in page
