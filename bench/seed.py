"""Bulk-build a benchmark database through the app's own models (SQLAlchemy Core inserts).

The same code builds SQLite and PostgreSQL: the schema comes from the migrations
(`flask db upgrade`), rows go in as Core inserts in chunks of CHUNK (executemany), drawn
from generators so memory stays flat at XL. Every date derives from one `anchor`, the
agency's today when the build starts, so every list page has data this week.
"""

import json
import random
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

import sqlalchemy as sa

from coach import create_app
from coach.auth.services import hash_password
from coach.billing.months import sum_every_month_again
from coach.billing.services import seed_service_types
from coach.clients.pay_columns import set_pay_columns
from coach.extensions import db
from coach.mileage.services import amount_cents, seed_default_rates
from coach.milestones.kept import write_every_reach
from coach.models import (
    VR_DEFAULT,
    AgencySettings,
    Authorization,
    CareerProfile,
    ChecklistRun,
    Client,
    ClientContact,
    Employer,
    EmployerContact,
    EmploymentPlan,
    FadingWeek,
    Funder,
    JobApplication,
    JobInterview,
    Lead,
    LeadStatusChange,
    Milestone,
    NaturalSupport,
    Placement,
    PlacementChange,
    PlacementEvent,
    PlanAction,
    PlanGoal,
    PlanObjective,
    ServiceType,
    StepScore,
    SupportPlan,
    TaskAnalysis,
    TaskStep,
    Trip,
    User,
    Visit,
    Worksite,
    contact_clients,
)
from coach.outcomes.firsts import set_client_firsts
from coach.today.kept import refresh_every_client
from coach.visits.days import agency_zone, sum_every_day_again
from coach.visits.services import service_units

PASSWORD = "bench-password-123"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SIZES = {
    # coaches, clients, visits, runs, trips
    "S": (10, 300, 30_000, 3_000, 20_000),
    "L": (100, 3_000, 300_000, 30_000, 200_000),
    "XL": (1_000, 30_000, 3_000_000, 300_000, 2_000_000),
    # For tests: the same shapes, built in a second or two.
    "XS": (3, 30, 600, 60, 300),
}
# Job leads (each for one client, with its first status row) and search-log entries
# (applications and interviews each): ten times as many at L.
LEADS = {"S": 2_000, "L": 20_000, "XL": 200_000, "XS": 40}
LOG_ENTRIES = {"S": 3_000, "L": 30_000, "XL": 300_000, "XS": 60}
# Visits approved by the supervisor: all in the anchor's previous month, the month the
# bench bills (100,000 at L and XL, the size the billing export's budget is set for).
APPROVED = {"S": 10_000, "L": 100_000, "XL": 100_000, "XS": 200}
LEAD_STATUSES = ["new", "new", "new", "followed_up", "applied", "interview", "offer", "closed"]
STEPS = 8
CHUNK = 20_000


def insert(model, rows) -> None:
    """Rows (any iterable, a generator at best) in chunks of CHUNK, each one executemany
    and its own commit: neither the rows nor the transaction grow with the size."""
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        db.session.execute(sa.insert(model), chunk)
        db.session.commit()


def seed_now(anchor: date) -> datetime:
    """The seed's "now" (UTC, as the app stores times): 15:00 on the anchor day."""
    return datetime.combine(anchor, time(15, 0))


def month_start(day: date, back: int = 0) -> date:
    """The first of `day`'s month, `back` months earlier."""
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def supported_start(anchor: date) -> date:
    """Jobs with a job-support plan started on the Monday ten weeks before the anchor's
    week (their first weeks' items on Today have closed; their visits fall in the last
    weeks)."""
    return anchor - timedelta(days=anchor.weekday() + 70)


def old_start(anchor: date) -> date:
    """The other jobs started on 1 January two years before the anchor's year."""
    return date(anchor.year - 2, 1, 1)


