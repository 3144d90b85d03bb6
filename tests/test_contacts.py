"""Contacts that are not visits: logged in a few taps from the client page and from
Today, shown on the client's page, and answering a call clears it from Today."""

from datetime import datetime

import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, ClientContact
from tests.clock import freeze_clock
from tests.factories import make_client, make_user


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count(ClientContact.id)))


def post(client, person, key="key-00000001", query="", **fields):
    data = {"idempotency_key": key, "client_id": person.id, "kind": "call", "direction": "out"}
    return client.post(f"/contacts/new{query}", data={**data, **fields})


def test_the_client_page_offers_to_log_a_contact_prefilled(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    page = client.get(f"/clients/{person.id}").text
    assert f'href="/contacts/new?client={person.id}"' in page
    form = client.get(f"/contacts/new?client={person.id}").text
    assert f'<option selected value="{person.id}">' in form
    assert 'value="call" checked' in form or 'checked id="kind-0"' in form


def test_a_logged_call_shows_on_the_client_page(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    response = post(client, person, direction="in", note="Asked about Friday's shift")
    assert response.location == f"/clients/{person.id}"
    row = db.session.scalars(sa.select(ClientContact)).one()
    assert (row.coach_id, row.created_by_id, row.direction) == (coach.id, coach.id, "in")
    assert row.happened_at == datetime(2026, 11, 30, 14, 0)  # now, in UTC
    page = client.get(f"/clients/{person.id}").text
    assert "Phone call from them" in page and "Asked about Friday" in page
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create")).one()
    assert event.entity_type == "client_contact" and "Friday" not in event.summary


def test_a_double_tap_logs_one_contact(client, login_as):
    person = make_client(login_as("coach"))
    post(client, person)
    post(client, person)
    assert count() == 1


def test_a_family_contact_needs_the_clients_permission(client, login_as):
    person = make_client(login_as("coach"))
    page = post(client, person, kind="family").text
    assert "only with the client" in page and count() == 0
    post(client, person, kind="family", family_permission="y")
    assert db.session.scalars(sa.select(ClientContact)).one().family_permission


def test_a_time_in_the_future_or_skipped_by_the_clocks_is_refused(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2027, 3, 14, 9, 0))
    person = make_client(login_as("coach"))
    assert "in the future" in post(client, person, happened_at="2027-03-14T11:00").text
    assert "does not exist" in post(client, person, happened_at="2027-03-14T02:30").text
    assert count() == 0
    post(client, person, happened_at="2027-03-14T08:00")
    assert db.session.scalars(sa.select(ClientContact)).one().happened_at == datetime(
        2027, 3, 14, 12, 0
    )


def test_another_coachs_client_cannot_be_chosen_or_opened(client, login_as):
    login_as("coach")
    theirs = make_client(make_user("coach"), "Private", "Person")
    assert client.get(f"/contacts/new?client={theirs.id}").status_code == 404
    page = post(client, theirs).text
    assert "Choose one of the options shown" in page and "Private" not in page
    assert count() == 0


def test_a_call_answered_from_today_leaves_today(client, login_as, monkeypatch):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Diaz")
    post(client, person, direction="in", key="key-00000001")
    today = client.get("/today/").text
    assert "Rosa Diaz" in today and "Call back" in today and "in 24 h" not in today
    link = f"/contacts/new?client={person.id}&amp;direction=out&amp;back=today"
    assert link in today
    form = client.get(link.replace("&amp;", "&")).text
    assert 'checked id="direction-1"' in form or 'value="out" checked' in form
    response = post(client, person, key="key-00000002", query="?back=today")
    assert response.location == "/today/"
    assert "Rosa Diaz" not in client.get("/today/").text


def test_today_offers_to_log_a_call(client, login_as):
    login_as("coach")
    assert 'href="/contacts/new?back=today"' in client.get("/today/").text


def test_an_unanswered_attempt_is_logged_as_outreach_and_three_flag_the_client(
    client, login_as, monkeypatch
):
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    person = make_client(login_as("coach"), "Rosa", "Diaz")
    for n, kind in enumerate(("call", "letter", "home_visit")):
        response = post(client, person, key=f"attempt-key-{n}", kind=kind, no_answer="y")
        assert response.status_code == 302
    rows = db.session.scalars(sa.select(ClientContact)).all()
    assert [r.reached for r in rows] == [False, False, False]
    page = client.get(f"/clients/{person.id}").text
    assert "Flagged for team review" in page and "Home visit attempt, no answer" in page
    assert "3 outreach attempts, no answer" in client.get("/today/").text


def test_an_inbound_contact_is_never_an_unanswered_attempt(client, login_as):
    person = make_client(login_as("coach"))
    post(client, person, direction="in", no_answer="y")
    assert db.session.scalars(sa.select(ClientContact)).one().reached


def test_a_clients_rhythm_is_changed_on_their_page_and_audited(client, login_as):
    person = make_client(login_as("coach"), "Rosa", "Diaz")
    page = client.get(f"/clients/{person.id}").text
    assert "the agency's rhythm" in page and f"/clients/{person.id}/rhythm" in page
    assert (
        "From 1 to 90 days."
        in client.post(f"/clients/{person.id}/rhythm", data={"contact_every_days": "0"}).text
    )
    response = client.post(f"/clients/{person.id}/rhythm", data={"contact_every_days": "10"})
    assert response.location == f"/clients/{person.id}"
    assert "every 10 days (set for Rosa)" in client.get(f"/clients/{person.id}").text
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "update", AuditEvent.entity_type == "client"
        )
    ).one()
    assert event.summary == "contact_every_days: None → 10"
    client.post(f"/clients/{person.id}/rhythm", data={"contact_every_days": ""})
    assert "the agency's rhythm" in client.get(f"/clients/{person.id}").text


def test_another_coachs_client_rhythm_is_not_found(client, login_as):
    login_as("coach")
    theirs = make_client(make_user("coach"))
    assert client.get(f"/clients/{theirs.id}/rhythm").status_code == 404
    assert (
        client.post(f"/clients/{theirs.id}/rhythm", data={"contact_every_days": "3"}).status_code
        == 404
    )


def test_the_agency_sets_the_follow_along_rhythm(client, login_as):
    from coach.models import AgencySettings

    login_as("admin")
    data = {"name": "Riverbend", "timezone": "America/New_York", "unit_threshold_minutes": 8}
    data |= {"onsite_radius_m": 250, "weekly_contact_weeks": 6, "later_contact_days": 14}
    data |= {"weekly_contact_target": 6}
    assert client.post("/admin/settings", data=data).status_code == 302
    agency = db.session.get(AgencySettings, 1)
    db.session.refresh(agency)
    assert (agency.weekly_contact_weeks, agency.later_contact_days) == (6, 14)
    bad = client.post("/admin/settings", data={**data, "later_contact_days": 0}).text
    assert "From 1 to 90." in bad
