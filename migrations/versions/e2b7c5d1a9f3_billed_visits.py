"""A visit billed in a batch as a row of billed_visits, not a column of the visit

Exporting a month marked each of its visits with the batch: an UPDATE that rewrote
100,000 visits and their 18 index entries each (13 s of PostgreSQL's CPU at L). A batch
now inserts a narrow row per visit. The visits already billed get their row here, and
visits.billing_batch_id goes.

Revision ID: e2b7c5d1a9f3
Revises: e7d1c3a5b9f2
Create Date: 2026-12-01 06:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e2b7c5d1a9f3"
down_revision = "e7d1c3a5b9f2"
branch_labels = None
depends_on = None

# SQLite's batch mode rebuilds `visits`, and Alembic cannot reflect an index on an
# expression, so the rebuild would lose ix_visits_review: drop it before and make it
# again after (as migration d7bbead4e347 does). PostgreSQL alters the table in place.
REVIEW_INDEX = ["review_status", sa.text("(review_flags = '')"), "coach_id", "started_at", "id"]


def drop_review_index_on_sqlite() -> bool:
    if op.get_bind().dialect.name != "sqlite":
        return False
    op.drop_index("ix_visits_review", table_name="visits")
    return True


def upgrade():
    op.create_table(
        "billed_visits",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["billing_batches.id"],
            name=op.f("fk_billed_visits_batch_id_billing_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_billed_visits_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_billed_visits")),
    )
    op.create_index("ix_billed_visits_batch_id", "billed_visits", ["batch_id"])
    op.execute(
        "INSERT INTO billed_visits (visit_id, batch_id) "
        "SELECT id, billing_batch_id FROM visits WHERE billing_batch_id IS NOT NULL"
    )
    rebuilt = drop_review_index_on_sqlite()
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_index("ix_visits_billing_batch_id")
        batch_op.drop_constraint("fk_visits_billing_batch_id_billing_batches", type_="foreignkey")
        batch_op.drop_column("billing_batch_id")
    if rebuilt:
        op.create_index("ix_visits_review", "visits", REVIEW_INDEX)


def downgrade():
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
    if rebuilt:
        op.create_index("ix_visits_review", "visits", REVIEW_INDEX)
    op.execute(
        "UPDATE visits SET billing_batch_id = "
        "(SELECT batch_id FROM billed_visits WHERE billed_visits.visit_id = visits.id)"
    )
    op.drop_table("billed_visits")
