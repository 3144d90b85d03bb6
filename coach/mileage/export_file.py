"""The finance export of approved trips: each row as the cells of a sheet, then the whole
as CSV (streamed) or XLSX (written row by row), with per-coach and grand totals."""

import io

import xlsxwriter

from coach.exports import (
    csv_chunks,
    csv_line,
    dollars,
    spreadsheet_safe,
    write_xlsx_row,
    xlsx_formats,
)
from coach.models import TRIP_STATUSES
from coach.models.caseload import client_reference

COLUMNS = [
    "Date",
    "Coach",
    "Origin",
    "Destination",
    "Business purpose",
    "Client transported",
    "Miles",
    "Rate ($/mi)",
    "Amount ($)",
    "Status",
]


def cells(row, client_names: bool) -> list:
    """A row of coach.mileage.services.export_rows as the sheet's cells. The date is a
    date and typed text is as typed: the CSV guards it against formulas, the XLSX writes
    it as text. A client is named only if asked; a reference otherwise. (The row is
    unpacked as a tuple: reading its twelve fields by name was a quarter of a
    100,000-trip CSV's time, 1.0 of 4.2 s at L.)"""
    day, coach, origin, destination, purpose, client_id, first, last, *money, status = row
    tenths, rate, cents = money
    client = ""
    if client_id:
        client = f"{first} {last}" if client_names else client_reference(client_id)
    return [
        day,
        coach,
        origin,
        destination,
        purpose,
        client,
        miles_text(tenths),
        "" if rate is None else f"{rate // 1000}.{rate % 1000:03d}",
        "" if cents is None else dollars(cents),
        TRIP_STATUSES.get(status, status),
    ]


def miles_text(tenths: int) -> str:
    """Integer tenths of a mile as text, exactly."""
    return f"{tenths // 10}.{tenths % 10}"


def grand_total(totals: list[tuple[str, int, int, int]]) -> tuple[int, int, int]:
    """(trips, miles in tenths, cents) of every coach together."""
    return sum(t[1] for t in totals), sum(t[2] for t in totals), sum(t[3] for t in totals)


def csv_file(rows, totals):
    """The CSV's text, chunk by chunk, for a streamed response."""
    yield csv_line(COLUMNS)
    yield from csv_chunks(_csv_safe(row) for row in rows)
    yield csv_line([])
    yield csv_line(["Totals", "Coach", "Trips", "Miles", "Amount ($)"])
    for name, count, miles, cents in totals:
        yield csv_line(["", spreadsheet_safe(name), count, miles_text(miles), dollars(cents)])
    trips, miles, cents = grand_total(totals)
    yield csv_line(["Grand total", "", trips, miles_text(miles), dollars(cents)])


def _csv_safe(row: list) -> list:
    """The typed text of a row (coach to client) made safe from running as a formula."""
    row[1:6] = [spreadsheet_safe(cell) for cell in row[1:6]]
    return row


def xlsx_file(rows, totals) -> io.BytesIO:
    """A workbook written row by row (XlsxWriter's constant-memory mode: each row goes to
    disk as it comes), with a Totals sheet. Text stays text: no string is turned into a
    formula or a link."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats = xlsx_formats(book)
    sheet = book.add_worksheet("Trips")
    sheet.write_row(0, 0, COLUMNS)
    sheet.set_column(0, 0, 11)  # wide enough to show the date, not ####
    for number, values in enumerate(rows, start=1):
        values[6] = float(values[6])
        values[7] = float(values[7]) if values[7] else None
        values[8] = float(values[8]) if values[8] else None
        write_xlsx_row(sheet, number, values, formats)
    summary = book.add_worksheet("Totals")
    summary.write_row(0, 0, ["Coach", "Trips", "Miles", "Amount ($)"])
    for number, (name, count, miles, cents) in enumerate(totals, start=1):
        write_xlsx_row(summary, number, [name, count, miles / 10, cents / 100], formats)
    trips, miles, cents = grand_total(totals)
    summary.write_row(len(totals) + 1, 0, ["Grand total", trips, miles / 10, cents / 100])
    # The rows were written to disk as they came; the finished file is a few MB at most.
    book.close()
    out.seek(0)
    return out
