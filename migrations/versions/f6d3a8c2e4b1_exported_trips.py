"""An approved trip exported for finance as a row of exported_trips, not its status

Exporting a month set each approved trip's status to "exported": an UPDATE that rewrote
100,000 trips and their 10 index entries each (7.8 s of PostgreSQL's CPU at L). An
export now inserts a narrow row per trip. Trips exported before keep their status.

Revision ID: f6d3a8c2e4b1
Revises: e2b7c5d1a9f3
Create Date: 2026-12-01 06:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f6d3a8c2e4b1"
down_revision = "e2b7c5d1a9f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "exported_trips",
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trip_id"], ["trips.id"], name=op.f("fk_exported_trips_trip_id_trips")
        ),
        sa.PrimaryKeyConstraint("trip_id", name=op.f("pk_exported_trips")),
    )


def downgrade():
    op.execute(
        "UPDATE trips SET status = 'exported', exported_at = "
        "(SELECT exported_at FROM exported_trips WHERE exported_trips.trip_id = trips.id) "
        "WHERE id IN (SELECT trip_id FROM exported_trips)"
    )
    op.drop_table("exported_trips")
