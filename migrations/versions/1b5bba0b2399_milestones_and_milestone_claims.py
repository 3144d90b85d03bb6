"""Milestones per funder, and the claims supervisors mark against them

Revision ID: 1b5bba0b2399
Revises: d7bbead4e347
Create Date: 2026-11-30 15:28:41

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1b5bba0b2399"
down_revision = "d7bbead4e347"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("service_type_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["funder_id"], ["funders.id"], name="fk_milestones_funder_id_funders"
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_types.id"],
            name="fk_milestones_service_type_id_service_types",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name="fk_milestones_created_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_milestones"),
        sa.UniqueConstraint("funder_id", "days", name="uq_milestones_funder_days"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name="uq_milestones_idempotency"),
    )
    with op.batch_alter_table("milestones") as batch:
        batch.create_index("ix_milestones_funder_id", ["funder_id"])
        batch.create_index("ix_milestones_service_type_id", ["service_type_id"])
        batch.create_index("ix_milestones_created_by_id", ["created_by_id"])

    op.create_table(
        "milestone_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name="fk_milestone_claims_placement_id_placements"
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"], ["milestones.id"], name="fk_milestone_claims_milestone_id_milestones"
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"], ["users.id"], name="fk_milestone_claims_claimed_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_milestone_claims"),
        sa.UniqueConstraint("placement_id", "milestone_id", name="uq_milestone_claims_once"),
    )
    with op.batch_alter_table("milestone_claims") as batch:
        batch.create_index("ix_milestone_claims_placement_id", ["placement_id"])
        batch.create_index("ix_milestone_claims_milestone_id", ["milestone_id"])
        batch.create_index("ix_milestone_claims_claimed_by_id", ["claimed_by_id"])
        batch.create_index("ix_milestone_claims_claimed_at", ["claimed_at"])


def downgrade():
    op.drop_table("milestone_claims")
    op.drop_table("milestones")
