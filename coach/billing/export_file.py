"""The billing export's file: each billed visit as a row, kept with its batch as it was
exported (gzip of JSON lines), then written as CSV (streamed) or XLSX (row by row) with
a total per client and a grand total, through the shared pieces in coach/exports.py.

A kept row is a list: [client id, client, funder case number, authorization number,
service code, date (ISO), start, end (HH:MM, agency local time), units, rate in cents or
None, amount in cents or None, coach, approver, visit id]. A service without a rate has
no rate and no amount (blank cells): it adds nothing to the amount totals. Each line of
the kept text is a JSON list of up to a thousand rows; batches exported before
2026-12-02 kept one row a line, and read the same."""

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import xlsxwriter

from coach.exports import (
    csv_chunks,
    csv_line,
    dollars,
    spreadsheet_safe,
    write_xlsx_row,
    xlsx_formats,
)

COLUMNS = [
    "Row",
    "Client",
    "Funder case number",
    "Authorization",
    "Service",
    "Date",
    "Start",
    "End",
    "Units",
    "Rate ($)",
    "Amount ($)",
    "Coach",
    "Approved by",
    "Visit",
]
VISIT, CLIENT_TOTAL, GRAND_TOTAL = "Visit", "Client total", "Grand total"
# The typed text of a row (client to service code, coach, approver): guarded in the CSV.
TEXT_CELLS = (1, 2, 3, 4, 11, 12)


@dataclass
class Totals:
    visits: int = 0
    units: int = 0
    amount_cents: int = 0
    unrated: int = 0  # visits of a service with no rate

    def add(self, units: int, amount_cents: int | None) -> None:
        self.visits += 1
        self.units += units
        if amount_cents is None:
            self.unrated += 1
        else:
            self.amount_cents += amount_cents


# --- keeping the rows with the batch ------------------------------------------------


# One encoder and one decoder for every line: json.dumps with options makes a new
# encoder per call, and json.loads of bytes first guesses their encoding (together
# 0.7 of a 100,000-visit billing CSV's 5.4 s at L).
ENCODER = json.JSONEncoder(separators=(",", ":"))
DECODER = json.JSONDecoder()
# Rows a kept line: encoding 100,000 rows a thousand at a time takes 0.18 s, a row at a
# time 0.56 s (the encoder's call per row).
LINE_ROWS = 1000


def pack(rows: Iterable[list]) -> tuple[bytes, Totals]:
    """The rows as gzip of JSON lines, a thousand rows a line, and their totals. Written
    as they come: 100,000 rows never sit in memory together, only their compressed
    text."""
    out, totals, line = io.BytesIO(), Totals(), []
    # Level 1: a third of the time of the default, for a file a little larger (a few MB
    # for 100,000 visits).
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=1) as packed:
        for row in rows:
            totals.add(row[8], row[10])
            line.append(row)
            if len(line) == LINE_ROWS:
                packed.write(ENCODER.encode(line).encode() + b"\n")
                line.clear()
        if line:
            packed.write(ENCODER.encode(line).encode() + b"\n")
    return out.getvalue(), totals


def unpack(rows_gz: bytes) -> Iterator[list]:
    """The kept rows, one by one."""
    with gzip.open(io.BytesIO(rows_gz), mode="rt", encoding="utf-8") as packed:
        for line in packed:
            rows = DECODER.decode(line)
            if isinstance(rows[0], list):
                yield from rows
            else:  # a row a line: a batch kept before 2026-12-02
                yield rows


# --- rows of the sheet ---------------------------------------------------------------


def sheet_rows(kept: Iterable[list]) -> Iterator[tuple[str, list]]:
    """(kind, cells) for every visit, a total after each client's visits, and the grand
    total: the totals are summed from the rows of this very file. Cells are as kept:
    the date ISO text, units and cents integers, None for a blank."""
    grand, client, current, name = Totals(), Totals(), None, ""
    for row in kept:
        client_id, units, amount = row[0], row[8], row[10]
        if current is not None and client_id != current:
            yield CLIENT_TOTAL, total_cells(CLIENT_TOTAL, name, client)
            client = Totals()
        current, name = client_id, row[1]
        client.add(units, amount)
        grand.add(units, amount)
        yield VISIT, [VISIT, *row[1:]]  # the kept row, its client id the row's kind
    if current is not None:
        yield CLIENT_TOTAL, total_cells(CLIENT_TOTAL, name, client)
    yield GRAND_TOTAL, total_cells(GRAND_TOTAL, "", grand)


def total_cells(label: str, client_name: str, totals: Totals) -> list:
    blank = [None] * 6
    return [label, client_name, *blank, totals.units, None, totals.amount_cents, None, None, None]


# --- CSV -----------------------------------------------------------------------------


def csv_file(kept: Iterable[list]) -> Iterator[str]:
    """The CSV's text, chunk by chunk: money as exact dollars, typed text guarded against
    running as a formula."""
    yield csv_line(COLUMNS)
    yield from csv_chunks(csv_cells(cells) for _, cells in sheet_rows(kept))


def csv_cells(cells: list) -> list:
    """The CSV's cells of a sheet row (the csv module writes None as a blank)."""
    for column in TEXT_CELLS:
        cells[column] = spreadsheet_safe(cells[column])
    for column in (9, 10):
        if cells[column] is not None:
            cells[column] = dollars(cells[column])
    return cells


# --- XLSX ----------------------------------------------------------------------------


def xlsx_file(kept: Iterable[list], title: str) -> io.BytesIO:
    """A workbook written row by row (constant memory), the totals in bold. Text stays
    text: no string becomes a formula or a link. Money is in dollars, with two places."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"title": title})
    formats = xlsx_formats(book)
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "0.00"})
    sheet = book.add_worksheet("Visits")
    sheet.set_column(5, 5, 11)  # wide enough to show the date, not ####
    sheet.set_column(9, 10, 10, money)
    sheet.write_row(0, 0, COLUMNS, bold)
    for number, (kind, cells) in enumerate(sheet_rows(kept), start=1):
        if kind == VISIT:
            cells[5] = date.fromisoformat(cells[5])
        else:
            sheet.set_row(number, None, bold)
        for column in (9, 10):
            if cells[column] is not None:
                cells[column] = cells[column] / 100
        write_xlsx_row(sheet, number, cells, formats)
    book.close()
    out.seek(0)
    return out
