"""Job-support plans, natural supports, fading weeks and linked accommodation requests

Revision ID: 9394e2decf30
Revises: f5a409745ba5
Create Date: 2026-11-30 12:08:16

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9394e2decf30"
down_revision = "f5a409745ba5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "support_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("supports_needed", sa.Text(), server_default="", nullable=False),
        sa.Column("handoff_date", sa.Date(), nullable=True),
        sa.Column("handed_off", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_support_plans_idempotency"
        ),
        sa.UniqueConstraint("placement_id", name="uq_support_plans_placement"),
    )
    with op.batch_alter_table("support_plans") as batch:
        batch.create_index("ix_support_plans_client_id", ["client_id"], unique=False)
        batch.create_index("ix_support_plans_created_by_id", ["created_by_id"], unique=False)
    op.create_table(
        "natural_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("support_plan_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=120), server_default="", nullable=False),
        sa.Column("helps_with", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["support_plan_id"], ["support_plans.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_natural_supports_idempotency"
        ),
    )
    with op.batch_alter_table("natural_supports") as batch:
        batch.create_index("ix_natural_supports_support_plan_id", ["support_plan_id"], unique=False)
        batch.create_index("ix_natural_supports_created_by_id", ["created_by_id"], unique=False)
    op.create_table(
        "fading_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("support_plan_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("planned_tenths", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "planned_tenths >= 0 AND planned_tenths <= 800", name="ck_fading_weeks_hours"
        ),
        sa.ForeignKeyConstraint(["support_plan_id"], ["support_plans.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("support_plan_id", "week", name="uq_fading_weeks_week"),
    )
    op.create_table(
        "support_plan_requests",
        sa.Column("support_plan_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["support_plan_id"], ["support_plans.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["accommodation_requests.id"]),
        sa.PrimaryKeyConstraint("support_plan_id", "request_id"),
    )


def downgrade():
    op.drop_table("support_plan_requests")
    op.drop_table("fading_weeks")
    with op.batch_alter_table("natural_supports") as batch:
        batch.drop_index("ix_natural_supports_created_by_id")
        batch.drop_index("ix_natural_supports_support_plan_id")
    op.drop_table("natural_supports")
    with op.batch_alter_table("support_plans") as batch:
        batch.drop_index("ix_support_plans_created_by_id")
        batch.drop_index("ix_support_plans_client_id")
    op.drop_table("support_plans")
