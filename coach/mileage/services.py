"""Mileage rules: who sees which trips, rates by date, amounts to the cent, plausibility,
the workflow, the lists, the export."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from geopy.distance import geodesic
from sqlalchemy.dialects import postgresql, sqlite

from coach.agency import current_agency, parse_month
from coach.extensions import db
from coach.models import (
    DEFAULT_RATES,
    EDITABLE,
    Client,
    ExportedTrip,
    MileageRate,
    Placement,
    Trip,
    User,
    Visit,
    Worksite,
)
from coach.models.mileage import FLAGGED_FIRST
from coach.records import count_up_to, create_once, get_or_404
from coach.timeutil import utcnow
from coach.visits.services import visible_visits

CENT = Decimal("0.01")


# --- who sees which trips ------------------------------------------------------------


def may_see_trips_of(user: User, coach_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """The one rule for trips: a coach sees their own, a supervisor or an admin everyone's.
    `coach_id` is the column naming whose trips a row is about."""
    return sa.true() if user.sees_all_caseloads else coach_id == user.id


def visible_trips(user: User) -> sa.Select:
    """Trips this user may see: every query of trips starts here (the review queue and
    the export too: only supervisors and admins open them, and they see every trip)."""
    return sa.select(Trip).where(may_see_trips_of(user, Trip.coach_id))


def own_trips(user: User) -> sa.Select:
    """The user's own trips, of those they may see: their month, their usual places."""
    return visible_trips(user).where(Trip.coach_id == user.id)


def get_trip_for(user: User, trip_id: int) -> Trip:
    """The trip, if this user may see it; 404 otherwise."""
    return get_or_404(visible_trips(user).where(Trip.id == trip_id))


def get_log_coach_for(user: User, coach_id: int | None) -> User:
    """The coach whose monthly log the user asks for (their own if they name nobody), if
    the user may see that coach's trips; 404 otherwise."""
    if coach_id in (None, user.id):
        return user
    return get_or_404(sa.select(User).where(User.id == coach_id, may_see_trips_of(user, User.id)))


def can_edit(user: User, trip: Trip) -> bool:
    """A coach changes their own draft or returned trips; approved ones are locked."""
    return trip.editable and trip.coach_id == user.id


def can_delete(user: User, trip: Trip) -> bool:
    """Only a draft, never submitted, and only by its coach."""
    return trip.status == "draft" and trip.coach_id == user.id


def can_review(user: User, trip: Trip) -> bool:
    """Supervisors and admins review trips, never their own."""
    return user.sees_all_caseloads and trip.coach_id != user.id and trip.status == "submitted"


# --- money ---------------------------------------------------------------------------


