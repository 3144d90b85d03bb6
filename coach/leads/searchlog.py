"""The job seeker's search log: the applications and interviews of a client, who may see
them (whoever may see the client), the latest for the client page, a month for the VR
counsellor, and the entries a lead adds as it moves."""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.agency import agency_today
from coach.audit.services import record_event
from coach.clients.services import may_see_client
from coach.employers.services import visible_employers
from coach.extensions import db
from coach.models import (
    APPLICATION_RESULTS,
    INTERVIEW_COMPANY,
    Client,
    Employer,
    JobApplication,
    JobInterview,
    Lead,
    User,
)
from coach.records import create_once, get_or_404

LATEST = 5  # entries on the client page


def visible_applications(user: User) -> sa.Select:
    """Applications of the clients this user may see: every query of them starts here."""
    return sa.select(JobApplication).join(JobApplication.client).where(may_see_client(user))


def visible_interviews(user: User) -> sa.Select:
    """Interviews of the clients this user may see: every query of them starts here."""
    return sa.select(JobInterview).join(JobInterview.client).where(may_see_client(user))


def get_application_for(user: User, application_id: int) -> JobApplication:
    """An application with its client, if this user may see the client; 404 otherwise."""
    return get_or_404(
        visible_applications(user)
        .where(JobApplication.id == application_id)
        .options(so.contains_eager(JobApplication.client))
    )


def get_interview_for(user: User, interview_id: int) -> JobInterview:
    """An interview with its client, if this user may see the client; 404 otherwise."""
    return get_or_404(
        visible_interviews(user)
        .where(JobInterview.id == interview_id)
        .options(so.contains_eager(JobInterview.client))
    )


class LogLine(NamedTuple):
    """One entry of the log, as the client page lists it."""

    kind: str  # "application" or "interview"
    id: int
    day: date
    employer_name: str
    position: str
    label: str  # the application's result, or who went to the interview


def latest_entries(client: Client, limit: int = LATEST) -> list[LogLine]:
    """The client's latest applications and interviews, newest first, in one statement
    (the client was read through the caller's scope)."""
    applications = sa.select(
        sa.literal_column("'application'").label("kind"),
        JobApplication.id,
        JobApplication.applied_on,
        JobApplication.employer_name,
        JobApplication.position,
        JobApplication.result,
    ).where(JobApplication.client_id == client.id)
    interviews = sa.select(
        sa.literal_column("'interview'"),
        JobInterview.id,
        JobInterview.interview_on,
        JobInterview.employer_name,
        JobInterview.position,
        JobInterview.went_with,
    ).where(JobInterview.client_id == client.id)
    both = sa.union_all(applications, interviews).subquery()
    kind, entry_id, day = both.c.kind, both.c.id, both.c.applied_on
    rows = db.session.execute(
        sa.select(both).order_by(day.desc(), kind.desc(), entry_id.desc()).limit(limit)
    )
    return [
        LogLine(
            kind,
            entry_id,
            day,
            employer,
            position,
            (APPLICATION_RESULTS if kind == "application" else INTERVIEW_COMPANY).get(
                detail, detail
            ),
        )
        for kind, entry_id, day, employer, position, detail in rows
    ]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)


def month_of_log(client: Client, year: int, month: int) -> dict:
    """A month of the client's log, oldest first, as a VR counsellor reads it."""
    start, end = month_bounds(year, month)
    applications = (
        sa.select(JobApplication)
        .where(
            JobApplication.client_id == client.id,
            JobApplication.applied_on >= start,
            JobApplication.applied_on < end,
        )
        .order_by(JobApplication.applied_on, JobApplication.id)
    )
    interviews = (
        sa.select(JobInterview)
        .where(
            JobInterview.client_id == client.id,
            JobInterview.interview_on >= start,
            JobInterview.interview_on < end,
        )
        .order_by(JobInterview.interview_on, JobInterview.interview_time, JobInterview.id)
    )
    return {
        "applications": list(db.session.scalars(applications)),
        "interviews": list(db.session.scalars(interviews)),
    }


def employer_names(user: User) -> list[str]:
    """Names of the employers this user may see, to pick from as they type."""
    query = visible_employers(user).with_only_columns(Employer.name).order_by(Employer.name)
    return list(db.session.scalars(query.distinct()))


def link_employer(user: User, entry) -> None:
    """Link the entry to the directory's employer of the typed name, if there is one."""
    query = visible_employers(user).where(
        sa.func.lower(Employer.name) == entry.employer_name.lower()
    )
    entry.employer_id = db.session.scalar(
        query.with_only_columns(Employer.id).order_by(Employer.id).limit(1)
    )


def create_entry(user: User, key: str, entry, client: Client) -> tuple[object, bool]:
    """Store an application or interview once per idempotency key: (entry, created)."""
    entry.client_id = client.id
    link_employer(user, entry)
    entry, created = create_once(entry, user.id, key)
    if created:
        kind = "job_application" if isinstance(entry, JobApplication) else "job_interview"
        record_event("create", kind, entry.id, f"client {client.id}: {entry.position}")
    return entry, created


def entry_from_lead(user: User, lead: Lead, client: Client, kind: str):
    """The application or interview a lead's move means, dated today; the same lead,
    client and kind make it once (the key says which), however often it is asked."""
    fields = dict(
        employer_name=lead.employer.name,
        employer_id=lead.employer_id,
        position=lead.position,
        lead_id=lead.id,
    )
    today = agency_today()
    if kind == "application":
        entry = JobApplication(applied_on=today, method="coach", result="pending", **fields)
    else:
        entry = JobInterview(interview_on=today, went_with="coach", **fields)
    entry.client_id = client.id
    entry, created = create_once(entry, user.id, f"lead-{lead.id}-{kind}-{client.id}")
    if created:
        record_event("create", f"job_{kind}", entry.id, f"client {client.id}: from lead {lead.id}")
    return entry
