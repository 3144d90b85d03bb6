"""The individual employment plan: goals → objectives → action steps, versioned, signed by
the person on the coach's phone."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

ACTION_WHO = {"person": "The person", "coach": "The coach", "other": "Someone else"}


def _idempotent(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("created_by_id", "idempotency_key", name=f"uq_{table}_idempotency")


class EmploymentPlan(db.Model):
    """A person's plan. `version` is the version being written; `signed_version` the last
    one the person signed. A change to a signed version starts the next one."""

    __tablename__ = "employment_plans"
    __table_args__ = (
        _idempotent("employment_plans"),
        sa.Index("ix_employment_plans_client_start", "client_id", "start_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    start_date: so.Mapped[date]
    review_date: so.Mapped[date] = so.mapped_column(index=True)
    version: so.Mapped[int] = so.mapped_column(default=1)
    signed_version: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
    goals: so.Mapped[list["PlanGoal"]] = so.relationship(
        back_populates="plan", lazy="raise", order_by="PlanGoal.id"
    )

    @property
    def is_signed(self) -> bool:
        """The version being written is the one the person signed."""
        return self.signed_version == self.version


class PlanGoal(db.Model):
    __tablename__ = "plan_goals"
    __table_args__ = (_idempotent("plan_goals"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employment_plans.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    plan: so.Mapped[EmploymentPlan] = so.relationship(back_populates="goals", lazy="raise")
    objectives: so.Mapped[list["PlanObjective"]] = so.relationship(
        back_populates="goal",
        lazy="raise",
        order_by="[PlanObjective.target_date, PlanObjective.id]",
    )


class PlanObjective(db.Model):
    """Something measurable, by a target date, that serves one goal."""

    __tablename__ = "plan_objectives"
    __table_args__ = (_idempotent("plan_objectives"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employment_plans.id"), index=True)
    goal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan_goals.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    target_date: so.Mapped[date]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    plan: so.Mapped[EmploymentPlan] = so.relationship(lazy="raise")
    goal: so.Mapped[PlanGoal] = so.relationship(back_populates="objectives", lazy="raise")
    actions: so.Mapped[list["PlanAction"]] = so.relationship(
        back_populates="objective", lazy="raise", order_by="[PlanAction.due_date, PlanAction.id]"
    )


class PlanAction(db.Model):
    """An action step: who does what by when, and when it was done."""

    __tablename__ = "plan_actions"
    __table_args__ = (
        _idempotent("plan_actions"),
        sa.Index("ix_plan_actions_open_due", "done_on", "due_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employment_plans.id"), index=True)
    objective_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan_objectives.id"), index=True)
    # The plan's client, kept here for Today's rule of steps due (coach/today/kept.py
    # writes a client's items again when a record with their client_id changes).
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    who: so.Mapped[str] = so.mapped_column(sa.String(10), default="person")
    who_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    due_date: so.Mapped[date]
    done_on: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    plan: so.Mapped[EmploymentPlan] = so.relationship(lazy="raise")
    objective: so.Mapped[PlanObjective] = so.relationship(back_populates="actions", lazy="raise")

    @property
    def who_label(self) -> str:
        if self.who == "other" and self.who_name:
            return self.who_name
        return ACTION_WHO.get(self.who, self.who)


class PlanSignature(db.Model):
    """The person's signature of one version (ESIGN/UETA, coach.signing's fields), taken on
    the coach's phone. Written once; there is no code path that changes it."""

    __tablename__ = "plan_signatures"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "document_version", name="uq_plan_signatures_version"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("employment_plans.id"))
    witnessed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    document_version: so.Mapped[int]
    document_text: so.Mapped[str] = so.mapped_column(sa.Text)
    document_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    signer_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    signed_on: so.Mapped[date]
    consent_text: so.Mapped[str] = so.mapped_column(sa.Text)
    consented: so.Mapped[bool]
    signed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ip: so.Mapped[str] = so.mapped_column(sa.String(45), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(300), default="")

    plan: so.Mapped[EmploymentPlan] = so.relationship(lazy="raise")
    witnessed_by: so.Mapped["User"] = so.relationship(lazy="raise")  # noqa: F821