def rate_on(day: date) -> MileageRate | None:
    """The rate in force on a day: the latest one that took effect on or before it."""
    return db.session.scalar(
        sa.select(MileageRate)
        .where(MileageRate.effective_from <= day)
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


def all_rates() -> list[MileageRate]:
    """Every rate, the newest first."""
    return db.session.scalars(
        sa.select(MileageRate).order_by(MileageRate.effective_from.desc())
    ).all()


def rate_starts_on(day: date) -> bool:
    """Whether a rate already takes effect on that day (one rate a day)."""
    same_day = sa.select(MileageRate.id).where(MileageRate.effective_from == day)
    return db.session.scalar(same_day) is not None


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


# --- places --------------------------------------------------------------------------


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
    """The office, the worksites of the user's own clients' jobs, and the places their
    recent trips went (typed ones, without coordinates)."""
    agency = current_agency()
    places = []
    if agency.office_address:
        places.append(Place(office_label(), agency.office_latitude, agency.office_longitude))
    sites = db.session.execute(
        sa.select(Worksite.name, Worksite.address, Worksite.latitude, Worksite.longitude)
        .join(Placement, Placement.worksite_id == Worksite.id)
        .join(Client, Client.id == Placement.client_id)
        .where(Client.coach_id == user.id)  # where this user drives, not what they may see
        .distinct()
        .order_by(Worksite.name)
    )
    places += [Place(place_label(name, address), lat, lng) for name, address, lat, lng in sites]
    recent = db.session.scalars(
        own_trips(user).with_only_columns(Trip.destination).order_by(Trip.id.desc()).limit(20)
    )
    labels = {p.label for p in places}
    for label in dict.fromkeys(recent):
        if label not in labels:
            places.append(Place(label, None, None))
    return places


def coordinates_of(label: str, places: list[Place]) -> tuple[float | None, float | None]:
    for place in places:
        if place.label == label:
            return place.latitude, place.longitude
    return None, None


def usual_origin(user: User) -> str | None:
    """Where the user's next trip most likely starts: where their last one did, else the
    agency's office."""
    last = db.session.scalar(
        own_trips(user).with_only_columns(Trip.origin).order_by(Trip.id.desc()).limit(1)
    )
    return last or office_label()


def current_worksite(client: Client, today: date) -> str | None:
    """The worksite of the client's newest current job, named as the trip form names it
    (the client needs `placements` loaded with their worksites)."""
    for job in client.placements:  # newest first
        if job.is_current(today):
            return place_label(job.worksite.name, job.worksite.address)
    return None


def last_trip_between(user: User, origin: str | None, destination: str | None) -> Trip | None:
    """The user's latest trip from one place to another: how far a usual trip is."""
    if not (origin and destination):
        return None
    return db.session.scalar(
        own_trips(user)
        .where(Trip.origin == origin, Trip.destination == destination)
        .order_by(Trip.id.desc())
        .limit(1)
    )


def locate(trip: Trip, places: list[Place], start_fix: tuple, end_fix: tuple) -> None:
    """The coordinates of the trip's ends: a known place's, else the phone's GPS fix
    (`(lat, lng)`, from hidden fields the phone fills: half a fix is no fix)."""
    trip.origin_lat, trip.origin_lng = coordinates_of(trip.origin, places)
    trip.dest_lat, trip.dest_lng = coordinates_of(trip.destination, places)
    if trip.origin_lat is None and None not in start_fix:
        trip.origin_lat, trip.origin_lng = start_fix
    if trip.dest_lat is None and None not in end_fix:
        trip.dest_lat, trip.dest_lng = end_fix


def visible_visit_id(user: User, visit_id: int | None) -> int | None:
    """The visit a new trip started from, if the user may see it; else none."""
    if not visit_id:
        return None
    return db.session.scalar(
        visible_visits(user).where(Visit.id == visit_id).with_only_columns(Visit.id)
    )


# --- the workflow --------------------------------------------------------------------


def create_trip(user: User, key: str, trip: Trip) -> tuple[Trip, bool]:
    """Store the user's new trip once per idempotency key: (trip, created). A repeat
    returns the first one."""
    trip.coach_id = user.id
    return create_once(trip, user.id, key)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def export_period(args) -> tuple[date, date]:
    """The export form's first and last day: `start` and `end` from the query (kept by
    the coach search's links) when both are dates, else the month asked (`month`, or
    this month)."""
    try:
        return date.fromisoformat(args.get("start", "")), date.fromisoformat(args.get("end", ""))
    except ValueError:
        first, next_first = month_bounds(*parse_month(args.get("month")))
        return first, next_first - timedelta(days=1)


def submit_month(user: User, year: int, month: int) -> int:
    """Submit the user's draft and returned trips of a month; submitting again is a no-op."""
    start, end = month_bounds(year, month)
    result = db.session.execute(
        sa.update(Trip)
        .where(
            Trip.coach_id == user.id,
            Trip.status.in_(EDITABLE),
            Trip.trip_date >= start,
            Trip.trip_date < end,
        )
        .values(status="submitted", submitted_at=utcnow())
    )
    return result.rowcount


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


# --- the coach's lists ---------------------------------------------------------------


def trips_of_month(user: User, year: int, month: int, limit: int | None) -> list[Trip]:
    """The user's trips of a month with their client's name, newest first (the latest
    `limit` of them)."""
    start, end = month_bounds(year, month)
    client_name = (Client.first_name, Client.preferred_name, Client.last_name)
    return db.session.scalars(
        own_trips(user)
        .where(Trip.trip_date >= start, Trip.trip_date < end)
        .options(so.joinedload(Trip.client).load_only(*client_name))
        .order_by(Trip.trip_date.desc(), Trip.id.desc())
        .limit(limit)
    ).all()


def month_totals(user: User, year: int, month: int) -> sa.Row:
    """The user's month in one SQL statement: `trips`, `miles_tenths`, `cents`, and how
    many are still `to_submit`."""
    start, end = month_bounds(year, month)
    return db.session.execute(
        own_trips(user)
        .where(Trip.trip_date >= start, Trip.trip_date < end)
        .with_only_columns(
            sa.func.count(Trip.id).label("trips"),
            sa.func.coalesce(sa.func.sum(Trip.miles_tenths), 0).label("miles_tenths"),
            sa.func.coalesce(sa.func.sum(Trip.amount_cents), 0).label("cents"),
            sa.func.count(Trip.id).filter(Trip.status.in_(EDITABLE)).label("to_submit"),
        )
    ).one()


def recent_trips(user: User, limit: int = 3) -> list[Trip]:
    """The user's last few distinct trips (origin, destination, purpose), for one-tap
    repeats: the newest of each, of their last 30 trips."""
    last = (
        own_trips(user)
        .with_only_columns(Trip.id, Trip.origin, Trip.destination, Trip.purpose)
        .order_by(Trip.id.desc())
        .limit(30)
        .subquery()
    )
    newest = sa.select(sa.func.max(last.c.id)).group_by(
        last.c.origin, last.c.destination, last.c.purpose
    )
    return db.session.scalars(
        own_trips(user).where(Trip.id.in_(newest)).order_by(Trip.id.desc()).limit(limit)
    ).all()


def log_trips(user: User, coach: User, year: int, month: int) -> list[Trip]:
    """A coach's trips of a month for their printable log, in date order, with the
    reference of the client each carried."""
    start, end = month_bounds(year, month)
    return db.session.scalars(
        visible_trips(user)
        .where(Trip.coach_id == coach.id, Trip.trip_date >= start, Trip.trip_date < end)
        .options(so.joinedload(Trip.client).load_only(Client.id))
        .order_by(Trip.trip_date, Trip.id)
    ).all()


# --- the review queue ----------------------------------------------------------------

REVIEW_PAGE_SIZE = 25


def review_queue(user: User, page: int, size: int = REVIEW_PAGE_SIZE) -> tuple[list[Trip], int]:
    """A page of submitted trips, flagged ones first, with their coach's name; and how
    many wait, counted only as far as the pages need (count_up_to: a page costs the same
    with 4,000 trips waiting)."""
    waiting = visible_trips(user).where(Trip.status == "submitted")
    count = count_up_to(waiting, page, size)
    trips = db.session.scalars(
        waiting.options(so.joinedload(Trip.coach).load_only(User.name))
        # ix_trips_review holds this order: the page is read off the index.
        .order_by(sa.text(FLAGGED_FIRST), Trip.coach_id, Trip.trip_date, Trip.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return trips, count


# --- export --------------------------------------------------------------------------


def exportable(user: User, start: date, end: date, coach_id: int | None) -> sa.Select:
    """Approved and already exported trips in a date range (inclusive), of one coach or
    all."""
    query = visible_trips(user).where(
        Trip.status.in_(("approved", "exported")), Trip.trip_date >= start, Trip.trip_date <= end
    )
    return query.where(Trip.coach_id == coach_id) if coach_id else query


def mark_exported(user: User, start: date, end: date, coach_id: int | None) -> int:
    """Approved trips in the range become exported (an ExportedTrip row each; they stay
    locked); exported ones stay, skipped by their key. Returns how many became."""
    approved = exportable(user, start, end, coach_id).where(Trip.status == "approved")
    connection = db.session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return connection.execute(
        dialect.insert(ExportedTrip)
        .from_select(
            ["trip_id", "exported_at"],
            approved.with_only_columns(Trip.id, sa.literal(utcnow(), sa.DateTime)),
        )
        .on_conflict_do_nothing(index_elements=["trip_id"]),
        execution_options={"preserve_rowcount": True},  # an INSERT's count is not kept else
    ).rowcount


def export_rows(user: User, start: date, end: date, coach_id: int | None):
    """The export's rows with the coach's and the client's names, in a stable order,
    read as they are iterated (a streamed file asks for them after the view returned),
    1,000 at a time: 100,000 trips never sit in memory together."""
    trips = exportable(user, start, end, coach_id).subquery()
    yield from db.session.execute(
        sa.select(
            trips.c.trip_date,
            User.name.label("coach_name"),
            trips.c.origin,
            trips.c.destination,
            trips.c.purpose,
            trips.c.client_id,
            Client.first_name,
            Client.last_name,
            trips.c.miles_tenths,
            trips.c.tenth_cents_per_mile,
            trips.c.amount_cents,
            sa.case(
                (sa.and_(trips.c.status == "approved", trips.c.exported), "exported"),
                else_=trips.c.status,
            ).label("status"),
        )
        .join(User, User.id == trips.c.coach_id)
        .outerjoin(Client, Client.id == trips.c.client_id)
        .order_by(trips.c.coach_id, trips.c.trip_date, trips.c.id)
        .execution_options(yield_per=1000)
    )


def export_totals(
    user: User, start: date, end: date, coach_id: int | None
) -> list[tuple[str, int, int, int]]:
    """(coach name, trips, miles in tenths, cents) per coach, by SQL, not row by row."""
    trips = exportable(user, start, end, coach_id).subquery()
    rows = db.session.execute(
        sa.select(
            User.name,
            sa.func.count(trips.c.id),
            sa.func.sum(trips.c.miles_tenths),
            sa.func.sum(trips.c.amount_cents),
        )
        .join(User, User.id == trips.c.coach_id)
        .group_by(User.id, User.name)
        .order_by(User.name)
    ).all()
    return [(name, count, int(miles or 0), int(cents or 0)) for name, count, miles, cents in rows]
