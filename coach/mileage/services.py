"""Mileage rules: rates by date, amounts to the cent, plausibility, the workflow, exports."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import abort, current_app
from geopy.distance import geodesic
from sqlalchemy.exc import IntegrityError

from coach.agency import current_agency
from coach.extensions import db, read_cards, reusable
from coach.models import (
    DEFAULT_RATES,
    EDITABLE,
    Client,
    MileageRate,
    Placement,
    Trip,
    TripCard,
    User,
    Worksite,
)
from coach.models.caseload import CLIENT_NAME
from coach.models.mileage import FLAGGED_FIRST
from coach.timeutil import utcnow

CENT = Decimal("0.01")


# --- money ---------------------------------------------------------------------------


def rate_on(day: date) -> MileageRate | None:
    """The rate in force on a day: the latest one that took effect on or before it."""
    return db.session.scalar(_rate_query(), {"day": day})


@reusable
def _rate_query() -> sa.Select:
    return (
        sa.select(MileageRate)
        .where(MileageRate.effective_from <= sa.bindparam("day"))
        .order_by(MileageRate.effective_from.desc())
        .limit(1)
    )


def amount_cents(miles_tenths: int, tenth_cents_per_mile: int) -> int:
    """Miles × rate, in Decimal, rounded half-up to the cent (12.5 × $0.67 = $8.38)."""
    dollars = (Decimal(miles_tenths) / 10) * (Decimal(tenth_cents_per_mile) / 1000)
    return int(dollars.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def seed_default_rates() -> None:
    """The IRS business rates for 2024–2026, where the table is empty (the migration does
    the same for real databases)."""
    if db.session.scalar(sa.select(sa.func.count(MileageRate.id))):
        return
    for effective_from, rate in DEFAULT_RATES:
        db.session.add(MileageRate(effective_from=effective_from, tenth_cents_per_mile=rate))


def price(trip: Trip) -> None:
    """Set the rate and amount of a trip from the rate in force on its date."""
    rate = rate_on(trip.trip_date)
    trip.tenth_cents_per_mile = rate.tenth_cents_per_mile if rate else None
    trip.amount_cents = amount_cents(trip.miles_tenths, rate.tenth_cents_per_mile) if rate else None


# --- plausibility --------------------------------------------------------------------


def check_plausibility(trip: Trip) -> None:
    """Compare the claimed miles with the straight-line (geodesic) distance of the ends."""
    ends = (trip.origin_lat, trip.origin_lng, trip.dest_lat, trip.dest_lng)
    if any(v is None for v in ends):
        trip.straight_miles_tenths, trip.flag_reason = None, ""
        return
    one_way = geodesic((trip.origin_lat, trip.origin_lng), (trip.dest_lat, trip.dest_lng)).miles
    straight = one_way * (2 if trip.round_trip else 1)
    trip.straight_miles_tenths = round(straight * 10)
    claimed = trip.miles_tenths / 10
    factor = current_app.config["MILEAGE_FLAG_FACTOR"]
    if claimed + 0.05 < straight:
        trip.flag_reason = (
            f"Claimed {claimed:.1f} mi is less than the straight-line distance "
            f"of {straight:.1f} mi."
        )
    elif straight >= 1 and claimed > straight * factor:
        trip.flag_reason = (
            f"Claimed {claimed:.1f} mi is more than {factor:g}× the straight-line "
            f"distance of {straight:.1f} mi."
        )
    else:
        trip.flag_reason = ""


@dataclass
class Place:
    label: str
    latitude: float | None
    longitude: float | None


def place_label(name: str, address: str) -> str:
    """How the trip form names a worksite: `known_places` finds its coordinates by it."""
    return f"{name}: {address}" if address else name


def office_label() -> str | None:
    address = current_agency().office_address
    return f"Office: {address}" if address else None


def known_places(user: User) -> list[Place]:
    """The office, the worksites of the coach's clients, and recent typed places."""
    agency = current_agency()
    places = []
    if agency.office_address:
        places.append(Place(office_label(), agency.office_latitude, agency.office_longitude))
    sites = db.session.execute(_sites_query(), {"coach_id": user.id}).all()
    places += [Place(place_label(name, address), lat, lng) for name, address, lat, lng in sites]
    recent = db.session.scalars(_destinations_query(), {"coach_id": user.id}).all()
    labels = {p.label for p in places}
    for label in dict.fromkeys(recent):
        if label not in labels:
            places.append(Place(label, None, None))
    return places


