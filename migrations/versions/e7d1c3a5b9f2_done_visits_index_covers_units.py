"""The done-visits index also holds service units: a day's sums read the index alone

coach/visits/days.py sums a day's visits again after each visit written; without the
units in the index it read every visit row of the day (232 ms for a day of 120,000
visits at XL, in every visit save).

Revision ID: e7d1c3a5b9f2
Revises: c4e9a1b7d2f0
Create Date: 2026-12-01 05:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7d1c3a5b9f2"
down_revision = "c4e9a1b7d2f0"
branch_labels = None
depends_on = None

DONE = sa.text("ended_at IS NOT NULL AND deleted_at IS NULL")
BEFORE = ["started_at", "contact_type", "duration_minutes", "client_id", "ended_at", "deleted_at"]


def _index(columns):
    op.create_index(
        "ix_visits_done_started",
        "visits",
        columns,
        sqlite_where=DONE,
        postgresql_where=DONE,
    )


def upgrade():
    op.drop_index("ix_visits_done_started", table_name="visits")
    _index([*BEFORE, "service_units"])


def downgrade():
    op.drop_index("ix_visits_done_started", table_name="visits")
    _index(BEFORE)
