"""The kept milestone days indexed by state first, then day and job

Each section of the list of milestones to claim (due, reached, claimed) is a state and
a range of days. Indexed by day first, a day that many jobs reach (10,000 at XL) had to
be read whole, joined and sorted by name before its first 50 rows: 82 ms. Indexed by
state, day and job, each section reads its first rows in order and stops.

Revision ID: c4e9a2d6f8b3
Revises: a3c8e5f1b7d9
Create Date: 2026-12-01 13:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e9a2d6f8b3"
down_revision = "a3c8e5f1b7d9"
branch_labels = None
depends_on = None

COLUMNS = ["claimed", "reached_on", "placement_id", "milestone_id", "client_id"]


def upgrade():
    op.create_index("ix_milestone_reaches_section", "milestone_reaches", COLUMNS)
    op.drop_index("ix_milestone_reaches_day", table_name="milestone_reaches")


def downgrade():
    op.create_index(
        "ix_milestone_reaches_day", "milestone_reaches", ["reached_on", "claimed", "client_id"]
    )
    op.drop_index("ix_milestone_reaches_section", table_name="milestone_reaches")
