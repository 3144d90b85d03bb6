"""Times are stored in UTC and shown in the agency's time zone; this is the one converter."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_TZ = "America/New_York"


def utcnow() -> datetime:
    """Naive UTC now: how every timestamp is stored (SQLite keeps no offsets)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today(tz_name: str) -> date:
    """Today's date in the zone: after 7 pm in New York the UTC date is already tomorrow."""
    return to_local(utcnow(), tz_name).date()


def to_local(value: datetime | None, tz_name: str) -> datetime | None:
    """A stored naive-UTC datetime as an aware datetime in the agency's zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(tz_name))


def local_clock(tz_name: str):
    """to_local for many stored values of one zone (an export's rows): the zone's own
    `fromutc`, which `astimezone` calls after its checks. 100,000 visits' start and end
    take 0.3 s instead of 0.6 s."""
    zone = ZoneInfo(tz_name)

    def local(value: datetime) -> datetime:
        return zone.fromutc(value.replace(tzinfo=zone))

    return local


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


def missing_local_time(value: datetime | None, tz_name: str) -> str:
    """Why a typed local time does not exist (it falls in a spring-forward gap), or "".

    zoneinfo quietly moves such a time by the size of the gap, so 02:30 would be stored
    as 03:30; a time that survives the trip to UTC and back is a real one.
    """
    if value is None:
        return ""
    zone = ZoneInfo(tz_name)
    try:
        if (
            value.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
            == value
        ):
            return ""
        before = (value - timedelta(days=1)).replace(tzinfo=zone).utcoffset()
        gap = (value + timedelta(days=1)).replace(tzinfo=zone).utcoffset() - before
    except OverflowError:  # the first or last day there is: the date checks refuse it
        return ""
    minutes = int(gap.total_seconds() // 60)
    size = "an hour" if minutes == 60 else f"{minutes} minutes"
    return f"{value:%-I:%M %p} does not exist on {value:%b %-d, %Y}: clocks moved forward {size}."


def local_input_value(value: datetime | None, tz_name: str) -> datetime | None:
    """A stored naive-UTC datetime as a naive local one, for a datetime-local input."""
    local = to_local(value, tz_name)
    return local.replace(tzinfo=None) if local else None


def local_day_start(day: date | None, tz_name: str) -> datetime | None:
    """Midnight of a day in the agency's zone, as naive UTC: a bound for date filters."""
    if day is None:
        return None
    return from_local(datetime.combine(day, datetime.min.time()), tz_name)
