"""Job development: logging employer contacts (and prospects), who sees them, and the
week at a glance."""

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.jobdev.services import week_count, weeks_table
from coach.models import AuditEvent, Employer, EmployerContact, User, contact_clients
from tests.clock import freeze_clock
from tests.factories import (
    ensure_agency,
    make_client,
    make_contact,
    make_employer,
    make_placement,
    make_user,
    make_worksite,
)

WEDNESDAY = datetime(2026, 11, 25, 10, 0)  # local, New York


@pytest.fixture
def wednesday(monkeypatch):
    return freeze_clock(monkeypatch, WEDNESDAY)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def contact_form(**fields) -> dict:
    return {
        "idempotency_key": fields.pop("key", "key-" + str(len(fields)) + "abcdefgh"),
        "contact_date": "2026-11-25",
        "method": "in_person",
        "purpose": "learn_needs",
        **fields,
    }


def test_the_form_opens_with_sensible_defaults_and_the_employer_focused(
    client, login_as, wednesday
):
    login_as("coach")
    page = client.get("/jobdev/new").text
    assert 'value="2026-11-25"' in page
    assert re.search(r'value="in_person"[^>]*checked|checked[^>]*value="in_person"', page)
    assert re.search(r'value="learn_needs"[^>]*checked|checked[^>]*value="learn_needs"', page)
    assert re.search(r'<input type="search" id="employer_name"[^>]*autofocus', page)
    assert 'hx-trigger="input changed delay:300ms, search"' in page


def test_a_new_name_makes_a_prospect_in_the_same_save(client, login_as, wednesday):
    coach = login_as("coach")
    response = client.post("/jobdev/new", data=contact_form(employer_name="Blue Door Bakery"))
    assert response.status_code == 302 and response.location == "/today/"
    prospect = db.session.scalar(sa.select(Employer))
    assert (prospect.name, prospect.created_by_id) == ("Blue Door Bakery", coach.id)
    contact = db.session.scalar(sa.select(EmployerContact))
    assert (contact.employer_id, contact.contact_date) == (prospect.id, date(2026, 11, 25))
    home = client.get("/today/").text
    assert "Contact with Blue Door Bakery logged." in home
    assert "<strong>1 of 6</strong> employer contacts (1 in person)" in home
    page = client.get(f"/employers/{prospect.id}").text
    assert "Prospect" in page and "Learn the business" in page


def test_a_known_name_in_any_case_is_not_a_second_employer(client, login_as, wednesday):
    login_as("coach")
    known = make_employer("Green Valley Grocery")
    data = contact_form(employer_name="  green VALLEY grocery ")
    assert client.post("/jobdev/new", data=data).status_code == 302
    assert count(Employer) == 1
    assert db.session.scalar(sa.select(EmployerContact.employer_id)) == known.id


def test_a_picked_match_wins_over_the_name(client, login_as, wednesday):
    login_as("coach")
    picked = make_employer("Kroger")
    data = contact_form(employer_name="Kro", employer_id=picked.id)
    assert client.post("/jobdev/new", data=data).status_code == 302
    assert count(Employer) == 1
    assert db.session.scalar(sa.select(EmployerContact.employer_id)) == picked.id


def test_the_search_offers_matches_and_a_new_prospect(client, login_as):
    login_as("coach")
    make_employer("Green Valley Grocery")
    make_employer("Greenfield Farms")
    make_employer("Kroger")
    html = client.get("/jobdev/employer-search?employer_name=green", headers={"HX-Request": "true"})
    assert "Green Valley Grocery" in html.text and "Greenfield Farms" in html.text
    assert "Kroger" not in html.text
    assert "Add “green” as a new prospect" in html.text
    exact = client.get("/jobdev/employer-search?employer_name=kroger").text
    assert "Kroger" in exact and "new prospect" not in exact


def test_from_an_employer_page_the_employer_is_filled_in(client, login_as, wednesday):
    login_as("coach")
    employer = make_employer("Lakeside Diner")
    page = client.get(f"/employers/{employer.id}").text
    link = re.search(r'href="(/jobdev/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = client.get(link).text
    assert 'value="Lakeside Diner"' in form
    assert re.search(rf'value="{employer.id}" checked', form)
    data = contact_form(
        employer_name="Lakeside Diner", employer_id=employer.id, **{"from": "employer"}
    )
    response = client.post("/jobdev/new", data=data)
    assert response.location == f"/employers/{employer.id}"


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"employer_name": ""}, "employer_name", "Type the employer&#39;s name, or pick one."),
        ({"contact_date": "2026-11-26"}, "contact_date", "Enter a date from"),
        ({"contact_date": "2024-01-01"}, "contact_date", "Enter a date from"),
        ({"next_step_date": "2029-01-01"}, "next_step_date", "Enter a date from"),
        ({"next_step_date": "2020-01-01"}, "next_step_date", "Enter a date from"),
        ({"employer_id": "999999"}, "employer_name", "That employer is gone"),
    ],
)
def test_bad_input_is_named_beside_its_field_and_nothing_is_saved(
    client, login_as, wednesday, fields, field, message
):
    login_as("coach")
    data = contact_form(**{"employer_name": "Brand New Prospect", **fields})
    response = client.post("/jobdev/new", data=data)
    assert response.status_code == 200
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', response.text)
    assert error and message in error.group(1), response.text
    assert count(Employer) == count(EmployerContact) == 0  # not even the prospect


