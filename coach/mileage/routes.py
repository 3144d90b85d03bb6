"""The coach's side of mileage: the month's trips, logging and fixing a trip, submitting."""

from datetime import date

from flask import flash, request, url_for
from flask_login import current_user

from coach.agency import agency_today, current_agency, parse_month
from coach.audit.services import record_event
from coach.clients.services import client_choices, get_client_for
from coach.extensions import db
from coach.forms import ActionForm, options, to_units
from coach.mileage import bp
from coach.mileage import services as ms
from coach.mileage.forms import TripForm
from coach.models import Trip
from coach.records import save_edit
from coach.timeutil import to_local
from coach.visits.services import get_visit_for
from coach.web import form_view, id_arg, redirect_to, render, saved_redirect

LIST_SIZE = 20  # the latest trips of the month; "show all" for the rest
TRIP_FIELDS = ["trip_date", "purpose", "origin", "destination", "round_trip", "vehicle", "notes"]
# Free text of a trip: its audit event says it changed, not what it says.
TRIP_TEXT = ["purpose", "origin", "destination", "notes"]
# What an edit may change, as the audit event names it.
EDITED_FIELDS = [
    *TRIP_FIELDS,
    "client_id",
    "odometer_start_tenths",
    "odometer_end_tenths",
    "miles_tenths",
]


def month_url(trip: Trip) -> str:
    """The trips page of the trip's month."""
    return url_for("mileage.trips", month=f"{trip.trip_date:%Y-%m}")


def _trip_form(trip: Trip | None = None) -> TripForm:
    form = TripForm(obj=trip)
    form.client_id.choices = options([(0, "No client in the car"), *client_choices(current_user)])
    if trip is not None and not form.is_submitted():
        form.client_id.data = trip.client_id or 0
        if trip.odometer_start_tenths is None:
            form.miles.data = trip.one_way_miles
        else:
            form.miles.data = None
            form.odometer_start.data = trip.odometer_start_tenths / 10
            form.odometer_end.data = trip.odometer_end_tenths / 10
    return form


def _apply(form: TripForm, trip: Trip) -> None:
    """Copy the form onto the trip, then work out where its ends are, whether its miles
    are plausible, and what it pays."""
    places = ms.known_places(current_user)
    for name in TRIP_FIELDS:
        setattr(trip, name, getattr(form, name).data)
    trip.vehicle, trip.notes = trip.vehicle or "", trip.notes or ""
    trip.client_id = form.client_id.data or None
    if form.odometer_start.data is not None:
        trip.odometer_start_tenths = to_units(form.odometer_start.data, 10)
        trip.odometer_end_tenths = to_units(form.odometer_end.data, 10)
        trip.miles_tenths = trip.odometer_end_tenths - trip.odometer_start_tenths
    else:
        trip.odometer_start_tenths = trip.odometer_end_tenths = None
        trip.miles_tenths = to_units(form.miles.data, 10) * (2 if trip.round_trip else 1)
    start_fix = (form.start_lat.data, form.start_lng.data)
    ms.locate(trip, places, start_fix, (form.end_lat.data, form.end_lng.data))
    ms.check_plausibility(trip)
    ms.price(trip)


@bp.route("/")
def trips():
    """The coach's trips of a month, with totals, and the month's submit button."""
    year, month = parse_month(request.args.get("month"))
    limit = None if request.args.get("all") == "1" else LIST_SIZE
    return render(
        "mileage/trips.html",
        trips=ms.trips_of_month(current_user, year, month, limit),
        totals=ms.month_totals(current_user, year, month),
        year=year,
        month=month,
        month_start=date(year, month, 1),
        recent=ms.recent_trips(current_user),
    )


def _prefill(form: TripForm) -> None:
    """Repeat a recent trip (or its way back), start from a visit, or from the last origin."""
    form.trip_date.data = agency_today()
    if source := id_arg("repeat"):
        _repeat(form, ms.get_trip_for(current_user, source), request.args.get("reverse") == "1")
        return
    if visit_id := id_arg("visit"):
        visit = get_visit_for(current_user, visit_id)
        form.visit_id.data, form.client_id.data = visit.id, visit.client_id
        form.trip_date.data = to_local(visit.started_at, current_agency().timezone).date()
        form.purpose.data = "Job-site visit"  # no client name: exports carry purposes
        if visit.worksite:
            form.destination.data = ms.place_label(visit.worksite.name, visit.worksite.address)
    elif client_id := id_arg("client"):  # the client in the car, going to their job
        client = get_client_for(current_user, client_id, with_jobs=True)
        form.client_id.data = client.id
        form.purpose.data = "Client transport"  # no client name: exports carry purposes
        form.destination.data = ms.current_worksite(client, agency_today())
    form.origin.data = form.origin.data or ms.usual_origin(current_user)
    # A trip driven before: its miles again, so a usual trip is Log a trip → Save.
    usual = ms.last_trip_between(current_user, form.origin.data, form.destination.data)
    if usual:
        form.miles.data, form.round_trip.data = usual.one_way_miles, usual.round_trip
        form.vehicle.data = usual.vehicle


