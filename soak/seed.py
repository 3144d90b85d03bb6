"""A fresh soak database: migrated like production, then one small caseload per coach."""

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date

from coach import create_app
from coach.auth.services import hash_password
from coach.extensions import db
from coach.models import (
    AgencySettings,
    Client,
    Employer,
    Placement,
    TaskAnalysis,
    TaskStep,
    User,
    Worksite,
)
from soak import database

PASSWORD = "soak-password-123"
LOCKOUT_EMAIL = "lockout@soak.test"  # an account only the lockout phase logs in to
CLIENTS_PER_COACH = 2
STEPS = ["Get the cart", "Stock the shelf", "Face the labels", "Check the dates", "Return the cart"]


@dataclass
class CoachSeed:
    """What one simulated phone knows about its caseload: its ids, nothing else."""

    user_id: int
    email: str
    clients: list[tuple[int, int, int]]  # (client id, placement id, task id)


def build(url: str, coaches: int, env: dict) -> list[CoachSeed]:
    """Make the database at `url` anew, migrate it and seed it through the app's models."""
    database.create(url)
    env = {**env, "DATABASE_URL": url}
    # The schema comes from the migrations, as `flask db upgrade` makes it in production.
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    os.environ.update(env)  # create_app reads DATABASE_URL and SECRET_KEY from here
    app = create_app()
    seeds = []
    with app.app_context():
        db.session.add(AgencySettings(id=1, name="Soak Agency", setup_complete=True))
        password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
        db.session.add(
            User(
                email=LOCKOUT_EMAIL, name="Soak Lockout", role="coach", password_hash=password_hash
            )
        )
        for n in range(coaches):
            coach = User(
                email=f"coach{n}@soak.test",
                name=f"Soak Coach {n:02d}",
                role="coach",
                password_hash=password_hash,
            )
            employer = Employer(name=f"Soak Employer {n:02d}")
            db.session.add_all([coach, employer])
            db.session.flush()
            site = Worksite(employer_id=employer.id, name="Main store", address="1 High St")
            db.session.add(site)
            db.session.flush()
            clients = []
            for c in range(CLIENTS_PER_COACH):
                client = Client(
                    first_name=f"Client{c}",
                    last_name=f"Soak{n:02d}",
                    coach_id=coach.id,
                    status="employed",
                )
                db.session.add(client)
                db.session.flush()
                placement = Placement(
                    client_id=client.id,
                    worksite_id=site.id,
                    job_title="Stocker",
                    start_date=date(2024, 1, 1),
                )
                task = TaskAnalysis(
                    client_id=client.id, created_by_id=coach.id, title="Stock the cooler"
                )
                db.session.add_all([placement, task])
                db.session.flush()
                db.session.add_all(
                    TaskStep(task_id=task.id, position=i, text=text)
                    for i, text in enumerate(STEPS, start=1)
                )
                clients.append((client.id, placement.id, task.id))
            seeds.append(CoachSeed(coach.id, coach.email, clients))
        db.session.commit()
        db.engine.dispose()
    return seeds
