"""open and done visit indexes: the client page reads them, not every visit's row

Revision ID: 5a1c0f7e2b93
Revises: 785ad1e39da0
Create Date: 2026-11-28 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c0f7e2b93'
down_revision = '785ad1e39da0'
branch_labels = None
depends_on = None

OPEN = sa.text('ended_at IS NULL AND deleted_at IS NULL')
DONE = sa.text('ended_at IS NOT NULL AND deleted_at IS NULL')


def upgrade():
    # The same indexes as coach.models.visit.Visit.__table_args__.
    op.create_index(
        'ix_visits_open',
        'visits',
        ['created_by_id', 'client_id', 'started_at', 'ended_at', 'deleted_at'],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        'ix_visits_client_done',
        'visits',
        ['client_id', 'started_at', 'duration_minutes', 'service_units', 'ended_at', 'deleted_at'],
        sqlite_where=DONE,
        postgresql_where=DONE,
    )


def downgrade():
    op.drop_index('ix_visits_client_done', table_name='visits')
    op.drop_index('ix_visits_open', table_name='visits')
