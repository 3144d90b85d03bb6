"""The rules of the Today page, each in one place: a plain function that returns, as a
SQL select with `due_columns()`, the items due for the clients `clients` selects (written
as rows by coach/today/kept.py). How a later area adds one is in docs/features.md
("Today")."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for

from coach.billing.services import WARN_DAYS, WARN_SHARE, used_units
from coach.leads.follow_up import FOLLOW_UP_AFTER
from coach.models import (
    REPLY_KINDS,
    WITH_CLIENT_KINDS,
    AccommodationRequest,
    Authorization,
    CareerProfile,
    Client,
    ClientContact,
    EmploymentPlan,
    Lead,
    Placement,
    PlacementEvent,
    PlanAction,
    SupportPlan,
    Visit,
)
from coach.models.leads import lead_clients
from coach.today.due import (
    When,
    due_columns,
    earlier_of,
    later_of,
    local_midnight,
    plus_minutes,
    rule,
)

REPLY_HOURS = 24
EMPLOYER_HOURS = 24
# Visits that are a meeting with the client (a phone or video visit is not).
MEETING_VISITS = ("on_site", "office")
# An item left open this long has become a case for outreach: it leaves its rule.
LOOKBACK_DAYS = 60
LOOKBACK_MINUTES = LOOKBACK_DAYS * 24 * 60


def of_clients(clients: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The clients `clients` selects, while their case is open."""
    return sa.and_(clients, Client.status != "closed")


@rule(
    "accommodation_check",
    "Accommodation check",
    link=lambda item: url_for("accommodations.view_request", request_id=item.source_id),
)
def accommodation_checks(clients, when: When) -> sa.Select:
    """An accommodation put in place gets an effectiveness check by its follow-up date
    (to the end of that local day); recording the check clears it."""
    request = AccommodationRequest
    return (
        due_columns(
            "accommodation_check",
            Client.id,
            Client.coach_id,
            local_midnight(request.follow_up_due, when, days_after=1),
            sa.literal("Check the accommodation works"),
            request.id,
        )
        .join(Client, Client.id == request.client_id)
        .where(of_clients(clients), request.follow_up_due.is_not(None))
        .where(request.follow_up_done_on.is_(None))
    )


@rule(
    "reply",
    "Reply",
    link=lambda item: url_for(
        "contacts.new_contact", client=item.client_id, direction="out", back="today"
    ),
)
def replies(clients, when: When) -> sa.Select:
    """A call or message from the client gets a reply within 24 hours. A later outbound
    contact with that client, or a visit with them, clears it (a visit with another
    client does not)."""
    received, answer = ClientContact, so.aliased(ClientContact)
    answered = (
        sa.select(answer.id)
        .where(answer.client_id == received.client_id, answer.direction == "out", answer.reached)
        .where(answer.happened_at >= received.happened_at)
    )
    seen = (
        sa.select(Visit.id)
        .where(
            Visit.client_id == received.client_id,
            Visit.deleted_at.is_(None),
            Visit.ended_at.is_not(None),
        )
        .where(Visit.started_at >= received.happened_at)
    )
    todo = sa.case(
        (received.kind == "call", "Call back"),
        (received.kind == "text", "Answer their text"),
        else_="Answer their email",
    )
    return (
        due_columns(
            "reply",
            Client.id,
            Client.coach_id,
            plus_minutes(received.happened_at, REPLY_HOURS * 60),
            todo,
            received.id,
            closes_at=plus_minutes(received.happened_at, LOOKBACK_MINUTES),
        )
        .join(Client, Client.id == received.client_id)
        .where(of_clients(clients), received.direction == "in", received.kind.in_(REPLY_KINDS))
        .where(~answered.exists(), ~seen.exists())
    )


@rule(
    "see_employer",
    "See the employer",
    link=lambda item: url_for(
        "contacts.new_contact", client=item.client_id, direction="out", employer="1", back="today"
    ),
)
def employer_after_job_events(clients, when: When) -> sa.Select:
    """After a job problem or a job loss, seeing the employer is due within 24 hours. A
    visit with the client at that job, or a contact marked "with the employer", after
    it clears it (a visit with the client elsewhere, or a plain call, does not)."""
    event = PlacementEvent
    visited = (
        sa.select(Visit.id)
        .where(Visit.client_id == event.client_id, Visit.placement_id == event.placement_id)
        .where(
            Visit.deleted_at.is_(None),
            Visit.ended_at.is_not(None),
            Visit.started_at >= event.happened_at,
        )
    )
    spoke = (
        sa.select(ClientContact.id)
        .where(ClientContact.client_id == event.client_id, ClientContact.with_employer)
        .where(ClientContact.reached)
        .where(ClientContact.happened_at >= event.happened_at)
    )
    todo = sa.case(
        (event.kind == "loss", "See the employer about the job loss"),
        else_="See the employer about the job problem",
    )
    return (
        due_columns(
            "see_employer",
            Client.id,
            Client.coach_id,
            plus_minutes(event.happened_at, EMPLOYER_HOURS * 60),
            todo,
            event.id,
            closes_at=plus_minutes(event.happened_at, LOOKBACK_MINUTES),
        )
        .join(Client, Client.id == event.client_id)
        .where(of_clients(clients))
        .where(~visited.exists(), ~spoke.exists())
    )


