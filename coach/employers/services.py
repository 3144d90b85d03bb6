"""Employers a user works with, and who may see them."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.extensions import db
from coach.models import Employer, EmployerPerson, Placement, User, Worksite
from coach.records import create_once, get_or_404
from coach.web import search_pattern

# The employer list's filter: every business, prospects only, or employers only.
KINDS = {"": "Employers and prospects", "prospect": "Prospects", "employer": "Employers"}


def visible_employers(user: User) -> sa.Select:
    """Employers this user may see: the directory is shared across the agency, so every
    one (job development needs every coach to see who the others already know). What a
    page shows about clients there stays scoped by may_see_client. Every query of
    employers starts here."""
    return sa.select(Employer)


def employers_page(
    user: User, page: int, per_page: int, search: str = "", kind: str = ""
) -> Pagination:
    """A page of the employers, searched by any part of the name, with their worksites;
    `kind` "prospect" keeps those where no client has a job, "employer" the others."""
    query = visible_employers(user).options(so.selectinload(Employer.worksites))
    if search:
        query = query.where(Employer.name.ilike(search_pattern(search), escape="\\"))
    if kind == "prospect":
        query = query.where(~Employer.has_placement)
    elif kind == "employer":
        query = query.where(Employer.has_placement)
    query = query.order_by(Employer.name, Employer.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_employer_for(user: User, employer_id: int, with_people: bool = False) -> Employer:
    """The employer with its worksites (and, `with_people`, its contact people), if this
    user may see it; 404 otherwise."""
    query = (
        visible_employers(user)
        .where(Employer.id == employer_id)
        .options(so.selectinload(Employer.worksites))
    )
    if with_people:
        query = query.options(so.selectinload(Employer.people))
    return get_or_404(query)


def get_person_for(user: User, person_id: int) -> EmployerPerson:
    """A contact person of an employer this user may see, with the employer; 404 otherwise."""
    employers = visible_employers(user).subquery()
    return get_or_404(
        sa.select(EmployerPerson)
        .join(employers, employers.c.id == EmployerPerson.employer_id)
        .where(EmployerPerson.id == person_id)
        .options(so.joinedload(EmployerPerson.employer))
    )


def add_person(user: User, key: str, person: EmployerPerson) -> tuple[EmployerPerson, bool]:
    """Save a new contact person once per idempotency key, with its audit event; commits."""
    person, created = create_once(person, user.id, key)
    if created:
        record_event("create", "employer_person", person.id, f"employer {person.employer_id}")
    db.session.commit()
    return person, created


def remove_person(person: EmployerPerson) -> None:
    """Take a contact person off the employer (they left), with an audit event; commits."""
    record_event("delete", "employer_person", person.id, f"employer {person.employer_id}")
    db.session.delete(person)
    db.session.commit()


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
