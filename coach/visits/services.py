"""Visit rules: service units, the location check, capture, amendments, who sees what."""

import functools
import json
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from geopy.distance import geodesic
from sqlalchemy.exc import IntegrityError

from coach.clients.services import may_see_client, name_matches
from coach.extensions import db, read_cards, reusable
from coach.models import (
    NOTE_FIELDS,
    AgencySettings,
    Client,
    Placement,
    User,
    Visit,
    VisitCard,
    VisitVersion,
    Worksite,
)
from coach.models.caseload import CLIENT_NAME
from coach.records import get_or_404
from coach.timeutil import local_day_start, local_today, utcnow
from coach.web import MAX_ID, search_pattern

UNIT_MINUTES = 15
# What an amendment snapshots: everything a coach can change.
VERSIONED_FIELDS = [
    "started_at",
    "ended_at",
    "duration_minutes",
    "service_units",
    "contact_type",
    "placement_id",
    "tags",
    *NOTE_FIELDS,
]


def service_units(minutes: int, threshold: int = 8) -> int:
    """15-minute units; the last, partial unit counts once it reaches `threshold` minutes."""
    if minutes <= 0:
        return 0
    full, rest = divmod(minutes, UNIT_MINUTES)
    return full + (1 if rest >= threshold else 0)


def duration_minutes(started_at: datetime, ended_at: datetime) -> int:
    return max(0, int((ended_at - started_at).total_seconds() // 60))


def check_location(
    latitude: float | None, longitude: float | None, worksite: Worksite | None, radius_m: int
) -> tuple[str, float | None]:
    """('on_site' | 'off_site' | 'not_checked', distance in metres) for a phone's fix."""
    if latitude is None or longitude is None or worksite is None or not worksite.has_coordinates:
        return "not_checked", None
    distance = geodesic((latitude, longitude), (worksite.latitude, worksite.longitude)).meters
    return ("on_site" if distance <= radius_m else "off_site"), round(distance, 1)


# --- who sees what -------------------------------------------------------------------


def visible_visits(user: User) -> sa.Select:
    """Visits not deleted, of clients this user may see."""
    return (
        sa.select(Visit)
        .join(Client, Client.id == Visit.client_id)
        .where(Visit.deleted_at.is_(None), may_see_client(user))
    )


def get_visit_for(user: User, visit_id: int, with_history: bool = False) -> Visit:
    query = (
        visible_visits(user)
        .where(Visit.id == visit_id)
        .options(
            so.joinedload(Visit.client),
            so.joinedload(Visit.coach),
            so.joinedload(Visit.placement),
            so.joinedload(Visit.worksite).joinedload(Worksite.employer),
        )
    )
    if with_history:
        query = query.options(so.selectinload(Visit.versions).joinedload(VisitVersion.amended_by))
    return get_or_404(query)


EXCERPT_ORDER = (
    "tasks_observed",
    "performance",
    "employer_feedback",
    "concerns",
    "next_steps",
    "social_behaviour",
    "natural_supports",
)
# What a visit list shows of a visit: its own columns for VisitCard, not a whole row.
CARD_COLUMNS = (
    Visit.id,
    Visit.client_id,
    Visit.started_at,
    Visit.ended_at,
    Visit.duration_minutes,
    Visit.service_units,
    Visit.contact_type,
    Visit.location_status,
    Visit.tags,
    # The first section of the note that has text, cut short: what a card shows of it.
    sa.func.substr(
        sa.func.coalesce(*(sa.func.nullif(getattr(Visit, name), "") for name in EXCERPT_ORDER), ""),
        1,
        200,
    ).label("excerpt"),
)


def card_columns(query: sa.Select, with_client: bool, client_joined: bool = False) -> sa.Select:
    """A visit query's rows as list cards: the visit, its coach's and work site's names,
    and the client's name when the list is not one client's own."""
    query = (
        query.with_only_columns(
            *CARD_COLUMNS,
            User.name.label("coach_name"),
            Worksite.name.label("worksite_name"),
        )
        .join(User, User.id == Visit.coach_id)
        .outerjoin(Worksite, Worksite.id == Visit.worksite_id)
    )
    if with_client:
        if not client_joined:
            query = query.join(Client, Client.id == Visit.client_id)
        query = query.add_columns(*CLIENT_NAME)
    return query


def open_visit(user: User, client: Client) -> Visit | None:
    """The visit this user started for this client and has not ended, if any."""
    return db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.client_id == client.id,
            Visit.created_by_id == user.id,
            Visit.ended_at.is_(None),
            Visit.deleted_at.is_(None),
        )
        .order_by(Visit.started_at.desc())
        .limit(1)
    ).first()


