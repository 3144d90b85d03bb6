"""The agency's visits summed per local day (VisitDay), kept with the visits.

After every flush that wrote a visit's time, length, units, kind or deletion, the days
it was on (before and after) are summed again from the visits, in the same transaction.
Summing the day again, rather than adding a difference, keeps the row right whatever
wrote the visit. Figures over every caseload (outcomes' community share) then read a
row a day: a year at L was 300k visits and 91 ms of SQL, and is 365 rows.

tests/test_visit_days.py checks the rows equal the visits' sums after each kind of write
and under two writers of one day on PostgreSQL.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from coach.clients.locks import client_ids_of, hold_clients, wrote
from coach.models import AgencySettings, Visit, VisitDay
from coach.models.visit import in_the_community
from coach.timeutil import DEFAULT_TZ, local_day_start, to_local

# The visit columns a day's sums read.
SUMMED = ("started_at", "ended_at", "duration_minutes", "service_units", "contact_type")
WATCHED = (*SUMMED, "deleted_at")


def day_sums(first: datetime, last: datetime) -> sa.Select:
    """(visits, minutes, community minutes, units) of the ended, not deleted visits that
    started from `first` to before `last` (naive UTC). Community: on site."""
    minutes = sa.func.coalesce(Visit.duration_minutes, 0)
    outside = sa.case((in_the_community(Visit.contact_type), minutes), else_=0)
    return sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(minutes), 0),
        sa.func.coalesce(sa.func.sum(outside), 0),
        sa.func.coalesce(sa.func.sum(Visit.service_units), 0),
    ).where(
        Visit.started_at >= first,
        Visit.started_at < last,
        Visit.ended_at.is_not(None),
        Visit.deleted_at.is_(None),
    )


def hold_day(connection: sa.Connection, day: date) -> None:
    """Lock the day's row, made first if missing (PostgreSQL; SQLite has one writer)."""
    lock = sa.select(VisitDay.day).where(VisitDay.day == day).with_for_update()
    if connection.execute(lock).first() is None:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(VisitDay)
            .values(day=day, visits=0, minutes=0, community_minutes=0, units=0)
            .on_conflict_do_nothing(index_elements=["day"])
        )
        connection.execute(lock)


def sum_days_again(connection: sa.Connection, days: set[date], tz: str) -> None:
    """Write these local days' sums again from their visits. Each day's row is locked
    first: a second transaction writing a visit of the same day waits there, and its
    sums, read by a later statement, then see this one's committed visits. Days in
    order, so two writers never wait on each other."""
    for day in sorted(days):
        hold_day(connection, day)
        first = local_day_start(day, tz)
        last = local_day_start(day + timedelta(days=1), tz)
        visits, minutes, community, units = connection.execute(day_sums(first, last)).one()
        connection.execute(
            sa.update(VisitDay)
            .where(VisitDay.day == day)
            .values(visits=visits, minutes=minutes, community_minutes=community, units=units)
        )


def sum_every_day_again(connection: sa.Connection, tz: str) -> None:
    """Every day's sums from the visits: after the agency's time zone changes, and from
    `flask --app app sum-visit-days`. Streams the visits' start times in order."""
    connection.execute(sa.delete(VisitDay))
    days: set[date] = set()
    rows = connection.execute(
        sa.select(Visit.started_at).where(Visit.ended_at.is_not(None)),
        execution_options={"yield_per": 10_000},
    )
    for (started_at,) in rows:
        days.add(to_local(started_at, tz).date())
    sum_days_again(connection, days, tz)


def agency_zone(connection: sa.Connection) -> str:
    zone = connection.scalar(sa.select(AgencySettings.timezone).where(AgencySettings.id == 1))
    return zone or DEFAULT_TZ


def days_of(visit: Visit, tz: str) -> set[date]:
    """The local days a visit was on, before and after this flush."""
    history = sa.inspect(visit).attrs.started_at.history
    moments = (*history.added, *history.unchanged, *history.deleted)
    return {to_local(moment, tz).date() for moment in moments if moment}


def keep_visit_days(session: so.Session, flush_context) -> None:
    """After each flush: sum again the days of the visits it wrote."""
    visits = []
    zone_changed = False
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Visit):
            if wrote(obj, session, WATCHED):
                visits.append(obj)
        elif isinstance(obj, AgencySettings) and obj not in session.new:
            zone_changed = zone_changed or sa.inspect(obj).attrs.timezone.history.has_changes()
    if not (visits or zone_changed):
        return
    connection = session.connection()
    tz = agency_zone(connection)
    if zone_changed:
        sum_every_day_again(connection, tz)
    else:
        hold_clients(connection, set().union(*(client_ids_of(v) for v in visits)))
        sum_days_again(connection, set().union(*(days_of(v, tz) for v in visits)), tz)


def start_keeping(session) -> None:
    """Listen to the app's session (called once, from create_app)."""
    if not sa.event.contains(session, "after_flush", keep_visit_days):
        sa.event.listen(session, "after_flush", keep_visit_days)
