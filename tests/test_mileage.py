import csv
import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.exceptions import NotFound

from coach.extensions import db
from coach.mileage.services import amount_cents, rate_on
from coach.models import AuditEvent, MileageRate, Trip
from tests.clock import freeze_clock
from tests.conftest import capture_statements, sqlite_plan
from tests.factories import (
    ensure_agency,
    make_client,
    make_employer,
    make_placement,
    make_trip,
    make_user,
    make_worksite,
)

TRIP = {
    "trip_date": "2026-11-02",
    "purpose": "Drove Rosa to her interview",
    "origin": "Home",
    "destination": "Store",
    "miles": "12.5",
    "client_id": 0,
}


def test_rates_change_on_their_first_day(ctx):
    assert rate_on(date(2024, 12, 31)).tenth_cents_per_mile == 670
    assert rate_on(date(2025, 1, 1)).tenth_cents_per_mile == 700
    assert rate_on(date(2026, 1, 1)).tenth_cents_per_mile == 725
    assert rate_on(date(2023, 12, 31)) is None


@pytest.mark.parametrize(
    "tenths,rate,cents",
    [
        (125, 670, 838),  # 12.5 × $0.67 = 8.375 → 8.38 (half up)
        (1, 670, 7),  # 0.1 mi × 67¢ = 6.7¢ → 7¢
        (1, 725, 7),  # 7.25¢ → 7¢
        (3, 725, 22),  # 21.75¢ → 22¢
        (100, 725, 725),
    ],
)
def test_amounts_round_half_up_to_the_cent(tenths, rate, cents):
    assert amount_cents(tenths, rate) == cents


@pytest.fixture
def coach(login_as):
    return login_as("coach")


def test_log_a_trip_with_miles_or_odometer(client, coach, monkeypatch):
    freeze_clock(monkeypatch, datetime(2024, 6, 3, 12, 0))  # a 2024 trip is a recent one
    response = client.post(
        "/mileage/new", data={**TRIP, "idempotency_key": "trip-key-0001", "trip_date": "2024-06-01"}
    )
    assert response.status_code == 302
    trip = db.session.scalar(sa.select(Trip))
    assert (trip.miles_tenths, trip.tenth_cents_per_mile, trip.amount_cents) == (125, 670, 838)
    freeze_clock(monkeypatch, datetime(2026, 11, 3, 12, 0))  # for TRIP's date
    client.post(
        "/mileage/new",
        data={
            **TRIP,
            "idempotency_key": "trip-key-0002",
            "miles": "",
            "odometer_start": "10000.4",
            "odometer_end": "10012.9",
        },
    )
    trip = db.session.scalar(sa.select(Trip).where(Trip.idempotency_key == "trip-key-0002"))
    assert trip.miles_tenths == 125 and trip.odometer_start_tenths == 100004
    client.post(
        "/mileage/new",
        data={**TRIP, "idempotency_key": "trip-key-0003", "miles": "6", "round_trip": "y"},
    )
    trip = db.session.scalar(sa.select(Trip).where(Trip.idempotency_key == "trip-key-0003"))
    assert trip.miles_tenths == 120


def test_the_same_key_twice_makes_one_trip(client, coach):
    for _ in range(2):
        client.post("/mileage/new", data={**TRIP, "idempotency_key": "double-tap-key"})
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 1


def test_trip_validation(client, coach):
    response = client.post(
        "/mileage/new",
        data={
            **TRIP,
            "idempotency_key": "bad-trip-key",
            "purpose": "",
            "miles": "",
            "odometer_start": "500",
            "odometer_end": "400",
        },
    )
    assert "Say what the trip was for." in response.text
    assert "The end reading is below the start reading." in response.text
    response = client.post(
        "/mileage/new", data={**TRIP, "idempotency_key": "bad-trip-key", "miles": ""}
    )
    assert "Enter the miles, or the odometer readings." in response.text
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0


