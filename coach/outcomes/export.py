"""The outcome figures as CSV rows: figure, period part, value, and what it counts."""

from coach.exports import csv_chunks, spreadsheet_safe


def _number(value, places: int = 1) -> str:
    return "" if value is None else f"{value:.{places}f}"


def figure_rows(scope, f: dict) -> list[list]:
    """One row per figure (per month, quarter, year and reason where it has parts)."""
    coach = str(scope.coach_id) if scope.coach_id else "all"
    period = f"{scope.start.isoformat()} to {scope.end.isoformat()}"
    rows = [["figure", "part", "value", "count", "period", "coach"]]

    def add(figure, part, value, count=""):
        rows.append([figure, part, value, count, period, coach])

    add("caseload size", "", f["caseload"].size)
    add(
        "percent employed",
        scope.as_of.isoformat(),
        _number(f["caseload"].percent_employed),
        f["caseload"].employed,
    )
    for first, n in f["starts"].months:
        add("job starts per month", first.strftime("%Y-%m"), n)
    for quarter, n in f["starts"].quarters:
        add("job starts per quarter", quarter, n)
    for year, n in f["starts"].years:
        add("job starts per year", str(year), n)
    add(
        "median days entry to first employer contact",
        "",
        _number(f["first_contact"].value),
        f["first_contact"].count,
    )
    add(
        "median days entry to first job start",
        "",
        _number(f["first_start"].value),
        f["first_start"].count,
    )
    add("90-day retention percent", "", _number(f["retention"].percent), f["retention"].starts)
    for _reason, label, n in f["endings"]:
        add("job endings by reason", label, n)
    pay = f["pay"]
    add(
        "median hourly wage",
        scope.as_of.isoformat(),
        _number(None if pay.wage_cents is None else pay.wage_cents / 100, 2),
        pay.wages,
    )
    add(
        "median weekly hours",
        scope.as_of.isoformat(),
        _number(None if pay.hours_tenths is None else pay.hours_tenths / 10),
        pay.hours,
    )
    prog = f["progression"]
    add(
        "wage progression: median first wage",
        "",
        _number(None if prog.first_cents is None else prog.first_cents / 100, 2),
        prog.people,
    )
    add(
        "wage progression: median current wage",
        scope.as_of.isoformat(),
        _number(None if prog.current_cents is None else prog.current_cents / 100, 2),
        prog.people,
    )
    add("wage progression: people earning more", "", prog.raised, prog.people)
    rate = f["contacts"]
    add("employer contacts per coach per week", "", _number(rate.per_coach_week, 2), rate.contacts)
    share = f["community"]
    add(
        "community share of coaching hours percent", "", _number(share.percent), share.total_minutes
    )
    return rows


def csv_text(rows: list[list]) -> str:
    """The rows as CSV text, every cell guarded against spreadsheet formulas."""
    return "".join(csv_chunks([[spreadsheet_safe(c) for c in row] for row in rows]))
