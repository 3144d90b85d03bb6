"""The caseload: clients, employers, their worksites, and placements (jobs)."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

CLIENT_STATUSES = {
    "referral": "Referral",
    "job_search": "Job search",
    "employed": "Employed",
    "follow_along": "Follow-along",
    "closed": "Closed",
}

# What the client lets us tell an employer.
DISCLOSURE_CHOICES = {
    "none": "Nothing (no disability disclosure)",
    "functional": "Functional limitations only",
    "diagnosis": "Diagnosis and functional limitations",
}


# Why a job ended (a job loss logged on the placement says which, or the job form).
END_REASONS = {
    "quit": "Quit",
    "fired": "Fired",
    "laid_off": "Laid off",
    "temporary_ended": "Temporary job ended",
    "better_job": "Left for a better job",
    "health": "Health or disability",
    "other": "Other",
}

# Benefits a job offers: a column each on Placement (benefit_<key>).
JOB_BENEFITS = {
    "health": "Health insurance",
    "paid_leave": "Paid leave",
    "retirement": "Retirement plan",
}

COMPETITIVE_HINT = (
    "Paid at least minimum wage and what others doing the job earn, in a regular "
    "workplace alongside people without disabilities."
)


def display_name(first: str, preferred: str, last: str) -> str:
    """How the coach addresses the person: preferred name first."""
    if preferred and preferred != first:
        return f"{preferred} ({first}) {last}"
    return f"{first} {last}"


def named_alike(employer: str, site: str) -> bool:
    """Whether a work site is named after its employer (a new employer's first site is):
    then pages name it once."""
    return site.casefold() == employer.casefold()


def client_reference(client_id: int) -> str:
    """A client reference for exports that should not carry the full name."""
    return f"C-{client_id:05d}"


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (sa.Index("ix_clients_coach_name", "coach_id", "last_name", "first_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_name: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    preferred_name: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    coach_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="referral")
    disclosure: so.Mapped[str] = so.mapped_column(sa.String(20), default="none")
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Follow-along: a contact every this many days, instead of the agency's rhythm.
    contact_every_days: so.Mapped[int | None]
    # Program entry (outcomes): when the person was referred, and when intake was done.
    referral_date: so.Mapped[date | None]
    intake_date: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    # Kept from the records by coach/outcomes/firsts.py: the first employer contact and
    # the first job start on or after entry, and the first wage of the first paid job.
    first_contact_on: so.Mapped[date | None]
    first_start_on: so.Mapped[date | None]
    first_wage_cents: so.Mapped[int | None]

    # Whether Today flags the client for the team's review, when a query asks
    # (coach.today.services.team_review_flag): the client page reads it with the client.
    flagged_for_review: so.Mapped[bool | None] = so.query_expression()

    coach: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821
    placements: so.Mapped[list["Placement"]] = so.relationship(
        back_populates="client", lazy="raise", order_by="Placement.start_date.desc()"
    )
    authorizations: so.Mapped[list["Authorization"]] = so.relationship(  # noqa: F821
        back_populates="client",
        lazy="raise",
        order_by="(Authorization.end_date.desc(), Authorization.id.desc())",
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.preferred_name, self.last_name)

    @property
    def reference(self) -> str:
        return client_reference(self.id)

    @property
    def status_label(self) -> str:
        return CLIENT_STATUSES.get(self.status, self.status)

    @property
    def disclosure_label(self) -> str:
        return DISCLOSURE_CHOICES.get(self.disclosure, self.disclosure)

    @property
    def may_be_named_to_employers(self) -> bool:
        """Whether their disclosure choice lets us name them to an employer: as a job
        seeker of a contact, or in a request for an accommodation (which itself tells
        of a disability)."""
        return self.disclosure != "none"

    @property
    def entry_date(self) -> date | None:
        """Program entry: the intake date, or the referral date before an intake."""
        return self.intake_date or self.referral_date


class Employer(db.Model):
    __tablename__ = "employers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160), index=True)
    contact_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    contact_title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    contact_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    contact_phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Job development: what the business needs, and when it hires.
    needs: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    hiring_seasons: so.Mapped[str] = so.mapped_column(sa.String(300), default="", server_default="")
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    worksites: so.Mapped[list["Worksite"]] = so.relationship(
        back_populates="employer", lazy="raise", order_by="Worksite.name"
    )
    people: so.Mapped[list["EmployerPerson"]] = so.relationship(
        back_populates="employer", lazy="raise", order_by="EmployerPerson.id"
    )


class EmployerPerson(db.Model):
    """One of an employer's contact people (besides the main contact on the employer)."""

    __tablename__ = "employer_people"
    __table_args__ = (
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_employer_people_key"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    employer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employers.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(40), default="")
    email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    employer: so.Mapped[Employer] = so.relationship(back_populates="people", lazy="raise")


class Worksite(db.Model):
    __tablename__ = "worksites"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    employer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employers.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    address: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    latitude: so.Mapped[float | None]
    longitude: so.Mapped[float | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    employer: so.Mapped[Employer] = so.relationship(back_populates="worksites", lazy="raise")

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def label(self) -> str:
        """ "Employer · Site", or the employer's name alone when the site only repeats it."""
        employer = self.employer.name
        return employer if named_alike(employer, self.name) else f"{employer} · {self.name}"


class Placement(db.Model):
    """A client's job at a worksite."""

    __tablename__ = "placements"
    __table_args__ = (
        # Outcomes: the starts and the endings of a date range, and the jobs held on a
        # day (started by then, not ended before), counted from the index alone; with
        # each job's id and pay, the pay figures of the jobs held read no job's row.
        sa.Index(
            "ix_placements_start_end",
            "start_date",
            "end_date",
            "client_id",
            "id",
            "hourly_wage_cents",
            "weekly_hours_tenths",
            "pay_changed_on",
        ),
        sa.Index("ix_placements_end_date", "end_date", "client_id"),
        # A person's jobs in start order (outcomes: the first wage, a later job held),
        # and whether they hold one on a day, read from the index alone.
        sa.Index("ix_placements_client_start", "client_id", "start_date", "end_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    worksite_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("worksites.id"), index=True)
    job_title: so.Mapped[str] = so.mapped_column(sa.String(160))
    start_date: so.Mapped[date]
    end_date: so.Mapped[date | None]
    end_reason: so.Mapped[str] = so.mapped_column(sa.String(20), default="", server_default="")
    # Money in integer cents, hours in tenths: SQLite has no exact decimal type.
    hourly_wage_cents: so.Mapped[int | None]
    weekly_hours_tenths: so.Mapped[int | None]
    # Kept from the pay history by coach/clients/pay_columns.py, so the outcome figures
    # read a job's first wage and whether its own pay is that of a given day from the row.
    start_wage_cents: so.Mapped[int | None]
    pay_changed_on: so.Mapped[date | None]  # the date of its latest pay change
    supervisor_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Benefits offered (JOB_BENEFITS), and whether it is competitive integrated employment.
    benefit_health: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    benefit_paid_leave: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    benefit_retirement: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    competitive: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    client: so.Mapped[Client] = so.relationship(back_populates="placements", lazy="raise")
    worksite: so.Mapped[Worksite] = so.relationship(lazy="raise")
    changes: so.Mapped[list["PlacementChange"]] = so.relationship(
        back_populates="placement",
        lazy="raise",
        order_by="(PlacementChange.effective_date.desc(), PlacementChange.id.desc())",
    )

    @property
    def benefit_labels(self) -> list[str]:
        return [label for key, label in JOB_BENEFITS.items() if getattr(self, f"benefit_{key}")]

    @property
    def hourly_wage(self) -> Decimal | None:
        if self.hourly_wage_cents is None:
            return None
        return Decimal(self.hourly_wage_cents) / 100

    @property
    def weekly_hours(self) -> Decimal | None:
        if self.weekly_hours_tenths is None:
            return None
        return Decimal(self.weekly_hours_tenths) / 10

    @property
    def end_reason_label(self) -> str:
        return END_REASONS.get(self.end_reason, self.end_reason)

    def is_current(self, today: date) -> bool:
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    @property
    def employer_name(self) -> str:
        return self.worksite.employer.name

    @property
    def site_name(self) -> str:
        """The work site's name, or "" when it only repeats the employer's."""
        site = self.worksite.name
        return "" if named_alike(self.employer_name, site) else site


class PlacementChange(db.Model):
    """A job's wage and hours from a date on. The first is the start's; the latest is
    what the placement's own wage and hours hold. Each row carries both values (one left
    out of the form keeps the one before), so any date's pay is one row."""

    __tablename__ = "placement_changes"
    __table_args__ = (
        sa.Index("ix_placement_changes_placement_date", "placement_id", "effective_date", "id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_placement_changes_idempotency"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    placement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("placements.id"))
    effective_date: so.Mapped[date]
    hourly_wage_cents: so.Mapped[int | None]
    weekly_hours_tenths: so.Mapped[int | None]
    # Empty for the start rows the migration made from jobs recorded before the history.
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    placement: so.Mapped[Placement] = so.relationship(back_populates="changes", lazy="raise")
    created_by: so.Mapped["User | None"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def hourly_wage(self) -> Decimal | None:
        return None if self.hourly_wage_cents is None else Decimal(self.hourly_wage_cents) / 100

    @property
    def weekly_hours(self) -> Decimal | None:
        return None if self.weekly_hours_tenths is None else Decimal(self.weekly_hours_tenths) / 10


# An employer where no client of ours has (or had) a job is a prospect. Read with every
# employer: one EXISTS on two indexed foreign keys.
Employer.has_placement = so.column_property(
    sa.exists()
    .where(Worksite.employer_id == Employer.id, Placement.worksite_id == Worksite.id)
    .correlate_except(Worksite, Placement)
)
