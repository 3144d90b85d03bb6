"""trips by coach and id: a coach's latest trips

Revision ID: 785ad1e39da0
Revises: d70e3d6c78d5
Create Date: 2026-11-23 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '785ad1e39da0'
down_revision = 'd70e3d6c78d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_trips_coach_id', 'trips', ['coach_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_trips_coach_id', table_name='trips')
