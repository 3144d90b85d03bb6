"""A realistic demo agency for `flask --app app demo-data`."""

import random
from datetime import timedelta

from coach.audit.services import record_event
from coach.auth.services import create_user
from coach.clients.services import add_placement
from coach.extensions import db
from coach.models import (
    AgencySettings,
    ChecklistRun,
    Client,
    Employer,
    Placement,
    StepScore,
    TaskAnalysis,
    TaskStep,
    TaskTemplate,
    Visit,
    Worksite,
)
from coach.timeutil import local_today, to_local, utcnow
from coach.visits.services import service_units

DEMO_PASSWORD = "demo-password-123"

STAFF = [
    ("admin@example.org", "Alex Morgan", "admin"),
    ("supervisor@example.org", "Maria Alvarez", "supervisor"),
    ("jordan@example.org", "Jordan Lee", "coach"),
    ("sam@example.org", "Sam Patel", "coach"),
    ("priya@example.org", "Priya Nair", "coach"),
]

EMPLOYERS = [
    # name, contact, title, worksites: (site name, address, lat, lon)
    (
        "Green Valley Grocery",
        "Dana Brooks",
        "Store Manager",
        [
            ("High Street store", "1450 N High St, Columbus, OH 43201", 39.9896, -83.0063),
            ("Easton store", "4100 Morse Crossing, Columbus, OH 43219", 40.0503, -82.9146),
        ],
    ),
    (
        "Lakeside Diner",
        "Luis Ortega",
        "Owner",
        [
            ("Lakeside Diner", "220 W Lane Ave, Columbus, OH 43210", 40.0066, -83.0140),
        ],
    ),
    (
        "Metro Public Library",
        "Helen Cho",
        "Branch Supervisor",
        [
            ("Main branch", "96 S Grant Ave, Columbus, OH 43215", 39.9597, -82.9903),
        ],
    ),
    (
        "Sunrise Senior Living",
        "Marcus Hill",
        "Dining Services Director",
        [
            (
                "Sunrise of Clintonville",
                "3500 Indianola Ave, Columbus, OH 43214",
                40.0352,
                -83.0000,
            ),
        ],
    ),
    (
        "QuickShip Fulfillment",
        "Tanya Reed",
        "HR Generalist",
        [
            ("Warehouse 3", "6000 Green Pointe Dr S, Groveport, OH 43125", 39.8679, -82.9316),
        ],
    ),
    (
        "Bean & Leaf Café",
        "Owen Park",
        "Shift Lead",
        [
            ("Short North", "800 N High St, Columbus, OH 43215", 39.9785, -83.0035),
        ],
    ),
    (
        "Hometown Hardware",
        "Rita Gomez",
        "Assistant Manager",
        [
            ("Hometown Hardware", "2500 Cleveland Ave, Columbus, OH 43211", 40.0141, -82.9697),
        ],
    ),
    (
        "City Parks Department",
        "Kevin Shaw",
        "Crew Chief",
        [
            ("Goodale Park crew", "120 W Goodale St, Columbus, OH 43215", 39.9747, -83.0062),
        ],
    ),
]

