"""Plain functions that make records for tests."""

import itertools
import secrets
from datetime import date

from coach.auth.services import create_user
from coach.extensions import db
from coach.models import (
    AccommodationRequest,
    AgencySettings,
    ChecklistRun,
    Client,
    Employer,
    Placement,
    StepScore,
    TaskAnalysis,
    TaskStep,
    TaskTemplate,
    UserSession,
    Visit,
    Worksite,
)

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def ensure_agency(**fields) -> AgencySettings:
    agency = db.session.get(AgencySettings, 1)
    if agency is None:
        agency = AgencySettings(id=1, name="Test Agency", setup_complete=True)
        db.session.add(agency)
    for key, value in fields.items():
        setattr(agency, key, value)
    db.session.commit()
    return agency


def make_user(role="coach", email=None, name=None, password=PASSWORD, **extra):
    ensure_agency()
    n = next(_seq)
    user = create_user(
        email or f"{role}{n}@example.org", name or f"{role.title()} {n}", role, password, **extra
    )
    db.session.commit()
    return user


def make_session(user) -> UserSession:
    """A session row as a login on another device would leave."""
    row = UserSession(
        user_id=user.id, key_hash=secrets.token_hex(32), user_agent="Mozilla/5.0 (Android 14)"
    )
    db.session.add(row)
    db.session.commit()
    return row


def make_client(coach, first="Ada", last=None, **fields) -> Client:
    client = Client(
        first_name=first, last_name=last or f"Lovelace{next(_seq)}", coach_id=coach.id, **fields
    )
    db.session.add(client)
    db.session.commit()
    return client


def make_employer(name="Green Valley Grocery", created_by=None, **fields) -> Employer:
    employer = Employer(name=name, created_by_id=created_by.id if created_by else None, **fields)
    db.session.add(employer)
    db.session.commit()
    return employer


def make_worksite(employer, name="Main store", **fields) -> Worksite:
    site = Worksite(employer_id=employer.id, name=name, **fields)
    db.session.add(site)
    db.session.commit()
    return site


def make_placement(client, worksite, title="Stocker", **fields) -> Placement:
    fields.setdefault("start_date", date(2026, 1, 5))
    placement = Placement(client_id=client.id, worksite_id=worksite.id, job_title=title, **fields)
    db.session.add(placement)
    db.session.commit()
    return placement


def make_visit(client, coach, minutes=30, started_at=None, **fields) -> Visit:
    """An ended visit (pass minutes=None for one under way)."""
    from datetime import datetime, timedelta

    from coach.visits.services import service_units

    started_at = started_at or datetime(2026, 11, 2, 14, 0)
    visit = Visit(
        client_id=client.id,
        coach_id=client.coach_id,
        created_by_id=coach.id,
        idempotency_key=f"key-{next(_seq)}-factory",
        started_at=started_at,
        **fields,
    )
    if minutes is not None:
        visit.ended_at = started_at + timedelta(minutes=minutes)
        visit.duration_minutes = minutes
        visit.service_units = service_units(minutes)
    db.session.add(visit)
    db.session.commit()
    return visit


def make_task(client, coach, steps=("Step one", "Step two"), title="Roll silverware", **fields):
    task = TaskAnalysis(client_id=client.id, created_by_id=coach.id, title=title, **fields)
    db.session.add(task)
    db.session.flush()
    for n, text in enumerate(steps, start=1):
        db.session.add(TaskStep(task_id=task.id, position=n, text=text))
    db.session.commit()
    return db.session.scalar(
        db.select(TaskAnalysis)
        .where(TaskAnalysis.id == task.id)
        .options(db.selectinload(TaskAnalysis.steps))
        .execution_options(populate_existing=True)
    )


def make_run(task, coach, levels: dict, started_at=None, visit=None):
    """A checklist run with {step id: level} scores."""
    from datetime import datetime

    run = ChecklistRun(
        task_id=task.id,
        client_id=task.client_id,
        coach_id=coach.id,
        created_by_id=coach.id,
        idempotency_key=f"run-{next(_seq)}-factory",
        started_at=started_at or datetime(2026, 11, 2),
        visit_id=visit.id if visit else None,
    )
    db.session.add(run)
    db.session.flush()
    db.session.add_all(StepScore(run_id=run.id, step_id=s, level=lv) for s, lv in levels.items())
    db.session.commit()
    return run


def make_template(title="Roll silverware", steps="Lay napkin\nPlace fork\nRoll tight"):
    template = TaskTemplate(title=title, steps_text=steps)
    db.session.add(template)
    db.session.commit()
    return template


