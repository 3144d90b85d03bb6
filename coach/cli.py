"""Command-line tools: `flask --app app create-user`, `demo-data`."""

import os
import sys

import click
import sqlalchemy as sa
from flask import Flask

from coach.extensions import db
from coach.models import ROLES, AgencySettings, User
from coach.passwords import password_problem


def read_password() -> str:
    """Prompt twice on a terminal; otherwise read two lines from standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    first = sys.stdin.readline().rstrip("\r\n")
    second = sys.stdin.readline().rstrip("\r\n")
    if first != second:
        raise click.ClickException("The two passwords are not the same.")
    return first


def check_identity(email: str, name: str) -> tuple[str, str]:
    """The same rules as the admin's form: a real email, a printable name."""
    from email_validator import EmailNotValidError, validate_email

    from coach.auth.services import normalize_email

    email, name = normalize_email(email), name.strip()
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.ClickException(f"--email: {error}") from None
    if len(email) > 254:
        raise click.ClickException("--email: at most 254 characters.")
    if not name or len(name) > 120 or not name.isprintable():
        raise click.ClickException("--name: 1 to 120 printable characters.")
    return email, name


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--email", required=True, help="Login email.")
    @click.option("--name", required=True, help="Full name.")
    @click.option("--role", required=True, type=click.Choice(list(ROLES)), help="Role.")
    def create_user_command(email: str, name: str, role: str) -> None:
        """Create a user; the password is prompted for, or read twice from stdin."""
        from coach.audit.services import record_event
        from coach.auth.services import create_user, find_user_by_email

        email, name = check_identity(email, name)
        if find_user_by_email(email):
            raise click.ClickException(f"A user with email {email} already exists.")
        password = read_password()
        if problem := password_problem(password):
            raise click.ClickException(problem)
        settings = db.session.get(AgencySettings, 1)
        if settings is None:
            settings = AgencySettings(id=1)
            db.session.add(settings)
        # A user made from the command line ends the first-run page too.
        settings.setup_complete = True
        user = create_user(email, name, role, password)
        record_event("create", "user", user.id, f"created from the command line as {role}")
        db.session.commit()
        click.echo(f"Created {role} {user.email}.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup_command(path: str) -> None:
        """Write a consistent copy of the SQLite database to PATH (online, while serving)."""
        import sqlite3

        url = db.engine.url
        if url.get_backend_name() != "sqlite":
            raise click.ClickException(
                "For PostgreSQL use pg_dump (see the README): "
                'pg_dump --format=custom --file=coach.dump "$DATABASE_URL"'
            )
        # The copy holds every record: readable by its owner only, as the database is.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)  # also when PATH was already there
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)  # SQLite's online backup API: a consistent snapshot
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
            source.close()
        if check != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {check}")
        click.echo(f"Backed up {url.database} to {path} (integrity check: ok).")

    @app.cli.command("send-digests")
    def send_digests_command() -> None:
        """Email each coach their overdue items and the week's deadlines (Mondays, cron)."""
        from coach.today.digest import send_digests

        sent, skipped = send_digests()
        click.echo(
            f"Sent {sent} digest{'' if sent == 1 else 's'} ({skipped} with nothing to send)."
        )

    @app.cli.command("refresh-today")
    def refresh_today_command() -> None:
        """Write every client's Today items again from the rules (after changing a rule)."""
        from coach.models import DueItem
        from coach.today.kept import refresh_every_client

        refresh_every_client(db.session.connection())
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count(DueItem.id)))
        click.echo(f"Wrote {count} due item{'' if count == 1 else 's'}.")

    @app.cli.command("sum-visit-days")
    def sum_visit_days_command() -> None:
        """Sum the agency's visits per local day again (outcomes reads those sums), and
        each client's per month for billing (the billing preview reads those)."""
        from coach.billing.months import sum_every_month_again
        from coach.models import VisitDay
        from coach.visits.days import agency_zone, sum_every_day_again

        connection = db.session.connection()
        sum_every_day_again(connection, agency_zone(connection))
        sum_every_month_again(connection, agency_zone(connection))
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(VisitDay))
        click.echo(f"Summed {count} day{'' if count == 1 else 's'} of visits.")

    @app.cli.command("demo-data")
    def demo_data_command() -> None:
        """Fill an empty database with a realistic demo agency."""
        from coach.demo import DEMO_PASSWORD, load_demo_data

        if db.session.scalar(sa.select(sa.func.count(User.id))):
            raise click.ClickException("The database already has users; demo data needs it empty.")
        summary = load_demo_data()
        click.echo(summary)
        click.echo(f"Log in at /login with any of these emails and the password {DEMO_PASSWORD!r}.")
