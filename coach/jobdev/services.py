"""Job development: employer contacts, who may see them, and the week's counts."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from coach.agency import current_agency
from coach.audit.services import audit_views, record_event
from coach.clients.services import seen_by, visible_clients
from coach.extensions import db
from coach.models import Client, Employer, EmployerContact, EmployerPerson, User
from coach.records import create_once, get_or_404
from coach.web import search_pattern

WEEKS_SHOWN = 8  # the supervisors' table
# Coaches per page of that table: about one supervisor's team, and a page that costs
# the same however many coaches the agency has.
COACHES_PER_PAGE = 10
MATCHES_SHOWN = 8  # employers offered by the contact form's search


def visible_contacts(user: User) -> sa.Select:
    """Contacts this user may see: a coach their own, a supervisor or an admin every
    one. Every query of contacts starts here."""
    query = sa.select(EmployerContact)
    if not user.sees_all_caseloads:
        query = query.where(EmployerContact.created_by_id == user.id)
    return query


def get_contact_for(user: User, contact_id: int) -> EmployerContact:
    """The contact with its employer, coach and job seekers, if this user may see it;
    404 otherwise."""
    return get_or_404(
        visible_contacts(user)
        .where(EmployerContact.id == contact_id)
        .options(
            so.joinedload(EmployerContact.employer),
            so.joinedload(EmployerContact.created_by).load_only(User.name),
            so.selectinload(seen_by(user, EmployerContact.clients)),
        )
    )


def week_start(day: date) -> date:
    """The Monday of `day`'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def card_loads(user: User) -> list:
    """What a contact's card shows (jobdev/_contact_cards.html) besides the contact: the
    job seekers discussed, and the coach's name only for those who see every coach's
    contacts (a coach's own list does not name them)."""
    loads = [so.selectinload(seen_by(user, EmployerContact.clients))]
    if user.sees_all_caseloads:
        loads.append(so.joinedload(EmployerContact.created_by).load_only(User.name))
    return loads