# --- a job start: meet the client in the week before it, and within 3 days after -----


def met_in_person_since(client_id, since) -> sa.ColumnElement[bool]:
    """A meeting with the client at or after `since`: a visit on site or in the office,
    or a contact in person."""
    visit = (
        sa.select(Visit.id)
        .where(
            Visit.client_id == client_id, Visit.deleted_at.is_(None), Visit.ended_at.is_not(None)
        )
        .where(Visit.contact_type.in_(MEETING_VISITS), Visit.started_at >= since)
    )
    talk = (
        sa.select(ClientContact.id)
        .where(ClientContact.client_id == client_id, ClientContact.kind == "in_person")
        .where(ClientContact.reached)
        .where(ClientContact.happened_at >= since)
    )
    return sa.or_(visit.exists(), talk.exists())


def job_start_meetings(clients, when, kind: str, todo: str, opens: int, due: int) -> sa.Select:
    """Jobs whose meeting is not held yet: the meeting counts from the local day `opens`
    days after the start (negative: before) and is due at the start of the local day
    `due` days after it. Jobs recorded after that are not asked for it, nor jobs ended
    before they started or before the meeting's last day (a job lost on its first day
    asks to see the employer, not to meet about the new job); the item leaves Today 60
    days after the start."""
    job = Placement
    due_at = local_midnight(job.start_date, when, days_after=due)
    closes_at = local_midnight(job.start_date, when, days_after=LOOKBACK_DAYS + 1)
    held_to_the_end = sa.and_(
        job.end_date >= job.start_date,
        local_midnight(job.end_date, when, days_after=1) >= due_at,
    )
    return (
        due_columns(
            kind, Client.id, Client.coach_id, due_at, sa.literal(todo), job.id, closes_at=closes_at
        )
        .join(Client, Client.id == job.client_id)
        .where(of_clients(clients), job.created_at < due_at)
        .where(sa.or_(job.end_date.is_(None), held_to_the_end))
        .where(~met_in_person_since(job.client_id, local_midnight(job.start_date, when, opens)))
    )


def _client_page(item) -> str:
    return url_for("clients.view_client", client_id=item.client_id)


@rule("meet_before_start", "Job starts soon", link=_client_page)
def meetings_before_starts(clients, when: When) -> sa.Select:
    """A meeting with the client in the week before their job starts, due by the start
    day; a visit or an in-person contact from 7 days before the start clears it."""
    todo = "Meet before the job starts"
    return job_start_meetings(clients, when, "meet_before_start", todo, opens=-7, due=0)


@rule("meet_after_start", "New job", link=_client_page)
def meetings_after_starts(clients, when: When) -> sa.Select:
    """A meeting within 3 days after the start, due by the end of the third day; a visit
    or an in-person contact from the start day on clears it."""
    todo = "Meet in the first 3 days of the job"
    return job_start_meetings(clients, when, "meet_after_start", todo, opens=0, due=4)


# --- follow-along, outreach, team review ----------------------------------------------

OUTREACH_DAYS = 30  # no contact this long: outreach is due
TEAM_REVIEW_ATTEMPTS = 3  # outreach attempts with no answer before the team reviews


def last_contact(client_id) -> sa.ColumnElement:
    """When the client was last seen or reached: their latest (ended) visit, or their latest
    answered call, text, email, letter or meeting (NULL: never). Correlated to the client
    however deep it sits (inside the team-review rule's count, the enclosing select has no
    client of its own, and an uncorrelated max would be every client's)."""
    visit = (
        sa.select(sa.func.max(Visit.started_at))
        .where(
            Visit.client_id == client_id, Visit.deleted_at.is_(None), Visit.ended_at.is_not(None)
        )
        .correlate_except(Visit)
        .scalar_subquery()
    )
    talk = (
        sa.select(sa.func.max(ClientContact.happened_at))
        .where(ClientContact.client_id == client_id, ClientContact.reached)
        .where(ClientContact.kind.in_(WITH_CLIENT_KINDS))
        .correlate_except(ClientContact)
        .scalar_subquery()
    )
    return later_of(visit, talk)