def _repeat(form: TripForm, trip: Trip, reverse: bool) -> None:
    """The same trip again, or its way back."""
    form.origin.data = trip.destination if reverse else trip.origin
    form.destination.data = trip.origin if reverse else trip.destination
    form.purpose.data, form.client_id.data = trip.purpose, trip.client_id or 0
    form.miles.data, form.vehicle.data = trip.one_way_miles, trip.vehicle
    form.round_trip.data = trip.round_trip


@bp.route("/new", methods=["GET", "POST"])
@form_view
def new_trip():
    """Log a trip: where, why, how far."""
    form = _trip_form()
    if request.method == "GET":
        _prefill(form)
    if form.validate_on_submit():
        # Everything is read and worked out before the first write: SQLite lets one
        # writer in at a time, and a write transaction holds that lock until it commits.
        trip = Trip(visit_id=ms.visible_visit_id(current_user, form.visit_id.data))
        _apply(form, trip)
        trip, created = ms.create_trip(current_user, form.idempotency_key.data, trip)
        if created:
            record_event("create", "trip", trip.id, f"{trip.miles} mi")
            db.session.commit()
            flag = f" It is flagged for a check: {trip.flag_reason}" if trip.flag_reason else ""
            flash(f"Trip saved: {trip.miles} mi.{flag}", "success")
        return saved_redirect(month_url(trip))
    places = ms.known_places(current_user)
    return render("mileage/trip_form.html", form=form, trip=None, places=places)


@bp.route("/<int:trip_id>/edit", methods=["GET", "POST"])
@form_view
def edit_trip(trip_id: int):
    """Fix a draft or returned trip; approved trips are locked."""
    trip = ms.get_trip_for(current_user, trip_id)
    if not ms.can_edit(current_user, trip):
        flash(f"This trip is {trip.status_label.lower()} and can no longer be changed.", "error")
        return redirect_to(month_url(trip))
    form = _trip_form(trip)
    if form.validate_on_submit():
        save_edit(trip, "trip", EDITED_FIELDS, lambda t: _apply(form, t), private=TRIP_TEXT)
        return saved_redirect(month_url(trip))
    places = ms.known_places(current_user)
    return render("mileage/trip_form.html", form=form, trip=trip, places=places)


@bp.route("/<int:trip_id>/delete", methods=["POST"])
def delete_trip(trip_id: int):
    """Delete a draft trip (one that was never submitted)."""
    trip = ms.get_trip_for(current_user, trip_id)
    if ActionForm().validate_on_submit() and ms.can_delete(current_user, trip):
        record_event("delete", "trip", trip.id, f"{trip.trip_date} {trip.miles} mi")
        db.session.delete(trip)
        db.session.commit()
        flash("Trip deleted.", "success")
    return redirect_to(month_url(trip))


@bp.route("/submit", methods=["GET", "POST"])
def submit():
    """Ask, then submit the month's draft and returned trips for approval.

    Only a post from the question page (its `confirm` field) submits: a stray tap
    elsewhere never sends a month."""
    year, month = parse_month(request.values.get("month"))
    month_value = f"{year}-{month:02d}"
    if request.form.get("confirm") == "yes" and ActionForm().validate_on_submit():
        count = ms.submit_month(current_user, year, month)
        record_event("submit", "trip", None, f"{month_value}: {count} trips")
        db.session.commit()
        plural = "s" if count != 1 else ""
        message = f"{count} trip{plural} submitted for approval." if count else None
        flash(message or "Nothing new to submit.", "success")
        return redirect_to(url_for("mileage.trips", month=month_value))
    return render(
        "mileage/submit.html",
        totals=ms.month_totals(current_user, year, month),
        month_value=month_value,
        month_start=date(year, month, 1),
    )