def test_a_client_who_chose_not_to_disclose_is_greyed_out_and_refused(client, login_as, wednesday):
    coach = login_as("coach")
    private = make_client(coach, "Quiet", "Person", disclosure="none")
    named = make_client(coach, "Open", "Person", disclosure="functional")
    make_client(coach, "Closed", "Case", status="closed", disclosure="functional")
    make_client(make_user("coach"), "Someone", "Else", disclosure="functional")
    page = client.get("/jobdev/new").text
    assert re.search(rf'value="{private.id}" disabled', page)
    assert "chose not to disclose — not named to employers" in page
    assert "Open Person" in page and "Closed Case" not in page and "Someone Else" not in page
    data = contact_form(employer_name="Kroger", client_ids=[named.id, private.id])
    response = client.post("/jobdev/new", data=data)
    assert response.status_code == 200
    assert "Quiet Person chose not to disclose — not named to employers." in response.text
    assert count(EmployerContact) == count(Employer) == 0
    someone_elses = make_client(make_user("coach"), "Not", "Mine", disclosure="diagnosis")
    data = contact_form(employer_name="Kroger", client_ids=[named.id, someone_elses.id])
    assert "not on your active caseload" in client.post("/jobdev/new", data=data).text
    data = contact_form(employer_name="Kroger", client_ids=[named.id])
    assert client.post("/jobdev/new", data=data).status_code == 302
    named_ids = db.session.scalars(sa.select(contact_clients.c.client_id)).all()
    assert named_ids == [named.id]


def test_a_double_tap_makes_one_contact_and_one_prospect(client, login_as, wednesday):
    login_as("coach")
    data = contact_form(employer_name="Twice Tapped Cafe", key="same-key-123")
    first = client.post("/jobdev/new", data=data)
    second = client.post("/jobdev/new", data=data)
    assert first.status_code == second.status_code == 302
    assert count(EmployerContact) == count(Employer) == 1


def test_a_coach_sees_their_own_contacts_a_supervisor_all(client, login_as, auth, wednesday):
    other = make_user("coach")
    theirs = make_contact(other, make_employer("Their Shop"), note="their note")
    coach = login_as("coach")
    mine = make_contact(coach, make_employer("My Shop"))
    listing = client.get("/jobdev/").text
    assert "My Shop" in listing and "Their Shop" not in listing
    assert client.get(f"/jobdev/{theirs.id}").status_code == 404
    assert client.get(f"/jobdev/{theirs.id}/edit").status_code == 404
    assert client.get(f"/jobdev/{mine.id}").status_code == 200
    assert client.get("/jobdev/weeks").status_code == 404  # supervisors only
    auth.logout()
    login_as("supervisor")
    listing = client.get("/jobdev/").text
    assert "My Shop" in listing and "Their Shop" in listing
    only_theirs = client.get(f"/jobdev/?coach={other.id}").text
    assert "Their Shop" in only_theirs and "My Shop" not in only_theirs
    assert "their note" in client.get(f"/jobdev/{theirs.id}").text


def test_an_edit_is_audited_and_views_of_named_clients_too(client, login_as, wednesday):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera", disclosure="functional")
    contact = make_contact(coach, make_employer("Kroger"), clients=[person], note="old")
    assert "Rosa Rivera" in client.get(f"/jobdev/{contact.id}").text
    views = sa.select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.entity_type == "employer_contact"
    )
    assert db.session.scalars(views).first().entity_id == contact.id
    data = contact_form(employer_name="Kroger", note="Manager wants two stockers", method="phone")
    data["client_ids"] = [person.id]
    assert client.post(f"/jobdev/{contact.id}/edit", data=data).status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert "method: 'in_person' → 'phone'" in event.summary and "note changed" in event.summary
    assert "stockers" not in event.summary
    assert count(Employer) == 1


def test_the_weekly_target_is_an_agency_setting(client, login_as, wednesday):
    login_as("admin")
    page = client.get("/admin/settings").text
    assert 'name="weekly_contact_target"' in page and 'value="6"' in page
    settings = {
        "name": "Agency",
        "timezone": "America/New_York",
        "unit_threshold_minutes": 8,
        "onsite_radius_m": 250,
        "require_two_factor": "none",
        "weekly_contact_target": 8,
        "weekly_contact_weeks": 4,
        "later_contact_days": 30,
    }
    assert client.post("/admin/settings", data=settings).status_code == 302
    assert "<strong>0 of 8</strong>" in client.get("/today/").text
    settings["weekly_contact_target"] = 0
    assert "From 1 to 50." in client.post("/admin/settings", data=settings).text