FIRST = [
    "Aisha",
    "Ben",
    "Carla",
    "Devon",
    "Elena",
    "Felix",
    "Grace",
    "Hector",
    "Ivy",
    "Jamal",
    "Keisha",
    "Liam",
    "Mara",
    "Nate",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rosa",
    "Tyler",
    "Uma",
    "Victor",
    "Wendy",
    "Xavier",
    "Yara",
    "Zane",
    "Brianna",
    "Caleb",
    "Diego",
    "Erin",
    "Farah",
]
LAST = [
    "Johnson",
    "Kim",
    "Rivera",
    "Thompson",
    "Nguyen",
    "Brown",
    "Okafor",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Lopez",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Turner",
]
NOTES = [
    (
        "Bagged groceries at register 4; kept pace during the lunch rush.",
        "Needed one verbal prompt to double-bag heavy items.",
        "Practise the price-check routine next visit.",
    ),
    (
        "Rolled silverware and reset six tables.",
        "Worked independently for 40 minutes; asked for help once.",
        "Start fading: check in from the lobby next time.",
    ),
    (
        "Shelved returns in the children's section.",
        "Accurate with call numbers; slower than the shift goal.",
        "Try a cart-sorting step before shelving.",
    ),
    (
        "Stocked the dairy cooler and faced the shelves.",
        "Missed rotating the milk twice; corrected with a model prompt.",
        "Make a picture checklist for rotation.",
    ),
]
TEMPLATES = [
    (
        "Roll silverware",
        [
            "Take a napkin from the stack",
            "Lay the napkin flat, corner toward you",
            "Place the fork and knife in the middle",
            "Fold the bottom corner over the utensils",
            "Fold in the left and right sides",
            "Roll tightly to the top corner",
            "Wrap the paper band and seal it",
            "Put the roll in the bin, band up",
        ],
    ),
    (
        "Stock the dairy cooler",
        [
            "Check the pull sheet for today's dairy",
            "Bring the dairy cart from the back",
            "Check the dates on the shelf",
            "Move older stock to the front",
            "Fill new stock from the back",
            "Face the front row",
            "Break down the empty boxes",
        ],
    ),
    (
        "Shelve returned books",
        [
            "Sort the cart by call number",
            "Find the shelf for the first book",
            "Check the call number on the spine",
            "Place the book in order",
            "Straighten the row",
            "Bring the empty cart back to the desk",
        ],
    ),
]

TAGS = ["Task training", "Met with supervisor", "Fading support", "Positive feedback"]

JOBS = [
    "Courtesy clerk",
    "Dishwasher",
    "Library page",
    "Dining room aide",
    "Stocker",
    "Barista",
    "Cashier",
    "Grounds crew",
    "Prep cook",
    "Shelver",
]


def load_demo_data(seed: int = 7) -> str:
    """Create the demo agency and return a summary of what was made."""
    rng = random.Random(seed)
    agency = db.session.get(AgencySettings, 1) or AgencySettings(id=1)
    agency.name = "Riverbend Employment Services"
    agency.timezone = "America/New_York"
    agency.office_address = "330 W Spring St, Columbus, OH 43215"
    agency.office_latitude, agency.office_longitude = 39.9653, -83.0050
    agency.setup_complete = True
    db.session.add(agency)

    staff = {email: create_user(email, name, role, DEMO_PASSWORD) for email, name, role in STAFF}
    coaches = [u for u in staff.values() if u.role == "coach"]

    sites: list[Worksite] = []
    for name, contact, title, worksites in EMPLOYERS:
        employer = Employer(
            name=name,
            contact_name=contact,
            contact_title=title,
            contact_email=f"{contact.split()[0].lower()}@{name.split()[0].lower()}.example.com",
            contact_phone=f"(614) 555-{rng.randint(1000, 9999)}",
            created_by_id=rng.choice(coaches).id,
        )
        db.session.add(employer)
        for site_name, address, lat, lon in worksites:
            site = Worksite(
                employer=employer, name=site_name, address=address, latitude=lat, longitude=lon
            )
            db.session.add(site)
            sites.append(site)
    db.session.flush()

    statuses = ["referral", "job_search", "employed", "employed", "follow_along", "closed"]
    disclosures = ["none", "functional", "functional", "diagnosis"]
    today = local_today(agency.timezone)
    for i in range(30):
        status = statuses[i % len(statuses)]
        start = today - timedelta(days=rng.randint(20, 400))
        has_job = status in ("employed", "follow_along", "closed")
        # Program entry: referred some weeks before a job began (or lately), taken in
        # a week or two later; a new referral has no intake yet.
        referred = (start if has_job else today) - timedelta(days=rng.randint(25, 120))
        client = Client(
            first_name=FIRST[i],
            last_name=LAST[i],
            preferred_name=("Bri" if FIRST[i] == "Brianna" else ""),
            phone=f"(614) 555-{rng.randint(1000, 9999)}",
            coach_id=coaches[i % len(coaches)].id,
            status=status,
            disclosure=rng.choice(disclosures),
            referral_date=referred,
            intake_date=None if status == "referral" else referred + timedelta(rng.randint(3, 14)),
        )
        db.session.add(client)
        db.session.flush()
        if has_job:
            job = Placement(
                worksite=rng.choice(sites),
                job_title=rng.choice(JOBS),
                start_date=start,
                end_date=(
                    start + timedelta(days=rng.randint(30, 120)) if status == "closed" else None
                ),
                end_reason=rng.choice(["quit", "better_job", "laid_off"])
                if status == "closed"
                else "",
                hourly_wage_cents=rng.choice([1250, 1325, 1400, 1475, 1550, 1600]),
                weekly_hours_tenths=rng.choice([120, 160, 200, 250, 300]),
                supervisor_name=rng.choice(["Dana", "Luis", "Helen", "Marcus", "Tanya"]),
                competitive=True,
            )
            add_placement(client, job)  # with the start row of its pay history
    db.session.flush()
    visits = add_demo_visits(rng)
    add_demo_tasks(rng, staff["admin@example.org"])
    add_demo_trips(rng, coaches)
    contacts = add_demo_contacts(rng, coaches)
    add_demo_leads(rng, coaches)
    record_event("create", "demo_data", None, "demo agency loaded from the command line")
    db.session.commit()
    return (
        f"Demo agency '{agency.name}': {len(STAFF)} staff, 30 clients, "
        f"{len(EMPLOYERS)} employers, {len(PROSPECTS)} prospects, {len(sites)} worksites, "
        f"{visits} visits, {contacts} employer contacts.\n"
        + "\n".join(f"  {role:<10} {email}" for email, _, role in STAFF)
    )


