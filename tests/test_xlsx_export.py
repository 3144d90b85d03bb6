"""The XLSX export holds real dates, and typed text exactly as typed, never a formula."""

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook

from coach.extensions import db
from coach.models import Trip
from tests.factories import make_trip, make_user

PERIOD = {"start": "2026-11-01", "end": "2026-11-30", "coach": 0}


def export(client, fmt: str):
    return client.post("/mileage/export", data={**PERIOD, "fmt": fmt})


def test_xlsx_dates_are_dates_and_text_is_text(client, login_as):
    login_as("supervisor")
    coach = make_user("coach", name="=Ann Coach")
    make_trip(coach, trip_date=date(2026, 11, 2), status="approved", purpose="=1+2")
    make_trip(coach, trip_date=date(2026, 11, 15), status="approved", origin="@SUM(A1:A9)")
    book = load_workbook(io.BytesIO(export(client, "xlsx").data))
    trips = book["Trips"]
    day = trips["A2"]
    assert day.is_date and day.value == datetime(2026, 11, 2)
    assert day.number_format == "yyyy-mm-dd"
    assert trips["A3"].value == datetime(2026, 11, 15)
    for cell, text in (("B2", "=Ann Coach"), ("E2", "=1+2"), ("C3", "@SUM(A1:A9)")):
        assert trips[cell].value == text and trips[cell].data_type == "s"
    totals = book["Totals"]
    assert totals["A2"].value == "=Ann Coach" and totals["A2"].data_type == "s"
    book.close()


def test_the_csv_keeps_its_formula_guard(client, login_as):
    login_as("supervisor")
    coach = make_user("coach", name="Ann Coach")
    make_trip(coach, trip_date=date(2026, 11, 2), status="approved", purpose="=1+2")
    rows = list(csv.reader(io.StringIO(export(client, "csv").text)))
    assert rows[1][0] == "2026-11-02" and rows[1][4] == "'=1+2"
    assert db.session.scalar(db.select(Trip.purpose)) == "=1+2"  # stored as typed
