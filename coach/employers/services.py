"""Employers a user works with, and who may see them."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import Client, Employer, Placement, User, Worksite
from coach.records import get_or_404
from coach.web import search_pattern


def visible_employers(user: User) -> sa.Select:
    """Employers this user may see: a supervisor or an admin every one, a coach those they
    entered and those where their clients work. Every query of employers starts here."""
    if user.sees_all_caseloads:
        return sa.select(Employer)
    where_their_clients_work = (
        sa.select(Worksite.employer_id)
        .join(Placement, Placement.worksite_id == Worksite.id)
        .join(Client, Client.id == Placement.client_id)
        .where(may_see_client(user))
    )
    return sa.select(Employer).where(
        sa.or_(Employer.created_by_id == user.id, Employer.id.in_(where_their_clients_work))
    )


def employers_page(user: User, page: int, per_page: int, search: str = "") -> Pagination:
    """A page of the employers, searched by any part of the name, with their worksites."""
    query = visible_employers(user).options(so.selectinload(Employer.worksites))
    if search:
        query = query.where(Employer.name.ilike(search_pattern(search), escape="\\"))
    query = query.order_by(Employer.name, Employer.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_employer_for(user: User, employer_id: int) -> Employer:
    """The employer with its worksites, if this user may see it; 404 otherwise."""
    return get_or_404(
        visible_employers(user)
        .where(Employer.id == employer_id)
        .options(so.selectinload(Employer.worksites))
    )


def get_worksite_for(user: User, worksite_id: int) -> Worksite:
    """A worksite of an employer this user may see, with its employer; 404 otherwise."""
    employers = visible_employers(user).subquery()
    return get_or_404(
        sa.select(Worksite)
        .join(employers, employers.c.id == Worksite.employer_id)
        .where(Worksite.id == worksite_id)
        .options(so.joinedload(Worksite.employer))
    )


def placements_at(user: User, employer: Employer) -> list[Placement]:
    """Jobs at this employer held by clients this user may see."""
    query = (
        sa.select(Placement)
        .join(Placement.client)
        .join(Placement.worksite)
        .where(Worksite.employer_id == employer.id, may_see_client(user))
        .options(so.contains_eager(Placement.client), so.contains_eager(Placement.worksite))
        .order_by(Placement.start_date.desc())
    )
    return list(db.session.scalars(query))
