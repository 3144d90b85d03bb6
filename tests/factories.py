"""Plain functions that make records for tests."""

import itertools
from datetime import date

from coach.auth.services import create_user
from coach.extensions import db
from coach.models import AgencySettings, Client, Employer, Placement, Visit, Worksite

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
