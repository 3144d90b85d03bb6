"""Visit review: status, reviewer, time and comment

Revision ID: 1f31fb9383de
Revises: 9394e2decf30
Create Date: 2026-11-30 15:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1f31fb9383de"
down_revision = "9394e2decf30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(
            sa.Column(
                "review_status", sa.String(length=10), server_default="pending", nullable=False
            )
        )
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("review_comment", sa.String(length=1000), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            "fk_visits_reviewed_by_id_users", "users", ["reviewed_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_constraint("fk_visits_reviewed_by_id_users", type_="foreignkey")
        batch_op.drop_column("review_comment")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("review_status")