def test_plausibility_flags_with_coordinates_only(client, coach):
    ensure_agency(
        office_address="330 W Spring St", office_latitude=39.9653, office_longitude=-83.0050
    )
    person = make_client(coach)
    site = make_worksite(
        make_employer(),
        name="Warehouse",
        address="6000 Green Pointe Dr",
        latitude=39.8679,
        longitude=-82.9316,
    )  # about 7.9 mi away
    make_placement(person, site)
    office, warehouse = "Office: 330 W Spring St", "Warehouse: 6000 Green Pointe Dr"
    cases = [("k-plaus-1", "3", True), ("k-plaus-2", "10", False), ("k-plaus-3", "40", True)]
    for key, miles, flagged in cases:
        client.post(
            "/mileage/new",
            data={
                **TRIP,
                "idempotency_key": key,
                "origin": office,
                "destination": warehouse,
                "miles": miles,
            },
        )
        trip = db.session.scalar(sa.select(Trip).where(Trip.idempotency_key == key))
        assert bool(trip.flag_reason) is flagged, (miles, trip.flag_reason)
        assert 75 <= trip.straight_miles_tenths <= 82
    client.post("/mileage/new", data={**TRIP, "idempotency_key": "k-plaus-4", "miles": "400"})
    trip = db.session.scalar(sa.select(Trip).where(Trip.idempotency_key == "k-plaus-4"))
    assert trip.flag_reason == "" and trip.straight_miles_tenths is None  # no coordinates


def test_submit_month_is_idempotent_and_approval_locks(client, coach, auth, login_as):
    make_trip(coach, trip_date=date(2026, 11, 2))
    make_trip(coach, trip_date=date(2026, 11, 20))
    make_trip(coach, trip_date=date(2026, 12, 1))
    client.post("/mileage/submit", data={"month": "2026-11", "confirm": "yes"})
    client.post("/mileage/submit", data={"month": "2026-11", "confirm": "yes"})
    statuses = db.session.scalars(sa.select(Trip.status).order_by(Trip.trip_date)).all()
    assert statuses == ["submitted", "submitted", "draft"]
    first = db.session.scalar(sa.select(Trip).order_by(Trip.trip_date))
    # The coach cannot approve, even their own.
    assert client.post(f"/mileage/{first.id}/approve").status_code == 404
    auth.logout()
    login_as("supervisor")
    client.post(f"/mileage/{first.id}/approve")
    db.session.expire_all()
    assert db.session.get(Trip, first.id).status == "approved"
    auth.logout()
    auth.login(coach.email)
    client.post(f"/mileage/{first.id}/edit", data={**TRIP, "miles": "99"})
    db.session.expire_all()
    assert db.session.get(Trip, first.id).miles_tenths == 125  # locked


def test_return_goes_back_to_the_coach(client, coach, auth, login_as):
    trip = make_trip(coach, status="submitted")
    auth.logout()
    login_as("supervisor")
    assert "Say what" not in client.post(f"/mileage/{trip.id}/return", data={"comment": ""}).text
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).status == "submitted"
    client.post(f"/mileage/{trip.id}/return", data={"comment": "Odometer photo please"})
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).status == "returned"
    auth.logout()
    auth.login(coach.email)
    assert "Odometer photo please" in client.get("/mileage/?month=2026-11").text
    client.post(f"/mileage/{trip.id}/edit", data={**TRIP, "miles": "13"})
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).miles_tenths == 130


def test_supervisor_cannot_approve_own_trip(client, login_as):
    me = login_as("supervisor")
    trip = make_trip(me, status="submitted")
    client.post(f"/mileage/{trip.id}/approve")
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).status == "submitted"


def test_coach_cannot_see_other_coaches_trips(client, coach):
    other = make_user("coach")
    theirs = make_trip(other, purpose="Secret errand")
    assert client.get(f"/mileage/{theirs.id}/edit").status_code == 404
    assert "Secret errand" not in client.get("/mileage/?month=2026-11").text
    assert client.get("/mileage/review").status_code == 404
    assert client.get("/mileage/export").status_code == 404


def test_review_shows_flagged_first(client, login_as):
    login_as("supervisor")
    a = make_user("coach", name="Alpha Coach")
    make_trip(a, status="submitted", purpose="Plain trip")
    make_trip(a, status="submitted", purpose="Odd trip", flag_reason="Claimed 3 mi is less")
    person = make_client(a, "Rosa", "Rivera")
    make_trip(a, status="submitted", purpose="To work", client_id=person.id)
    page = client.get("/mileage/review").text
    assert page.index("Odd trip") < page.index("Plain trip")
    # A client is shown to the reviewer by reference, not by name.
    assert f"To work · client {person.reference}" in page and "Rivera" not in page


