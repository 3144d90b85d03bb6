"""What makes a visit note wait at the top of the review queue, and what locks it.

Plain rules on one visit, without queries: billing (coach/billing/services.py) calls
refresh_flags whenever it works out a visit's billability, which every save of a visit
(written up, ended, amended, deleted) and every change of the client's authorizations
does; so the stored flags are never older than the columns they read."""

from datetime import timedelta

from coach.models import Visit
from coach.timeutil import utcnow

# A note written more than this long after the visit ended is a late entry. "Written" is
# when the visit's record was first saved (Visit.created_at, the server's clock), and
# "ended" is the end time the visit carries (Visit.ended_at). A visit logged live was
# created when it started, so it is never late; a visit written up afterwards is late
# when it was saved more than 48 hours after the end the coach gave it.
LATE_AFTER = timedelta(hours=48)

FLAG_LABELS = {
    "late": "Late entry",
    "no_gps": "No GPS check",
    "over": "Over the authorization",
}


def review_flags(visit: Visit) -> list[str]:
    """The flags of an ended visit's note, in the order the queue card shows them:
    "late" (written more than 48 h after the visit ended), "no_gps" (an on-site visit
    whose location was not checked; a phone, video or office contact has no worksite to
    check), "over" (counted against an authorization it exceeds, so not billable)."""
    if visit.ended_at is None or visit.deleted_at is not None:
        return []
    flags = []
    if (visit.created_at or utcnow()) - visit.ended_at > LATE_AFTER:
        flags.append("late")
    if visit.contact_type == "on_site" and visit.location_status == "not_checked":
        flags.append("no_gps")
    if visit.authorization_id is not None and not visit.billable:
        flags.append("over")
    return flags


def refresh_flags(visit: Visit) -> None:
    """Store the visit's flags (the queue's index reads them)."""
    flags = " ".join(review_flags(visit))
    if visit.review_flags != flags:
        visit.review_flags = flags


def flag_reasons(visit: Visit) -> list[str]:
    """Each stored flag with its reason, as the queue card shows it."""
    reasons = []
    for code in visit.review_flags.split():
        if code == "late":
            hours = int((visit.created_at - visit.ended_at).total_seconds() // 3600)
            when = f"{hours // 24} days" if hours >= 72 else f"{hours} hours"
            reasons.append(f"Late entry: written {when} after the visit ended")
        elif code == "no_gps":
            reasons.append("No GPS check: the location was not checked at this on-site visit")
        elif code == "over":
            reasons.append(f"Over the authorization: {visit.billing_note or 'not billable'}")
    return reasons


def is_locked(visit: Visit) -> bool:
    """An approved note is locked: no edit, amendment or deletion; later words are
    addenda."""
    return visit.review_status == "approved"


def reopen_after_fix(visit: Visit) -> None:
    """A returned note that its coach has changed waits for review again."""
    if visit.review_status == "returned":
        visit.review_status = "pending"
