"""Who may see which client, and the caseload queries."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from coach.extensions import db, reusable
from coach.models import ROLES, Client, Employer, Placement, User, Visit, Worksite
from coach.models.caseload import ClientCard, PlacementCard, display_name
from coach.web import Page, paginate, search_pattern

# All a list needs to show a client by name (Client.display_name).
CLIENT_NAME = (Client.first_name, Client.preferred_name, Client.last_name)


def visible_clients(user: User) -> sa.Select:
    """Clients this user may see: their own caseload, or everyone's for supervisors."""
    query = sa.select(Client)
    if not user.sees_all_caseloads:
        query = query.where(Client.coach_id == user.id)
    return query


def caseload_page(
    user: User, page: int, per_page: int, search: str = "", status: str = "", coach_id=None
) -> Page:
    """A page of the caseload, searched by any part of the name, ordered by last name."""
    coach_id = coach_id if user.sees_all_caseloads else None
    count, items = _caseload_queries(
        not user.sees_all_caseloads, bool(search), bool(status), bool(coach_id)
    )
    values = {
        "user_id": user.id,
        "pattern": search_pattern(search),
        "status": status,
        "coach_id": coach_id,
    }
    return paginate(count, items, values, page, per_page)


@reusable
def _caseload_queries(
    own_only: bool, searching: bool, by_status: bool, by_coach: bool
) -> tuple[sa.Select, sa.Select]:
    """The count and a page of the caseload, for one combination of filters."""
    query = sa.select(Client)
    if own_only:
        query = query.where(Client.coach_id == sa.bindparam("user_id"))
    if searching:
        query = query.where(name_matches(sa.bindparam("pattern")))
    if by_status:
        query = query.where(Client.status == sa.bindparam("status"))
    if by_coach:
        query = query.where(Client.coach_id == sa.bindparam("coach_id"))
    count = sa.select(sa.func.count()).select_from(query.subquery())
    if not own_only:  # only those who see every caseload are shown each client's coach
        query = query.options(so.joinedload(Client.coach))
    items = (
        query.order_by(Client.last_name, Client.first_name, Client.id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )
    return count, items


def client_choices(user: User) -> list[tuple[int, str]]:
    """(id, name) of the clients this user may see, in caseload order, for a select."""
    rows = db.session.execute(_choices_query(not user.sees_all_caseloads), {"user_id": user.id})
    return [(cid, display_name(first, preferred, last)) for cid, first, preferred, last in rows]


@reusable
def _choices_query(own_only: bool) -> sa.Select:
    query = sa.select(Client.id, Client.first_name, Client.preferred_name, Client.last_name)
    if own_only:
        query = query.where(Client.coach_id == sa.bindparam("user_id"))
    return query.order_by(Client.last_name, Client.first_name, Client.id)


def name_matches(pattern):
    """Any part of the first, last, preferred or full name, case-insensitive. `pattern`
    is search_pattern()'s LIKE pattern, or a bound parameter that will hold one."""
    return sa.or_(
        Client.first_name.ilike(pattern, escape="\\"),
        Client.last_name.ilike(pattern, escape="\\"),
        Client.preferred_name.ilike(pattern, escape="\\"),
        (Client.first_name + " " + Client.last_name).ilike(pattern, escape="\\"),
    )


@reusable
def _client_query(own_only: bool, with_placements: bool) -> sa.Select:
    query = (
        sa.select(Client)
        .where(Client.id == sa.bindparam("client_id"))
        .options(so.joinedload(Client.coach).load_only(User.name))  # all a page shows
    )
    if own_only:
        query = own_clients_only(query)
    if with_placements:  # joined in the same query: a client has a handful of jobs
        query = query.options(
            so.joinedload(Client.placements)
            .joinedload(Placement.worksite)
            .joinedload(Worksite.employer)
        )
    return query


def get_client_for(user: User, client_id: int, with_placements: bool = False) -> Client:
    """The client if this user may see it (visible_clients' rule); 404 otherwise, so
    nothing leaks."""
    query = _client_query(not user.sees_all_caseloads, with_placements)
    values = {"client_id": client_id, "user_id": user.id}
    client = db.session.scalars(query, values).unique().first()
    if client is None:
        abort(404)
    return client


def own_clients_only(query: sa.Select) -> sa.Select:
    """visible_clients' rule for a reused statement: the user's own clients, the user's
    id bound at execution as `user_id`."""
    return query.where(Client.coach_id == sa.bindparam("user_id"))


def open_visit_id_query(client_id) -> sa.Select:
    """The id of the visit the user (bound as `user_id`) started with this client and
    has not ended, newest first: `client_id` a bound value or the client's column."""
    return (
        sa.select(Visit.id)
        .where(
            Visit.client_id == client_id,
            Visit.created_by_id == sa.bindparam("user_id"),
            Visit.ended_at.is_(None),
            Visit.deleted_at.is_(None),
        )
        .order_by(Visit.started_at.desc())
        .limit(1)
    )


CLIENT_PAGE_FIELDS = {
    "id": Client.id,
    "first_name": Client.first_name,
    "last_name": Client.last_name,
    "preferred_name": Client.preferred_name,
    "phone": Client.phone,
    "email": Client.email,
    "status": Client.status,
    "disclosure": Client.disclosure,
    "notes": Client.notes,
    "coach_id": Client.coach_id,
    "coach_name": User.name,
    # Asked here, it is not a query of its own on every client page (most have none).
    "open_visit_id": open_visit_id_query(Client.id).scalar_subquery(),
}
PLACEMENT_CARD_FIELDS = {
    "id": Placement.id,
    "job_title": Placement.job_title,
    "start_date": Placement.start_date,
    "end_date": Placement.end_date,
    "hourly_wage_cents": Placement.hourly_wage_cents,
    "weekly_hours_tenths": Placement.weekly_hours_tenths,
    "worksite_name": Worksite.name,
    "employer_id": Worksite.employer_id,
    "employer_name": Employer.name,
}


@reusable
def _client_page_query(own_only: bool) -> sa.Select:
    query = (
        sa.select(
            *(column.label(f"c_{name}") for name, column in CLIENT_PAGE_FIELDS.items()),
            *(column.label(f"p_{name}") for name, column in PLACEMENT_CARD_FIELDS.items()),
        )
        .join(User, User.id == Client.coach_id)
        .outerjoin(Placement, Placement.client_id == Client.id)
        .outerjoin(Worksite, Worksite.id == Placement.worksite_id)
        .outerjoin(Employer, Employer.id == Worksite.employer_id)
        .where(Client.id == sa.bindparam("client_id"))
        .order_by(Placement.start_date.desc(), Placement.id)
    )
    return own_clients_only(query) if own_only else query


def client_card_for(user: User, client_id: int) -> ClientCard:
    """The client with their coach's name and their jobs, as rows in one query (the ORM's
    entities cost five times as much), for pages that show them and make visits; 404 as
    get_client_for."""
    query = _client_page_query(not user.sees_all_caseloads)
    values = {"client_id": client_id, "user_id": user.id}
    rows = [row._mapping for row in db.session.connection().execute(query, values)]
    if not rows:
        abort(404)
    placements = [
        PlacementCard({name: row[f"p_{name}"] for name in PLACEMENT_CARD_FIELDS})
        for row in rows
        if row["p_id"] is not None
    ]
    return ClientCard({name: rows[0][f"c_{name}"] for name in CLIENT_PAGE_FIELDS}, placements)


def get_placement_for(user: User, placement_id: int) -> Placement:
    query = (
        sa.select(Placement)
        .join(Placement.client)
        .where(Placement.id == placement_id)
        .options(
            so.contains_eager(Placement.client),
            so.joinedload(Placement.worksite).joinedload(Worksite.employer),
        )
    )
    if not user.sees_all_caseloads:
        query = query.where(Client.coach_id == user.id)
    placement = db.session.scalar(query)
    if placement is None:
        abort(404)
    return placement


def coach_choices(keep_id: int | None = None, everyone: bool = False) -> list[tuple[int, str]]:
    """Staff a client can be assigned to: the active ones, plus `keep_id` (the client's
    coach now, even if deactivated, so saving a form never reassigns by accident).
    `everyone` lists deactivated staff too, for filters."""
    return [
        (uid, f"{name} ({ROLES.get(role, role)}{'' if active else ', deactivated'})")
        for uid, name, role, active in db.session.connection().execute(
            _staff_query(everyone), {"keep_id": keep_id}
        )
    ]


@reusable
def _staff_query(everyone: bool) -> sa.Select:
    # Plain rows, not User objects: the list grows with the staff.
    query = sa.select(User.id, User.name, User.role, User.active).order_by(
        User.active.desc(), User.name
    )
    if not everyone:
        query = query.where(sa.or_(User.active.is_(True), User.id == sa.bindparam("keep_id")))
    return query


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
    return employer if site.casefold() == employer.casefold() else f"{employer} — {site}"


def job_choices(
    client: Client | ClientCard, today, none_label: str, keep_id: int | None = None
) -> list:
    """The client's current jobs for a select, plus `keep_id` (the record's own job, even
    if it has ended since, so saving never moves a record to another job by accident)."""
    from coach.forms import options

    jobs = [
        (p.id, f"{p.job_title} at {p.employer_name}")
        for p in client.placements
        if p.is_current(today) or p.id == keep_id
    ]
    return options([*jobs, (0, none_label)])
