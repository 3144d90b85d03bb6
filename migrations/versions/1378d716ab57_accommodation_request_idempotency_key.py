"""accommodation request idempotency key

Revision ID: 1378d716ab57
Revises: 5a1c0f7e2b93
Create Date: 2026-11-30 06:12:36.269803

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1378d716ab57'
down_revision = '5a1c0f7e2b93'
branch_labels = None
depends_on = None


def upgrade():
    # Requests written before this have no key (NULLs never clash in a unique constraint).
    with op.batch_alter_table("accommodation_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_requests_idempotency", ["created_by_id", "idempotency_key"]
        )


def downgrade():
    with op.batch_alter_table("accommodation_requests", schema=None) as batch_op:
        batch_op.drop_constraint("uq_requests_idempotency", type_="unique")
        batch_op.drop_column("idempotency_key")
