"""Job leads: who may see them, their list, their status steps, and the hire that makes
a placement. (The 48-hour rule is in follow_up.py; the search log in searchlog.py.)"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm.attributes import set_committed_value

from coach.agency import agency_today
from coach.audit.services import record_event
from coach.clients.services import add_placement, seen_by, set_client_status, visible_clients
from coach.employers.services import visible_employers
from coach.extensions import db
from coach.leads import searchlog
from coach.models import (
    LEAD_STATUSES,
    LEAD_STEPS,
    OPEN_LEAD_STATUSES,
    Client,
    Employer,
    JobApplication,
    Lead,
    LeadStatusChange,
    Placement,
    User,
    Worksite,
)
from coach.models.leads import WAITING_LAST
from coach.records import count_up_to, create_once, get_or_404, more_than
from coach.timeutil import utcnow

ENDINGS = ("not_hired", "closed")
# Statuses that add an entry to the job seeker's search log, and which kind.
LOGGED = {"applied": "application", "interview": "interview"}
# What an application that came from a lead says when the lead moves on.
APPLICATION_RESULT = {"interview": "interview", "offer": "offer", "hired": "hired"}


def may_see_lead(user: User) -> sa.ColumnElement[bool]:
    """The one rule for leads: a coach sees their own, a supervisor or an admin all."""
    return sa.true() if user.sees_all_caseloads else Lead.created_by_id == user.id


def visible_leads(user: User) -> sa.Select:
    """Leads this user may see: a coach their own, a supervisor or an admin every one.
    Every query of leads starts here."""
    return sa.select(Lead).where(may_see_lead(user))


def get_lead_for(user: User, lead_id: int) -> Lead:
    """The lead with its employer (and worksites), job seekers, owner and status history,
    if this user may see it; 404 otherwise."""
    return get_or_404(
        visible_leads(user)
        .where(Lead.id == lead_id)
        .options(
            so.joinedload(Lead.employer).selectinload(Employer.worksites),
            so.joinedload(Lead.owner).load_only(User.name),
            so.selectinload(seen_by(user, Lead.clients)),
            so.selectinload(Lead.changes).joinedload(LeadStatusChange.changed_by),
        )
    )


def leads_page(
    user: User, page: int, per_page: int, closed: bool = False, coach_id: int | None = None
) -> Pagination:
    """A page of the open leads: those waiting for their follow-up first, the most
    overdue first (the oldest is due soonest), then the rest, the one unchanged longest
    first (the lead to chase). With `closed`, the hired, not hired and closed ones,
    latest first."""
    leads = visible_leads(user)
    if user.sees_all_caseloads and coach_id:
        leads = leads.where(Lead.created_by_id == coach_id)
    query = leads.options(
        so.joinedload(Lead.employer).load_only(Employer.name),
        so.selectinload(seen_by(user, Lead.clients)).load_only(
            Client.first_name, Client.preferred_name, Client.last_name
        ),
    )
    if user.sees_all_caseloads:
        query = query.options(so.joinedload(Lead.owner).load_only(User.name))
    ended = [status for status in LEAD_STATUSES if status not in OPEN_LEAD_STATUSES]
    shown = ended if closed else list(OPEN_LEAD_STATUSES)
    if closed:
        query = query.where(Lead.status.in_(ended))
        query = query.order_by(Lead.status_changed_at.desc(), Lead.id.desc())
    else:
        # The page asks NOT IN, which no index serves, so the planner reads
        # ix_leads_open_order in order instead of searching the status index and sorting
        # every open lead it finds; the count asks IN, which the status index answers.
        query = query.where(Lead.status.not_in(ended))
        query = query.order_by(sa.text(WAITING_LAST.format(t="leads.")), Lead.status_changed_at)
        query = query.order_by(Lead.id)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=False)
    # Counted only as far as the pages need: counting 200,000 open leads of 1,000 coaches
    # took 16 ms of a 35 ms page.
    result.total = count_up_to(leads.where(Lead.status.in_(shown)), page, per_page)
    result.more_than = more_than(result.total, page, per_page)
    return result


def leads_at(user: User, employer: Employer) -> list[Lead]:
    """The leads at this employer that this user may see, latest first (employer page)."""
    query = visible_leads(user).where(Lead.employer_id == employer.id)
    return list(db.session.scalars(query.order_by(Lead.created_at.desc(), Lead.id.desc())))


def next_statuses(lead: Lead) -> list[str]:
    """Where the lead may go from here: any later step (a lead may skip some), or an end
    (not hired, closed) while it is open."""
    if not lead.is_open:
        return []
    later = LEAD_STEPS[LEAD_STEPS.index(lead.status) + 1 :]
    return [*later, *ENDINGS]


def employer_choices(user: User, keep_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the employers this user may pick for a lead."""
    query = visible_employers(user)
    if keep_id:
        query = sa.select(Employer).where(
            sa.or_(Employer.id.in_(query.with_only_columns(Employer.id)), Employer.id == keep_id)
        )
    rows = db.session.execute(
        query.with_only_columns(Employer.id, Employer.name).order_by(Employer.name, Employer.id)
    )
    return [(eid, name) for eid, name in rows]


def seeker_choices(user: User, keep_ids=()) -> list[tuple[int, str]]:
    """The active job seekers this user may suggest a lead to (the lead's own ones kept)."""
    query = visible_clients(user).where(
        sa.or_(Client.status != "closed", Client.id.in_(list(keep_ids)))
    )
    clients = db.session.scalars(query.order_by(Client.last_name, Client.first_name, Client.id))
    return [(c.id, c.display_name) for c in clients]


