"""The 48-hour rule for job leads, in plain functions a list, a page or the Today page
(issue #19) can each ask: when a lead is due for follow-up, and how to say the time left.

A lead is due for follow-up 48 hours after it was made, until it leaves "new": any
status change is the follow-up. Times are naive UTC, as stored."""

from datetime import datetime, timedelta
from typing import NamedTuple

from coach.models import Lead

FOLLOW_UP_AFTER = timedelta(hours=48)


def follow_up_due_at(lead: Lead) -> datetime | None:
    """When the lead must be followed up, or None once it has been (it left "new")."""
    if lead.status != "new":
        return None
    return lead.created_at + FOLLOW_UP_AFTER


def time_left_label(due: datetime, now: datetime) -> str:
    """'due in 5 h', 'due in 20 min', '3 h late', '2 days late'.

    Time left is rounded up (a lead made a moment ago is "due in 48 h"), lateness down
    (a lead is "1 h late" once a whole hour has passed)."""
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        minutes = -(-int(seconds) // 60)  # rounded up
        if minutes < 60:
            return f"due in {max(minutes, 1)} min"
        return f"due in {-(-minutes // 60)} h"
    minutes = int(-seconds) // 60
    if minutes < 60:
        return f"{max(minutes, 1)} min late"
    if minutes < 24 * 60:
        return f"{minutes // 60} h late"
    days = minutes // (24 * 60)
    return f"{days} day{'s' if days != 1 else ''} late"


class LeadRow(NamedTuple):
    """A lead as a list shows it: when its follow-up is due and how long is left."""

    lead: Lead
    due: datetime | None
    label: str
    overdue: bool


def lead_row(lead: Lead, now: datetime) -> LeadRow:
    due = follow_up_due_at(lead)
    if due is None:
        return LeadRow(lead, None, "", False)
    return LeadRow(lead, due, time_left_label(due, now), due < now)
