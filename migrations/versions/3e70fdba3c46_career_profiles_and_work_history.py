"""Career profiles (the IPS vocational profile) and the work history

Revision ID: 3e70fdba3c46
Revises: c867444b5dee
Create Date: 2026-11-30 10:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "3e70fdba3c46"
down_revision = "c867444b5dee"
branch_labels = None
depends_on = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), server_default="", nullable=False)


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)


def upgrade():
    op.create_table(
        "career_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        _text("kinds_of_work"),
        sa.Column("wanted_hours_tenths", sa.Integer(), nullable=True),
        sa.Column("shifts", sa.String(length=200), server_default="", nullable=False),
        _text("settings_to_avoid"),
        _text("strengths"),
        _text("skills"),
        _text("education"),
        _text("barriers"),
        _text("supports"),
        sa.Column("transport", sa.String(length=300), server_default="", nullable=False),
        sa.Column("travel_training", sa.String(length=20), server_default="", nullable=False),
        _flag("ssi"),
        _flag("ssdi"),
        _flag("medicaid"),
        _flag("snap"),
        _flag("housing"),
        sa.Column("benefits_referral_on", sa.Date(), nullable=True),
        _text("benefits_result"),
        _flag("reports_earnings_monthly"),
        sa.Column("earnings_report_due", sa.Date(), nullable=True),
        _text("disclosure_reasons"),
        sa.Column("disclosure_agreed_on", sa.Date(), nullable=True),
        sa.Column("family_permission", sa.String(length=10), server_default="", nullable=False),
        sa.Column("family_names", sa.String(length=300), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", name="uq_career_profiles_client_id"),
    )
    op.create_table(
        "past_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("employer_name", sa.String(length=160), nullable=False),
        sa.Column("job_title", sa.String(length=160), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("why_ended", sa.String(length=300), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_past_jobs_idempotency"),
    )
    with op.batch_alter_table("past_jobs") as batch:
        batch.create_index(
            "ix_past_jobs_client_started", ["client_id", "started_on", "id"], unique=False
        )
        batch.create_index("ix_past_jobs_created_by_id", ["created_by_id"], unique=False)


def downgrade():
    with op.batch_alter_table("past_jobs") as batch:
        batch.drop_index("ix_past_jobs_created_by_id")
        batch.drop_index("ix_past_jobs_client_started")
    op.drop_table("past_jobs")
    op.drop_table("career_profiles")
