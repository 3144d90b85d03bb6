"""The rule mechanism of the Today page: what a rule returns, how rules are listed, and
the pieces of time arithmetic rules do in SQL.

A rule is a plain function `(clients, when) -> sa.Select` (or a tuple of selects) whose
select has the columns of `due_columns()`: the kind of item, the client, their coach, when
it is due (naive UTC), what to do, the source record's id, and when the item starts and
stops showing. `clients` is a condition on Client: the clients whose items to write
(coach/today/kept.py writes them as rows whenever a record they read changes). A rule's
answer must not depend on the time it is asked: what changes with time alone goes in
`opens_at` and `closes_at`. `@rule(kind, label, link)` lists a rule; `link` turns one item
into the URL of the act that clears it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from coach.timeutil import to_local


@dataclass(frozen=True)
class When:
    """The moment items are written or read: now (naive UTC), the agency's zone and
    today, and the agency's follow-along rhythm (weekly for so many weeks, then every so
    many days)."""

    now: datetime
    tz: str
    today: date
    weekly_weeks: int = 4
    later_days: int = 30

    @classmethod
    def at(cls, now: datetime, tz: str, weekly_weeks: int, later_days: int) -> "When":
        """The moment `now` (naive UTC) in the agency's zone `tz`, with its rhythm."""
        today = to_local(now, tz).date()
        return cls(now, tz, today, weekly_weeks=weekly_weeks, later_days=later_days)


@dataclass(frozen=True)
class Rule:
    kind: str
    label: str  # what the kind is called on the page ("Reply", "Accommodation check")
    items: Callable[..., sa.Select | tuple[sa.Select, ...]]
    link: Callable[..., str] = field(compare=False)


RULES: dict[str, Rule] = {}


def rule(kind: str, label: str, link: Callable[..., str]) -> Callable:
    """List a rule under `kind`: the Today page asks every listed rule."""

    def register(items: Callable) -> Callable:
        RULES[kind] = Rule(kind, label, items, link)
        return items

    return register


NEVER = sa.cast(sa.null(), sa.DateTime)  # no opening or closing time


def due_columns(
    kind: str, client_id, coach_id, due_at, todo, source_id, opens_at=NEVER, closes_at=NEVER
) -> sa.Select:
    """The select every rule returns, with the same columns in the same order."""
    return sa.select(
        sa.literal(kind, sa.String).label("kind"),
        client_id.label("client_id"),
        coach_id.label("coach_id"),
        sa.type_coerce(due_at, sa.DateTime).label("due_at"),
        sa.type_coerce(todo, sa.String).label("todo"),
        source_id.label("source_id"),
        sa.type_coerce(opens_at, sa.DateTime).label("opens_at"),
        sa.type_coerce(closes_at, sa.DateTime).label("closes_at"),
    )


class plus_minutes(FunctionElement):
    """A timestamp (or a date, from its midnight) plus a number of minutes, in SQL, as
    a timestamp: `plus_minutes(Contact.happened_at, 24 * 60)`."""

    type = sa.DateTime()
    inherit_cache = True
    name = "plus_minutes"


@compiles(plus_minutes, "sqlite")
def _plus_minutes_sqlite(element, compiler, **kw):
    moment, minutes = (compiler.process(arg, **kw) for arg in element.clauses)
    # The same text as stored timestamps (with microseconds), so they compare as text.
    return f"(datetime({moment}, ({minutes}) || ' minutes') || '.000000')"


@compiles(plus_minutes)
def _plus_minutes_default(element, compiler, **kw):
    moment, minutes = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(CAST({moment} AS TIMESTAMP) + make_interval(mins => CAST({minutes} AS INTEGER)))"


YEARS_AROUND = 3  # DST changes known to the SQL: this many years either side of today


@lru_cache(maxsize=16)
def offset_changes(tz_name: str, first: date, last: date) -> tuple[tuple[date, int], ...]:
    """((day, minutes to add to local midnight to reach UTC), …) from `first` to `last`:
    one entry at `first`, then one on each day whose midnight has another offset."""
    zone = ZoneInfo(tz_name)
    changes: list[tuple[date, int]] = []
    day = first
    while day <= last:
        midnight = datetime.combine(day, datetime.min.time()).replace(tzinfo=zone)
        minutes = -int(midnight.utcoffset().total_seconds() // 60)
        if not changes or changes[-1][1] != minutes:
            changes.append((day, minutes))
        day += timedelta(days=1)
    return tuple(changes)


def local_midnight(day_column, when: When, days_after: int = 0):
    """Midnight at the start of the local day `days_after` the date in `day_column`, as
    naive UTC, in SQL: right on both sides of a DST change (the offset is looked up per
    day, from the zone's rules, for a few years around today)."""
    first = when.today.replace(year=when.today.year - YEARS_AROUND, day=1)
    last = when.today.replace(year=when.today.year + YEARS_AROUND, day=1)
    changes = offset_changes(when.tz, first, last)
    # The offset at the day `days_after` the column's: compare with shifted change days.
    shift = timedelta(days=days_after)
    cases = [
        (day_column < start - shift, minutes)
        for (start, _), (_, minutes) in zip(changes[1:], changes[:-1], strict=True)
    ]
    offset = sa.case(*cases, else_=changes[-1][1]) if cases else sa.literal(changes[-1][1])
    return plus_minutes(day_column, offset + days_after * 24 * 60)


def as_utc(local: datetime, tz_name: str) -> datetime:
    """A naive local time as naive UTC (for tests and labels)."""
    return local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC).replace(tzinfo=None)


class later_of(FunctionElement):
    """The later of two timestamps in SQL, either of which may be NULL (then the other;
    both NULL: NULL). Each is written once: a rule nests them (the follow-along's "since"
    is the later of the last visit, the last call and the start), and a CASE that wrote
    each value four times ran the rule's subqueries 33 times a client."""

    type = sa.DateTime()
    inherit_cache = True
    name = "later_of"


class earlier_of(FunctionElement):
    """The earlier of two timestamps in SQL, either of which may be NULL (never)."""

    type = sa.DateTime()
    inherit_cache = True
    name = "earlier_of"


# SQLite's max() and min() of several values are NULL if one is; PostgreSQL's GREATEST
# and LEAST skip NULLs. In SQLite a NULL stands in as a time before (after) any other.
_BEFORE_ALL, _AFTER_ALL = "'0001-01-01 00:00:00'", "'9999-12-31 23:59:59'"


@compiles(later_of, "sqlite")
def _later_of_sqlite(element, compiler, **kw):
    a, b = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"nullif(max(coalesce({a}, {_BEFORE_ALL}), coalesce({b}, {_BEFORE_ALL})), {_BEFORE_ALL})"


@compiles(earlier_of, "sqlite")
def _earlier_of_sqlite(element, compiler, **kw):
    a, b = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"nullif(min(coalesce({a}, {_AFTER_ALL}), coalesce({b}, {_AFTER_ALL})), {_AFTER_ALL})"


@compiles(later_of)
def _later_of_default(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(earlier_of)
def _earlier_of_default(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"
