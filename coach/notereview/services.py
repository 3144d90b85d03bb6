"""Supervisors review visit notes before they are billed: the queue (flagged notes
first), approve, return with a comment; and addenda, the words added to an approved
note, which is locked (coach/notereview/flags.py)."""

from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from coach.audit.services import record_event
from coach.extensions import db
from coach.models import ServiceType, User, Visit, VisitAddendum, VisitVersion
from coach.models.visit import UNFLAGGED_LAST
from coach.notereview.flags import is_locked
from coach.records import count_up_to, create_once
from coach.timeutil import utcnow
from coach.visits.services import get_visit_for, visible_visits

REVIEW_PAGE_SIZE = 25
TAKEN = "Someone else has just reviewed this note."


# --- who sees which notes ------------------------------------------------------------


def visible_notes(user: User) -> sa.Select:
    """Visit notes this user may see: the visits' own scope (the client's caseload), so
    the queue, the approvals and the addenda read no note the visit pages would not.
    Supervisors and admins, who review, see every caseload."""
    return visible_visits(user)


def get_note_for(user: User, visit_id: int) -> Visit:
    """The visit whose note is reviewed or added to, if this user may see it; 404
    otherwise."""
    return get_visit_for(user, visit_id)


def waiting_notes(user: User) -> sa.Select:
    """Ended visits whose note waits for review."""
    return visible_notes(user).where(Visit.review_status == "pending", Visit.ended_at.is_not(None))


def reviewable(visit: Visit) -> bool:
    return visit.review_status == "pending" and visit.ended_at is not None


def amended_by(user: User, visit_id=Visit.id) -> sa.Exists:
    """In SQL: this user amended the note (a kept earlier version names them); the
    note of the query's row, or the one of `visit_id`."""
    return (
        sa.select(VisitVersion.id)
        .where(VisitVersion.visit_id == visit_id, VisitVersion.amended_by_id == user.id)
        .exists()
    )


def can_review(user: User, visit: Visit) -> bool:
    """Supervisors and admins review an ended visit's note, never one they wrote or
    amended: four eyes on every note a funder pays for."""
    if not (user.sees_all_caseloads and visit.created_by_id != user.id and reviewable(visit)):
        return False
    return not db.session.scalar(amended_by(user, visit.id).select())


def written_by(user: User, visits: list[Visit]) -> set[int]:
    """The ids of these notes that this user wrote or amended (not theirs to review)."""
    ids = [visit.id for visit in visits]
    if not ids:
        return set()
    query = sa.select(Visit.id).where(
        Visit.id.in_(ids), sa.or_(Visit.created_by_id == user.id, amended_by(user))
    )
    return set(db.session.scalars(query))


# --- the queue -----------------------------------------------------------------------


def review_queue(user: User, page: int, size: int = REVIEW_PAGE_SIZE) -> tuple[list[Visit], int]:
    """A page of waiting notes, flagged ones first, then by coach, start and id, with
    their client, coach and service; and how many wait, counted only as far as the pages
    need (count_up_to), so a page costs the same however many wait."""
    waiting = waiting_notes(user)
    count = count_up_to(waiting, page, size)
    visits = db.session.scalars(
        waiting.options(
            so.contains_eager(Visit.client),  # the scope's join
            so.joinedload(Visit.coach).load_only(User.name),
            so.joinedload(Visit.service_type).load_only(ServiceType.code, ServiceType.name),
        )
        # ix_visits_review holds this order: the page is read off the index.
        .order_by(sa.text(UNFLAGGED_LAST), Visit.coach_id, Visit.started_at, Visit.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return visits, count


# --- decisions -----------------------------------------------------------------------


def _claim(visit: Visit, status: str) -> bool:
    """Move a waiting note to `status` if nobody has decided it since it was read: two
    supervisors on two devices decide it once."""
    claimed = db.session.execute(
        sa.update(Visit)
        .where(Visit.id == visit.id, Visit.review_status == "pending")
        .where(Visit.ended_at.is_not(None), Visit.deleted_at.is_(None))
        .values(review_status=status),
        execution_options={"synchronize_session": False},
    )
    return claimed.rowcount == 1


def _decide(visit: Visit, user: User, status: str, comment: str) -> None:
    # Set on the object too: the flush tells the Today page (coach/today/kept.py).
    visit.review_status = status
    visit.reviewed_by_id, visit.reviewed_at = user.id, utcnow()
    visit.review_comment = comment


def approve_visit(visit: Visit, user: User) -> str | None:
    """Approve a waiting note: it is locked from now on and may be billed. None, or why
    not. Nothing is committed here."""
    if not can_review(user, visit):
        return "You cannot approve this note (you wrote or amended it, or it is not waiting)."
    if not _claim(visit, "approved"):
        return TAKEN
    _decide(visit, user, "approved", "")
    record_event("approve", "visit", visit.id, "note approved")
    return None


def return_visit(visit: Visit, user: User, comment: str) -> str | None:
    """Return a waiting note to its coach with what to fix (required). None, or why
    not. Nothing is committed here."""
    comment = (comment or "").strip()
    if not comment:
        return "Say what the coach should fix."
    if not can_review(user, visit):
        return "You cannot return this note (you wrote or amended it, or it is not waiting)."
    if not _claim(visit, "returned"):
        return TAKEN
    _decide(visit, user, "returned", comment[:1000])
    record_event("return", "visit", visit.id, "note returned")  # the comment may name people
    return None


def approve_unflagged(user: User, visit_ids: list[int]) -> int:
    """Approve those of the notes shown (`visit_ids`) that have no flag and that this
    user may approve: how many. Nothing is committed here."""
    query = waiting_notes(user).where(
        Visit.id.in_(visit_ids),
        Visit.review_flags == "",
        Visit.created_by_id != user.id,
        ~amended_by(user),
    )
    return sum(approve_visit(visit, user) is None for visit in db.session.scalars(query).all())


# --- the visit page's review panel, and addenda --------------------------------------


class Review(NamedTuple):
    locked: bool
    can_review: bool
    reviewer: str | None  # who approved or returned the note
    addenda: list[VisitAddendum]


def addenda_of(visit: Visit) -> list[VisitAddendum]:
    """The visit's addenda, oldest first, with their authors' names."""
    return db.session.scalars(
        sa.select(VisitAddendum)
        .where(VisitAddendum.visit_id == visit.id)
        .options(so.joinedload(VisitAddendum.author).load_only(User.name))
        .order_by(VisitAddendum.created_at, VisitAddendum.id)
    ).all()


def review_of(user: User, visit: Visit) -> Review:
    """What the visit page shows of the review: status, reviewer, addenda, actions."""
    reviewer = None
    if visit.reviewed_by_id:
        reviewer = db.session.scalar(sa.select(User.name).where(User.id == visit.reviewed_by_id))
    addenda = addenda_of(visit) if is_locked(visit) else []
    return Review(is_locked(visit), can_review(user, visit), reviewer, addenda)


def add_addendum(user: User, visit: Visit, key: str, text: str) -> tuple[VisitAddendum, bool]:
    """Add words to a locked (approved) note, once per idempotency key: (addendum,
    created). The note itself stays as it was approved. Nothing is committed here."""
    addendum, created = create_once(VisitAddendum(visit_id=visit.id, text=text), user.id, key)
    if addendum.visit_id != visit.id:  # a key used on another visit: not a retry
        abort(400)
    if created:
        record_event("create", "visit_addendum", addendum.id, f"addendum to visit {visit.id}")
    return addendum, created
