from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import AuditEvent, Client, Placement
from tests.conftest import count_queries
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_user,
    make_visit,
    make_worksite,
)

NEW_CLIENT = {
    "first_name": "Rosa",
    "last_name": "Rivera",
    "preferred_name": "Ro",
    "phone": "(614) 555-0101",
    "email": "",
    "status": "job_search",
    "disclosure": "functional",
    "notes": "",
}


def test_coach_sees_only_own_caseload(client, login_as):
    me = login_as("coach")
    other = make_user("coach")
    make_client(me, "Mine", "Client")
    make_client(other, "Theirs", "Client")
    page = client.get("/clients/").text
    assert "Mine Client" in page and "Theirs Client" not in page


def test_supervisor_sees_every_caseload_and_filters_by_coach(client, login_as):
    login_as("supervisor")
    a, b = make_user("coach"), make_user("coach")
    make_client(a, "Alpha", "One")
    make_client(b, "Bravo", "Two")
    page = client.get("/clients/").text
    assert "Alpha One" in page and "Bravo Two" in page
    filtered = client.get(f"/clients/?coach={a.id}").text
    assert "Alpha One" in filtered and "Bravo Two" not in filtered


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/clients/{client}"),
        ("get", "/clients/{client}/edit"),
        ("post", "/clients/{client}/edit"),
        ("get", "/clients/{client}/placements/new"),
        ("post", "/clients/{client}/placements/new"),
        ("get", "/clients/placements/{placement}/edit"),
        ("post", "/clients/placements/{placement}/edit"),
    ],
)
def test_another_coachs_client_is_not_found(client, login_as, method, url):
    login_as("coach")
    other = make_user("coach")
    theirs = make_client(other, "Private", "Person")
    site = make_worksite(make_employer())
    placement = make_placement(theirs, site)
    response = getattr(client, method)(
        url.format(client=theirs.id, placement=placement.id),
        data={**NEW_CLIENT, "job_title": "Changed"},
    )
    assert response.status_code == 404
    assert "Private" not in response.text
    db.session.expire_all()
    assert db.session.get(Client, theirs.id).first_name == "Private"
    assert db.session.get(Placement, placement.id).job_title == "Stocker"


def test_unknown_client_is_404_with_styled_page(client, login_as):
    login_as("supervisor")
    response = client.get("/clients/999999")
    assert response.status_code == 404
    assert "Not found" in response.text and "Traceback" not in response.text


def test_add_client_puts_it_on_my_caseload_and_audits(client, login_as):
    me = login_as("coach")
    other = make_user("coach")
    # A coach cannot put a client on someone else's caseload, even by forging the field.
    response = client.post("/clients/new", data={**NEW_CLIENT, "coach_id": other.id})
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Client))
    assert (saved.coach_id, saved.preferred_name, saved.disclosure) == (me.id, "Ro", "functional")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "create"))
    assert (event.user_id, event.entity_type, event.entity_id) == (me.id, "client", saved.id)
    assert event.ip == "127.0.0.1"


def test_a_coach_cannot_hand_their_client_to_another_coach_by_editing(client, login_as):
    me = login_as("coach")
    other = make_user("coach")
    person = make_client(me, "Rosa", "Rivera")
    data = {**NEW_CLIENT, "first_name": "Rosa", "coach_id": other.id}
    assert client.post(f"/clients/{person.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, person.id).coach_id == me.id


def test_a_supervisor_moves_a_client_to_another_caseload(client, login_as):
    login_as("supervisor")
    a, b = make_user("coach"), make_user("coach")
    person = make_client(a, "Rosa", "Rivera")
    data = {**NEW_CLIENT, "coach_id": b.id}
    assert client.post(f"/clients/{person.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, person.id).coach_id == b.id


def test_add_client_with_bad_input_shows_message_and_saves_nothing(client, login_as):
    login_as("coach")
    response = client.post(
        "/clients/new", data={**NEW_CLIENT, "first_name": "", "phone": "call me", "status": "bogus"}
    )
    assert response.status_code == 200
    assert "Enter the first name." in response.text
    assert "Use digits, spaces" in response.text
    assert 'value="Rivera"' in response.text  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count(Client.id))) == 0