def build(url: str, size: str, anchor: date | None = None) -> date:
    """Build size `size` into the empty database at `url` (SQLite or PostgreSQL): the
    migrations, then the rows. Returns the anchor (by default the agency's today)."""
    from flask_migrate import upgrade

    from coach.agency import agency_today

    coaches_n, clients_n, visits_n, runs_n, trips_n = SIZES[size]
    rng = random.Random(42)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        anchor = anchor or agency_today()
        now = seed_now(anchor)
        seed_default_rates()
        seed_service_types()
        db.session.add(
            AgencySettings(
                id=1,
                name="Bench Agency",
                setup_complete=False,  # set last: a database whose build stopped is not used
                office_address="330 W Spring St",
                office_latitude=39.9653,
                office_longitude=-83.0050,
            )
        )
        pw = hash_password(PASSWORD)
        users = [
            {
                "id": 1,
                "email": "supervisor@bench.test",
                "name": "Bench Supervisor",
                "role": "supervisor",
                "password_hash": pw,
            }
        ]
        users += [
            {
                "id": i + 2,
                "email": f"coach{i}@bench.test",
                "name": f"Coach {i:03d}",
                "role": "coach",
                "password_hash": pw,
            }
            for i in range(coaches_n)
        ]
        insert(User, users)
        employers_n = max(20, clients_n // 6)
        insert(
            Employer,
            (
                {
                    "id": i + 1,
                    "name": f"Employer {i:04d}",
                    "contact_name": "Pat Boss",
                    "contact_email": f"boss{i}@employer.test",
                }
                for i in range(employers_n)
            ),
        )
        insert(
            Worksite,
            (
                {
                    "id": i + 1,
                    "employer_id": i + 1,
                    "name": "Main store",
                    "address": f"{100 + i} High St",
                    "latitude": 39.9 + i * 1e-4,
                    "longitude": -83.0,
                }
                for i in range(employers_n)
            ),
        )
        insert(
            Client,
            (
                {
                    "id": i + 1,
                    "first_name": f"First{i}",
                    "last_name": f"Last{i:05d}",
                    "coach_id": 2 + i % coaches_n,
                    "status": "employed",
                    # Program entry (outcomes): referred over two years, most with an intake.
                    "referral_date": anchor - timedelta(days=750 - i % 730),
                    "intake_date": (anchor - timedelta(days=736 - i % 730) if i % 4 else None),
                }
                for i in range(clients_n)
            ),
        )
        insert(
            Placement,
            (
                {
                    "id": i + 1,
                    "client_id": i + 1,
                    "worksite_id": 1 + i % employers_n,
                    "job_title": "Stocker",
                    # Every third job is recent and has a job-support plan (add_support).
                    "start_date": supported_start(anchor) if i % 3 == 0 else old_start(anchor),
                    "hourly_wage_cents": 1500,
                    "weekly_hours_tenths": 200,
                }
                for i in range(clients_n)
            ),
        )

        add_pay_history(clients_n, anchor)
        coaching = add_authorizations(clients_n, now)
        approved_n = APPROVED[size]
        # The approved visits end on the last day of the previous month; the others (the
        # newest, pending review) end at now.
        billed_end = seed_now(month_start(anchor) - timedelta(days=1))

        def visit(n):
            client = n % clients_n
            end, k = (billed_end, n) if n < approved_n else (now, n - approved_n)
            started = end - timedelta(hours=6 * (k // clients_n) + rng.randint(0, 5))
            minutes = rng.choice([20, 30, 45, 60])
            return {
                "id": n + 1,
                "client_id": client + 1,
                "coach_id": 2 + client % coaches_n,
                "created_by_id": 2 + client % coaches_n,
                "placement_id": client + 1,
                "worksite_id": 1 + client % employers_n,
                "idempotency_key": f"v{n}",
                "started_at": started,
                "ended_at": started + timedelta(minutes=minutes),
                "duration_minutes": minutes,
                "service_units": service_units(minutes),
                "contact_type": "office" if n % 4 == 0 else "on_site",
                "tags": "Task training",
                "tasks_observed": "Stocked the dairy cooler and faced the shelves.",
                "performance": "Kept pace; one verbal prompt.",
                "location_status": "on_site",
                "distance_m": 40.0,
                # Job coaching, counted against the client's authorization (id = client's).
                "service_type_id": coaching,
                "authorization_id": client + 1,
                "billing_units": service_units(minutes),
                "billable": True,
                "billing_note": "",
                "review_status": "approved" if n < approved_n else "pending",
                "reviewed_by_id": 1 if n < approved_n else None,
                "reviewed_at": started + timedelta(hours=20) if n < approved_n else None,
                "version": 1,
                "created_at": started,
                "updated_at": started,
            }

        insert(Visit, (visit(n) for n in range(visits_n)))
        insert(
            TaskAnalysis,
            (
                {
                    "id": i + 1,
                    "client_id": i + 1,
                    "placement_id": i + 1,
                    "title": "Stock the dairy cooler",
                    "created_by_id": 2 + i % coaches_n,
                }
                for i in range(clients_n)
            ),
        )
        insert(
            TaskStep,
            (
                {
                    "id": i + 1,
                    "task_id": i // STEPS + 1,
                    "position": i % STEPS + 1,
                    "text": f"Step {i % STEPS + 1} of the task",
                }
                for i in range(clients_n * STEPS)
            ),
        )
        insert(
            ChecklistRun,
            (
                {
                    "id": n + 1,
                    "task_id": n % clients_n + 1,
                    "client_id": n % clients_n + 1,
                    "coach_id": 2 + (n % clients_n) % coaches_n,
                    "created_by_id": 2 + (n % clients_n) % coaches_n,
                    "idempotency_key": f"r{n}",
                    "started_at": now - timedelta(days=n // clients_n),
                }
                for n in range(runs_n)
            ),
        )
        levels = ["I", "I", "I", "V", "G", "M", "NA"]
        insert(
            StepScore,
            (
                {
                    "run_id": n // STEPS + 1,
                    "step_id": ((n // STEPS) % clients_n) * STEPS + n % STEPS + 1,
                    "level": rng.choice(levels),
                }
                for n in range(runs_n * STEPS)
            ),
        )

        def trip(n):
            coach = n % coaches_n
            day = anchor - timedelta(days=n // coaches_n // 3)
            tenths = rng.randint(20, 300)
            rate = 725 if day.year >= 2026 else 700 if day.year == 2025 else 670
            this_month = (day.year, day.month) == (anchor.year, anchor.month)
            status = "submitted" if n % 50 == 0 else "draft" if this_month else "approved"
            return {
                "id": n + 1,
                "coach_id": 2 + coach,
                "created_by_id": 2 + coach,
                "idempotency_key": f"t{n}",
                "trip_date": day,
                "purpose": "Drove a client to work",
                "client_id": 1 + n % clients_n,
                "origin": "Office: 330 W Spring St",
                "destination": "Client's home",
                "miles_tenths": tenths,
                "round_trip": False,
                "vehicle": "",
                "notes": "",
                "flag_reason": "",
                "tenth_cents_per_mile": rate,
                "amount_cents": amount_cents(tenths, rate),
                "status": status,
                "return_comment": "",
                "created_at": now,
            }

        insert(Trip, (trip(n) for n in range(trips_n)))
        add_contacts(coaches_n, clients_n, employers_n, now)
        add_leads(size, coaches_n, clients_n, employers_n, now)
        seed_today(now, clients_n, coaches_n, employers_n)
        seed_plans(now, clients_n, coaches_n)
        add_support(clients_n, coaches_n, now)
        seed_reports(now)
        # Core inserts skip the session's flush, which keeps Today's items, the visits
        # summed per day and per client and month for billing, a job's kept pay columns
        # a client's first facts and the days jobs reach milestones: write them.
        connection = db.session.connection()
        refresh_every_client(connection)
        sum_every_day_again(connection, agency_zone(connection))
        sum_every_month_again(connection, agency_zone(connection))
        set_pay_columns(connection, None)
        set_client_firsts(connection, None)
        write_every_reach(connection)
        db.session.execute(sa.update(AgencySettings).values(setup_complete=True))
        db.session.commit()
        reset_sequences(db.session.connection())
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return anchor


def reset_sequences(connection) -> None:
    """PostgreSQL: every id sequence set to its table's largest id (the seed writes ids
    itself, so the sequences still stand at 1 and the app's first insert would collide).
    SQLite needs nothing: it takes max(rowid) + 1."""
    if connection.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        column = table.columns.get("id")
        if column is None or not column.autoincrement or not isinstance(column.type, sa.Integer):
            continue
        sequence = connection.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
        if sequence:
            top = connection.scalar(sa.select(sa.func.max(column)))
            connection.execute(sa.select(sa.func.setval(sequence, top or 1, top is not None)))


def seeded_anchor(connection) -> date | None:
    """The anchor a built database was seeded for: its newest trip's date (trip 0's)."""
    day = connection.scalar(sa.select(sa.func.max(Trip.trip_date)))
    return date.fromisoformat(day) if isinstance(day, str) else day


def built_complete(connection) -> bool:
    """Whether a build ran to its end (it marks the agency set up last)."""
    return bool(connection.scalar(sa.select(AgencySettings.setup_complete)))


def app_anchor(app) -> date:
    """The anchor of the database `app` serves."""
    with app.app_context():
        return seeded_anchor(db.session.connection())


def add_pay_history(clients_n: int, anchor: date) -> None:
    """Outcomes: every job's start row, and a raise for every other job in the middle of
    a month of this year (the job's own wage follows it); every ninth older job ended."""
    reasons = ["quit", "fired", "laid_off", "temporary_ended", "better_job"]

    def start(i):
        day = supported_start(anchor) if i % 3 == 0 else old_start(anchor)
        return {
            "placement_id": i + 1,
            "effective_date": day,
            "hourly_wage_cents": 1500,
            "weekly_hours_tenths": 200,
            "idempotency_key": f"start-{i + 1}",
            "created_at": datetime.combine(old_start(anchor), time()),
        }

    def raise_(i):
        day = month_start(anchor, 1 + i % 10).replace(day=15)
        return {
            "placement_id": i + 1,
            "effective_date": day,
            "hourly_wage_cents": 1550 + i % 300,
            "weekly_hours_tenths": 250,
            "idempotency_key": f"raise-{i + 1}",
            "created_at": datetime.combine(day, time()),
        }

    insert(PlacementChange, (start(i) for i in range(clients_n)))
    raised = [i for i in range(clients_n) if i % 2 == 1]
    insert(PlacementChange, (raise_(i) for i in raised))
    for i in raised:
        db.session.execute(
            sa.update(Placement)
            .where(Placement.id == i + 1)
            .values(hourly_wage_cents=1550 + i % 300, weekly_hours_tenths=250)
        )
    for i in range(4, clients_n, 9):
        db.session.execute(
            sa.update(Placement)
            .where(Placement.id == i + 1)
            .values(end_date=anchor - timedelta(days=172 - i % 90), end_reason=reasons[i % 5])
        )


FADING = (20, 20, 15, 15, 10, 10, 8, 8, 5, 5, 3, 3)


def add_support(clients_n: int, coaches_n: int, now: datetime) -> None:
    """A job-support plan for every third job: twelve weeks fading from 20 to 3 hours,
    and two natural supports."""
    supported = range(0, clients_n, 3)
    insert(
        SupportPlan,
        (
            {
                "id": n + 1,
                "client_id": i + 1,
                "placement_id": i + 1,
                "created_by_id": 2 + i % coaches_n,
                "idempotency_key": f"s{i}",
                "supports_needed": "A written checklist for the cooler; breaks at set times.",
                "handed_off": False,
                "created_at": now,
                "updated_at": now,
            }
            for n, i in enumerate(supported)
        ),
    )
    insert(
        FadingWeek,
        (
            {"support_plan_id": n + 1, "week": w + 1, "planned_tenths": hours * 10}
            for n in range(len(supported))
            for w, hours in enumerate(FADING)
        ),
    )
    insert(
        NaturalSupport,
        (
            {
                "support_plan_id": n // 2 + 1,
                "created_by_id": 2 + supported[n // 2] % coaches_n,
                "idempotency_key": f"ns{n}",
                "name": f"Co-worker {n}",
                "role": "Shift lead",
                "helps_with": "Rotating the dairy stock",
                "created_at": now,
            }
            for n in range(2 * len(supported))
        ),
    )


CONTACTS_PER_COACH = 312  # six a week for a year: L has 10x the coaches, so 10x the contacts


def add_contacts(coaches_n: int, clients_n: int, employers_n: int, now: datetime) -> None:
    """Each coach's employer contacts over the last year (to the bench's today, and the
    week after it, so this week's counter counts); every fifth names one of their clients."""
    methods = ["in_person", "phone", "email", "in_person", "video"]
    total = coaches_n * CONTACTS_PER_COACH

    def contact(n):
        coach = n % coaches_n
        return {
            "id": n + 1,
            "employer_id": 1 + n % employers_n,
            "created_by_id": 2 + coach,
            "contact_date": now.date()
            + timedelta(days=10)
            - timedelta(days=n // coaches_n * 365 // CONTACTS_PER_COACH),
            "person_met": "Pat Boss",
            "method": methods[n % len(methods)],
            "purpose": "learn_needs",
            "note": "",
            "next_step": "",
            "idempotency_key": f"c{n}",
            "created_at": now,
        }

    insert(EmployerContact, (contact(n) for n in range(total)))
    # Client i belongs to coach i % coaches_n, as contact n belongs to coach n % coaches_n.
    named = ({"contact_id": n + 1, "client_id": 1 + n % clients_n} for n in range(0, total, 5))
    insert(contact_clients, named)


def add_leads(size: str, coaches_n: int, clients_n: int, employers_n: int, now) -> None:
    """Leads spread over the coaches (some overdue, some closed), and each client's
    search log."""
    from coach.models.leads import lead_clients

    def lead(n):
        client = n % clients_n
        made = now - timedelta(hours=n % 120)
        return {
            "id": n + 1,
            "position": "Courtesy clerk",
            "employer_id": 1 + n % employers_n,
            "hourly_wage_cents": 1500,
            "weekly_hours_tenths": 200,
            "shift": "weekday mornings",
            "source": "job_board",
            "source_detail": "",
            "notes": "",
            "status": LEAD_STATUSES[n % len(LEAD_STATUSES)],
            "status_changed_at": made,
            "created_by_id": 2 + client % coaches_n,
            "idempotency_key": f"l{n}",
            "created_at": made,
        }

    leads_n = LEADS[size]
    insert(Lead, (lead(n) for n in range(leads_n)))
    insert(
        lead_clients,
        ({"lead_id": n + 1, "client_id": 1 + n % clients_n} for n in range(leads_n)),
    )
    insert(
        LeadStatusChange,
        (
            {
                "lead_id": row["id"],
                "status": "new",
                "changed_at": row["created_at"],
                "local_date": row["created_at"].date(),
                "changed_by_id": row["created_by_id"],
                "note": "",
            }
            for row in (lead(n) for n in range(leads_n))
        ),
    )
    for model, day in ((JobApplication, "applied_on"), (JobInterview, "interview_on")):
        extra = {"method": "online", "result": "pending"} if model is JobApplication else {}
        insert(
            model,
            (
                {
                    "id": n + 1,
                    "client_id": 1 + n % clients_n,
                    "employer_name": f"Employer {n % employers_n:04d}",
                    "position": "Stocker",
                    day: now.date() - timedelta(days=n // clients_n),
                    "notes": "",
                    "created_by_id": 2 + (n % clients_n) % coaches_n,
                    "idempotency_key": f"{day[0]}{n}",
                    **extra,
                }
                for n in range(LOG_ENTRIES[size])
            ),
        )


CONTACTS_PER_CLIENT = 5


def seed_today(now: datetime, clients_n: int, coaches_n: int, employers_n: int) -> None:
    """What Today reads, in proportion to the clients (so L has 10 times S): calls and
    texts each way, a call left unanswered for every third client, three unanswered
    outreach attempts for every tenth, a job problem for every twentieth, and a second
    job starting in five days for every thirtieth."""

    def contact(n):
        client = n // CONTACTS_PER_CLIENT
        k = n % CONTACTS_PER_CLIENT
        unanswered_call = k == 0 and client % 3 == 0
        attempt = k >= 2 and client % 10 == 0
        return {
            "id": n + 1,
            "client_id": client + 1,
            "coach_id": 2 + client % coaches_n,
            "created_by_id": 2 + client % coaches_n,
            "idempotency_key": f"c{n}",
            "kind": "letter" if attempt else ("call" if k % 2 == 0 else "text"),
            "direction": "in" if unanswered_call or (k == 1 and not attempt) else "out",
            "happened_at": now - timedelta(hours=1 + k)
            if attempt or unanswered_call
            else now - timedelta(days=3 + 7 * k),
            "family_permission": False,
            "with_employer": False,
            "reached": not attempt,
            "note": "Asked about next week's schedule.",
            "created_at": now,
        }

    insert(ClientContact, (contact(n) for n in range(clients_n * CONTACTS_PER_CLIENT)))
    insert(
        PlacementEvent,
        (
            {
                "placement_id": i + 1,
                "client_id": i + 1,
                "created_by_id": 2 + i % coaches_n,
                "idempotency_key": f"e{i}",
                "kind": "problem",
                "happened_at": now - timedelta(hours=2),
                "note": "Late twice this week.",
                "created_at": now,
            }
            for i in range(0, clients_n, 20)
        ),
    )
    insert(
        Placement,
        (
            {
                "id": clients_n + i + 1,
                "client_id": i + 1,
                "worksite_id": 1 + (i + 1) % employers_n,
                "job_title": "Cashier",
                "start_date": now.date() + timedelta(days=5),
                "created_at": now - timedelta(days=2),
            }
            for i in range(0, clients_n, 30)
        ),
    )


GOALS, OBJECTIVES, ACTIONS = 2, 2, 2  # per plan, per goal, per objective


def seed_plans(now: datetime, clients_n: int, coaches_n: int) -> None:
    """Every client has a career profile and an employment plan (two goals, two objectives
    each, two action steps each, the first done); every second client has a second, newer
    plan. Reviews and steps fall due over the next months, a few of them late."""
    today = now.date()
    insert(
        CareerProfile,
        (
            {
                "id": i + 1,
                "client_id": i + 1,
                "kinds_of_work": "Kitchen, warehouse",
                "strengths": "Punctual, careful with detail",
                "reports_earnings_monthly": i % 4 == 0,
                "earnings_report_due": today + timedelta(days=i % 30),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(clients_n)
        ),
    )
    plans = [(i + 1, 0) for i in range(clients_n)] + [(i + 1, 1) for i in range(0, clients_n, 2)]
    insert(
        EmploymentPlan,
        (
            {
                "id": n + 1,
                "client_id": client,
                "created_by_id": 2 + (client - 1) % coaches_n,
                "idempotency_key": f"p{n}",
                "start_date": today - timedelta(days=200 - 100 * newer),
                "review_date": today + timedelta(days=(client % 120) - 20 + 100 * newer),
                "version": 2 - newer,
                "signed_version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n, (client, newer) in enumerate(plans)
        ),
    )
    coach_of = {n + 1: 2 + (client - 1) % coaches_n for n, (client, _) in enumerate(plans)}
    client_of = {n + 1: client for n, (client, _) in enumerate(plans)}
    goals = [(plan, g) for plan in coach_of for g in range(GOALS)]
    insert(
        PlanGoal,
        (
            {
                "id": n + 1,
                "plan_id": plan,
                "created_by_id": coach_of[plan],
                "idempotency_key": f"g{n}",
                "text": f"Goal {g + 1}: a job in a kitchen, 20 hours a week",
                "created_at": now,
            }
            for n, (plan, g) in enumerate(goals)
        ),
    )
    objectives = [(n + 1, plan, o) for n, (plan, _) in enumerate(goals) for o in range(OBJECTIVES)]
    insert(
        PlanObjective,
        (
            {
                "id": n + 1,
                "plan_id": plan,
                "goal_id": goal,
                "created_by_id": coach_of[plan],
                "idempotency_key": f"o{n}",
                "text": f"Objective {o + 1}: on time for 4 of 5 shifts for a month",
                "target_date": today + timedelta(days=30 + 10 * o),
                "created_at": now,
            }
            for n, (goal, plan, o) in enumerate(objectives)
        ),
    )
    insert(
        PlanAction,
        (
            {
                "id": n * ACTIONS + a + 1,
                "plan_id": plan,
                "objective_id": n + 1,
                "client_id": client_of[plan],
                "created_by_id": coach_of[plan],
                "idempotency_key": f"a{n * ACTIONS + a}",
                "text": "Practise the bus route to work with the coach",
                "who": ("person", "coach")[a % 2],
                "who_name": "",
                "due_date": today + timedelta(days=(n % 180) - 5),
                "done_on": today - timedelta(days=1) if a == 0 else None,
                "created_at": now,
            }
            for n, (_, plan, _) in enumerate(objectives)
            for a in range(ACTIONS)
        ),
    )


def add_authorizations(clients_n: int, now: datetime) -> int:
    """A state VR funder with the VR milestone schedule, and for each client an
    authorization of job coaching (id = the client's) large enough for every seeded
    visit; returns the service's id."""
    coaching = db.session.scalar(sa.select(ServiceType.id).where(ServiceType.code == "JOBCOACH"))
    funder = {"id": 1, "name": "State VR", "created_by_id": 1, "idempotency_key": "f1"}
    insert(Funder, [{**funder, "created_at": now}])
    # Its milestones: the VR default, $500 each after the placement's.
    insert(
        Milestone,
        (
            {
                "funder_id": 1,
                "name": name,
                "days": days,
                "amount_cents": 50_000 if days else None,
                "created_by_id": 1,
                "idempotency_key": f"m{days}",
                "created_at": now,
            }
            for name, days in VR_DEFAULT
        ),
    )
    insert(
        Authorization,
        (
            {
                "id": i + 1,
                "client_id": i + 1,
                "funder_id": 1,
                "service_type_id": coaching,
                "number": f"VR-{i + 1:05d}",
                "funder_case_number": f"C{i + 1:06d}",
                "start_date": now.date() - timedelta(days=400),
                "end_date": now.date() + timedelta(days=20 + i % 365),  # a few end soon
                "units": 100_000,
                "created_by_id": 1,  # the supervisor
                "idempotency_key": f"au{i}",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(clients_n)
        ),
    )
    return coaching


REPORT_TOKEN = "bench-report-token"  # the shared report's link (only its hash is stored)


def seed_reports(now: datetime) -> None:
    """Client 1's monthly progress reports: this month's being written (its figures
    assembled on every view) and last month's approved, its figures frozen in version 1,
    with a read-only link."""
    from coach.models import ProgressReport, ReportLink, ReportVersion
    from coach.reports.assembly import assemble
    from coach.signing import sha256_hex

    this_month = now.date().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    person = db.session.get(Client, 1)
    common = {"client_id": 1, "created_by_id": person.coach_id, "next_focus": "More hours."}
    db.session.add(
        ProgressReport(
            id=1,
            month_start=this_month,
            idempotency_key="r1",
            summary="A good month so far.",
            **common,
        )
    )
    db.session.add(
        ProgressReport(
            id=2,
            month_start=last_month,
            idempotency_key="r2",
            status="approved",
            summary="A steady month.",
            **common,
        )
    )
    db.session.flush()
    figures = assemble(person, last_month, "America/New_York")
    db.session.add(
        ReportVersion(
            id=1,
            report_id=2,
            version=1,
            summary="A steady month.",
            next_focus="More hours.",
            figures=json.dumps(figures),
            approved_by_id=1,
            approved_by="Bench Supervisor",
            approved_at=now,
        )
    )
    db.session.flush()
    db.session.add(
        ReportLink(
            report_id=2,
            version_id=1,
            token_hash=sha256_hex(REPORT_TOKEN),
            sent_to_name="Dana Cruz",
            created_by_id=person.coach_id,
            expires_at=now + timedelta(days=3650),
        )
    )
    db.session.flush()
