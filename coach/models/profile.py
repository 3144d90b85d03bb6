"""The career profile (the IPS vocational profile): who the person is and what work they
want, kept up to date section by section, and their work history."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

TRAVEL_TRAINING = {
    "": "Not assessed yet",
    "not_needed": "Not needed",
    "needed": "Needed",
    "in_progress": "In progress",
    "done": "Done: travels on their own",
}
FAMILY_PERMISSION = {
    "": "Not asked yet",
    "yes": "Yes, we may involve family",
    "no": "No, do not involve family",
}
BENEFITS = {
    "ssi": "SSI",
    "ssdi": "SSDI",
    "medicaid": "Medicaid",
    "snap": "SNAP",
    "housing": "Housing assistance",
}


class CareerProfile(db.Model):
    """One per client, made by the first saved section. The disclosure choice itself stays
    on Client (employers' views read it there); `disclosure` here reads and writes it, so
    the profile's audited edit names it with the person's reasons."""

    __tablename__ = "career_profiles"
    __table_args__ = (sa.UniqueConstraint("client_id", name="uq_career_profiles_client_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    # Work preferences
    kinds_of_work: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    wanted_hours_tenths: so.Mapped[int | None]
    shifts: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    settings_to_avoid: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Strengths, skills, education, barriers
    strengths: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    skills: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    education: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    barriers: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    supports: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Transport
    transport: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    travel_training: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    # Benefits
    ssi: so.Mapped[bool] = so.mapped_column(default=False)
    ssdi: so.Mapped[bool] = so.mapped_column(default=False)
    medicaid: so.Mapped[bool] = so.mapped_column(default=False)
    snap: so.Mapped[bool] = so.mapped_column(default=False)
    housing: so.Mapped[bool] = so.mapped_column(default=False)
    benefits_referral_on: so.Mapped[date | None]
    benefits_result: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reports_earnings_monthly: so.Mapped[bool] = so.mapped_column(default=False)
    # The next monthly earnings report the coach helps with (Today's reminder).
    earnings_report_due: so.Mapped[date | None]
    # Disclosure (the choice itself is Client.disclosure)
    disclosure_reasons: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    disclosure_agreed_on: so.Mapped[date | None]
    # Family
    family_permission: so.Mapped[str] = so.mapped_column(sa.String(10), default="")
    family_names: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821

    @property
    def wanted_hours(self) -> Decimal | None:
        if self.wanted_hours_tenths is None:
            return None
        return Decimal(self.wanted_hours_tenths) / 10

    @wanted_hours.setter
    def wanted_hours(self, value: Decimal | None) -> None:
        self.wanted_hours_tenths = (
            None if value is None else int((value * 10).quantize(Decimal(1), ROUND_HALF_UP))
        )

    @property
    def disclosure(self) -> str:
        return self.client.disclosure

    @disclosure.setter
    def disclosure(self, value: str) -> None:
        self.client.disclosure = value

    @property
    def travel_training_label(self) -> str:
        return TRAVEL_TRAINING.get(self.travel_training, self.travel_training)

    @property
    def family_permission_label(self) -> str:
        return FAMILY_PERMISSION.get(self.family_permission, self.family_permission)

    @property
    def benefit_labels(self) -> list[str]:
        return [label for name, label in BENEFITS.items() if getattr(self, name)]


class PastJob(db.Model):
    """One entry of the person's work history: where, what, when, and why it ended."""

    __tablename__ = "past_jobs"
    __table_args__ = (
        sa.Index("ix_past_jobs_client_started", "client_id", "started_on", "id"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_past_jobs_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    employer_name: so.Mapped[str] = so.mapped_column(sa.String(160))
    job_title: so.Mapped[str] = so.mapped_column(sa.String(160))
    started_on: so.Mapped[date | None]
    ended_on: so.Mapped[date | None]
    why_ended: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