def add_demo_visits(rng: random.Random) -> int:
    """About eight weeks of job-site visits for every client with a current job."""
    import sqlalchemy as sa

    now = utcnow().replace(second=0, microsecond=0)
    count = 0
    placements = db.session.scalars(sa.select(Placement).where(Placement.end_date.is_(None))).all()
    for placement in placements:
        client = db.session.get(Client, placement.client_id)
        worksite = db.session.get(Worksite, placement.worksite_id)
        for week in range(8):
            day = now - timedelta(days=7 * week + rng.randint(1, 5))
            # Working hours in Columbus (UTC-5): 9 am to 3 pm.
            started = day.replace(hour=rng.randint(14, 20), minute=rng.choice([0, 15, 30, 45]))
            minutes = rng.choice([20, 30, 45, 50, 60, 75])
            tasks, performance, next_steps = rng.choice(NOTES)
            near = rng.random() < 0.85
            db.session.add(
                Visit(
                    client_id=client.id,
                    coach_id=client.coach_id,
                    created_by_id=client.coach_id,
                    idempotency_key=f"demo-{placement.id}-{week}",
                    placement_id=placement.id,
                    worksite_id=worksite.id,
                    started_at=started,
                    ended_at=started + timedelta(minutes=minutes),
                    duration_minutes=minutes,
                    service_units=service_units(minutes),
                    contact_type="on_site",
                    tags=rng.choice(TAGS),
                    tasks_observed=tasks,
                    performance=performance,
                    next_steps=next_steps,
                    latitude=worksite.latitude + (0.0005 if near else 0.02),
                    longitude=worksite.longitude,
                    distance_m=55.6 if near else 2224.0,
                    location_status="on_site" if near else "off_site",
                )
            )
            count += 1
    return count


