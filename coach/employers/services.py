"""Employers a user works with, and who may see them."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from coach.extensions import db
from coach.models import Client, Employer, Placement, User, Worksite
from coach.web import search_pattern


def visible_employers(user: User) -> sa.Select:
    """Employers a coach works with (entered by them, or where their clients work)."""
    query = sa.select(Employer)
    if not user.sees_all_caseloads:
        where_my_clients_work = (
            sa.select(Worksite.employer_id)
            .join(Placement, Placement.worksite_id == Worksite.id)
            .join(Client, Client.id == Placement.client_id)
            .where(Client.coach_id == user.id)
        )
        query = query.where(
            sa.or_(Employer.created_by_id == user.id, Employer.id.in_(where_my_clients_work))
        )
    return query


def employer_list_query(user: User, search: str = "") -> sa.Select:
    query = visible_employers(user).options(so.selectinload(Employer.worksites))
    if search:
        query = query.where(Employer.name.ilike(search_pattern(search), escape="\\"))
    return query.order_by(Employer.name, Employer.id)


def get_employer_for(user: User, employer_id: int) -> Employer:
    employer = db.session.scalar(
        visible_employers(user)
        .where(Employer.id == employer_id)
        .options(so.selectinload(Employer.worksites))
    )
    if employer is None:
        abort(404)
    return employer


def get_worksite_for(user: User, worksite_id: int) -> Worksite:
    worksite = db.session.get(Worksite, worksite_id)
    if worksite is None:
        abort(404)
    get_employer_for(user, worksite.employer_id)
    return worksite


def placements_at(user: User, employer: Employer) -> list[Placement]:
    """Jobs at this employer held by clients this user may see."""
    query = (
        sa.select(Placement)
        .join(Placement.client)
        .join(Placement.worksite)
        .where(Worksite.employer_id == employer.id)
        .options(so.contains_eager(Placement.client), so.contains_eager(Placement.worksite))
        .order_by(Placement.start_date.desc())
    )
    if not user.sees_all_caseloads:
        query = query.where(Client.coach_id == user.id)
    return list(db.session.scalars(query))