@reusable
def _sites_query() -> sa.Select:
    return (
        sa.select(Worksite.name, Worksite.address, Worksite.latitude, Worksite.longitude)
        .join(Placement, Placement.worksite_id == Worksite.id)
        .join(Client, Client.id == Placement.client_id)
        .where(Client.coach_id == sa.bindparam("coach_id"))
        .distinct()
        .order_by(Worksite.name)
    )


@reusable
def _destinations_query() -> sa.Select:
    return (
        sa.select(Trip.destination)
        .where(Trip.coach_id == sa.bindparam("coach_id"))
        .order_by(Trip.id.desc())
        .limit(20)
    )


def usual_origin(user: User) -> str | None:
    """Where the coach's next trip most likely starts: where their last one did, else the
    agency's office."""
    last = recent_trips(user, 1)
    return last[0].origin if last else office_label()


def current_worksite(client: Client, today: date) -> str | None:
    """The worksite of the client's newest current job, named as the trip form names it
    (the client needs `placements` loaded with their worksites)."""
    for job in client.placements:  # newest first
        if job.is_current(today):
            return place_label(job.worksite.name, job.worksite.address)
    return None


def last_trip_between(user: User, origin: str | None, destination: str | None) -> Trip | None:
    """The coach's latest trip from one place to another: how far a usual trip is."""
    if not (origin and destination):
        return None
    return db.session.scalar(
        sa.select(Trip)
        .where(Trip.coach_id == user.id, Trip.origin == origin, Trip.destination == destination)
        .order_by(Trip.id.desc())
        .limit(1)
    )


def coordinates_of(label: str, places: list[Place]) -> tuple[float | None, float | None]:
    for place in places:
        if place.label == label:
            return place.latitude, place.longitude
    return None, None


# --- who sees what, and the workflow -------------------------------------------------


def visible_trips(user: User) -> sa.Select:
    query = sa.select(Trip)
    if not user.sees_all_caseloads:
        query = query.where(Trip.coach_id == user.id)
    return query


def get_trip_for(user: User, trip_id: int) -> Trip:
    trip = db.session.scalar(visible_trips(user).where(Trip.id == trip_id))
    if trip is None:
        abort(404)
    return trip


@reusable
def _by_key_query() -> sa.Select:
    return sa.select(Trip).where(
        Trip.created_by_id == sa.bindparam("user_id"), Trip.idempotency_key == sa.bindparam("key")
    )


def create_trip(user: User, key: str, trip: Trip) -> tuple[Trip, bool]:
    """Store a new trip once per idempotency key: (trip, created). A repeat returns the
    first one."""
    existing = db.session.scalar(_by_key_query(), {"user_id": user.id, "key": key})
    if existing:
        return existing, False
    trip.coach_id, trip.created_by_id, trip.idempotency_key = user.id, user.id, key
    db.session.add(trip)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(
            sa.select(Trip).where(Trip.created_by_id == user.id, Trip.idempotency_key == key)
        ), False
    return trip, True


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def submit_month(user: User, year: int, month: int) -> int:
    """Submit the coach's draft and returned trips of a month; submitting again is a no-op."""
    start, end = month_bounds(year, month)
    result = db.session.execute(
        sa.update(Trip)
        .where(
            Trip.coach_id == user.id,
            Trip.status.in_(("draft", "returned")),
            Trip.trip_date >= start,
            Trip.trip_date < end,
        )
        .values(status="submitted", submitted_at=utcnow())
    )
    return result.rowcount


def can_review(user: User, trip: Trip) -> bool:
    """Supervisors and admins review trips, never their own."""
    return user.sees_all_caseloads and trip.coach_id != user.id and trip.status == "submitted"