# The week at a glance: a hand-counted fixture across a week boundary and a time-zone edge.
#
#   week of Nov 16 (Mon 16 – Sun 22)   Ana: Sun 22 ×2 (1 in person)      Ben: Tue 17 ×3
#   week of Nov 23 (Mon 23 – Sun 29)   Ana: Mon 23 (in person),           Ben: Sun 29 (email)
#                                           Sun 29 23:30 local (in person, logged on the
#                                           form: already Mon 30 in UTC)
#   week of Nov 30 (Mon 30 – ...)      Ana: Mon 30 (phone)


def test_weeks_count_monday_to_sunday_in_the_agencys_zone(ctx, client, auth, monkeypatch):
    ensure_agency(timezone="America/New_York")
    ana = make_user("coach", name="Ana Alvarez")
    ben = make_user("coach", name="Ben Brook")
    boss = make_user("supervisor", name="Sue Super")
    kroger, diner = make_employer("Kroger"), make_employer("Lakeside Diner")
    make_contact(ana, kroger, date(2026, 11, 22), "in_person")
    make_contact(ana, diner, date(2026, 11, 22), "phone")
    for _ in range(3):
        make_contact(ben, diner, date(2026, 11, 17), "video")
    make_contact(ana, kroger, date(2026, 11, 23), "in_person")
    make_contact(ben, kroger, date(2026, 11, 29), "email")

    # Sunday 23:30 in New York (Monday 04:30 UTC): Ana logs a visit to the diner.
    freeze_clock(monkeypatch, datetime(2026, 11, 29, 23, 30))
    auth.login(ana.email)
    form = client.get("/jobdev/new").text
    assert 'value="2026-11-29"' in form
    data = contact_form(employer_name="Lakeside Diner", contact_date="2026-11-29")
    assert client.post("/jobdev/new", data=data).status_code == 302
    assert "<strong>2 of 6</strong> employer contacts (2 in person)" in client.get("/today/").text

    # Monday morning: a new week; one phone call so far.
    freeze_clock(monkeypatch, datetime(2026, 11, 30, 9, 0))
    assert "<strong>0 of 6</strong> employer contacts (0 in person)" in client.get("/today/").text
    make_contact(ana, kroger, date(2026, 11, 30), "phone")
    home = client.get("/today/").text
    assert "<strong>1 of 6</strong> employer contacts (0 in person)" in home
    assert 'href="/jobdev/?week=2026-11-30"' in home
    this_week = client.get("/jobdev/?week=2026-11-30").text
    assert this_week.count('class="card"') == 1

    starts, rows, _ = weeks_table(date(2026, 11, 30))
    assert starts[0] == date(2026, 10, 12) and starts[-1] == date(2026, 11, 30)
    by_name = {row.name: row.counts for row in rows}
    assert by_name == {
        "Ana Alvarez": [0, 0, 0, 0, 0, 2, 2, 1],
        "Ben Brook": [0, 0, 0, 0, 0, 3, 1, 0],
    }
    assert week_count(db.session.get(User, ana.id), date(2026, 11, 29), 6).total == 2

    auth.logout()
    auth.login(boss.email)
    table = client.get("/jobdev/weeks").text
    ana_row = table.split("Ana Alvarez", 1)[1].split("</table>")[0]
    figures = re.findall(r'week=(\d{4}-\d\d-\d\d)"[^>]*>(\d+)</a>', ana_row)
    assert figures[-3:] == [("2026-11-16", "2"), ("2026-11-23", "2"), ("2026-11-30", "1")]
    behind = client.get(f"/jobdev/?coach={ana.id}&week=2026-11-23").text
    assert behind.count('class="card"') == 2
    assert "<strong>0 of 6</strong>" in client.get("/today/").text  # the supervisor's own


def test_an_employer_with_a_placement_is_not_a_prospect(client, login_as):
    coach = login_as("coach")
    hired = make_employer("Hires Our Clients")
    make_placement(make_client(coach), make_worksite(hired))
    make_employer("Only A Prospect")
    everything = client.get("/employers/").text
    assert everything.count("badge-prospect") == 1
    prospects = client.get("/employers/?kind=prospect").text
    assert "Only A Prospect" in prospects and "Hires Our Clients" not in prospects
    employers = client.get("/employers/?kind=employer").text
    assert "Hires Our Clients" in employers and "Only A Prospect" not in employers
    assert "Prospect</span>" not in client.get(f"/employers/{hired.id}").text


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-02", "2026-13-01", "x", ""])
def test_any_week_in_the_address_answers_a_page(client, login_as, week):
    login_as("coach")
    assert client.get(f"/jobdev/?week={week}").status_code == 200
