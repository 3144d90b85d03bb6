"""Task analyses: a job task in ordered steps, scored run by run with prompt levels."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db
from coach.timeutil import utcnow

# The standard prompt hierarchy, least help first; NA = not attempted.
PROMPT_LEVELS = {
    "I": "Independent",
    "V": "Verbal prompt",
    "G": "Gestural prompt",
    "M": "Model",
    "PP": "Partial physical",
    "FP": "Full physical",
    "NA": "Not attempted",
}

STRATEGIES = {
    "least_to_most": "Least-to-most: give the client a moment, then the least help that works.",
    "most_to_least": "Most-to-least: start with the help that guarantees success, then fade it.",
}


class TaskAnalysis(db.Model):
    __tablename__ = "task_analyses"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    placement_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("placements.id"), index=True
    )
    # The plan objective the task serves (coach/plans), if the coach linked one.
    objective_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("plan_objectives.id"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(160))
    strategy: so.Mapped[str] = so.mapped_column(sa.String(20), default="least_to_most")
    # Mastery: this share independent on this many consecutive runs.
    mastery_percent: so.Mapped[int] = so.mapped_column(default=100)
    mastery_runs: so.Mapped[int] = so.mapped_column(default=3)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    client: so.Mapped["Client"] = so.relationship(lazy="raise")  # noqa: F821
    placement: so.Mapped["Placement | None"] = so.relationship(lazy="raise")  # noqa: F821
    steps: so.Mapped[list["TaskStep"]] = so.relationship(
        back_populates="task", lazy="raise", order_by=lambda: (TaskStep.position, TaskStep.id)
    )

    @property
    def strategy_label(self) -> str:
        return STRATEGIES.get(self.strategy, self.strategy)


class TaskStep(db.Model):
    __tablename__ = "task_steps"
    __table_args__ = (sa.Index("ix_task_steps_task_position", "task_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("task_analyses.id"))
    position: so.Mapped[int]
    text: so.Mapped[str] = so.mapped_column(sa.String(300))
    # A step with scores is retired, never deleted, so past runs stay true.
    retired_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    task: so.Mapped[TaskAnalysis] = so.relationship(back_populates="steps", lazy="raise")

    @property
    def active(self) -> bool:
        return self.retired_at is None


class ChecklistRun(db.Model):
    """One go at the task, every step scored with a prompt level."""

    __tablename__ = "checklist_runs"
    __table_args__ = (
        sa.Index("ix_checklist_runs_task_started", "task_id", "started_at", "id"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_runs_idempotency"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    task_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("task_analyses.id"))
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id"), index=True)
    coach_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    visit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("visits.id"), index=True)
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    note: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")

    task: so.Mapped[TaskAnalysis] = so.relationship(lazy="raise")
    coach: so.Mapped["User"] = so.relationship(foreign_keys=[coach_id], lazy="raise")  # noqa: F821
    scores: so.Mapped[list["StepScore"]] = so.relationship(back_populates="run", lazy="raise")


class StepScore(db.Model):
    __tablename__ = "step_scores"
    __table_args__ = (sa.UniqueConstraint("run_id", "step_id", name="uq_step_scores_run_step"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    run_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("checklist_runs.id"))
    step_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("task_steps.id"), index=True)
    level: so.Mapped[str] = so.mapped_column(sa.String(2))
    scored_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    run: so.Mapped[ChecklistRun] = so.relationship(back_populates="scores", lazy="raise")


class TaskTemplate(db.Model):
    """An agency library entry: a task and its steps, copied to a client and then adapted."""

    __tablename__ = "task_templates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(160), index=True)
    strategy: so.Mapped[str] = so.mapped_column(sa.String(20), default="least_to_most")
    steps_text: so.Mapped[str] = so.mapped_column(sa.Text)  # one step per line
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def step_lines(self) -> list[str]:
        return [line.strip() for line in self.steps_text.splitlines() if line.strip()]
