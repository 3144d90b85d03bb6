"""review queue index: flagged first, then coach, date, id

Revision ID: d70e3d6c78d5
Revises: 1d393bf9e254
Create Date: 2026-11-23 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd70e3d6c78d5'
down_revision = '1d393bf9e254'
branch_labels = None
depends_on = None


def upgrade():
    # The same expression as coach.models.mileage.FLAGGED_FIRST.
    op.create_index(
        'ix_trips_review',
        'trips',
        ['status', sa.text("(flag_reason = '')"), 'coach_id', 'trip_date', 'id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_trips_review', table_name='trips')
