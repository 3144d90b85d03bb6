"""Times are stored in UTC and shown in the agency's time zone; this is the one converter."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_TZ = "America/New_York"


def utcnow() -> datetime:
    """Naive UTC now: how every timestamp is stored (SQLite keeps no offsets)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime | None, tz_name: str) -> datetime | None:
    """A stored naive-UTC datetime as an aware datetime in the agency's zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(tz_name))


DATE_TIME = "%b %-d, %Y %-I:%M %p"  # how a moment is shown unless a page says otherwise


def format_local(value: datetime | None, tz_name: str, fmt: str = DATE_TIME) -> str:
    local = to_local(value, tz_name)
    return local.strftime(fmt) if local else ""


def format_date(value: date | None) -> str:
    return value.strftime("%b %-d, %Y") if value else ""


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


def timezone_choices() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def from_local(value: datetime | None, tz_name: str) -> datetime | None:
    """A naive datetime typed in the agency's zone, as naive UTC for storage."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC).replace(tzinfo=None)


def local_input_value(value: datetime | None, tz_name: str) -> datetime | None:
    """A stored naive-UTC datetime as a naive local one, for a datetime-local input."""
    local = to_local(value, tz_name)
    return local.replace(tzinfo=None) if local else None


def local_day_start(day: date | None, tz_name: str) -> datetime | None:
    """Midnight of a day in the agency's zone, as naive UTC: a bound for date filters."""
    if day is None:
        return None
    return from_local(datetime.combine(day, datetime.min.time()), tz_name)
