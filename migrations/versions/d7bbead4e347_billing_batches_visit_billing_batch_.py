"""Billing export: batches, each visit's batch, the funder's case number

Revision ID: d7bbead4e347
Revises: 1561e5db3634
Create Date: 2026-11-30 15:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7bbead4e347"
down_revision = "1561e5db3634"
branch_labels = None
depends_on = None


# SQLite's batch mode rebuilds `visits`, and Alembic cannot reflect an index on an
# expression, so the rebuild would lose ix_visits_review (migration 1561e5db3634):
# drop it before and make it again after. PostgreSQL alters the table in place.
REVIEW_INDEX = ["review_status", sa.text("(review_flags = '')"), "coach_id", "started_at", "id"]


def drop_review_index_on_sqlite() -> bool:
    if op.get_bind().dialect.name != "sqlite":
        return False
    op.drop_index("ix_visits_review", table_name="visits")
    return True


def upgrade():
    op.create_table(
        "billing_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("unrated", sa.Integer(), nullable=False),
        sa.Column("rows_gz", sa.LargeBinary(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["funder_id"], ["funders.id"]),
        sa.ForeignKeyConstraint(["reopened_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_billing_batches_idempotency"
        ),
    )
    with op.batch_alter_table("billing_batches") as batch_op:
        batch_op.create_index("ix_billing_batches_funder_month", ["funder_id", "month_start"])
        batch_op.create_index("ix_billing_batches_created_by_id", ["created_by_id"])

    rebuilt = drop_review_index_on_sqlite()
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("billing_batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_visits_billing_batch_id_billing_batches",
            "billing_batches",
            ["billing_batch_id"],
            ["id"],
        )
        batch_op.create_index("ix_visits_billing_batch_id", ["billing_batch_id"])
        batch_op.create_index(
            "ix_visits_authorization_started", ["authorization_id", "started_at"]
        )
    if rebuilt:
        op.create_index("ix_visits_review", "visits", REVIEW_INDEX)

    with op.batch_alter_table("authorizations") as batch_op:
        batch_op.add_column(
            sa.Column(
                "funder_case_number", sa.String(length=40), server_default="", nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("authorizations") as batch_op:
        batch_op.drop_column("funder_case_number")
    rebuilt = drop_review_index_on_sqlite()
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_index("ix_visits_authorization_started")
        batch_op.drop_index("ix_visits_billing_batch_id")
        batch_op.drop_constraint("fk_visits_billing_batch_id_billing_batches", type_="foreignkey")
        batch_op.drop_column("billing_batch_id")
    if rebuilt:
        op.create_index("ix_visits_review", "visits", REVIEW_INDEX)
    with op.batch_alter_table("billing_batches") as batch_op:
        batch_op.drop_index("ix_billing_batches_created_by_id")
        batch_op.drop_index("ix_billing_batches_funder_month")
    op.drop_table("billing_batches")