# --- capture ------------------------------------------------------------------------


def find_by_key(user: User, key: str) -> Visit | None:
    return db.session.scalar(_by_key_query(), {"user_id": user.id, "key": key})


@reusable
def _by_key_query() -> sa.Select:
    return sa.select(Visit).where(
        Visit.created_by_id == sa.bindparam("user_id"), Visit.idempotency_key == sa.bindparam("key")
    )


def create_visit(
    user: User, client: Client, key: str, prepare=None, **fields
) -> tuple[Visit, bool]:
    """Make a visit once per idempotency key: (visit, created). A repeat returns the first.
    `prepare(visit)` fills in the rest before the insert: SQLite's write lock is held from
    the insert to the commit, so what can be done before it is."""
    existing = find_by_key(user, key)
    if existing:
        return existing, False
    visit = Visit(
        client_id=client.id,
        coach_id=client.coach_id,
        created_by_id=user.id,
        idempotency_key=key,
        **fields,
    )
    placement = fields.get("placement_id") and db.session.get(Placement, fields["placement_id"])
    visit.worksite_id = placement.worksite_id if placement else None
    if prepare:
        prepare(visit)
    db.session.add(visit)
    try:
        db.session.flush()
    except IntegrityError:  # the same key raced in from a second tap
        db.session.rollback()
        return find_by_key(user, key), False
    return visit, True


def locate(visit: Visit, latitude, longitude, accuracy, settings: AgencySettings) -> None:
    """Store the phone's fix and whether it matches the worksite."""
    visit.latitude, visit.longitude, visit.accuracy_m = latitude, longitude, accuracy
    worksite = db.session.get(Worksite, visit.worksite_id) if visit.worksite_id else None
    visit.location_status, visit.distance_m = check_location(
        latitude, longitude, worksite, settings.onsite_radius_m
    )


def finish(visit: Visit, settings: AgencySettings, ended_at: datetime | None = None) -> None:
    """End the visit (now, unless a time is given) and count its units."""
    visit.ended_at = ended_at or visit.ended_at or utcnow()
    if visit.ended_at < visit.started_at:
        visit.ended_at = visit.started_at
    count_units(visit, settings)


