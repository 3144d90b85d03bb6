"""Jobs indexed with their end date, so the jobs held on a day are read from the index

A job is held on a day when it started by then and did not end before it. The outcomes
count the jobs held over every caseload (the records behind the pay figure), and ask
per client whether they hold one (the caseload's employed, a later job held in the wage
progression). Indexed without the end date, each job's row was read for it: at XL
(31,000 jobs) the pay records' count took 32 ms, the caseload figure 54 ms.

Revision ID: d5f1b3a7c9e2
Revises: c4e9a2d6f8b3
Create Date: 2026-12-01 16:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d5f1b3a7c9e2"
down_revision = "c4e9a2d6f8b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_placements_start_end", "placements", ["start_date", "end_date", "client_id"])
    op.drop_index("ix_placements_start_date", table_name="placements")
    op.drop_index("ix_placements_client_start", table_name="placements")
    op.create_index(
        "ix_placements_client_start", "placements", ["client_id", "start_date", "end_date"]
    )


def downgrade():
    op.create_index("ix_placements_start_date", "placements", ["start_date", "client_id"])
    op.drop_index("ix_placements_start_end", table_name="placements")
    op.drop_index("ix_placements_client_start", table_name="placements")
    op.create_index("ix_placements_client_start", "placements", ["client_id", "start_date", "id"])
