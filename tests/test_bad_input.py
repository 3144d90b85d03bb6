"""Odd input from the outside world: never a crash, never a redirect off-site."""

import pytest
import sqlalchemy as sa

from coach.auth.services import is_safe_next
from coach.extensions import db
from coach.models import AuditEvent, Client, Placement
from tests.factories import make_client, make_employer, make_placement, make_user, make_worksite


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",
        "/%09/evil.example".replace("%09", "\t"),
        "/\n/x",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "",
        None,
        " /clients/",
    ],
)
def test_unsafe_next_targets_are_refused(target):
    assert not is_safe_next(target)


def test_safe_next_targets_are_kept():
    assert is_safe_next("/clients/?q=ada&page=2")
    assert is_safe_next("/clients/12/edit")


def test_login_with_hostile_next_stays_on_site(client, auth, ctx):
    user = make_user()
    for target in ("/\t/evil.example", "/\n/x"):
        response = auth.login(user.email, query_string={"next": target})
        assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "url",
    [
        "/clients/99999999999999999999",
        "/employers/99999999999999999999",
        "/admin/users/99999999999999999999/edit",
        "/visits/99999999999999999999",
    ],
)
def test_huge_ids_are_not_found(client, login_as, url):
    login_as("admin")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query", ["page=99999999999999999999", "coach=99999999999999999999", "page=-3", "page=x"]
)
def test_huge_or_bad_query_numbers_are_ignored(client, login_as, query):
    login_as("supervisor")
    assert client.get(f"/clients/?{query}").status_code == 200
    assert client.get(f"/visits/?{query}").status_code == 200
    assert client.get(f"/audit/?user=99999999999999999999&{query}").status_code == 200


def test_nul_bytes_are_refused(client, login_as):
    me = login_as("coach")
    person = make_client(me)
    assert client.get("/clients/?q=a\x00b").status_code == 400
    response = client.post(
        f"/clients/{person.id}/edit",
        data={
            "first_name": "A",
            "last_name": "B",
            "status": "referral",
            "disclosure": "none",
            "notes": "x\x00y",
        },
    )
    assert response.status_code == 400
    assert client.post("/login", data={"email": "a\x00@b.c", "password": "x"}).status_code == 400


def test_signalling_nan_wage_is_a_field_error(client, login_as):
    me = login_as("coach")
    person = make_client(me)
    site = make_worksite(make_employer())
    response = client.post(
        f"/clients/{person.id}/placements/new",
        data={
            "worksite_id": site.id,
            "job_title": "X",
            "start_date": "2026-03-02",
            "hourly_wage": "sNaN",
            "weekly_hours": "Infinity",
        },
    )
    assert response.status_code == 200 and response.text.count("Enter a number.") == 2
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0


def test_control_characters_in_notes_are_refused(client, login_as):
    me = login_as("coach")
    person = make_client(me, "Keep", "Me")
    response = client.post(
        f"/clients/{person.id}/edit",
        data={
            "first_name": "Keep",
            "last_name": "Me",
            "status": "referral",
            "disclosure": "none",
            "notes": "bell\x07",
        },
    )
    assert "invisible control characters" in response.text


def test_overlong_login_email_is_just_a_failed_login(client, ctx):
    make_user()
    response = client.post("/login", data={"email": "İ" * 254 + "@x.org", "password": "p"})
    assert response.status_code == 200 and "Traceback" not in response.text


def test_search_wildcards_match_literally(client, login_as):
    me = login_as("coach")
    make_client(me, "Ada", "Byron")
    make_client(me, "Under_score", "Person")
    assert "Ada Byron" not in client.get("/clients/?q=_").text
    assert "Under_score" in client.get("/clients/?q=_").text
    assert "Ada Byron" not in client.get("/clients/?q=%25").text


def test_saving_a_client_of_a_deactivated_coach_keeps_the_coach(client, login_as):
    login_as("supervisor")
    gone = make_user("coach", name="Gone Coach")
    person = make_client(gone, "Orphan", "Client")
    gone.active = False
    db.session.commit()
    page = client.get(f"/clients/{person.id}/edit").text
    assert "Gone Coach (Coach, deactivated)" in page
    client.post(
        f"/clients/{person.id}/edit",
        data={
            "first_name": "Orphan",
            "last_name": "Client",
            "status": "referral",
            "disclosure": "none",
            "coach_id": gone.id,
            "phone": "555 0100",
        },
    )
    db.session.expire_all()
    assert db.session.get(Client, person.id).coach_id == gone.id


def test_forms_showing_a_client_are_audited_as_views(client, login_as):
    me = login_as("coach")
    person = make_client(me)
    placement = make_placement(person, make_worksite(make_employer()))
    for url in (
        f"/clients/{person.id}/edit",
        f"/clients/{person.id}/placements/new",
        f"/clients/placements/{placement.id}/edit",
        f"/clients/{person.id}/visits/new",
    ):
        client.get(url)
    views = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert len(views) == 4 and {v.entity_id for v in views} == {person.id}