def add_demo_tasks(rng: random.Random, author) -> None:
    """The task library, and a task with improving runs for a few employed clients."""
    import sqlalchemy as sa

    for title, steps in TEMPLATES:
        db.session.add(
            TaskTemplate(title=title, steps_text="\n".join(steps), created_by_id=author.id)
        )
    placements = db.session.scalars(
        sa.select(Placement).where(Placement.end_date.is_(None)).order_by(Placement.id).limit(4)
    ).all()
    levels = ["FP", "PP", "M", "G", "V", "I"]
    now = utcnow().replace(second=0, microsecond=0)
    for n, placement in enumerate(placements):
        client = db.session.get(Client, placement.client_id)
        title, steps = TEMPLATES[n % len(TEMPLATES)]
        task = TaskAnalysis(
            client_id=client.id,
            placement_id=placement.id,
            title=title,
            created_by_id=client.coach_id,
        )
        db.session.add(task)
        db.session.flush()
        step_rows = [TaskStep(task_id=task.id, position=i + 1, text=t) for i, t in enumerate(steps)]
        db.session.add_all(step_rows)
        db.session.flush()
        for run_no in range(12):
            run = ChecklistRun(
                task_id=task.id,
                client_id=client.id,
                coach_id=client.coach_id,
                created_by_id=client.coach_id,
                idempotency_key=f"demo-run-{task.id}-{run_no}",
                started_at=now - timedelta(days=3 * (12 - run_no)),
            )
            db.session.add(run)
            db.session.flush()
            for k, step in enumerate(step_rows):
                skill = min(5, max(0, run_no // 2 + rng.randint(-1, 1) + (k % 2)))
                db.session.add(StepScore(run_id=run.id, step_id=step.id, level=levels[skill]))


PROSPECTS = [
    ("Blue Door Bakery", "Morning bakers and counter staff; busy before the holidays."),
    ("Scioto Hardware", "Stocking and cart return; hires in spring."),
    ("Short North Cinemas", "Ushers and concessions, evenings and weekends."),
    ("Arena District Hotel", "Housekeeping and laundry; steady all year."),
]


def add_demo_contacts(rng: random.Random, coaches) -> int:
    """Job development: a few prospects, and eight weeks of each coach's employer
    contacts (some weeks short of the target of six)."""
    from coach.jobdev.services import week_start
    from coach.models import CONTACT_METHODS, CONTACT_PURPOSES, EmployerContact

    for name, needs in PROSPECTS:
        db.session.add(Employer(name=name, needs=needs, created_by_id=rng.choice(coaches).id))
    db.session.flush()
    employers = db.session.scalars(db.select(Employer)).all()
    agency = db.session.get(AgencySettings, 1)
    today = local_today(agency.timezone)
    made = 0
    for coach in coaches:
        seekers = db.session.scalars(
            db.select(Client).where(
                Client.coach_id == coach.id,
                Client.status == "job_search",
                Client.disclosure != "none",
            )
        ).all()
        for week in range(8):
            monday = week_start(today) - timedelta(weeks=week)
            for n in range(rng.randint(3, 7)):
                day = monday + timedelta(days=rng.randint(0, 4))
                if day > today:
                    continue
                purpose = rng.choice(list(CONTACT_PURPOSES))
                contact = EmployerContact(
                    employer_id=rng.choice(employers).id,
                    created_by_id=coach.id,
                    idempotency_key=f"demo-contact-{coach.id}-{week}-{n}",
                    contact_date=day,
                    method=rng.choice(list(CONTACT_METHODS)),
                    purpose=purpose,
                    person_met=rng.choice(["", "Store manager", "HR lead", "Owner"]),
                    next_step="Call back about openings" if n % 3 == 0 else "",
                )
                if purpose == "present_job_seeker" and seekers:
                    contact.clients = [rng.choice(seekers)]
                db.session.add(contact)
                made += 1
    return made


def add_demo_trips(rng: random.Random, coaches) -> None:
    """A month of trips per coach: last month approved, this month's still drafts."""
    from coach.billing.services import seed_service_types
    from coach.mileage.services import check_plausibility, price, seed_default_rates
    from coach.models import Trip

    seed_default_rates()
    seed_service_types()
    db.session.flush()
    agency = db.session.get(AgencySettings, 1)
    office = f"Office: {agency.office_address}"
    today = local_today(agency.timezone)
    first_of_month = today.replace(day=1)
    for coach in coaches:
        clients = db.session.scalars(
            db.select(Client).where(Client.coach_id == coach.id).limit(4)
        ).all()
        for n in range(10):
            day = (
                first_of_month - timedelta(days=3 * n + 1)
                if n < 6
                else today - timedelta(days=(n - 6) % max(1, today.day))
            )
            client = rng.choice(clients)
            trip = Trip(
                coach_id=coach.id,
                created_by_id=coach.id,
                idempotency_key=f"demo-trip-{coach.id}-{n}",
                trip_date=day,
                purpose=f"Drove {client.first_name} to work",
                client_id=client.id,
                origin=office,
                destination="Client's home",
                miles_tenths=rng.randint(30, 180),
                round_trip=False,
                status=(
                    "draft" if day >= first_of_month else "submitted" if n % 3 == 0 else "approved"
                ),
            )
            check_plausibility(trip)
            price(trip)
            db.session.add(trip)


# (position, hours ago made, status it reached, hours ago it got there)
DEMO_LEADS = [
    ("Courtesy clerk", 70, "new", 70),  # overdue: made three days ago, never followed up
    ("Dishwasher", 10, "new", 10),  # due tomorrow
    ("Library page", 200, "applied", 150),
    ("Stocker", 400, "interview", 100),
    ("Prep cook", 700, "not_hired", 300),
]


def add_demo_leads(rng: random.Random, coaches) -> None:
    """A few job leads per coach in different statuses (one overdue), and the search-log
    entries the moves made, plus a few applications the job seekers made themselves."""
    from coach.models import JobApplication, JobInterview, Lead, LeadStatusChange

    agency = db.session.get(AgencySettings, 1)
    now, today = utcnow(), local_today(agency.timezone)
    employers = db.session.scalars(db.select(Employer).order_by(Employer.id)).all()
    steps = ["new", "followed_up", "applied", "interview", "offer"]
    for coach in coaches:
        seekers = db.session.scalars(
            db.select(Client)
            .where(Client.coach_id == coach.id, Client.status.in_(("referral", "job_search")))
            .order_by(Client.id)
        ).all()
        for n, (position, made_ago, status, moved_ago) in enumerate(DEMO_LEADS):
            employer = employers[(coach.id + n) % len(employers)]
            made = now - timedelta(hours=made_ago)
            lead = Lead(
                position=position,
                employer_id=employer.id,
                hourly_wage_cents=rng.choice([1400, 1500, 1650]),
                weekly_hours_tenths=rng.choice([160, 200, 300]),
                shift=rng.choice(["weekday mornings", "evenings and weekends", ""]),
                source=rng.choice(["employer_contact", "job_board", "network"]),
                status=status,
                status_changed_at=now - timedelta(hours=moved_ago),
                created_by_id=coach.id,
                idempotency_key=f"demo-lead-{coach.id}-{n}",
                created_at=made,
            )
            lead.clients = list(seekers[:1])
            db.session.add(lead)
            db.session.flush()
            reached = steps[: steps.index(status) + 1] if status in steps else ["new", status]
            for k, step in enumerate(reached):
                at = (
                    made
                    if k == 0
                    else now - timedelta(hours=moved_ago + 24 * (len(reached) - 1 - k))
                )
                db.session.add(
                    LeadStatusChange(
                        lead_id=lead.id,
                        status=step,
                        changed_at=at,
                        local_date=to_local(at, agency.timezone).date(),
                        changed_by_id=coach.id,
                    )
                )
            if seekers and status in ("applied", "interview", "not_hired"):
                day = today - timedelta(days=moved_ago // 24 + 1)
                db.session.add(
                    JobApplication(
                        client_id=seekers[0].id,
                        employer_name=employer.name,
                        employer_id=employer.id,
                        position=position,
                        applied_on=day,
                        method="coach",
                        result={"applied": "pending"}.get(status, status),
                        lead_id=lead.id,
                        created_by_id=coach.id,
                        idempotency_key=f"lead-{lead.id}-application-{seekers[0].id}",
                    )
                )
            if seekers and status == "interview":
                db.session.add(
                    JobInterview(
                        client_id=seekers[0].id,
                        employer_name=employer.name,
                        employer_id=employer.id,
                        position=position,
                        interview_on=today - timedelta(days=moved_ago // 24),
                        went_with="coach",
                        notes="Answered every question; asked about the schedule.",
                        lead_id=lead.id,
                        created_by_id=coach.id,
                        idempotency_key=f"lead-{lead.id}-interview-{seekers[0].id}",
                    )
                )
        for k, seeker in enumerate(seekers):
            db.session.add(
                JobApplication(
                    client_id=seeker.id,
                    employer_name=rng.choice(["Kroger", "Target", "Panera Bread"]),
                    position=rng.choice(JOBS),
                    applied_on=today - timedelta(days=3 + 4 * k),
                    method="online",
                    result=rng.choice(["pending", "no_answer"]),
                    created_by_id=coach.id,
                    idempotency_key=f"demo-application-{seeker.id}",
                )
            )