def make_request(client, coach, **fields) -> AccommodationRequest:
    fields.setdefault("functional_limitation", "Cannot stand for more than an hour")
    fields.setdefault("diagnosis", "Rheumatoid arthritis")
    fields.setdefault("job_function", "Running the register")
    fields.setdefault("accommodation", "A stool at the register for shifts over 4 hours")
    item = AccommodationRequest(client_id=client.id, created_by_id=coach.id, **fields)
    db.session.add(item)
    db.session.commit()
    return item


def make_signature(item, coach, decision="approved"):
    """A link and its signature for a request, made directly (as if signed)."""
    from datetime import datetime, timedelta

    from coach.models import Signature, SignoffLink
    from coach.signing import CONSENT_TEXT, sha256_hex

    text = "REQUEST FOR A REASONABLE ACCOMMODATION\n"
    link = SignoffLink(
        request_id=item.id,
        token_hash=sha256_hex(f"token-{next(_seq)}"),
        document_version=1,
        document_text=text,
        document_sha256=sha256_hex(text),
        created_by_id=coach.id,
        expires_at=datetime(2030, 1, 1),
        used_at=datetime(2026, 11, 2),
    )
    db.session.add(link)
    db.session.flush()
    signature = Signature(
        request_id=item.id,
        link_id=link.id,
        document_version=1,
        document_text=text,
        document_sha256=sha256_hex(text),
        decision=decision,
        signer_name="Dana Brooks",
        signer_title="Store Manager",
        consent_text=CONSENT_TEXT,
        consented=True,
        signed_at=datetime(2026, 11, 2) + timedelta(hours=15),
    )
    db.session.add(signature)
    db.session.commit()
    return signature


def make_trip(coach, miles_tenths=125, trip_date=None, status="draft", **fields):
    from datetime import date

    from coach.mileage.services import price
    from coach.models import Trip

    trip = Trip(
        coach_id=coach.id,
        created_by_id=coach.id,
        idempotency_key=f"trip-{next(_seq)}-factory",
        trip_date=trip_date or date(2026, 11, 2),
        purpose=fields.pop("purpose", "Drove a client"),
        origin=fields.pop("origin", "Office"),
        destination=fields.pop("destination", "Store"),
        miles_tenths=miles_tenths,
        status=status,
        **fields,
    )
    price(trip)
    db.session.add(trip)
    db.session.commit()
    return trip


def make_contact(coach, employer, contact_date=None, method="in_person", clients=(), **fields):
    """An employer contact logged by `coach` (job development)."""
    from coach.agency import agency_today
    from coach.models import EmployerContact

    contact = EmployerContact(
        employer_id=employer.id,
        created_by_id=coach.id,
        contact_date=contact_date or agency_today(),
        method=method,
        idempotency_key=secrets.token_hex(8),
        **fields,
    )
    contact.clients = list(clients)
    db.session.add(contact)
    db.session.commit()
    return contact


def make_person(employer, creator, name="Dana Brooks", **fields):
    """One of an employer's contact people."""
    from coach.models import EmployerPerson

    person = EmployerPerson(
        employer_id=employer.id,
        name=name,
        created_by_id=creator.id,
        idempotency_key=secrets.token_hex(8),
        **fields,
    )
    db.session.add(person)
    db.session.commit()
    return person


def make_lead(coach, employer, clients=(), position="Stocker", **fields):
    """A job lead of `coach` at `employer`, for `clients`, with its first status row."""
    from coach.models import Lead, LeadStatusChange

    fields.setdefault("status", "new")
    if "created_at" in fields:  # a lead's last change is its making until it moves
        fields.setdefault("status_changed_at", fields["created_at"])
    lead = Lead(
        position=position,
        employer_id=employer.id,
        created_by_id=coach.id,
        idempotency_key=f"lead-{next(_seq)}-factory",
        **fields,
    )
    lead.clients = list(clients)
    db.session.add(lead)
    db.session.flush()
    db.session.add(
        LeadStatusChange(
            lead_id=lead.id,
            status=lead.status,
            changed_at=lead.created_at,
            local_date=lead.created_at.date(),
            changed_by_id=coach.id,
        )
    )
    db.session.commit()
    return lead


