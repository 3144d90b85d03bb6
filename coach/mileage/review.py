"""The supervisor's side of mileage: review, export for finance, rates; monthly logs."""

from flask import Response, flash, request, send_file, stream_with_context, url_for
from flask_login import current_user

from coach.audit.services import audit_view, record_event
from coach.clients.services import staff_member
from coach.extensions import db
from coach.forms import ActionForm, to_units
from coach.mileage import bp
from coach.mileage import services as ms
from coach.mileage.export_file import cells, csv_file, xlsx_file
from coach.mileage.forms import ExportForm, RateForm, ReturnForm
from coach.mileage.routes import parse_month
from coach.models import MileageRate, Trip
from coach.models.caseload import client_reference
from coach.records import more_than
from coach.web import (
    form_view,
    id_arg,
    int_arg,
    redirect_to,
    render,
    roles_required,
    saved_redirect,
)


@bp.route("/review")
@roles_required("supervisor", "admin")
def review():
    """Submitted trips of every coach, flagged first."""
    page = int_arg("page", 1)
    trips, waiting = ms.review_queue(current_user, page)
    return render(
        "mileage/review.html",
        trips=trips,
        waiting=waiting,
        more_than=more_than(waiting, page, ms.REVIEW_PAGE_SIZE),
        page=page,
        more=page * ms.REVIEW_PAGE_SIZE < waiting,
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
    if request.method == "GET":
        form.start.data, form.end.data = ms.export_period(request.args)
        form.coach.data = int_arg("coach")  # picked in the coach search
    valid = form.validate_on_submit()
    coach = staff_member(None if form.coach.errors else form.coach.data)
    if not valid:
        return render("mileage/export.html", form=form, coach=coach)
    start, end, coach_id = form.start.data, form.end.data, coach and coach[0]
    marked = ms.mark_exported(current_user, start, end, coach_id)
    what = f"{start}..{end} coach={coach_id or 'all'} {form.fmt.data}; {marked} newly"
    record_event("export", "trip", None, what)
    db.session.commit()
    # Read as the file is written, 1,000 rows at a time.
    rows_read = ms.export_rows(current_user, start, end, coach_id)
    rows = (cells(row, form.client_names.data) for row in rows_read)
    totals = ms.export_totals(current_user, start, end, coach_id)
    name = f"mileage-{start}-{end}"
    if form.fmt.data == "csv":
        disposition = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        body = stream_with_context(csv_file(rows, totals))
        return Response(body, mimetype="text/csv", headers=disposition)
    return send_file(xlsx_file(rows, totals), as_attachment=True, download_name=f"{name}.xlsx")


@bp.route("/log")
def monthly_log():
    """A coach's printable mileage log for a month, with a signature line."""
    year, month = parse_month(request.args.get("month"))
    coach = ms.get_log_coach_for(current_user, id_arg("coach"))
    month_trips = ms.log_trips(current_user, coach, year, month)
    audit_view("mileage_log", coach.id)  # a person's trips, with the clients they carried
    return render(
        "mileage/log.html",
        coach=coach,
        trips=month_trips,
        start=ms.month_bounds(year, month)[0],
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
        day, cents = form.effective_from.data, form.cents_per_mile.data
        tenths = to_units(cents, 10)  # half-up: 72.55¢ → 72.6¢
        db.session.add(MileageRate(effective_from=day, tenth_cents_per_mile=tenths))
        record_event("create", "mileage_rate", None, f"{cents}¢ from {day}")
        db.session.commit()
        return saved_redirect(url_for("mileage.rates"))
    return render("mileage/rates.html", form=form, rates=ms.all_rates())
