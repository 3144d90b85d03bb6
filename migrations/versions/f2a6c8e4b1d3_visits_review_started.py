"""Visits indexed by review status and start time, for a batch's marking of its month

A billing batch marks the month's approved visits. SQLite, without statistics, found
them through the note review queue's index (review status first, then coach): every
approved visit of the agency, billed ones included, which grows month after month.
With the start time beside the status it reads the month's approved visits alone.

Revision ID: f2a6c8e4b1d3
Revises: d5f1b3a7c9e2
Create Date: 2026-12-01 17:05:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f2a6c8e4b1d3"
down_revision = "d5f1b3a7c9e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_visits_review_started", "visits", ["review_status", "started_at"])


def downgrade():
    op.drop_index("ix_visits_review_started", table_name="visits")
