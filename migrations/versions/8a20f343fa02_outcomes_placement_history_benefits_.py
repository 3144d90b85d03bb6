"""Outcomes: placement history, benefits, competitive employment, program entry

Placements get benefits offered and whether the job is competitive integrated
employment, and a history of wage and hours changes (placement_changes). Each existing
job with a wage or hours gets its start row from them (no creator: the app did not
record who typed them). Clients get a referral and an intake date; the referral date of
existing clients is filled from the (UTC) date their record was made, which is the best
the data knows; a coach corrects it on the client form.

Revision ID: 8a20f343fa02
Revises: 49a9d051bb3c
Create Date: 2026-11-30 15:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8a20f343fa02"
down_revision = "49a9d051bb3c"
branch_labels = None
depends_on = None

BENEFITS = ("benefit_health", "benefit_paid_leave", "benefit_retirement", "competitive")


def upgrade():
    with op.batch_alter_table("clients") as batch_op:
        batch_op.add_column(sa.Column("referral_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("intake_date", sa.Date(), nullable=True))
    with op.batch_alter_table("placements") as batch_op:
        for name in BENEFITS:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        batch_op.create_index("ix_placements_start_date", ["start_date", "client_id"])
        batch_op.create_index("ix_placements_end_date", ["end_date", "client_id"])
    op.create_table(
        "placement_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("hourly_wage_cents", sa.Integer(), nullable=True),
        sa.Column("weekly_hours_tenths", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_placement_changes_idempotency"
        ),
    )
    op.create_index(
        "ix_placement_changes_placement_date",
        "placement_changes",
        ["placement_id", "effective_date", "id"],
    )
    op.create_index(
        "ix_placement_changes_created_by_id", "placement_changes", ["created_by_id"]
    )
    done = sa.text("ended_at IS NOT NULL AND deleted_at IS NULL")
    op.create_index(
        "ix_visits_done_started",
        "visits",
        ["started_at", "contact_type", "duration_minutes", "client_id", "ended_at", "deleted_at"],
        sqlite_where=done,
        postgresql_where=done,
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    day_of = "date(created_at)" if sqlite else "CAST(created_at AS DATE)"
    op.execute(f"UPDATE clients SET referral_date = {day_of} WHERE referral_date IS NULL")
    op.execute(
        "INSERT INTO placement_changes (placement_id, effective_date, hourly_wage_cents,"
        " weekly_hours_tenths, created_by_id, idempotency_key, created_at)"
        " SELECT id, start_date, hourly_wage_cents, weekly_hours_tenths, NULL,"
        " 'start-' || CAST(id AS VARCHAR(20)), created_at FROM placements"
        " WHERE hourly_wage_cents IS NOT NULL OR weekly_hours_tenths IS NOT NULL"
    )


def downgrade():
    op.drop_index("ix_visits_done_started", table_name="visits")
    op.drop_index("ix_placement_changes_created_by_id", table_name="placement_changes")
    op.drop_index("ix_placement_changes_placement_date", table_name="placement_changes")
    op.drop_table("placement_changes")
    with op.batch_alter_table("placements") as batch_op:
        batch_op.drop_index("ix_placements_end_date")
        batch_op.drop_index("ix_placements_start_date")
        for name in reversed(BENEFITS):
            batch_op.drop_column(name)
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_column("intake_date")
        batch_op.drop_column("referral_date")
