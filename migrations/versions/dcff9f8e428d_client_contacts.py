"""Today: client contacts (calls, texts, emails, meetings that are not visits), job
problems and losses (placement events), why a job ended, the follow-along rhythm, the
weekly digest

Revision ID: dcff9f8e428d
Revises: b04b66c7c5e6
Create Date: 2026-11-30 06:17:31.353052

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "dcff9f8e428d"
down_revision = "b04b66c7c5e6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("happened_at", sa.DateTime(), nullable=False),
        sa.Column("family_permission", sa.Boolean(), nullable=False),
        sa.Column("with_employer", sa.Boolean(), nullable=False),
        sa.Column("reached", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["coach_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_client_contacts_idempotency"
        ),
    )
    with op.batch_alter_table("client_contacts") as batch:
        batch.create_index(
            "ix_client_contacts_client_at", ["client_id", "happened_at", "id"], unique=False
        )
        batch.create_index("ix_client_contacts_coach_id", ["coach_id"], unique=False)
        batch.create_index("ix_client_contacts_created_by_id", ["created_by_id"], unique=False)
    op.create_table(
        "placement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("happened_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"]),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_placement_events_idempotency"
        ),
    )
    with op.batch_alter_table("placement_events") as batch:
        batch.create_index(
            "ix_placement_events_client_at", ["client_id", "happened_at", "id"], unique=False
        )
        batch.create_index("ix_placement_events_placement_id", ["placement_id"], unique=False)
        batch.create_index("ix_placement_events_created_by_id", ["created_by_id"], unique=False)
    with op.batch_alter_table("placements") as batch:
        batch.add_column(
            sa.Column("end_reason", sa.String(length=20), server_default="", nullable=False)
        )
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("contact_every_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("weekly_digest", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))
    with op.batch_alter_table("agency_settings") as batch:
        batch.add_column(
            sa.Column("weekly_contact_weeks", sa.Integer(), server_default="4", nullable=False)
        )
        batch.add_column(
            sa.Column("later_contact_days", sa.Integer(), server_default="30", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest_sent_on")
        batch.drop_column("weekly_digest")
    with op.batch_alter_table("agency_settings") as batch:
        batch.drop_column("later_contact_days")
        batch.drop_column("weekly_contact_weeks")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("contact_every_days")
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("end_reason")
    op.drop_table("placement_events")
    op.drop_table("client_contacts")