def test_viewing_a_client_is_audited(client, login_as):
    me = login_as("coach")
    mine = make_client(me, "Seen", "Person")
    assert client.get(f"/clients/{mine.id}").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "view"))
    assert (event.user_id, event.entity_id, event.entity_type) == (me.id, mine.id, "client")


def test_edit_client_records_what_changed(client, login_as):
    me = login_as("coach")
    mine = make_client(me, "Old", "Name", status="referral")
    response = client.post(f"/clients/{mine.id}/edit", data={**NEW_CLIENT, "first_name": "New"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, mine.id).first_name == "New"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert "first_name: 'Old' → 'New'" in event.summary
    assert "status: 'referral' → 'job_search'" in event.summary


def test_supervisor_can_reassign_a_client(client, login_as):
    login_as("supervisor")
    a, b = make_user("coach"), make_user("coach")
    theirs = make_client(a)
    client.post(f"/clients/{theirs.id}/edit", data={**NEW_CLIENT, "coach_id": b.id})
    db.session.expire_all()
    assert db.session.get(Client, theirs.id).coach_id == b.id


def test_search_by_name_and_htmx_fragment(client, login_as):
    me = login_as("coach")
    make_client(me, "Keisha", "Allen")
    make_client(me, "Liam", "Brown", preferred_name="Billy")
    page = client.get("/clients/?q=kei").text
    assert "Keisha Allen" in page and "Liam" not in page
    assert "Billy" in client.get("/clients/?q=bill").text
    assert "Keisha Allen" in client.get("/clients/?q=Keisha%20All").text
    fragment = client.get("/clients/?q=brown", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Liam" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_caseload_paginates(client, login_as, app):
    me = login_as("coach")
    size = app.config["PAGE_SIZE"]
    for i in range(size + 3):
        make_client(me, "Person", f"N{i:03d}")
    first = client.get("/clients/").text
    assert "Page 1 of 2" in first and "N000" in first and f"N{size:03d}" not in first
    second = client.get("/clients/?page=2").text
    assert f"N{size + 2:03d}" in second and "N000" not in second
    assert f"{size + 3} clients" in first and f"{size + 3} clients" in second
    # A search that fits on one page is not counted separately, and says how many.
    assert "10 clients matching" in client.get("/clients/?q=N00").text


def test_add_placement_stores_cents_and_tenths(client, login_as):
    me = login_as("coach")
    mine = make_client(me)
    site = make_worksite(make_employer("Lakeside Diner"))
    response = client.post(
        f"/clients/{mine.id}/placements/new",
        data={
            "worksite_id": site.id,
            "job_title": "Dishwasher",
            "start_date": "2026-03-02",
            "hourly_wage": "14.755",
            "weekly_hours": "22.5",
        },
    )
    assert response.status_code == 302
    placement = db.session.scalar(sa.select(Placement))
    assert (placement.hourly_wage_cents, placement.weekly_hours_tenths) == (1476, 225)
    page = client.get(f"/clients/{mine.id}").text
    assert "Dishwasher" in page and "Lakeside Diner" in page and "$14.76/h" in page


def test_client_page_shows_details_coach_and_jobs_newest_first(client, login_as):
    me = login_as("coach")
    person = make_client(
        me, "Rosa", "Rivera", preferred_name="Ro", phone="614 555 0101", disclosure="full"
    )
    grocery = make_worksite(make_employer("Green Valley Grocery"), "High Street store")
    diner = make_worksite(make_employer("Lakeside Diner"), "Main")
    make_placement(
        person, diner, "Dishwasher", start_date=date(2025, 1, 6), end_date=date(2025, 6, 30)
    )
    make_placement(person, grocery, "Stocker", start_date=date(2026, 3, 2), weekly_hours_tenths=225)
    page = client.get(f"/clients/{person.id}").text
    assert "<h1>Ro (Rosa) Rivera</h1>" in page and me.name in page
    assert 'href="tel:6145550101">Call Ro</a>' in page
    assert page.index("Stocker") < page.index("Dishwasher")  # the newest job first
    stocker = page[page.index("Stocker") : page.index("Dishwasher")]
    assert "Current" in stocker and "22.5 h/week" in stocker and "High Street store" in stocker
    grocery_link = f'href="/employers/{grocery.employer_id}">Green Valley Grocery</a>'
    assert grocery_link in stocker
    assert "Ended" in page[page.index("Dishwasher") :]


def test_placement_validation(client, login_as):
    me = login_as("coach")
    mine = make_client(me)
    site = make_worksite(make_employer())
    response = client.post(
        f"/clients/{mine.id}/placements/new",
        data={
            "worksite_id": 0,
            "job_title": "X",
            "start_date": "2026-03-02",
            "end_date": "2026-01-01",
            "hourly_wage": "-3",
        },
    )
    assert "The end date is before the start date." in response.text
    assert "Enter a wage above $0, up to $500 an hour." in response.text
    response = client.post(
        f"/clients/{mine.id}/placements/new",
        data={"worksite_id": site.id + 100, "job_title": "X", "start_date": "2026-03-02"},
    )
    assert "Choose one of the options shown" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 0


@pytest.mark.parametrize("page", ["caseload", "client"])
def test_page_query_count_does_not_grow_with_data(client, login_as, page):
    """The same handful of queries with 30 clients (and visits) as with 330: both more
    than a page, which is counted (a shorter list needs no count)."""
    me = login_as("supervisor")

    def fill(n):
        site = make_worksite(make_employer(f"Employer {n}"), latitude=39.9, longitude=-83.0)
        for i in range(n):
            c = Client(first_name="P", last_name=f"L{n}-{i}", coach_id=me.id)
            db.session.add(c)
            db.session.add(
                Placement(
                    client=c, worksite_id=site.id, job_title="Job", start_date=date(2026, 1, 1)
                )
            )
        db.session.commit()
        for i in range(n):
            make_visit(
                c,
                me,
                minutes=20 + i % 30,
                started_at=datetime(2026, 11, 1) - timedelta(hours=i),
                worksite_id=site.id,
                tasks_observed="Rolled silverware",
            )
        return c

    def queries(target_client):
        target = "/clients/" if page == "caseload" else f"/clients/{target_client.id}"
        db.session.remove()
        with count_queries() as statements:
            response = client.get(target)
            assert response.status_code == 200
        return len(statements)

    few = queries(fill(30))
    many = queries(fill(300))
    assert few == many
    assert many <= 10


def test_a_supervisor_finds_the_new_coach_by_name_not_in_a_list_of_everyone(client, login_as):
    login_as("supervisor")
    a = make_user("coach", name="Ann Lee")
    b = make_user("coach", name="Ben Ortiz")
    make_user("coach", name="Bea Gone", active=False)
    person = make_client(a, "Rosa", "Rivera")
    form = client.get(f"/clients/{person.id}/edit").text
    assert "Ann Lee" in form and "Ben Ortiz" not in form  # the coach now, and a search
    assert 'form="coach-search"' in form  # the search box is never posted
    found = client.get("/clients/coaches/for-client?coach_q=be").text
    assert f'name="coach_id" value="{b.id}"' in found and "Bea Gone" not in found  # active only
    data = {**NEW_CLIENT, "coach_id": b.id}
    assert client.post(f"/clients/{person.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, person.id).coach_id == b.id


def test_an_unknown_or_deactivated_coach_is_refused_beside_the_field(client, login_as):
    login_as("supervisor")
    a = make_user("coach", name="Ann Lee")
    gone = make_user("coach", name="Bea Gone", active=False)
    person = make_client(a, "Rosa", "Rivera")
    for chosen in (gone.id, 2**40, "x"):
        response = client.post(
            f"/clients/{person.id}/edit", data={**NEW_CLIENT, "coach_id": chosen}
        )
        assert response.status_code == 200
        assert "Choose a coach: the one shown, or search for another." in response.text
    db.session.expire_all()
    assert db.session.get(Client, person.id).coach_id == a.id


def test_only_those_who_see_every_caseload_search_coaches_for_a_client(client, login_as):
    login_as("coach")
    assert client.get("/clients/coaches/for-client?coach_q=a").status_code in (403, 404)