def claim_end(visit: Visit) -> bool:
    """Claim the right to end this visit: false if another request ended it since it was
    read (two taps of End on two workers). The conditional update waits for the other
    request's commit and then finds the visit ended; finish() sets the real end time in
    the same transaction."""
    claimed = db.session.execute(
        sa.update(Visit)
        .where(Visit.id == visit.id, Visit.ended_at.is_(None))
        .values(ended_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return claimed.rowcount == 1


def count_units(visit: Visit, settings: AgencySettings) -> None:
    if visit.ended_at is None:
        visit.duration_minutes = visit.service_units = None
        return
    visit.duration_minutes = duration_minutes(visit.started_at, visit.ended_at)
    visit.service_units = service_units(visit.duration_minutes, settings.unit_threshold_minutes)


def set_placement(visit: Visit, placement_id: int | None) -> None:
    visit.placement_id = placement_id or None
    placement = db.session.get(Placement, placement_id) if placement_id else None
    visit.worksite_id = placement.worksite_id if placement else None


def snapshot_visit(visit: Visit) -> dict:
    data = {}
    for name in VERSIONED_FIELDS:
        value = getattr(visit, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return data


def keep_version(visit: Visit, before: dict, user: User, reason: str = "") -> VisitVersion | None:
    """Store the visit as it was, if an amendment changed anything."""
    if snapshot_visit(visit) == before:
        return None
    version = VisitVersion(
        visit_id=visit.id,
        version=visit.version,
        content=json.dumps(before),
        amended_by_id=user.id,
        reason=reason[:300],
    )
    db.session.add(version)
    visit.version += 1
    return version


def soft_delete(visit: Visit, user: User) -> None:
    visit.deleted_at = utcnow()
    visit.deleted_by_id = user.id


# --- reading ------------------------------------------------------------------------


def keyset_page(query: sa.Select, after_cursor: bool) -> sa.Select:
    """Newest first, after a keyset cursor (before_at, before_id), `limit` rows."""
    query = query.order_by(Visit.started_at.desc(), Visit.id.desc()).limit(sa.bindparam("limit"))
    if after_cursor:
        started, visit_id = sa.bindparam("before_at"), sa.bindparam("before_id")
        query = query.where(
            sa.or_(
                Visit.started_at < started,
                sa.and_(Visit.started_at == started, Visit.id < visit_id),
            )
        )
    return query


def page_values(before: tuple[datetime, int] | None, size: int) -> dict:
    """Values for keyset_page(): one row more than a page, so the caller knows whether
    older ones exist."""
    values = {"limit": size + 1}
    if before:
        values.update(before_at=before[0], before_id=before[1])
    return values


@reusable
def _timeline_query(after_cursor: bool) -> sa.Select:
    query = sa.select(Visit).where(
        Visit.client_id == sa.bindparam("client_id"), Visit.deleted_at.is_(None)
    )
    return keyset_page(card_columns(query, with_client=False), after_cursor)


def timeline(client: Client, before: tuple[datetime, int] | None, size: int) -> list[VisitCard]:
    """A page of the client's visits, newest first."""
    query = _timeline_query(before is not None)
    return read_cards(VisitCard, query, {"client_id": client.id, **page_values(before, size)})


def cursor_of(visit: Visit) -> str:
    return f"{visit.started_at.isoformat()}_{visit.id}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    try:
        stamp, visit_id = value.rsplit("_", 1)
        cursor = datetime.fromisoformat(stamp), int(visit_id)
    except ValueError:
        return None
    return cursor if 0 < cursor[1] <= MAX_ID and cursor[0].tzinfo is None else None


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the last `months` months and of the next one, oldest first."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(months):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    following = firsts[0].replace(day=28) + timedelta(days=4)
    return [*reversed(firsts), following.replace(day=1)]


@reusable
def _monthly_query(months: int) -> sa.Select:
    """Visits, minutes, units per bucket: bucket i runs from bound{i} to bound{i + 1}."""
    bound = [sa.bindparam(f"bound{i}") for i in range(months + 1)]
    bucket = sa.case(
        # The bucket numbers are written into the SQL: fewer values to bind each time.
        *[(Visit.started_at < bound[i + 1], sa.literal_column(str(i))) for i in range(months)],
        else_=sa.literal_column(str(months)),
    ).label("bucket")
    return (
        sa.select(
            bucket,
            sa.func.count(Visit.id),
            sa.func.sum(Visit.duration_minutes),
            sa.func.sum(Visit.service_units),
        )
        .where(
            Visit.client_id == sa.bindparam("client_id"),
            Visit.deleted_at.is_(None),
            Visit.ended_at.is_not(None),
            Visit.started_at >= bound[0],
            Visit.started_at < bound[months],
        )
        .group_by(sa.literal_column("bucket"))  # the label: the CASE is not repeated
    )


class MonthUnits(NamedTuple):
    month: str
    visits: int
    minutes: int
    units: int


@functools.lru_cache(maxsize=64)
def month_bounds(tz_name: str, today: date, months: int) -> tuple[list[str], dict]:
    """The months' names and their starts in UTC, for one local day and time zone."""
    firsts = month_starts(today, months)
    bounds = {f"bound{i}": local_day_start(day, tz_name) for i, day in enumerate(firsts)}
    return [day.strftime("%B %Y") for day in firsts], bounds


def monthly_units(client: Client, tz_name: str, months: int = 6) -> list[MonthUnits]:
    """Visits, minutes and units per month (agency time), newest first, summed in SQL.

    Months are cut at local midnight: each boundary is turned into UTC once a day, and
    the database puts each visit in its bucket.
    """
    names, bounds = month_bounds(tz_name, local_today(tz_name), months)
    values = {"client_id": client.id, **bounds}
    rows = db.session.connection().execute(_monthly_query(months), values).all()
    by_bucket = {b: (n, minutes or 0, units or 0) for b, n, minutes, units in rows}
    return [MonthUnits(names[i], *by_bucket[i]) for i in reversed(range(months)) if i in by_bucket]


def report_filters(user: User, coach_id=None, client_search="", start=None, end=None):
    """The visit list's filters as (shape, values) for report_page() and report_totals();
    `start`/`end` are UTC. A coach sees their own clients' visits only."""
    by_coach = bool(coach_id) and user.sees_all_caseloads
    shape = (not user.sees_all_caseloads, by_coach, bool(client_search), bool(start), bool(end))
    values = {
        "user_id": user.id,
        "coach_id": coach_id,
        "pattern": search_pattern(client_search) if client_search else None,
        "start": start,
        "end": end,
    }
    return shape, values


@reusable
def _report_query(own_only: bool, by_coach: bool, by_client: bool, since: bool, until: bool):
    query = sa.select(Visit).where(Visit.deleted_at.is_(None))
    if own_only or by_client:
        query = query.join(Client, Client.id == Visit.client_id)
    if own_only:
        query = query.where(Client.coach_id == sa.bindparam("user_id"))
    if by_coach:
        query = query.where(Visit.coach_id == sa.bindparam("coach_id"))
    if by_client:
        query = query.where(name_matches(sa.bindparam("pattern")))
    if since:
        query = query.where(Visit.started_at >= sa.bindparam("start"))
    if until:
        query = query.where(Visit.started_at < sa.bindparam("end"))
    return query


@reusable
def _report_page_query(shape: tuple, after_cursor: bool) -> sa.Select:
    own_only, _, by_client, _, _ = shape
    query = card_columns(_report_query(*shape), True, client_joined=own_only or by_client)
    return keyset_page(query, after_cursor)


def report_page(shape: tuple, values: dict, before, size: int) -> list[VisitCard]:
    """A page of the visit list, newest first, after a keyset cursor."""
    query = _report_page_query(shape, before is not None)
    return read_cards(VisitCard, query, {**values, **page_values(before, size)})


@reusable
def _report_totals_query(shape: tuple) -> sa.Select:
    sub = _report_query(*shape).with_only_columns(
        Visit.id, Visit.duration_minutes, Visit.service_units
    )
    sub = sub.subquery()
    return sa.select(
        sa.func.count(sub.c.id),
        sa.func.coalesce(sa.func.sum(sub.c.duration_minutes), 0),
        sa.func.coalesce(sa.func.sum(sub.c.service_units), 0),
    )


def report_totals(shape: tuple, values: dict) -> tuple[int, int, int]:
    """(visits, minutes, units) over the filtered visits, in one SQL statement."""
    row = db.session.execute(_report_totals_query(shape), values).one()
    return int(row[0]), int(row[1]), int(row[2])