def test_review_page_is_read_off_its_index(client, login_as):
    """A page of the queue costs the same with 40 or 4,000 trips waiting: no sort."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    login_as("supervisor")
    make_trip(make_user("coach"), status="submitted")
    with capture_statements() as statements:
        assert client.get("/mileage/review").status_code == 200
    statement, parameters = next((s, p) for s, p in statements if "ORDER BY" in s and "trips" in s)
    plan = " ".join(sqlite_plan(statement, parameters))
    assert "ix_trips_review" in plan and "TEMP B-TREE" not in plan, plan


def approved_trips(coaches):
    trips = []
    for n, coach in enumerate(coaches):
        for day, tenths in ((2, 125), (3, 1), (15, 487)):
            trips.append(
                make_trip(
                    coach,
                    miles_tenths=tenths * (n + 1),
                    trip_date=date(2026, 11, day),
                    status="approved",
                    client_id=None,
                )
            )
    return trips


def test_csv_export_totals_to_the_cent_and_repeats_identically(client, login_as):
    login_as("supervisor")
    coaches = [make_user("coach", name="Ann Coach"), make_user("coach", name="Ben Coach")]
    trips = approved_trips(coaches)
    trips[0].origin, trips[1].purpose = "@SUM(A1:A9)", "=1+2"  # typed text, never run
    db.session.commit()
    make_trip(coaches[0], trip_date=date(2026, 11, 9), status="submitted")  # not approved
    data = {"start": "2026-11-01", "end": "2026-11-30", "coach": 0, "fmt": "csv"}
    first = client.post("/mileage/export", data=data)
    assert first.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(first.text)))
    body = rows[1 : rows.index([])]
    assert len(body) == 6 and {r[9] for r in body} == {"Exported"}
    assert "'@SUM(A1:A9)" in [r[2] for r in body] and "'=1+2" in [r[4] for r in body]
    assert sum(round(float(r[8]) * 100) for r in body) == sum(t.amount_cents for t in trips)
    grand = next(r for r in rows if r and r[0] == "Grand total")
    assert round(float(grand[4]) * 100) == sum(t.amount_cents for t in trips)
    second = client.post("/mileage/export", data=data)
    assert second.text == first.text
    statuses = [trip.shown_status for trip in db.session.scalars(sa.select(Trip))]
    assert statuses.count("exported") == 6 and statuses.count("submitted") == 1


def test_exporting_marks_the_trips_without_rewriting_them(client, login_as):
    """An export inserts a narrow row per trip: setting the trips' status rewrote each
    one with its 10 index entries (7.8 s of PostgreSQL's CPU for 100,000 at L). The
    trips still read as exported, and stay locked."""
    from tests.conftest import count_queries

    login_as("supervisor")
    coach = make_user("coach", name="Ann Coach")
    trips = approved_trips([coach])
    data = {"start": "2026-11-01", "end": "2026-11-30", "coach": 0, "fmt": "csv"}
    with count_queries() as statements:
        assert client.post("/mileage/export", data=data).status_code == 200
    assert not [s for s in statements if s.startswith("UPDATE trips")], statements
    db.session.expire_all()
    shown = [db.session.get(Trip, trip.id) for trip in trips]
    assert {(t.status_label, t.editable) for t in shown} == {("Exported", False)}
    audit = db.session.scalars(sa.select(AuditEvent.summary).where(AuditEvent.action == "export"))
    assert "3 newly" in audit.one()


def test_export_for_one_coach_picked_in_the_coach_search(client, login_as):
    login_as("supervisor")
    ann, ben = make_user("coach", name="Ann Coach"), make_user("coach", name="Ben Coach")
    approved_trips([ann, ben])
    page = client.get("/mileage/export?month=2026-11").text
    assert "Showing all coaches" in page and "Ben Coach" not in page  # no list of staff
    assert 'hx-include="#export-period"' in page  # the search keeps the dates, no token
    page = client.get(f"/mileage/export?start=2026-11-01&end=2026-11-30&coach={ben.id}").text
    assert "Showing Ben Coach" in page and f'name="coach" type="hidden" value="{ben.id}"' in page
    assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page
    data = {"start": "2026-11-01", "end": "2026-11-30", "coach": ben.id, "fmt": "csv"}
    rows = list(csv.reader(io.StringIO(client.post("/mileage/export", data=data).text)))
    body = rows[1 : rows.index([])]
    assert body and {r[1] for r in body} == {"Ben Coach"}
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Trip).where(Trip.exported)
    ) == len(body)  # Ann's trips are left for another export


def test_xlsx_export_has_a_totals_sheet(client, login_as):
    login_as("supervisor")
    coaches = [make_user("coach", name="Ann Coach"), make_user("coach", name="Ben Coach")]
    person = make_client(coaches[0], "Rosa", "Rivera")
    trips = approved_trips(coaches)
    trips[0].client_id = person.id
    trips[1].purpose = '=HYPERLINK("http://evil.test")'  # typed text, never run
    trips[2].purpose = "https://example.test/job"  # stays text, not a link
    db.session.commit()
    response = client.post(
        "/mileage/export",
        data={"start": "2026-11-01", "end": "2026-11-30", "coach": 0, "fmt": "xlsx"},
    )
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book["Trips"].iter_rows(values_only=True))
    assert rows[0][0] == "Date" and len(rows) == 7
    assert person.reference in [r[5] for r in rows] and "Rivera" not in str(rows)
    purposes = [r[4] for r in rows]
    assert '=HYPERLINK("http://evil.test")' in purposes  # as typed, and text
    assert "https://example.test/job" in purposes
    assert not any(cell.hyperlink for row in book["Trips"].iter_rows() for cell in row)
    assert all(cell.data_type != "f" for row in book["Trips"].iter_rows() for cell in row)
    totals = list(book["Totals"].iter_rows(values_only=True))
    assert [t[0] for t in totals[1:3]] == ["Ann Coach", "Ben Coach"]
    assert round(totals[-1][3] * 100) == sum(t.amount_cents for t in trips)
    book.close()


def test_export_for_one_coach_and_rates_admin(client, auth, login_as):
    login_as("admin")
    assert (
        client.post(
            "/mileage/rates", data={"effective_from": "2027-01-01", "cents_per_mile": "74.5"}
        ).status_code
        == 302
    )
    assert (
        db.session.scalar(
            sa.select(MileageRate.tenth_cents_per_mile).where(
                MileageRate.effective_from == date(2027, 1, 1)
            )
        )
        == 745
    )
    response = client.post(
        "/mileage/rates", data={"effective_from": "2027-01-01", "cents_per_mile": "80"}
    )
    assert "A rate already starts on that day." in response.text


def test_monthly_log_prints_with_a_signature_line(client, coach):
    make_trip(coach, trip_date=date(2026, 11, 2), purpose="Interview drive")
    page = client.get("/mileage/log?month=2026-11").text
    assert "Interview drive" in page and "Signature" in page and "$9.06" in page


def test_editing_a_round_trip_keeps_its_miles(client, coach):
    client.post(
        "/mileage/new",
        data={**TRIP, "idempotency_key": "round-key-1", "miles": "6", "round_trip": "y"},
    )
    trip = db.session.scalar(sa.select(Trip))
    page = client.get(f"/mileage/{trip.id}/edit").text
    assert 'name="miles" type="text" value="6.0"' in page or 'value="6.0"' in page
    client.post(f"/mileage/{trip.id}/edit", data={**TRIP, "miles": "6.0", "round_trip": "y"})
    db.session.expire_all()
    assert db.session.get(Trip, trip.id).miles_tenths == 120


def test_trip_dates_and_distances_are_bounded(client, coach):
    for fields, message in [
        ({"trip_date": "9999-12-31"}, "Enter a date from"),
        ({"miles": "0.04"}, "at least 0.1 mile"),
    ]:
        response = client.post(
            "/mileage/new", data={**TRIP, "idempotency_key": "bounds-key", **fields}
        )
        assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(Trip.id))) == 0


def test_no_approval_without_a_rate_and_only_once(client, coach, auth, login_as):
    old = make_trip(coach, trip_date=date(2023, 6, 1), status="submitted")
    trip = make_trip(coach, status="submitted")
    auth.logout()
    login_as("supervisor")
    response = client.post(f"/mileage/{old.id}/approve", follow_redirects=True)
    assert "No mileage rate is in force" in response.text
    client.post(f"/mileage/{trip.id}/approve")
    client.post(f"/mileage/{trip.id}/return", data={"comment": "too late"})
    db.session.expire_all()
    assert db.session.get(Trip, old.id).status == "submitted"
    trip = db.session.get(Trip, trip.id)
    assert trip.status == "approved" and trip.return_comment == ""


def test_export_form_defaults_to_the_whole_month(client, login_as):
    login_as("supervisor")
    page = client.get("/mileage/export?month=2026-01").text
    assert 'value="2026-01-31"' in page


def test_month_list_shows_the_latest_trips_and_totals_for_all(client, coach):
    for day in range(1, 26):
        make_trip(coach, trip_date=date(2026, 11, day), purpose=f"Trip on day {day:02d}")
    page = client.get("/mileage/?month=2026-11").text
    assert "<strong>25</strong> trips" in page and "Submit November for approval (25 trips)" in page
    assert "Trip on day 25" in page and "Trip on day 01" not in page
    assert "Show all 25 trips of November" in page
    assert "Trip on day 01" in client.get("/mileage/?month=2026-11&all=1").text


def test_half_a_gps_fix_is_not_stored(client, coach):
    data = {
        **TRIP,
        "idempotency_key": "half-fix",
        "start_lat": "39.96",
        "end_lat": "39.86",
        "end_lng": "-82.93",
    }
    assert client.post("/mileage/new", data=data).status_code == 302
    trip = db.session.scalar(sa.select(Trip))
    assert trip.origin_lat is None and trip.origin_lng is None
    assert (trip.dest_lat, trip.dest_lng) == (39.86, -82.93)


def test_repeat_offers_the_newest_three_distinct_trips(client, login_as):
    coach = login_as("coach")
    other = make_user("coach")
    make_trip(coach, origin="Office", destination="Warehouse", purpose="Oldest")
    make_trip(coach, origin="Office", destination="Clinic", purpose="Drove Ben", miles_tenths=52)
    make_trip(coach, origin="Store", destination="Office", purpose="Drove Rosa")
    make_trip(other, origin="Office", destination="Elsewhere", purpose="Another coach's")
    for _ in range(3):  # the same trip three times, the newest: offered once
        make_trip(coach, origin="Office", destination="Store", purpose="Drove Rosa")
    page = client.get("/mileage/?month=2026-11").text
    recent = page[page.index('recent-trips"') : page.index("</details>")]
    offered = re.findall(
        r'<span class="card-title">([^<]+)</span><span class="badge">([^<]+)', recent
    )
    assert offered == [("Store", "12.5 mi"), ("Office", "12.5 mi"), ("Clinic", "5.2 mi")]
    assert "Warehouse" not in recent and "Elsewhere" not in recent
    form = client.get("/mileage/new").text  # a new trip starts where the last one ended
    origin = re.search(r'<input[^>]*name="origin"[^>]*>', form).group(0)
    assert 'value="Office"' in origin


def test_review_queue_counts_what_waits_up_to_a_cap(client, login_as, monkeypatch):
    """Past the cap the queue says 'more than', so the page costs the same at any backlog."""
    monkeypatch.setattr("coach.records.COUNTED_UP_TO", 25)
    login_as("supervisor")
    coach = make_user("coach")
    for _ in range(25):
        make_trip(coach, status="submitted")
    assert "25 trips waiting; flagged ones first." in client.get("/mileage/review").text
    make_trip(coach, status="submitted")
    page = client.get("/mileage/review").text
    assert "More than 25 trips waiting; flagged ones first." in page


def test_a_deep_review_page_still_links_to_the_next_past_the_cap(client, login_as, monkeypatch):

    monkeypatch.setattr("coach.records.COUNTED_UP_TO", 2)
    login_as("supervisor")
    coach = make_user("coach")
    for _ in range(27):  # more than a page of 25, far more than the cap
        make_trip(coach, status="submitted")
    first = client.get("/mileage/review").text  # counted as far as the page shown needs
    assert "More than 25 trips waiting" in first and "?page=2" in first
    second = client.get("/mileage/review?page=2").text
    assert "?page=1" in second and "?page=3" not in second


def test_who_sees_which_trips(ctx):
    from coach.mileage.services import get_trip_for, visible_trips

    coach, other, supervisor = make_user("coach"), make_user("coach"), make_user("supervisor")
    mine, theirs = make_trip(coach), make_trip(other)

    def seen(user):
        return set(db.session.scalars(visible_trips(user).with_only_columns(Trip.id)))

    assert seen(coach) == {mine.id} and seen(supervisor) == {mine.id, theirs.id}
    assert get_trip_for(supervisor, theirs.id) is theirs
    with pytest.raises(NotFound):
        get_trip_for(coach, theirs.id)


def test_a_coach_reads_only_their_own_monthly_log(client, coach, auth, login_as):
    other = make_user("coach", name="Other Coach")
    make_trip(other, purpose="Their errand")
    assert client.get(f"/mileage/log?month=2026-11&coach={coach.id}").status_code == 200
    assert client.get(f"/mileage/log?month=2026-11&coach={other.id}").status_code == 404
    auth.logout()
    login_as("supervisor")
    page = client.get(f"/mileage/log?month=2026-11&coach={other.id}").text
    assert "Other Coach" in page and "Their errand" in page


def test_an_edit_is_audited_with_what_changed_but_not_its_text(client, coach):
    """The audit names a changed purpose or place; it does not copy the text, which may
    name a client or a home."""
    trip = make_trip(coach, trip_date=date(2026, 11, 2), purpose=TRIP["purpose"])
    response = client.post(
        f"/mileage/{trip.id}/edit", data={**TRIP, "miles": "13"}, follow_redirects=True
    )
    assert "Saved." in response.text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert (event.entity_type, event.entity_id) == ("trip", trip.id)
    assert "miles_tenths: 125 → 130" in event.summary
    assert "origin changed" in event.summary and "Home" not in event.summary
