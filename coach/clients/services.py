"""Who may see which client, and the caseload's queries."""

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_request_context
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from coach.audit.services import record_event
from coach.extensions import db
from coach.forms import options
from coach.models import (
    ROLES,
    Client,
    Employer,
    Placement,
    PlacementChange,
    PlacementEvent,
    User,
    Worksite,
)
from coach.models.caseload import named_alike
from coach.records import create_once, get_or_404
from coach.web import search_pattern


@dataclass(frozen=True)
class BoundUser:
    """A user whose id is a bind parameter, for a statement built once per kind of user
    (coach, or one who sees every caseload) and run for any user of that kind."""

    sees_all_caseloads: bool
    id: sa.BindParameter


def may_see_client(user: User | BoundUser) -> sa.ColumnElement[bool]:
    """The one rule for clients: a coach sees their own caseload, a supervisor or an
    admin everyone's. Queries of records about clients join Client and filter by it."""
    return sa.true() if user.sees_all_caseloads else Client.coach_id == user.id


def seen_by(user: User, clients):
    """A record's clients (`clients`: a relationship such as Lead.clients) narrowed to
    those this user may see, for a loader option. A client moved to another coach's
    caseload stays on the lead or contact that named them, but the coach who no longer
    has them neither sees them there nor writes to their record through it."""
    return clients.and_(may_see_client(user))


def visible_clients(user: User) -> sa.Select:
    """Clients this user may see: every query of clients starts here."""
    return sa.select(Client).where(may_see_client(user))


def get_client_for(user: User, client_id: int, with_jobs: bool = False, also=()) -> Client:
    """The client with their coach (and, `with_jobs`, their jobs, work sites and
    employers; `also`: other areas' loader options), if this user may see them; 404
    otherwise."""
    query = (
        visible_clients(user)
        .where(Client.id == client_id)
        .options(so.joinedload(Client.coach).load_only(User.name), *also)
    )
    if with_jobs:  # a handful of rows, joined in the same query
        query = query.options(
            so.joinedload(Client.placements)
            .joinedload(Placement.worksite)
            .joinedload(Worksite.employer)
        )
    return get_or_404(query)


def get_placement_for(user: User, placement_id: int) -> Placement:
    """A job of a client this user may see, with its work site and employer; 404
    otherwise."""
    clients = visible_clients(user).subquery()
    query = (
        sa.select(Placement)
        .join(clients, clients.c.id == Placement.client_id)
        .where(Placement.id == placement_id)
        .options(
            so.joinedload(Placement.client),
            so.joinedload(Placement.worksite).joinedload(Worksite.employer),
        )
    )
    return get_or_404(query)


