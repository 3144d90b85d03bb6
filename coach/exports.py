"""Pieces every CSV/XLSX export shares."""

import csv
import io


def csv_line(values: list) -> str:
    """One CSV row as text, for streaming responses."""
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


def spreadsheet_safe(cell):
    """Typed text a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell
