"""Visit rules: service units, the location check, capture, amendments, who sees what."""

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from geopy.distance import geodesic

from coach.audit.services import record_event
from coach.billing.services import default_service, rebill_after_change
from coach.clients.services import may_see_client, name_matches
from coach.extensions import db
from coach.models import (
    NOTE_FIELDS,
    AgencySettings,
    Client,
    Placement,
    User,
    Visit,
    VisitDay,
    VisitVersion,
    Worksite,
)
from coach.notereview.flags import reopen_after_fix
from coach.records import create_once, get_or_404
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
    "objective_id",
    "service_type_id",
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
    """The minutes between the clock times the note and the claim show (to the minute):
    a visit shown as 10:00-10:23 counts 23 minutes, whatever its seconds (counted from
    the seconds, 10:00:50-10:23:10 gave 22, one unit fewer than its printed times)."""
    start, end = (t.replace(second=0, microsecond=0) for t in (started_at, ended_at))
    return max(0, int((end - start).total_seconds() // 60))


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
    """Visits not deleted, of clients this user may see: every query of visits starts
    here."""
    return (
        sa.select(Visit)
        .join(Client, Client.id == Visit.client_id)
        .where(Visit.deleted_at.is_(None), may_see_client(user))
    )


def get_visit_for(user: User, visit_id: int, with_history: bool = False) -> Visit:
    """The visit with its client, coach, job and work site (and, `with_history`, its
    earlier versions), if this user may see it; 404 otherwise."""
    query = (
        visible_visits(user)
        .where(Visit.id == visit_id)
        .options(
            so.contains_eager(Visit.client),  # the scope's join
            so.joinedload(Visit.coach),
            so.joinedload(Visit.placement),
            so.joinedload(Visit.worksite).joinedload(Worksite.employer),
            so.joinedload(Visit.service_type),
            so.undefer(Visit.billing_batch_id),  # the page says which batch billed it
        )
    )
    if with_history:
        query = query.options(so.selectinload(Visit.versions).joinedload(VisitVersion.amended_by))
    return get_or_404(query)


def open_visit(user: User, client: Client) -> Visit | None:
    """The visit this user started for this client and has not ended, if any."""
    return db.session.scalars(
        visible_visits(user)
        .where(
            Visit.client_id == client.id,
            Visit.created_by_id == user.id,
            Visit.ended_at.is_(None),
        )
        .order_by(Visit.started_at.desc())
        .limit(1)
    ).first()


# --- capture ------------------------------------------------------------------------


def start_now(
    user: User,
    client: Client,
    key: str,
    contact_type: str,
    placement_id: int | None,
    fix: tuple,
    settings: AgencySettings,
    started_at: datetime | None = None,
) -> tuple[Visit, bool]:
    """Start a visit of `client` now (or when Start was tapped without signal), once
    per idempotency key: (visit, created).

    The phone's fix (latitude, longitude, accuracy) is checked against the job's work
    site before the insert, so the insert carries the whole row: SQLite's write lock is
    held from the insert to the commit.
    """
    visit = Visit(
        client_id=client.id,
        coach_id=client.coach_id,
        started_at=started_at or utcnow(),
        contact_type=contact_type,
        service_type_id=default_service(client.id, local_today(settings.timezone)),
    )
    set_placement(visit, placement_id)
    locate(visit, *fix, settings)
    visit, created = create_once(visit, user.id, key)
    refuse_key_of_another_client(visit, client)
    if created:
        summary = f"started for client {client.id}; {visit.location_status}"
        record_event("create", "visit", visit.id, summary)
        db.session.commit()
    return visit, created


def refuse_key_of_another_client(visit: Visit, client: Client) -> None:
    """A key that made a visit with another client is not a retry of this form: 400."""
    if visit.client_id != client.id:
        abort(400)


def write_up(
    user: User,
    client: Client,
    key: str,
    fill: Callable[[Visit], None],
    ended_at: datetime,
    settings: AgencySettings,
) -> tuple[Visit, bool]:
    """A visit written up afterwards, once per idempotency key: (visit, created).

    `fill(visit)` copies the form's note, times and job; the visit is ended and its
    units counted before the insert, so the insert carries the whole row.
    """
    visit = Visit(client_id=client.id, coach_id=client.coach_id, started_at=utcnow())
    fill(visit)
    finish(visit, settings, ended_at)
    visit, created = create_once(visit, user.id, key)
    refuse_key_of_another_client(visit, client)
    if created:
        rebill_after_change(visit)
        record_event("create", "visit", visit.id, f"written afterwards for client {client.id}")
        db.session.commit()
    return visit, created


def save_note(visit: Visit, end: bool, ended_at: datetime | None, settings) -> None:
    """Commit a note saved during a visit; `end` ends the visit (now, unless `ended_at`)
    and counts its units."""
    if end:
        finish(visit, settings, ended_at)
        rebill_after_change(visit)
        record_event(
            "end", "visit", visit.id, f"{visit.duration_minutes} min, {visit.service_units} units"
        )
    else:
        record_event("update", "visit", visit.id, "note")
    db.session.commit()


def amend(visit: Visit, user: User, fill: Callable[[Visit], None], reason: str, settings) -> bool:
    """Amend an ended visit, keeping the version it replaces: whether anything changed.

    Units are recounted only when the times change; a note edit keeps what was billed.
    """
    before = snapshot_visit(visit)
    times_before = (visit.started_at, visit.ended_at)
    service_before = visit.service_type_id
    fill(visit)
    if (visit.started_at, visit.ended_at) != times_before:
        count_units(visit, settings)
    changed = keep_version(visit, before, user, reason) is not None
    if changed:
        reopen_after_fix(visit)  # a returned note, fixed, waits for review again
    rebill_after_change(visit, service_before, times_before[0])
    if changed:
        record_event("amend", "visit", visit.id, reason)
    db.session.commit()
    return changed


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


def ended_visit(user: User, client: Client, visit_id: int | None) -> Visit | None:
    """The client's visit `visit_id` if it has ended (for its summary), else None."""
    if not visit_id:
        return None
    query = visible_visits(user).where(Visit.id == visit_id, Visit.client_id == client.id)
    visit = db.session.scalars(query.where(Visit.ended_at.is_not(None))).first()
    return visit


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
    rebill_after_change(visit)


# --- reading ------------------------------------------------------------------------


def listed(query: sa.Select) -> sa.Select:
    """A visit query loading what a visit card shows: the coach's and work site's names,
    and the client (the scope's join)."""
    return query.options(
        so.contains_eager(Visit.client),
        so.joinedload(Visit.coach).load_only(User.name),
        so.joinedload(Visit.worksite).load_only(Worksite.name),
    )


def newest_first(query: sa.Select, before: tuple[datetime, int] | None, size: int):
    """A page of `size` visits, newest first, older than the keyset cursor `before`:
    (visits, whether older ones exist)."""
    if before:
        started, visit_id = before
        query = query.where(
            sa.or_(
                Visit.started_at < started,
                sa.and_(Visit.started_at == started, Visit.id < visit_id),
            )
        )
    query = query.order_by(Visit.started_at.desc(), Visit.id.desc()).limit(size + 1)
    visits = db.session.scalars(query).all()
    return visits[:size], len(visits) > size


def timeline(user: User, client: Client, before: tuple[datetime, int] | None, size: int):
    """A page of the client's visits, newest first: (visits, whether older ones exist)."""
    query = listed(visible_visits(user).where(Visit.client_id == client.id))
    return newest_first(query, before, size)


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


class MonthUnits(NamedTuple):
    month: str
    visits: int
    minutes: int
    units: int


def monthly_units(user: User, client: Client, tz_name: str, months: int = 6) -> list[MonthUnits]:
    """Visits, minutes and units per month (agency time), newest first, summed in SQL.

    Months are cut at local midnight: each month's first day is turned into UTC, and
    the database puts each ended visit in the month it started in.
    """
    firsts = month_starts(local_today(tz_name), months)
    bounds = [local_day_start(day, tz_name) for day in firsts]
    # Month i runs from bounds[i] to bounds[i + 1]; its number is written into the SQL.
    month = sa.case(
        *[(Visit.started_at < bounds[i + 1], sa.literal_column(str(i))) for i in range(months)]
    ).label("bucket")
    query = (
        visible_visits(user)
        .with_only_columns(
            month,
            sa.func.count(Visit.id),
            sa.func.sum(Visit.duration_minutes),
            sa.func.sum(Visit.service_units),
        )
        .where(
            Visit.client_id == client.id,
            Visit.ended_at.is_not(None),
            Visit.started_at >= bounds[0],
            Visit.started_at < bounds[-1],
        )
        .group_by(sa.literal_column("bucket"))  # the label: the CASE is not repeated
    )
    rows = {i: (n, minutes or 0, units or 0) for i, n, minutes, units in db.session.execute(query)}
    return [
        MonthUnits(firsts[i].strftime("%B %Y"), *rows[i])
        for i in reversed(range(months))
        if i in rows
    ]


# --- the visit list -----------------------------------------------------------------

LIST_DAYS = 7  # what the visit list shows without dates


def first_day_shown(start: date | None, end: date | None, today: date) -> date | None:
    """Without dates the list shows the last 7 days, so the page costs the same however
    many years of notes the agency has."""
    return today - timedelta(days=LIST_DAYS - 1) if not (start or end) else start


def utc_bounds(start: date | None, end: date | None, tz_name: str):
    """Local days `start` to `end` (inclusive) as UTC (from, until); None where open, and
    no upper bound after the last day there is."""
    try:
        until = local_day_start(end + timedelta(days=1), tz_name) if end else None
    except OverflowError:
        until = None
    return local_day_start(start, tz_name), until


def report_visits(user: User, coach_id=None, client_search="", since=None, until=None):
    """The visits the list shows: those this user may see, filtered by coach (for those
    who see every caseload), any part of the client's name, and UTC start times."""
    query = visible_visits(user)
    if coach_id and user.sees_all_caseloads:
        query = query.where(Visit.coach_id == coach_id)
    if client_search:
        query = query.where(name_matches(search_pattern(client_search)))
    if since:
        query = query.where(Visit.started_at >= since)
    if until:
        query = query.where(Visit.started_at < until)
    return query


def list_totals(user: User, coach_id, client_search: str, days, bounds, query, asked: bool):
    """(visits, minutes, units) shown above the list, or None. Every coach's visits are
    added up from the days' kept sums (`agency_totals`); one coach's (a coach's own
    list, or a coach picked in the filter) from the list's visits; with a name search
    across every coach, only when asked, as that sum grows with the agency."""
    if user.sees_all_caseloads and not coach_id and not client_search:
        return agency_totals(*days, *bounds)
    if not user.sees_all_caseloads or coach_id or asked:
        return report_totals(query)
    return None


def agency_totals(start: date | None, end: date | None, since, until) -> tuple[int, int, int]:
    """(visits, minutes, units) of every coach's visits from local day `start` to `end`
    (either open): the ended ones from the days' sums (VisitDay, coach/visits/days.py),
    so a week of a thousand coaches is seven rows, and the few still under way counted
    from their own index."""
    days = [VisitDay.day >= start] if start else []
    days += [VisitDay.day <= end] if end else []
    under_way = [Visit.ended_at.is_(None), Visit.deleted_at.is_(None)]
    under_way += [Visit.started_at >= since] if since else []
    under_way += [Visit.started_at < until] if until else []
    open_count = sa.select(sa.func.count()).select_from(Visit).where(*under_way)
    summed = [
        sa.func.coalesce(sa.func.sum(column), 0)
        for column in (VisitDay.visits, VisitDay.minutes, VisitDay.units)
    ]
    visits, minutes, units, open_now = db.session.execute(
        sa.select(*summed, open_count.scalar_subquery()).where(*days)
    ).one()
    return int(visits) + open_now, int(minutes), int(units)


def report_totals(query: sa.Select) -> tuple[int, int, int]:
    """(visits, minutes, units) over the visits `query` selects, in one SQL statement."""
    row = db.session.execute(
        query.with_only_columns(
            sa.func.count(Visit.id),
            sa.func.coalesce(sa.func.sum(Visit.duration_minutes), 0),
            sa.func.coalesce(sa.func.sum(Visit.service_units), 0),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def runs_during(visit: Visit) -> list[tuple[str, int, int]]:
    """The checklist runs done during a visit: (task title, steps independent, steps
    scored), in the order they were run."""
    from coach.models import ChecklistRun, StepScore, TaskAnalysis

    independent = sa.func.sum(sa.case((StepScore.level == "I", 1), else_=0))
    query = (
        sa.select(TaskAnalysis.title, independent, sa.func.count(StepScore.id))
        .select_from(ChecklistRun)
        .join(TaskAnalysis, TaskAnalysis.id == ChecklistRun.task_id)
        .outerjoin(StepScore, StepScore.run_id == ChecklistRun.id)
        .where(ChecklistRun.visit_id == visit.id)
        .group_by(ChecklistRun.id, TaskAnalysis.title, ChecklistRun.started_at)
        .order_by(ChecklistRun.started_at, ChecklistRun.id)
    )
    return [(title, int(done or 0), scored) for title, done, scored in db.session.execute(query)]