def caseload_page(
    user: User, page: int, per_page: int, search: str = "", status: str = "", coach_id=None
) -> Pagination:
    """A page of the caseload, searched by any part of the name, ordered by last name."""
    query = visible_clients(user)
    if search:
        query = query.where(name_matches(search_pattern(search)))
    if status:
        query = query.where(Client.status == status)
    if coach_id and user.sees_all_caseloads:
        query = query.where(Client.coach_id == coach_id)
    if user.sees_all_caseloads:  # only they are shown each client's coach
        query = query.options(so.joinedload(Client.coach).load_only(User.name))
    query = query.order_by(Client.last_name, Client.first_name, Client.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def client_choices(user: User) -> list[tuple[int, str]]:
    """(id, name) of the clients this user may see, in caseload order, for a select."""
    clients = db.session.scalars(
        visible_clients(user).order_by(Client.last_name, Client.first_name, Client.id)
    )
    return [(client.id, client.display_name) for client in clients]


def name_matches(pattern: str):
    """Any part of the first, last, preferred or full name, case-insensitive, for
    search_pattern()'s LIKE pattern."""
    return sa.or_(
        Client.first_name.ilike(pattern, escape="\\"),
        Client.last_name.ilike(pattern, escape="\\"),
        Client.preferred_name.ilike(pattern, escape="\\"),
        (Client.first_name + " " + Client.last_name).ilike(pattern, escape="\\"),
    )


def staff_label(name: str, role: str, active: bool) -> str:
    return f"{name} ({ROLES.get(role, role)}{'' if active else ', deactivated'})"


def assignable_coaches(user: User, client: Client | None, wanted_id=None) -> list[tuple[int, str]]:
    """The coaches the client form may save: the client's coach now (or, for a new
    client, the user), and `wanted_id` (the one chosen in the form's coach search) if it
    is active staff, for those who see every caseload; a coach only their own caseload.
    The form offers these two; the search finds any other (`find_staff`)."""
    keep_id = client.coach_id if client else user.id
    if not user.sees_all_caseloads:
        return [(keep_id, user.name)]
    query = sa.select(User.id, User.name, User.role, User.active).where(
        sa.or_(User.id == keep_id, sa.and_(User.id == (wanted_id or keep_id), User.active))
    )
    rows = db.session.execute(query.order_by(User.id != keep_id, User.name))
    return [(uid, staff_label(name, role, active)) for uid, name, role, active in rows]


def assigned_coach(user: User, chosen_id: int, current_id: int | None = None) -> int:
    """The coach a client added or edited by `user` belongs to: the one chosen in the form
    by those who see every caseload; a coach's clients stay where they are (their own
    caseload), whatever the form sent."""
    if user.sees_all_caseloads:
        return chosen_id
    return user.id if current_id is None else current_id


STAFF_MATCHES = 20


def find_staff(search: str, active_only: bool = False) -> list[tuple[int, str]]:
    """At most 20 staff for a coach search: those whose name holds `search` (active
    first; only active ones to put a client with), or with nothing typed those who
    logged in last. A select of every user made a supervisor's page grow with the
    agency (1,002 options at 1,000 coaches)."""
    query = sa.select(User.id, User.name, User.role, User.active).limit(STAFF_MATCHES)
    if active_only:
        query = query.where(User.active.is_(True))
    if search:
        query = query.where(User.name.ilike(search_pattern(search), escape="\\"))
        query = query.order_by(User.active.desc(), User.name, User.id)
    else:
        query = query.where(User.active.is_(True))
        query = query.order_by(User.last_login_at.desc().nulls_last(), User.name, User.id)
    return [
        (uid, staff_label(name, role, active))
        for uid, name, role, active in db.session.execute(query)
    ]


def staff_member(user_id: int | None) -> tuple[int, str] | None:
    """(id, label) of the coach a list is filtered by, if there is one."""
    if not user_id:
        return None
    row = db.session.execute(
        sa.select(User.id, User.name, User.role, User.active).where(User.id == user_id)
    ).first()
    return (row.id, staff_label(row.name, row.role, row.active)) if row else None


def worksite_choices() -> list[tuple[int, str]]:
    """Every worksite of the agency's employer directory (business names only)."""
    rows = db.session.execute(
        sa.select(Worksite.id, Employer.name, Worksite.name)
        .join(Worksite.employer)
        .order_by(Employer.name, Worksite.name)
    ).all()
    return [(wid, worksite_label(employer, site)) for wid, employer, site in rows]


def worksite_label(employer: str, site: str) -> str:
    """'Employer — Site', or the name once for a site named after its employer (the first
    worksite of a new employer is)."""
    return employer if named_alike(employer, site) else f"{employer} — {site}"


def job_choices(client: Client, today, none_label: str, keep_id: int | None = None) -> list:
    """The client's current jobs for a select, plus `keep_id` (the record's own job, even
    if it has ended since, so saving never moves a record to another job by accident).
    The client must have been read with its jobs."""
    jobs = [
        (p.id, f"{p.job_title} at {p.employer_name}")
        for p in client.placements
        if p.is_current(today) or p.id == keep_id
    ]
    return options([*jobs, (0, none_label)])


def add_placement(client: Client, placement: Placement) -> Placement:
    """Record a job the client got, with its audit event and its start's wage and hours
    (the first row of its pay history); not committed (a caller may make more in the
    same transaction: the lead that led to it, the client's status)."""
    placement.client_id = client.id
    db.session.add(placement)
    db.session.flush()
    record_event("create", "placement", placement.id, f"client {client.id}: {placement.job_title}")
    set_start_pay(placement, None, placement.hourly_wage_cents, placement.weekly_hours_tenths)
    return placement


# --- a job's pay history: wage and hours from a date on ------------------------------


def pay_history(placement: Placement) -> list[PlacementChange]:
    """The job's wage and hours changes, latest first, with who recorded each."""
    return list(
        db.session.scalars(
            sa.select(PlacementChange)
            .where(PlacementChange.placement_id == placement.id)
            .options(so.joinedload(PlacementChange.created_by).load_only(User.name))
            .order_by(PlacementChange.effective_date.desc(), PlacementChange.id.desc())
        )
    )


def start_pay(history: list[PlacementChange]) -> PlacementChange | None:
    """The start's row of a pay history (latest first): its earliest."""
    return history[-1] if history else None


def set_start_pay(placement: Placement, start, wage_cents, hours_tenths) -> None:
    """Make the start's row (`start`, or a new one) say the job's start date and its
    wage and hours then; a job with neither and no row gets none. Not committed."""
    if start is None:
        if wage_cents is None and hours_tenths is None:
            return
        user_id = (
            current_user.id if has_request_context() and current_user.is_authenticated else None
        )
        start = PlacementChange(
            placement_id=placement.id,
            created_by_id=user_id,
            idempotency_key=f"start-{placement.id}",
        )
        db.session.add(start)
    start.effective_date = placement.start_date
    start.hourly_wage_cents, start.weekly_hours_tenths = wage_cents, hours_tenths
    db.session.flush()


def sync_current_pay(placement: Placement) -> None:
    """The placement's own wage and hours become its latest change's (by date, then by
    when it was recorded); a job with no history keeps its own. Not committed."""
    latest = db.session.execute(
        sa.select(PlacementChange.hourly_wage_cents, PlacementChange.weekly_hours_tenths)
        .where(PlacementChange.placement_id == placement.id)
        .order_by(PlacementChange.effective_date.desc(), PlacementChange.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        placement.hourly_wage_cents, placement.weekly_hours_tenths = latest


def has_start_row(placement: Placement, other_than: int) -> bool:
    """Whether the job's pay history has a row besides `other_than` (the new one)."""
    query = sa.select(PlacementChange.id).where(
        PlacementChange.placement_id == placement.id, PlacementChange.id != other_than
    )
    return db.session.scalar(query.limit(1)) is not None


def pay_change_problem(placement: Placement, day) -> str:
    """Why a change cannot apply from `day` on this job, or ""."""
    if day < placement.start_date:
        return "That is before the job started."
    if placement.end_date and day > placement.end_date:
        return "That is after the job ended."
    return ""


def add_pay_change(user: User, placement: Placement, key: str, day, wage_cents, hours_tenths):
    """Record the job's wage and hours from `day` on, once per idempotency key: (change,
    created). A value left out (None) keeps the one in force that day. The placement's
    own wage and hours follow its latest change; both writes are audited, committed."""
    in_force = db.session.execute(
        sa.select(PlacementChange.hourly_wage_cents, PlacementChange.weekly_hours_tenths)
        .where(PlacementChange.placement_id == placement.id, PlacementChange.effective_date <= day)
        .order_by(PlacementChange.effective_date.desc(), PlacementChange.id.desc())
        .limit(1)
    ).first() or (placement.hourly_wage_cents, placement.weekly_hours_tenths)
    change = PlacementChange(
        placement_id=placement.id,
        effective_date=day,
        hourly_wage_cents=in_force[0] if wage_cents is None else wage_cents,
        weekly_hours_tenths=in_force[1] if hours_tenths is None else hours_tenths,
    )
    change, created = create_once(change, user.id, key)
    if not created:
        return change, False
    before = (placement.hourly_wage_cents, placement.weekly_hours_tenths)
    if not has_start_row(placement, change.id):  # a job recorded before the history
        set_start_pay(placement, None, *before)
    sync_current_pay(placement)
    after = (placement.hourly_wage_cents, placement.weekly_hours_tenths)
    summary = (
        f"placement {placement.id} from {day}: wage {change.hourly_wage_cents!r}, "
        f"hours {change.weekly_hours_tenths!r}"
    )
    if after != before:  # one event for one act: the job's own pay moved with it
        summary += f"; the job's wage and hours now: {before!r} → {after!r}"
    record_event("create", "placement_change", change.id, summary)
    db.session.commit()
    return change, True


def set_client_status(client: Client, status: str) -> None:
    """Change the client's status, logged like an edit of it; not committed."""
    if client.status != status:
        record_event("update", "client", client.id, f"status: {client.status!r} → {status!r}")
        client.status = status


def log_job_event(user: User, placement: Placement, key: str, kind: str, note: str, **loss):
    """Log a job problem or a job loss once per idempotency key: (event, created). A loss
    ends the job on `loss["end_date"]` with `loss["end_reason"]`, audited."""
    event = PlacementEvent(
        placement_id=placement.id, client_id=placement.client_id, kind=kind, note=note
    )
    event, created = create_once(event, user.id, key)
    if not created:
        return event, False
    record_event("create", "placement_event", event.id, f"placement {placement.id}: {kind}")
    if kind == "loss":
        before = (placement.end_date, placement.end_reason)
        placement.end_date, placement.end_reason = loss["end_date"], loss["end_reason"]
        record_event(
            "update",
            "placement",
            placement.id,
            f"end_date: {before[0]!r} → {placement.end_date!r}; "
            f"end_reason: {before[1]!r} → {placement.end_reason!r}",
        )
    db.session.commit()
    return event, True
