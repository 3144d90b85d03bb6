"""The supervisor's side of mileage: review, export for finance, rates, monthly logs."""

import io
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
import xlsxwriter
from flask import Response, flash, request, send_file, stream_with_context, url_for
from flask_login import current_user

from coach.audit.services import audit_view, record_event
from coach.clients.services import coach_choices
from coach.exports import (
    csv_chunks,
    csv_line,
    spreadsheet_safe,
    write_xlsx_row,
    xlsx_formats,
)
from coach.extensions import db
from coach.forms import ActionForm, options, to_units
from coach.mileage import bp
from coach.mileage import services as ms
from coach.mileage.forms import ExportForm, RateForm, ReturnForm
from coach.mileage.routes import parse_month
from coach.models import TRIP_STATUSES, Client, MileageRate, Trip, User
from coach.models.caseload import client_reference
from coach.web import (
    form_view,
    id_arg,
    int_arg,
    redirect_to,
    render,
    roles_required,
    saved_redirect,
)

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


@bp.route("/review")
@roles_required("supervisor", "admin")
def review():
    """Submitted trips of every coach, flagged first."""
    page = int_arg("page", 1)
    trips, waiting = ms.review_queue(page)
    return render(
        "mileage/review.html",
        trips=trips,
        waiting=waiting,
        shown_up_to=ms.WAITING_SHOWN_UP_TO,
        page=page,
        more=page * 25 < waiting,
        client_reference=client_reference,
    )


def _reviewable(trip_id: int) -> Trip | None:
    trip = ms.get_trip_for(current_user, trip_id)
    if not ms.can_review(current_user, trip):
        flash("You cannot review this trip (it is your own, or no longer waiting).", "error")
        return None
    return trip


@bp.route("/<int:trip_id>/approve", methods=["POST"])
@roles_required("supervisor", "admin")
def approve(trip_id: int):
    """Approve a submitted trip; it is locked from now on."""
    trip = _reviewable(trip_id)
    if trip and ActionForm().validate_on_submit():
        problem = ms.approve(trip, current_user)
        if problem:
            flash(problem, "error")
        else:
            record_event("approve", "trip", trip.id, f"{trip.miles} mi, {trip.amount_cents} cents")
        db.session.commit()
    return redirect_to(url_for("mileage.review"))


@bp.route("/<int:trip_id>/return", methods=["POST"])
@roles_required("supervisor", "admin")
def return_trip(trip_id: int):
    """Send a trip back to the coach with what to fix."""
    trip = _reviewable(trip_id)
    form = ReturnForm()
    if trip and form.validate_on_submit():
        problem = ms.return_trip(trip, form.comment.data)
        if problem:
            flash(problem, "error")
        else:
            record_event("return", "trip", trip.id, form.comment.data)
        db.session.commit()
    elif trip:
        flash("Say what the coach should fix.", "error")
    return redirect_to(url_for("mileage.review"))


