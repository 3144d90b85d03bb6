"""A client's jobs by start date: one index instead of the client_id one

The outcome figures look up each person's jobs in start-date order (their first wage,
and whether a later job is held): ix_placements_client_start serves that and every
lookup by client that ix_placements_client_id served.

Revision ID: a7c3e5f1d2b0
Revises: 5c1e0d7a9b42
Create Date: 2026-12-01 00:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e5f1d2b0"
down_revision = "5c1e0d7a9b42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_placements_client_start", "placements", ["client_id", "start_date", "id"])
    op.drop_index("ix_placements_client_id", table_name="placements")


def downgrade():
    op.create_index("ix_placements_client_id", "placements", ["client_id"])
    op.drop_index("ix_placements_client_start", table_name="placements")