def _decide(trip: Trip, **values) -> bool:
    """Move a submitted trip on, once: a second supervisor's click finds it decided."""
    done = db.session.execute(
        sa.update(Trip)
        .where(Trip.id == trip.id, Trip.status == "submitted")
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(trip)
    return done == 1


def approve(trip: Trip, user: User) -> str | None:
    """Approve at the rate in force on the trip's date, fixed from now on; or say why not."""
    price(trip)
    if trip.amount_cents is None:
        db.session.rollback()
        return f"No mileage rate is in force on {trip.trip_date:%b %-d, %Y}: an admin adds it."
    if not _decide(
        trip,
        status="approved",
        approved_at=utcnow(),
        approved_by_id=user.id,
        tenth_cents_per_mile=trip.tenth_cents_per_mile,
        amount_cents=trip.amount_cents,
    ):
        return "Someone else has just reviewed this trip."
    return None


def return_trip(trip: Trip, comment: str) -> str | None:
    if not _decide(trip, status="returned", return_comment=comment):
        return "Someone else has just reviewed this trip."
    return None


# What a coach's month list shows of a trip.
MONTH_LIST_COLUMNS = (
    Trip.id,
    Trip.trip_date,
    Trip.miles_tenths,
    Trip.status,
    Trip.origin,
    Trip.destination,
    Trip.purpose,
    Trip.client_id,
    Trip.amount_cents,
    Trip.flag_reason,
    Trip.return_comment,
)


@reusable
def _month_query(limited: bool) -> sa.Select:
    query = (
        sa.select(*MONTH_LIST_COLUMNS, *CLIENT_NAME)  # the client's name, for the coach
        .outerjoin(Client, Client.id == Trip.client_id)
        .where(
            Trip.coach_id == sa.bindparam("coach_id"),
            Trip.trip_date >= sa.bindparam("start"),
            Trip.trip_date < sa.bindparam("end"),
        )
        .order_by(Trip.trip_date.desc(), Trip.id.desc())
    )
    return query.limit(sa.bindparam("limit")) if limited else query


def trips_of_month(user: User, year: int, month: int, limit: int | None) -> list[TripCard]:
    """The coach's trips of a month, newest first (the latest `limit` of them)."""
    start, end = month_bounds(year, month)
    values = {"coach_id": user.id, "start": start, "end": end, "limit": limit}
    return read_cards(TripCard, _month_query(bool(limit)), values)


@dataclass
class MonthTotals:
    trips: int
    miles_tenths: int
    cents: int
    to_submit: int


@reusable
def _totals_query() -> sa.Select:
    return sa.select(
        sa.func.count(Trip.id),
        sa.func.coalesce(sa.func.sum(Trip.miles_tenths), 0),
        sa.func.coalesce(sa.func.sum(Trip.amount_cents), 0),
        sa.func.coalesce(sa.func.sum(sa.case((Trip.status.in_(EDITABLE), 1), else_=0)), 0),
    ).where(
        Trip.coach_id == sa.bindparam("coach_id"),
        Trip.trip_date >= sa.bindparam("start"),
        Trip.trip_date < sa.bindparam("end"),
    )


def month_totals(user: User, year: int, month: int) -> MonthTotals:
    """Counts and sums of a coach's month, in one SQL statement."""
    start, end = month_bounds(year, month)
    values = {"coach_id": user.id, "start": start, "end": end}
    row = db.session.connection().execute(_totals_query(), values).one()
    return MonthTotals(*(int(v) for v in row))


@reusable
def _recent_query() -> sa.Select:
    # The coach's last 30 trips, read off ix_trips_coach_id (not by walking every coach's
    # trips from the newest); of those, the newest of each distinct trip.
    last = (
        sa.select(Trip.id, Trip.origin, Trip.destination, Trip.purpose, Trip.miles_tenths)
        .where(Trip.coach_id == sa.bindparam("coach_id"))
        .order_by(Trip.id.desc())
        .limit(30)
        .subquery()
    )
    same_trip = (last.c.origin, last.c.destination, last.c.purpose)
    newest_first = sa.func.row_number().over(partition_by=same_trip, order_by=last.c.id.desc())
    ranked = sa.select(last, newest_first.label("n")).subquery()
    return (
        sa.select(ranked.c.id, *(ranked.c[c.name] for c in same_trip), ranked.c.miles_tenths)
        .where(ranked.c.n == 1)
        .order_by(ranked.c.id.desc())
        .limit(sa.bindparam("limit"))
    )


def recent_trips(user: User, limit: int = 3) -> list[TripCard]:
    """The coach's last few distinct trips, for one-tap repeats."""
    return read_cards(TripCard, _recent_query(), {"coach_id": user.id, "limit": limit})


@reusable
def _waiting_query() -> sa.Select:
    # Counted up to one past the cap: a page costs the same with 4,000 trips waiting.
    waiting = sa.select(Trip.id).where(Trip.status == "submitted").limit(sa.bindparam("cap"))
    return sa.select(sa.func.count()).select_from(waiting.subquery())


# What the review queue shows of a trip.
REVIEW_COLUMNS = (
    Trip.id,
    Trip.coach_id,
    Trip.trip_date,
    Trip.miles_tenths,
    Trip.amount_cents,
    Trip.origin,
    Trip.destination,
    Trip.round_trip,
    Trip.purpose,
    Trip.client_id,
    Trip.odometer_start_tenths,
    Trip.odometer_end_tenths,
    Trip.flag_reason,
)


@reusable
def _queue_query() -> sa.Select:
    return (
        # The coach's name is all it shows of them; a client is shown by reference (its id).
        sa.select(*REVIEW_COLUMNS, User.name.label("coach_name"))
        .join(User, User.id == Trip.coach_id)
        .where(Trip.status == "submitted")
        .order_by(sa.text(FLAGGED_FIRST), Trip.coach_id, Trip.trip_date, Trip.id)
        .offset(sa.bindparam("offset"))
        .limit(sa.bindparam("limit"))
    )


WAITING_SHOWN_UP_TO = 1000  # beyond it the queue says "more than 1,000"


def review_queue(page: int, size: int = 25) -> tuple[list[TripCard], int]:
    """A page of submitted trips of every coach, flagged ones first, and how many wait:
    counted far enough to tell the page shown from the next (so a deep page still has
    its Next link) and no further than WAITING_SHOWN_UP_TO + 1, meaning more than that."""
    cap = {"cap": max(WAITING_SHOWN_UP_TO, page * size) + 1}
    waiting = db.session.connection().execute(_waiting_query(), cap).scalar()
    values = {"offset": (page - 1) * size, "limit": size}
    return read_cards(TripCard, _queue_query(), values), waiting


# --- export --------------------------------------------------------------------------


def export_query(start: date, end: date, coach_id: int | None) -> sa.Select:
    """Approved and already exported trips in a date range (inclusive), in a stable order."""
    query = sa.select(Trip).where(
        Trip.status.in_(("approved", "exported")), Trip.trip_date >= start, Trip.trip_date <= end
    )
    if coach_id:
        query = query.where(Trip.coach_id == coach_id)
    return query.order_by(Trip.coach_id, Trip.trip_date, Trip.id)


def mark_exported(start: date, end: date, coach_id: int | None) -> int:
    """Approved trips in the range become exported (and locked); exported ones stay."""
    query = sa.update(Trip).where(
        Trip.status == "approved", Trip.trip_date >= start, Trip.trip_date <= end
    )
    if coach_id:
        query = query.where(Trip.coach_id == coach_id)
    return db.session.execute(query.values(status="exported", exported_at=utcnow())).rowcount


def export_totals(start: date, end: date, coach_id: int | None) -> list[tuple[str, int, int, int]]:
    """(coach name, trips, miles in tenths, cents) per coach, by SQL, not row by row."""
    sub = export_query(start, end, coach_id).order_by(None).subquery()
    rows = db.session.execute(
        sa.select(
            User.name,
            sa.func.count(sub.c.id),
            sa.func.sum(sub.c.miles_tenths),
            sa.func.sum(sub.c.amount_cents),
        )
        .join(User, User.id == sub.c.coach_id)
        .group_by(User.id, User.name)
        .order_by(User.name)
    ).all()
    return [(name, count, int(miles or 0), int(cents or 0)) for name, count, miles, cents in rows]