@bp.route("/export", methods=["GET", "POST"])
@roles_required("supervisor", "admin")
@form_view
def export():
    """Approved trips of a period for finance, as CSV or XLSX; they become exported."""
    form = ExportForm()
    form.coach.choices = options([(0, "All coaches"), *coach_choices(everyone=True)])
    if request.method == "GET":
        year, month = parse_month(request.args.get("month"))
        first, next_first = ms.month_bounds(year, month)
        form.start.data, form.end.data = first, next_first - timedelta(days=1)
    if form.validate_on_submit():
        start, end, coach_id = form.start.data, form.end.data, form.coach.data or None
        marked = ms.mark_exported(start, end, coach_id)
        record_event(
            "export",
            "trip",
            None,
            f"{start}..{end} coach={coach_id or 'all'} {form.fmt.data}; {marked} newly",
        )
        db.session.commit()
        rows = _rows(start, end, coach_id, form.client_names.data)
        totals = ms.export_totals(start, end, coach_id)
        name = f"mileage-{start}-{end}"
        if form.fmt.data == "csv":
            return Response(
                stream_with_context(_csv(rows, totals)),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return send_file(_xlsx(rows, totals), as_attachment=True, download_name=f"{name}.xlsx")
    return render("mileage/export.html", form=form)


def _rows(start, end, coach_id, client_names: bool):
    """Export rows as lists of cells, fetched 1,000 at a time: 100,000 trips never sit in
    memory together, and no ORM objects are built for them. The date is a date and typed
    text is as typed: the CSV guards it against formulas, the XLSX writes it as text."""
    trips = ms.export_query(start, end, coach_id).subquery()
    query = (
        sa.select(
            trips.c.trip_date,
            User.name,
            trips.c.origin,
            trips.c.destination,
            trips.c.purpose,
            trips.c.client_id,
            Client.first_name,
            Client.last_name,
            trips.c.miles_tenths,
            trips.c.tenth_cents_per_mile,
            trips.c.amount_cents,
            trips.c.status,
        )
        .join(User, User.id == trips.c.coach_id)
        .outerjoin(Client, Client.id == trips.c.client_id)
        .order_by(trips.c.coach_id, trips.c.trip_date, trips.c.id)
        .execution_options(yield_per=1000)
    )
    for (
        day,
        coach,
        origin,
        destination,
        purpose,
        client_id,
        first,
        last,
        tenths,
        rate,
        cents,
        status,
    ) in db.session.connection().execute(query):
        client = ""
        if client_id:
            client = f"{first} {last}" if client_names else client_reference(client_id)
        yield [
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


def dollars(cents: int) -> str:
    """Integer cents as dollars, exactly (no float on the way)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _csv(rows, totals):
    yield csv_line(COLUMNS)
    yield from csv_chunks(_csv_safe(row) for row in rows)
    yield csv_line([])
    yield csv_line(["Totals", "Coach", "Trips", "Miles", "Amount ($)"])
    for name, count, miles, cents in totals:
        yield csv_line(["", spreadsheet_safe(name), count, miles_text(miles), dollars(cents)])
    grand = (sum(t[1] for t in totals), sum(t[2] for t in totals), sum(t[3] for t in totals))
    yield csv_line(["Grand total", "", grand[0], miles_text(grand[1]), dollars(grand[2])])


def _csv_safe(row: list) -> list:
    """The typed text of a row (coach to client) made safe from running as a formula."""
    row[1:6] = [spreadsheet_safe(cell) for cell in row[1:6]]
    return row


def _xlsx(rows, totals):
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
    summary.write_row(
        len(totals) + 1,
        0,
        [
            "Grand total",
            sum(t[1] for t in totals),
            sum(t[2] for t in totals) / 10,
            sum(t[3] for t in totals) / 100,
        ],
    )
    # The rows were written to disk as they came; the finished file is a few MB at most.
    book.close()
    out.seek(0)
    return out


@bp.route("/log")
def monthly_log():
    """A coach's printable mileage log for a month, with a signature line."""
    year, month = parse_month(request.args.get("month"))
    coach_id = id_arg("coach") or current_user.id
    if coach_id != current_user.id and not current_user.sees_all_caseloads:
        coach_id = current_user.id
    coach = db.get_or_404(User, coach_id)
    start, end = ms.month_bounds(year, month)
    month_trips = db.session.scalars(
        sa.select(Trip)
        .where(Trip.coach_id == coach.id, Trip.trip_date >= start, Trip.trip_date < end)
        .options(so.joinedload(Trip.client))
        .order_by(Trip.trip_date, Trip.id)
    ).all()
    audit_view("mileage_log", coach.id)  # a person's trips, with the clients they carried
    return render(
        "mileage/log.html",
        coach=coach,
        trips=month_trips,
        start=start,
        total_miles=sum(t.miles_tenths for t in month_trips) / 10,
        total_cents=sum(t.amount_cents or 0 for t in month_trips),
    )


@bp.route("/rates", methods=["GET", "POST"])
@roles_required("admin")
@form_view
def rates():
    """Per-mile rates with the dates they take effect."""
    form = RateForm()
    if form.validate_on_submit():
        exists = db.session.scalar(
            sa.select(MileageRate).where(MileageRate.effective_from == form.effective_from.data)
        )
        if exists:
            form.effective_from.errors.append("A rate already starts on that day.")
        else:
            tenths = to_units(form.cents_per_mile.data, 10)  # half-up: 72.55¢ → 72.6¢
            db.session.add(
                MileageRate(effective_from=form.effective_from.data, tenth_cents_per_mile=tenths)
            )
            record_event(
                "create",
                "mileage_rate",
                None,
                f"{form.cents_per_mile.data}¢ from {form.effective_from.data}",
            )
            db.session.commit()
            return saved_redirect(url_for("mileage.rates"))
    table = db.session.scalars(sa.select(MileageRate).order_by(MileageRate.effective_from.desc()))
    return render("mileage/rates.html", form=form, rates=table.all())