def make_application(client, coach, **fields):
    from coach.models import JobApplication

    fields.setdefault("employer_name", "Green Valley Grocery")
    fields.setdefault("position", "Cashier")
    fields.setdefault("applied_on", date(2026, 11, 2))
    fields.setdefault("method", "online")
    entry = JobApplication(
        client_id=client.id,
        created_by_id=coach.id,
        idempotency_key=f"app-{next(_seq)}-factory",
        **fields,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_interview(client, coach, **fields):
    from coach.models import JobInterview

    fields.setdefault("employer_name", "Green Valley Grocery")
    fields.setdefault("position", "Cashier")
    fields.setdefault("interview_on", date(2026, 11, 4))
    entry = JobInterview(
        client_id=client.id,
        created_by_id=coach.id,
        idempotency_key=f"int-{next(_seq)}-factory",
        **fields,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_plan(client, coach, objectives=1, actions=1, signed=False, start=None, **fields):
    """An employment plan with one goal, `objectives` objectives and `actions` action steps
    under each; signed (version 1) by the person when `signed`."""
    from datetime import timedelta

    from coach.models import EmploymentPlan, PlanAction, PlanGoal, PlanObjective, PlanSignature
    from coach.signing import CONSENT_TEXT, sha256_hex

    start = start or date.today()
    plan = EmploymentPlan(
        client_id=client.id,
        created_by_id=coach.id,
        start_date=start,
        review_date=fields.pop("review_date", start + timedelta(days=90)),
        **fields,
    )
    db.session.add(plan)
    db.session.flush()
    goal = PlanGoal(plan_id=plan.id, created_by_id=coach.id, text="Work in a kitchen")
    db.session.add(goal)
    db.session.flush()
    for n in range(objectives):
        objective = PlanObjective(
            plan_id=plan.id,
            goal_id=goal.id,
            created_by_id=coach.id,
            text=f"Objective {n + 1}: on time for 4 of 5 shifts",
            target_date=start + timedelta(days=60),
        )
        db.session.add(objective)
        db.session.flush()
        for m in range(actions):
            db.session.add(
                PlanAction(
                    plan_id=plan.id,
                    client_id=client.id,
                    objective_id=objective.id,
                    created_by_id=coach.id,
                    text=f"Step {m + 1}",
                    who="person",
                    due_date=start + timedelta(days=30),
                )
            )
    if signed:
        text = "INDIVIDUAL EMPLOYMENT PLAN\nPlan version: 1\n"
        plan.signed_version = 1
        db.session.add(
            PlanSignature(
                plan_id=plan.id,
                witnessed_by_id=coach.id,
                document_version=1,
                document_text=text,
                document_sha256=sha256_hex(text),
                signer_name=f"{client.first_name} {client.last_name}",
                signed_on=start,
                consent_text=CONSENT_TEXT,
                consented=True,
            )
        )
    db.session.commit()
    return plan


def make_past_job(client, creator, employer_name="Blue Door Bakery", **fields):
    """A job in a client's work history (career profile)."""
    from coach.models import PastJob

    fields.setdefault("job_title", "Dishwasher")
    job = PastJob(
        client_id=client.id,
        employer_name=employer_name,
        created_by_id=creator.id,
        idempotency_key=secrets.token_hex(8),
        **fields,
    )
    db.session.add(job)
    db.session.commit()
    return job


def make_profile(client, **fields):
    """A client's career profile."""
    from coach.models import CareerProfile

    profile = CareerProfile(client_id=client.id, **fields)
    db.session.add(profile)
    db.session.commit()
    return profile


def service(code="JOBCOACH"):
    """A seeded service type by its code."""
    import sqlalchemy as sa

    from coach.models import ServiceType

    return db.session.scalars(sa.select(ServiceType).where(ServiceType.code == code)).one()


def set_rate(code="JOBCOACH", cents=1500, first=None):
    """A service's rate from a month's first day (from the start if none), committed."""
    from coach.billing.services import set_rate as set_service_rate
    from coach.models import FROM_THE_START

    set_service_rate(service(code), first or FROM_THE_START, cents, None)
    db.session.commit()


def make_funder(creator, name="State VR", kind="state_vr", **fields):
    from coach.models import Funder

    funder = Funder(
        name=name,
        kind=kind,
        created_by_id=creator.id,
        idempotency_key=f"funder-{next(_seq)}",
        **fields,
    )
    db.session.add(funder)
    db.session.commit()
    return funder


def make_authorization(client, creator, funder=None, code="JOBCOACH", **fields):
    """An authorization of 40 units for November to January, its visits counted."""
    from coach.billing.services import rebill_client
    from coach.models import Authorization

    fields.setdefault("start_date", date(2026, 11, 1))
    fields.setdefault("end_date", date(2027, 1, 31))
    fields.setdefault("units", 40)
    fields.setdefault("number", f"A-{next(_seq)}")
    grant = Authorization(
        client_id=client.id,
        funder_id=(funder or make_funder(creator)).id,
        service_type_id=service(code).id,
        created_by_id=creator.id,
        idempotency_key=f"authorization-{next(_seq)}",
        **fields,
    )
    db.session.add(grant)
    db.session.flush()
    rebill_client(client.id)
    db.session.commit()
    return grant


def make_billed_visit(client, coach, code="JOBCOACH", **fields):
    """An ended visit of a service, counted against the client's authorizations."""
    from coach.billing.services import rebill_client

    visit = make_visit(client, coach, service_type_id=service(code).id, **fields)
    rebill_client(client.id)
    db.session.commit()
    return visit


def make_support(placement, creator, weeks=(), people=0, **fields):
    """A job-support plan of a job, with a fading schedule (`weeks`, hours) and `people`
    natural supports."""
    from coach.models import FadingWeek, NaturalSupport, SupportPlan

    plan = SupportPlan(
        client_id=placement.client_id,
        placement_id=placement.id,
        created_by_id=creator.id,
        idempotency_key=f"support-{next(_seq)}",
        **fields,
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add_all(
        FadingWeek(support_plan_id=plan.id, week=n, planned_tenths=round(hours * 10))
        for n, hours in enumerate(weeks, start=1)
    )
    db.session.add_all(
        NaturalSupport(
            support_plan_id=plan.id,
            created_by_id=creator.id,
            idempotency_key=f"natural-{next(_seq)}",
            name=f"Co-worker {n + 1}",
            role="Shift lead",
            helps_with="Closing checklist",
        )
        for n in range(people)
    )
    db.session.commit()
    return plan


def make_milestones(funder, creator, schedule=(("Job placement", 0), ("30 days", 30))):
    """A funder's milestone schedule of (name, days) pairs; the milestones by days."""
    from coach.models import Milestone

    made = [
        Milestone(
            funder_id=funder.id,
            name=name,
            days=days,
            created_by_id=creator.id,
            idempotency_key=f"milestone-{next(_seq)}",
            **({"amount_cents": 50000} if days else {}),
        )
        for name, days in schedule
    ]
    db.session.add_all(made)
    db.session.commit()
    return {m.days: m for m in made}


def make_claim(placement, milestone, claimer):
    from coach.models import MilestoneClaim

    claim = MilestoneClaim(
        placement_id=placement.id, milestone_id=milestone.id, claimed_by_id=claimer.id
    )
    db.session.add(claim)
    db.session.commit()
    return claim


def make_report(client, coach, month=date(2026, 11, 1), approved_by=None, **fields):
    """A monthly progress report with its texts written; approved (version 1 frozen) by
    `approved_by` when given."""
    from coach.models import ProgressReport
    from coach.reports.services import approve

    fields.setdefault("summary", "A good month: on time for every shift.")
    fields.setdefault("next_focus", "Ask for more hours.")
    fields.setdefault("idempotency_key", f"report-{next(_seq)}-factory")
    report = ProgressReport(
        client_id=client.id, month_start=month, created_by_id=coach.id, **fields
    )
    db.session.add(report)
    db.session.commit()
    if approved_by is not None:
        report.status = "submitted"
        db.session.flush()
        report = db.session.scalar(
            db.select(ProgressReport)
            .where(ProgressReport.id == report.id)
            .options(db.joinedload(ProgressReport.client), db.joinedload(ProgressReport.funder))
        )
        approve(report, approved_by, "America/New_York")
        db.session.commit()
    return report


def make_report_link(report, coach, expires_at=None, revoked=False) -> str:
    """A read-only link to the report's newest approved version; returns its token."""
    from datetime import timedelta

    from coach.models import ReportLink, ReportVersion
    from coach.signing import new_token, sha256_hex
    from coach.timeutil import utcnow

    version = db.session.scalar(
        db.select(ReportVersion)
        .where(ReportVersion.report_id == report.id)
        .order_by(ReportVersion.version.desc())
    )
    token = new_token()
    db.session.add(
        ReportLink(
            report_id=report.id,
            version_id=version.id,
            token_hash=sha256_hex(token),
            sent_to_name="Dana Cruz",
            created_by_id=coach.id,
            expires_at=expires_at or utcnow() + timedelta(days=14),
            revoked_at=utcnow() if revoked else None,
        )
    )
    db.session.commit()
    return token
