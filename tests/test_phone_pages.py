"""What a coach (or an employer) reads on the phone pages: links, names, labels, prefills."""

import re
from datetime import date, datetime

import pytest

from coach.agency import agency_today
from tests.factories import (
    ensure_agency,
    make_client,
    make_employer,
    make_placement,
    make_request,
    make_run,
    make_task,
    make_trip,
    make_user,
    make_worksite,
)


def selected_option(page: str, select_id: str) -> str:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S).group(0)
    return re.search(r"<option selected value=\"([^\"]*)\"", select).group(1)


def input_value(page: str, input_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{input_id}"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


def test_job_form_links_to_the_new_employer_form(client, login_as):
    coach = login_as("coach")
    person = make_client(coach)
    page = client.get(f"/clients/{person.id}/placements/new").text
    assert re.search(r'<a href="/employers/new">[^<]*[Aa]dd (the|an) employer', page)


def test_a_site_named_after_its_employer_is_named_once(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    grocer = make_employer("Green Grocer", created_by=coach)
    make_placement(person, make_worksite(grocer, "Green Grocer"), "Stocker")
    bakery = make_employer("Sunrise Bakery", created_by=coach)
    make_worksite(bakery, "Main Street")
    form = client.get(f"/clients/{person.id}/placements/new").text
    assert "Green Grocer — Green Grocer" not in form
    assert ">Green Grocer</option>" in form
    assert ">Sunrise Bakery — Main Street</option>" in form  # a differently named site
    card = client.get(f"/clients/{person.id}").text.split('id="jobs-h"')[1]
    assert card.count("Green Grocer") == 1


def test_one_run_is_labelled_once_on_the_chart(client, login_as):
    coach = login_as("coach")
    task = make_task(make_client(coach), coach, ("Lay the napkin", "Roll it"))
    make_run(task, coach, {s.id: "I" for s in task.steps}, started_at=datetime(2026, 11, 2, 15))
    chart = client.get(f"/tasks/{task.id}/progress").text.split("<svg")[1].split("</svg>")[0]
    assert len(re.findall(r">Run 1<", chart)) == 1
    make_run(task, coach, {s.id: "V" for s in task.steps}, started_at=datetime(2026, 11, 3, 15))
    chart = client.get(f"/tasks/{task.id}/progress").text.split("<svg")[1].split("</svg>")[0]
    assert re.findall(r">(Run \d+)<", chart) == ["Run 1", "Run 2"]


def test_the_consent_points_where_the_name_field_is(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera", disclosure="functional")
    make_placement(person, make_worksite(make_employer()), "Cashier")
    item = make_request(person, coach)
    response = client.post(
        f"/accommodations/{item.id}/send",
        data={
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": "show",
            "idempotency_key": "consent-key-0001",
        },
    )
    url = re.search(r'id="signoff-url" type="text" readonly value="([^"]+)"', response.text)
    page = client.application.test_client().get("/" + url.group(1).split("/", 3)[3]).text
    where = re.search(r"my typed name (above|below)", page)
    assert where, "the consent says where the typed name is"
    name_field = page.index('name="signer_name"')
    consent = where.start()
    assert (name_field < consent) == (where.group(1) == "above")


@pytest.fixture
def client_at_work(login_as):
    """A coach, and their client with a current job at a worksite with an address."""
    ensure_agency(office_address="330 W Spring St, Columbus, OH")
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    site = make_worksite(make_employer("Green Grocer"), "High Street", address="12 High St")
    today = agency_today()
    make_placement(
        person,
        make_worksite(make_employer("Old Job"), "Old"),
        "Busser",
        start_date=date(2020, 1, 1),
        end_date=date(2021, 1, 1),
    )
    make_placement(person, site, "Stocker", start_date=date(today.year - 1, 1, 5))
    return coach, person


def test_client_page_offers_log_a_trip(client, client_at_work):
    _, person = client_at_work
    page = client.get(f"/clients/{person.id}").text
    assert f'href="/mileage/new?client={person.id}"' in page and ">Log a trip</a>" in page


def test_trip_from_the_client_page_is_filled_in(client, client_at_work):
    _, person = client_at_work
    page = client.get(f"/mileage/new?client={person.id}").text
    assert selected_option(page, "client_id") == str(person.id)
    assert input_value(page, "origin") == "Office: 330 W Spring St, Columbus, OH"
    assert input_value(page, "destination") == "High Street: 12 High St"
    assert input_value(page, "purpose") == "Client transport"
    assert input_value(page, "trip_date") == agency_today().isoformat()
    assert input_value(page, "miles") == ""  # never driven there: the coach says how far


def test_the_usual_trip_remembers_its_origin_and_miles(client, client_at_work):
    coach, person = client_at_work
    make_trip(
        coach,
        84,
        origin="Office: 330 W Spring St, Columbus, OH",
        destination="High Street: 12 High St",
        round_trip=False,
    )
    make_trip(coach, 30, origin="Home base", destination="Library")
    page = client.get(f"/mileage/new?client={person.id}").text
    assert input_value(page, "origin") == "Home base"  # the last origin this coach used
    assert input_value(page, "miles") == ""  # Home base → the site: not driven yet
    make_trip(coach, 90, origin="Home base", destination="High Street: 12 High St", round_trip=True)
    page = client.get(f"/mileage/new?client={person.id}").text
    assert input_value(page, "miles") == "4.5"  # one way, as the coach typed it
    assert re.search(r'<input checked id="round_trip"', page)


def test_another_coachs_client_is_not_found_for_a_trip(client, client_at_work):
    theirs = make_client(make_user("coach"), "Hidden", "Person")
    response = client.get(f"/mileage/new?client={theirs.id}")
    assert response.status_code == 404 and "Hidden" not in response.text
