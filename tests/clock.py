"""Stop the app's clock at a chosen local moment.

Every "now" in the app comes from `datetime.now` inside coach.timeutil (utcnow() and
local_today() read it), so replacing that one name freezes them all.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import coach.timeutil


def freeze_clock(monkeypatch, local: datetime, tz_name: str = "America/New_York") -> datetime:
    """Make the naive `local` time (in `tz_name`) the app's now; returns it as naive UTC."""
    instant = local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return instant.astimezone(tz) if tz else instant.astimezone().replace(tzinfo=None)

    monkeypatch.setattr(coach.timeutil, "datetime", FrozenDatetime)
    return instant.replace(tzinfo=None)
