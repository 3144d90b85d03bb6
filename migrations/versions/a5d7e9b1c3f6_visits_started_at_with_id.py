"""Every coach's visits indexed by start time and id

The supervisor's visit list orders every coach's visits by start time, then id. With
only the start time in the index, PostgreSQL sorted every visit of the newest start
time to show 26 (the bench at XL: 5,049 visits at one minute, 61 ms); with the id the
page is read off the index. (SQLite's indexes end with the row id already.)

Revision ID: a5d7e9b1c3f6
Revises: f7c9a3e5b2d4
Create Date: 2026-12-02 01:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a5d7e9b1c3f6"
down_revision = "f7c9a3e5b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_visits_started_at", table_name="visits")
    op.create_index("ix_visits_started_at", "visits", ["started_at", "id"])


def downgrade():
    op.drop_index("ix_visits_started_at", table_name="visits")
    op.create_index("ix_visits_started_at", "visits", ["started_at"])