def chosen_seekers(user: User, ids: list[int], keep_ids=()) -> tuple[list[Client], str]:
    """The clients picked for a lead, and why they cannot be ("" when they can): each
    must be this user's to see, and active (a closed case is not looking for work),
    unless the lead already had them."""
    wanted = sorted(set(ids))
    if not wanted:
        return [], ""
    clients = list(db.session.scalars(visible_clients(user).where(Client.id.in_(wanted))))
    if len(clients) != len(wanted):
        return [], "Pick job seekers from the list."
    closed = [c for c in clients if c.status == "closed" and c.id not in keep_ids]
    if closed:
        names = ", ".join(c.display_name for c in closed)
        verb = "is" if len(closed) == 1 else "are"
        return [], f"{names} {verb} no longer active (case closed): leads are for active clients."
    return clients, ""


def create_lead(user: User, key: str, lead: Lead, clients: list[Client]) -> tuple[Lead, bool]:
    """Store the lead once per idempotency key, with its first status row: (lead,
    created). A repeat returns the first one, as it is."""
    lead.clients = clients
    # Made and last changed at the same moment: the list orders new leads by the latter.
    lead.status, lead.created_at = "new", utcnow()
    lead.status_changed_at = lead.created_at
    lead, created = create_once(lead, user.id, key)
    if created:
        db.session.add(
            LeadStatusChange(
                lead_id=lead.id,
                status="new",
                changed_at=lead.status_changed_at,
                local_date=agency_today(),
                changed_by_id=user.id,
            )
        )
        record_event("create", "lead", lead.id, f"{lead.position} at employer {lead.employer_id}")
    return lead, created


def move_lead(user: User, lead: Lead, status: str, note: str = "") -> bool:
    """Move the lead to `status`, dated and audited; not committed. False when the lead
    is no longer where this request read it (a second tap, or someone else moved it):
    the UPDATE only matches the status that was read, so two taps racing move it once."""
    if status not in next_statuses(lead):
        return False
    now = utcnow()
    moved = db.session.execute(
        sa.update(Lead)
        .where(Lead.id == lead.id, Lead.status == lead.status)
        .values(status=status, status_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    before = lead.status
    set_committed_value(lead, "status", status)
    set_committed_value(lead, "status_changed_at", now)
    db.session.add(
        LeadStatusChange(
            lead_id=lead.id,
            status=status,
            changed_at=now,
            local_date=agency_today(),
            changed_by_id=user.id,
            note=note,
        )
    )
    record_event("update", "lead", lead.id, f"status: {before!r} → {status!r}")
    if status in APPLICATION_RESULT or status == "not_hired":
        _carry_to_applications(lead, status)
    return True


def _carry_to_applications(lead: Lead, status: str) -> None:
    """The applications this lead put in a search log follow it (still pending ones and
    those further back only; a hire is carried by the hire itself)."""
    result = APPLICATION_RESULT.get(status, "not_hired")
    if status == "hired":
        return
    db.session.execute(
        sa.update(JobApplication)
        .where(JobApplication.lead_id == lead.id, JobApplication.result != "hired")
        .values(result=result)
        .execution_options(synchronize_session=False)
    )


def seeker_needed(lead: Lead, status: str) -> bool:
    """Whether moving to `status` must ask which job seeker: it adds a log entry, and the
    lead has several."""
    return status in LOGGED and len(lead.clients) > 1


def log_for_status(user: User, lead: Lead, status: str, client: Client | None) -> str:
    """Add the search-log entry a move to applied or interview means, for `client` (the
    lead's only job seeker when None); the name it went to, or ""."""
    if status not in LOGGED:
        return ""
    if client is None and len(lead.clients) == 1:
        client = lead.clients[0]
    if client is None:
        return ""
    searchlog.entry_from_lead(user, lead, client, LOGGED[status])
    return client.display_name


def new_worksite(employer: Employer, address: str) -> Worksite:
    """A worksite at a new address of the employer, named by its address; not committed."""
    site = Worksite(employer_id=employer.id, name=address[:160], address=address)
    db.session.add(site)
    db.session.flush()
    record_event("create", "worksite", site.id, f"{employer.name}: {site.name}")
    return site


def hire(user: User, lead: Lead, client: Client, placement: Placement, address: str) -> bool:
    """Mark the lead hired and make the job, in one transaction: the placement (at a new
    worksite when an address is given), the client's status "employed", the dated and
    audited status change. False, with nothing written, when the lead was already
    moved (a second tap of the same form)."""
    if not move_lead(user, lead, "hired", note=f"{client.display_name} hired"):
        db.session.rollback()
        return False
    if address:
        placement.worksite_id = new_worksite(lead.employer, address).id
    add_placement(client, placement)
    set_client_status(client, "employed")
    db.session.execute(
        sa.update(JobApplication)
        .where(JobApplication.lead_id == lead.id, JobApplication.client_id == client.id)
        .values(result="hired")
        .execution_options(synchronize_session=False)
    )
    record_event("hire", "lead", lead.id, f"client {client.id}: placement {placement.id}")
    db.session.commit()
    return True


def status_choices() -> list[tuple[str, str]]:
    return list(LEAD_STATUSES.items())
