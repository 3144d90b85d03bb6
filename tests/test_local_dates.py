"""Every default date and every "today" is the agency's local date, not the UTC one.

The clock stands at 11:30 pm on Sunday, May 31, 2026 in New York: in UTC it is already
Monday, June 1, and a new month.
"""

import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coach.extensions import db
from coach.models import RequestEvent, Trip
from tests.clock import freeze_clock
from tests.factories import (
    make_client,
    make_employer,
    make_placement,
    make_request,
    make_trip,
    make_user,
    make_visit,
    make_worksite,
)

LAST_EVENING = datetime(2026, 5, 31, 23, 30)  # local; 03:30 UTC on June 1


@pytest.fixture(autouse=True)
def last_evening_of_may(monkeypatch):
    return freeze_clock(monkeypatch, LAST_EVENING)


def value_of(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def test_a_new_trip_defaults_to_the_local_day_and_files_into_its_month(client, login_as):
    login_as("coach")
    form = client.get("/mileage/new").text
    assert value_of(form, "trip_date") == "2026-05-31"
    response = client.post(
        "/mileage/new",
        data={
            "idempotency_key": "late-trip-0001",
            "trip_date": value_of(form, "trip_date"),
            "purpose": "Drove Rosa home from her shift",
            "client_id": 0,
            "origin": "Office",
            "destination": "Green Valley Grocery",
            "miles": "4.2",
        },
    )
    assert response.status_code == 302 and "month=2026-05" in response.location
    assert db.session.scalar(sa.select(Trip.trip_date)) == date(2026, 5, 31)
    listing = client.get("/mileage/").text  # no month asked: this month
    assert "May 2026" in listing and "Sun May 31" in listing
    assert "Submit May for approval (1 trip)" in listing


def test_monthly_log_and_export_default_to_the_local_month(client, login_as):
    coach = login_as("supervisor")
    make_trip(coach, trip_date=date(2026, 5, 31))
    assert "Mileage log" in (log := client.get("/mileage/log").text)
    assert "May 2026" in log and "05/31" in log
    export = client.get("/mileage/export").text
    assert value_of(export, "start") == "2026-05-01" and value_of(export, "end") == "2026-05-31"


def test_accommodation_dates_default_to_the_local_day(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    form = client.get(f"/clients/{person.id}/accommodations/new").text
    assert value_of(form, "request_date") == "2026-05-31"
    item = make_request(person, coach, status="approved")
    page = client.get(f"/accommodations/{item.id}").text
    assert value_of(page, "occurred_on") == "2026-05-31"
    assert value_of(page, "implemented_on") == "2026-05-31"


def test_request_written_is_not_dated_after_the_events_that_follow_it(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    form = client.get(f"/clients/{person.id}/accommodations/new").text
    client.post(
        f"/clients/{person.id}/accommodations/new",
        data={
            "placement_id": 0,
            "functional_limitation": "Cannot stand for long",
            "job_function": "Register",
            "accommodation": "A stool",
            "payer": "employer",
            "request_date": value_of(form, "request_date"),
            "request_method": "in_person",
        },
    )
    written = db.session.scalar(sa.select(RequestEvent).where(RequestEvent.kind == "status"))
    assert written.occurred_on == date(2026, 5, 31)


def test_follow_up_and_request_age_count_local_days(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    item = make_request(
        person,
        coach,
        status="approved",
        implemented_on=date(2026, 5, 18),
        follow_up_due=date(2026, 6, 1),  # tomorrow, here
        created_at=datetime(2026, 5, 31, 22, 0),  # 6 pm local, today
    )
    page = client.get(f"/accommodations/{item.id}").text
    assert "Follow-up due since" not in page
    listing = client.get("/accommodations/").text
    assert "Opened 0 days ago" in listing and "Follow-ups due" not in listing
    client.post(f"/accommodations/{item.id}/follow-up", data={"result": "works"})
    db.session.refresh(item)
    assert item.follow_up_done_on == date(2026, 5, 31)


def test_a_job_that_ends_today_is_still_current(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    site = make_worksite(make_employer())
    make_placement(person, site, "Courtesy clerk", end_date=date(2026, 5, 31))
    page = client.get(f"/clients/{person.id}").text
    assert 'badge-employed">Current' in page
    visit_form = client.get(f"/clients/{person.id}/visits/new").text
    assert "Courtesy clerk at Green Valley Grocery" in visit_form


def test_visit_list_and_month_units_use_the_local_calendar(client, login_as):
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera")
    make_visit(person, coach, minutes=30, started_at=datetime(2026, 6, 1, 2, 0))  # 10 pm May 31
    report = client.get("/visits/").text
    assert value_of(report, "start") == "2026-05-25"
    page = client.get(f"/clients/{person.id}/visits").text
    assert re.search(r"<th scope=\"row\">May 2026</th><td>1</td><td>30</td><td>2</td>", page)
    assert "June 2026" not in page


def test_the_one_helper_says_today_in_the_agencys_zone(ctx, last_evening_of_may):
    from coach.agency import agency_today
    from coach.timeutil import local_today

    assert agency_today() == date(2026, 5, 31)
    assert local_today("Europe/Berlin") == date(2026, 6, 1)
    assert make_user("coach").created_at == last_evening_of_may == datetime(2026, 6, 1, 3, 30)


def test_one_link_has_one_expiry_everywhere(client, login_as, monkeypatch):
    """Email, sign-off page, signed record and the request's log show the same moment."""
    from coach.models import OutboxMessage

    # 8:57 pm on Sunday, Nov 29, 2026 in New York: already Nov 30 in UTC. The link
    # lasts 14 days: to 8:57 pm EST on Dec 13 (01:57 UTC on Dec 14).
    freeze_clock(monkeypatch, datetime(2026, 11, 29, 20, 57))
    expiry = "December 13, 2026, 8:57 PM EST"
    coach = login_as("coach")
    person = make_client(coach, "Rosa", "Rivera", disclosure="functional")
    item = make_request(person, coach, status="draft")
    sent = client.post(
        f"/accommodations/{item.id}/send",
        data={
            "idempotency_key": "expiry-send-key",
            "contact_name": "Dana Brooks",
            "contact_email": "dana@grocery.example.com",
            "how": "email",
        },
    )
    url = re.search(r'id="signoff-url" type="text" readonly value="([^"]+)"', sent.text)
    path = "/" + url.group(1).split("/", 3)[3]
    email = db.session.scalar(sa.select(OutboxMessage.body))
    assert f"expires on {expiry}." in email
    employer = client.application.test_client()
    assert f"expires on {expiry}." in employer.get(path).text
    employer.post(
        path,
        data={
            "consent": "y",
            "signer_name": "Dana Brooks",
            "signer_title": "Store Manager",
            "decision": "approved",
        },
    )
    request_page = client.get(f"/accommodations/{item.id}").text
    assert f"expires {expiry})" in request_page  # the log line
    record = re.search(r'href="(/accommodations/records/\d+)"', request_page).group(1)
    assert f"expires {expiry}" in client.get(record).text


@pytest.mark.parametrize("zone", ["America/New_York", "America/Phoenix", "Pacific/Chatham"])
def test_an_exports_clock_shows_the_same_local_times_as_the_one_converter(zone):
    """Every 15 minutes of 2026 in UTC, both DST changes included (the hour that happens
    twice keeps its fold): the export's clock and to_local agree to the offset."""
    from datetime import timedelta

    from coach.timeutil import local_clock, to_local

    local = local_clock(zone)
    moment, end = datetime(2026, 1, 1), datetime(2027, 1, 1)
    while moment < end:
        mine, theirs = local(moment), to_local(moment, zone)
        assert (mine, mine.utcoffset(), mine.fold) == (theirs, theirs.utcoffset(), theirs.fold)
        moment += timedelta(minutes=15)