def jobs_followed(clients, when: When) -> sa.Subquery:
    """Each job that did not end before it started, with the local midnights that open
    and close its follow-along: its start, and the end of its last day or the start of
    the client's next job, whichever comes first (one job followed at a time: the
    newest)."""
    job, later = Placement, so.aliased(Placement)
    kept = sa.or_(job.end_date.is_(None), job.end_date >= job.start_date)
    next_start = (
        sa.select(sa.func.min(later.start_date))
        .where(later.client_id == job.client_id, later.id != job.id)
        .where(
            sa.or_(
                later.start_date > job.start_date,
                sa.and_(later.start_date == job.start_date, later.id > job.id),
            )
        )
        .where(sa.or_(later.end_date.is_(None), later.end_date >= later.start_date))
        .scalar_subquery()
    )
    return (
        sa.select(
            job.id,
            job.client_id,
            local_midnight(job.start_date, when).label("started"),
            earlier_of(
                local_midnight(job.end_date, when, days_after=1), local_midnight(next_start, when)
            ).label("ends"),
            local_midnight(job.start_date, when, days_after=7 * when.weekly_weeks).label(
                "weekly_until"
            ),
        )
        .where(kept, job.client_id.in_(sa.select(Client.id).where(clients)))
        .subquery("jobs_followed")
    )


@rule("follow_along", "Follow-along", link=_client_page)
def follow_along(clients, when: When) -> tuple[sa.Select, ...]:
    """A client in a job gets a contact at the agency's rhythm: every week for the first
    weeks after the start, then every so many days; or at the client's own rhythm when
    their coach set one. The rhythm runs from the later of the last contact and the
    start. A gap of 30 days or more is the outreach rule's. Each phase is an item showing
    in its own time: the client's own rhythm for the whole job, or the weekly phase and
    then the later one."""
    jobs = jobs_followed(clients, when)
    since = later_of(last_contact(Client.id), jobs.c.started)
    todo = sa.literal("Check in with the client")
    own = Client.contact_every_days

    def phase(every, opens_at, closes_at, *where) -> sa.Select:
        due_at = plus_minutes(since, every * 24 * 60)
        columns = (Client.id, Client.coach_id, due_at, todo, jobs.c.id, opens_at, closes_at)
        return (
            due_columns("follow_along", *columns)
            .join(jobs, jobs.c.client_id == Client.id)
            .where(of_clients(clients), *where)
        )

    own_rhythm = phase(own, jobs.c.started, jobs.c.ends, own.is_not(None), own < OUTREACH_DAYS)
    weekly_end = earlier_of(jobs.c.ends, jobs.c.weekly_until)
    weekly = phase(7, jobs.c.started, weekly_end, own.is_(None))
    if when.later_days >= OUTREACH_DAYS:
        return own_rhythm, weekly
    return (
        own_rhythm,
        weekly,
        phase(when.later_days, jobs.c.weekly_until, jobs.c.ends, own.is_(None)),
    )


@rule(
    "outreach",
    "Outreach",
    link=lambda item: url_for(
        "contacts.new_contact", client=item.client_id, direction="out", back="today"
    ),
)
def outreach(clients, when: When) -> sa.Select:
    """No contact in 30 days (since the client was added, if never): outreach is due.
    Any answered contact or visit clears it; an attempt nobody answered does not."""
    since = sa.func.coalesce(last_contact(Client.id), Client.created_at)
    return due_columns(
        "outreach",
        Client.id,
        Client.coach_id,
        plus_minutes(since, OUTREACH_DAYS * 24 * 60),
        sa.literal("No contact in 30 days: reach out"),
        Client.id,
    ).where(of_clients(clients))


def unanswered_attempts(client_id) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    """(how many, the latest) outreach attempts nobody answered since the client was
    last seen or reached."""
    attempt = so.aliased(ClientContact)
    since = sa.func.coalesce(last_contact(client_id), sa.literal(datetime(1900, 1, 1)))
    unanswered = (
        attempt.client_id == client_id,
        attempt.direction == "out",
        ~attempt.reached,
        attempt.happened_at > since,
    )
    count = sa.select(sa.func.count(attempt.id)).where(*unanswered).scalar_subquery()
    latest = sa.select(sa.func.max(attempt.happened_at)).where(*unanswered).scalar_subquery()
    return count, latest