def contacts_page(
    user: User,
    page: int,
    per_page: int,
    coach_id: int | None = None,
    week: date | None = None,
    employer_id: int | None = None,
) -> Pagination:
    """A page of the contacts this user may see, newest first, with what the list shows."""
    query = visible_contacts(user).options(
        *card_loads(user), so.joinedload(EmployerContact.employer).load_only(Employer.name)
    )
    if coach_id and user.sees_all_caseloads:
        query = query.where(EmployerContact.created_by_id == coach_id)
    if week:
        query = query.where(EmployerContact.contact_date.between(week, week + timedelta(days=6)))
    if employer_id:
        query = query.where(EmployerContact.employer_id == employer_id)
    query = query.order_by(EmployerContact.contact_date.desc(), EmployerContact.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_shown(contacts) -> None:
    """Contacts that name job seekers are records about people: log that they were seen."""
    audit_views("employer_contact", [c.id for c in contacts if c.clients])


def employer_contacts(user: User, employer_id: int, limit: int = 20) -> list[EmployerContact]:
    """The latest contacts with one employer that this user may see."""
    query = (
        visible_contacts(user)
        .where(EmployerContact.employer_id == employer_id)
        .options(*card_loads(user))
        .order_by(EmployerContact.contact_date.desc(), EmployerContact.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# The week at a glance


@dataclass
class WeekCount:
    start: date
    total: int
    in_person: int
    target: int

    @property
    def met(self) -> bool:
        return self.total >= self.target


def weekly_target() -> int:
    """Employer contacts a coach aims for each week (an agency setting, 6 by default)."""
    return current_agency().weekly_contact_target or 6


def week_count(user: User, today: date, target: int) -> WeekCount:
    """The user's own employer contacts in the week (Monday to Sunday) holding `today`,
    and how many of them were in person: one query."""
    start = week_start(today)
    total, in_person = db.session.execute(
        sa.select(
            sa.func.count(EmployerContact.id),
            sa.func.coalesce(
                sa.func.sum(sa.case((EmployerContact.method == "in_person", 1), else_=0)), 0
            ),
        ).where(
            EmployerContact.created_by_id == user.id,
            EmployerContact.contact_date.between(start, start + timedelta(days=6)),
        )
    ).one()
    return WeekCount(start, total, in_person, target)


@dataclass
class CoachWeeks:
    coach_id: int
    name: str
    counts: list[int] = field(default_factory=list)  # oldest week first

    @property
    def total(self) -> int:
        return sum(self.counts)


def weeks_table(
    today: date, page: int = 1, per_page: int = COACHES_PER_PAGE, weeks: int = WEEKS_SHOWN
) -> tuple[list[date], list[CoachWeeks], Pagination]:
    """Each coach's contacts per week for the last `weeks` weeks (this one last), a page
    of coaches at a time: every active coach, and anyone else who logged contacts then.
    Three queries whatever the data: the page of people (and its count), and their
    contacts grouped by coach and day, bucketed into weeks here."""
    starts = [week_start(today) - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    in_range = EmployerContact.contact_date.between(starts[0], starts[-1] + timedelta(days=6))
    logged = sa.exists().where(EmployerContact.created_by_id == User.id, in_range)
    people = db.paginate(
        sa.select(User)
        .where(sa.or_(sa.and_(User.role == "coach", User.active.is_(True)), logged))
        .order_by(User.name, User.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    rows = {user.id: CoachWeeks(user.id, user.name, [0] * weeks) for user in people.items}
    # The week of each contact, as its column number (0 the oldest), in SQL: one row per
    # coach and week comes back, not one per coach and day.
    week = sa.case(
        *((EmployerContact.contact_date >= start, n) for n, start in reversed([*enumerate(starts)]))
    ).label("week")
    per_week = db.session.execute(
        sa.select(EmployerContact.created_by_id, week, sa.func.count(EmployerContact.id))
        .where(in_range, EmployerContact.created_by_id.in_(list(rows)))
        .group_by(EmployerContact.created_by_id, week)
    ).all()
    for coach_id, n, count in per_week:
        rows[coach_id].counts[n] = count
    return starts, list(rows.values()), people


# The contact form


def employer_matches(search: str, limit: int = MATCHES_SHOWN) -> list[Employer]:
    """Employers (shared across the agency) whose name holds `search`, names starting
    with it first."""
    search = search.strip()
    if not search:
        return []
    starts = sa.case((Employer.name.ilike(search_pattern(search)[1:], escape="\\"), 0), else_=1)
    query = (
        sa.select(Employer)
        .where(Employer.name.ilike(search_pattern(search), escape="\\"))
        .order_by(starts, Employer.name, Employer.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def employer_named(name: str) -> Employer | None:
    """The employer with this name, whatever its case (the oldest, should there be two)."""
    query = (
        sa.select(Employer)
        .where(sa.func.lower(Employer.name) == name.strip().lower())
        .order_by(Employer.id)
    )
    return db.session.scalars(query).first()


def active_clients(user: User, keep_ids=()) -> list[Client]:
    """Job seekers a contact may name: the user's active clients (a supervisor's: every
    active client), and `keep_ids` (those a contact already names)."""
    query = visible_clients(user).where(
        sa.or_(Client.status != "closed", Client.id.in_(list(keep_ids)))
    )
    return list(db.session.scalars(query.order_by(Client.last_name, Client.first_name, Client.id)))


def people_names(employer_id: int | None) -> list[str]:
    """The names of an employer's contact people (its main contact first), to pick from."""
    if not employer_id:
        return []
    main = db.session.scalar(sa.select(Employer.contact_name).where(Employer.id == employer_id))
    others = db.session.scalars(
        sa.select(EmployerPerson.name)
        .where(EmployerPerson.employer_id == employer_id)
        .order_by(EmployerPerson.id)
    )
    return list(dict.fromkeys(name for name in (main, *others) if name))


def employer_name(contact: EmployerContact) -> str:
    """The name of a contact's employer (loaded or not)."""
    return db.session.scalar(sa.select(Employer.name).where(Employer.id == contact.employer_id))


def contact_by_key(user: User, key: str) -> EmployerContact | None:
    """The contact this user already made with this form (a double tap, a retry)."""
    return db.session.scalars(
        sa.select(EmployerContact).where(
            EmployerContact.created_by_id == user.id, EmployerContact.idempotency_key == key
        )
    ).first()


def employer_for_contact(user: User, employer_id: int | None, name: str) -> Employer:
    """The employer picked, the one so named, or a new prospect of that name (added to
    the session: it commits with the contact, or not at all)."""
    if employer_id:
        return db.session.get(Employer, employer_id)
    existing = employer_named(name)
    if existing is not None:
        return existing
    prospect = Employer(name=name.strip(), created_by_id=user.id)
    db.session.add(prospect)
    db.session.flush()
    record_event("create", "employer", prospect.id, f"{prospect.name} (prospect)")
    return prospect


def create_contact(
    user: User, key: str, employer: Employer, contact: EmployerContact
) -> tuple[EmployerContact, bool]:
    """Save a new contact once per idempotency key, with its audit event; commits."""
    contact.employer_id = employer.id
    contact, created = create_once(contact, user.id, key)
    if created:
        names = len(contact.clients)
        record_event(
            "create",
            "employer_contact",
            contact.id,
            f"{employer.name}, {contact.contact_date:%Y-%m-%d}"
            + (f", {names} job seeker(s) named" if names else ""),
        )
    db.session.commit()
    return contact, created