@rule("team_review", "Team review", link=_client_page)
def team_reviews(clients, when: When) -> sa.Select:
    """Three outreach attempts with no answer: the client is flagged for the team's
    review, due at once. An answered contact or a visit clears it."""
    count, latest = unanswered_attempts(Client.id)
    return due_columns(
        "team_review",
        Client.id,
        Client.coach_id,
        latest,
        sa.literal("3 outreach attempts, no answer: bring to the team meeting"),
        Client.id,
    ).where(of_clients(clients), count >= TEAM_REVIEW_ATTEMPTS)


@rule("lead", "Job lead", link=lambda item: url_for("leads.view_lead", lead_id=item.source_id))
def lead_follow_ups(clients, when: When) -> sa.Select:
    """A new job lead is followed up within 48 hours (coach/leads/follow_up.py): any
    change of its status clears it. It shows once, under its first job seeker whose case
    is open, one on the lead owner's caseload first (the owner sees it on Today while the
    lead names one of their clients, though the first named moved to another coach or
    was closed); its coach is the one who owns the lead."""
    seeker, other = lead_clients, lead_clients.alias("other_seeker")
    other_client = so.aliased(Client)

    def first_seeker(*rule) -> sa.ScalarSelect:
        return (
            sa.select(sa.func.min(other.c.client_id))
            .join(other_client, other_client.id == other.c.client_id)
            .where(other.c.lead_id == Lead.id, other_client.status != "closed", *rule)
            .scalar_subquery()
        )

    owners_first = sa.func.coalesce(
        first_seeker(other_client.coach_id == Lead.created_by_id), first_seeker()
    )
    return (
        due_columns(
            "lead",
            Client.id,
            Lead.created_by_id,
            plus_minutes(Lead.created_at, int(FOLLOW_UP_AFTER.total_seconds()) // 60),
            sa.literal("Follow up the lead"),
            Lead.id,
            closes_at=plus_minutes(Lead.created_at, LOOKBACK_MINUTES),
        )
        .select_from(Lead)
        .join(seeker, seeker.c.lead_id == Lead.id)
        .join(Client, Client.id == seeker.c.client_id)
        .where(of_clients(clients), Lead.status == "new")
        .where(seeker.c.client_id == owners_first)
    )


def newest_plan(plan) -> sa.ColumnElement[bool]:
    """The plan is its client's newest: an older plan's review and steps are over."""
    newer = so.aliased(EmploymentPlan)
    return (
        ~sa.select(newer.id).where(newer.client_id == plan.client_id, newer.id > plan.id).exists()
    )


@rule(
    "plan_review",
    "Plan review",
    link=lambda item: url_for("plans.view_plan", plan_id=item.source_id),
)
def plan_reviews(clients, when: When) -> sa.Select:
    """The client's newest employment plan is reviewed by its review date (to the end of
    that local day); setting the next review date clears it."""
    plan = EmploymentPlan
    return (
        due_columns(
            "plan_review",
            Client.id,
            Client.coach_id,
            local_midnight(plan.review_date, when, days_after=1),
            sa.literal("Review the employment plan"),
            plan.id,
        )
        .join(Client, Client.id == plan.client_id)
        .where(of_clients(clients), newest_plan(plan))
    )


@rule(
    "plan_step",
    "Plan step",
    link=lambda item: url_for("plans.edit_action", action_id=item.source_id),
)
def plan_steps(clients, when: When) -> sa.Select:
    """An action step of the client's newest plan is done by its due date (to the end of
    that local day); noting the day it was done clears it."""
    action, plan = PlanAction, EmploymentPlan
    return (
        due_columns(
            "plan_step",
            Client.id,
            Client.coach_id,
            local_midnight(action.due_date, when, days_after=1),
            sa.func.substr(action.text, 1, 100),  # shown after the kind: "Plan step: …"
            action.id,
        )
        .join(Client, Client.id == action.client_id)
        .join(plan, plan.id == action.plan_id)
        .where(of_clients(clients), action.done_on.is_(None), newest_plan(plan))
    )


@rule(
    "earnings_report",
    "Earnings report",
    link=lambda item: url_for("profile.view_profile", client_id=item.client_id) + "#benefits",
)
def earnings_reports(clients, when: When) -> sa.Select:
    """A person who reports their earnings every month gets the coach's help with it by
    the end of the day the next report is due (their career profile says when);
    "Helped with this month's report" on the profile moves the date a month on."""
    profile = CareerProfile
    return (
        due_columns(
            "earnings_report",
            Client.id,
            Client.coach_id,
            local_midnight(profile.earnings_report_due, when, days_after=1),
            sa.literal("Help report this month's earnings"),
            profile.id,
        )
        .join(Client, Client.id == profile.client_id)
        .where(of_clients(clients), profile.reports_earnings_monthly)
        .where(profile.earnings_report_due.is_not(None))
    )


# --- authorizations (coach/billing): nearly used, or ending ----------------------------


def _authorizations(item) -> str:
    return url_for("clients.view_client", client_id=item.client_id) + "#authorizations"


@rule("authorization_used", "Authorization nearly used", link=_authorizations)
def authorizations_nearly_used(clients, when: When) -> sa.Select:
    """80 % of an authorization's units used (billable visits counted against it): ask
    the funder for more, until it ends; raising its units below the mark clears it. Due
    from the start of the latest visit counted against it, the one that found it nearly
    used (from the authorization's first day, a grant used up in its third month showed
    as 90 days late)."""
    grant = Authorization
    latest_visit = (
        sa.select(sa.func.max(Visit.started_at))
        .where(Visit.authorization_id == grant.id, Visit.billable, Visit.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (
        due_columns(
            "authorization_used",
            Client.id,
            Client.coach_id,
            sa.func.coalesce(latest_visit, local_midnight(grant.start_date, when)),
            sa.type_coerce(grant.number, sa.String)
            + sa.literal(" is 80% used: ask for more units"),
            grant.id,
            closes_at=local_midnight(grant.end_date, when, days_after=1),
        )
        .join(Client, Client.id == grant.client_id)
        .where(of_clients(clients), used_units(grant.id) * 100 >= grant.units * WARN_SHARE)
    )


@rule("authorization_ends", "Authorization ends", link=_authorizations)
def authorizations_ending(clients, when: When) -> sa.Select:
    """30 days before an authorization's last day, ask the funder for a renewal: the item
    shows (and is due) from then until the authorization ends. A later authorization of
    the same service (the renewal) clears it."""
    grant, later = Authorization, so.aliased(Authorization)
    renewed = (
        sa.select(later.id)
        .where(later.client_id == grant.client_id, later.service_type_id == grant.service_type_id)
        .where(later.end_date > grant.end_date)
    )
    due_at = local_midnight(grant.end_date, when, days_after=-WARN_DAYS)
    return (
        due_columns(
            "authorization_ends",
            Client.id,
            Client.coach_id,
            due_at,
            sa.type_coerce(grant.number, sa.String) + sa.literal(": ask the funder to renew it"),
            grant.id,
            opens_at=due_at,
            closes_at=local_midnight(grant.end_date, when, days_after=1),
        )
        .join(Client, Client.id == grant.client_id)
        .where(of_clients(clients), ~renewed.exists())
    )


# --- visit notes a supervisor returned (coach/notereview) ------------------------------


@rule(
    "note_returned",
    "Note returned",
    link=lambda item: url_for("visits.view_visit", visit_id=item.source_id),
)
def notes_returned(clients, when: When) -> sa.Select:
    """A visit note a supervisor returned is fixed at once, with their comment beside it
    on the visit page: amending the note (it then waits for review again) clears it."""
    return (
        due_columns(
            "note_returned",
            Client.id,
            Client.coach_id,
            Visit.reviewed_at,
            sa.literal("Fix the visit note: ", sa.String)
            + sa.func.substr(Visit.review_comment, 1, 90),
            Visit.id,
        )
        .join(Client, Client.id == Visit.client_id)
        .where(of_clients(clients), Visit.review_status == "returned", Visit.deleted_at.is_(None))
    )


@rule(
    "handoff",
    "Handoff",
    link=lambda item: url_for("support.handoff", support_id=item.source_id),
)
def handoffs(clients, when: When) -> sa.Select:
    """A job-support plan's planned handoff to natural supports shows on its date, due by
    the end of that day; recording the handoff (a date on or before today) clears it."""
    plan = SupportPlan
    return (
        due_columns(
            "handoff",
            Client.id,
            Client.coach_id,
            local_midnight(plan.handoff_date, when, days_after=1),
            sa.literal("Hand off to natural supports"),
            plan.id,
            opens_at=local_midnight(plan.handoff_date, when),
        )
        .join(Client, Client.id == plan.client_id)
        .where(of_clients(clients), plan.handoff_date.is_not(None), ~plan.handed_off)
    )
