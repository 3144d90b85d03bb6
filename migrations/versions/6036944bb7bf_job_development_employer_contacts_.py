"""job development: employer contacts, contact people, needs, weekly target

Revision ID: 6036944bb7bf
Revises: 1378d716ab57
Create Date: 2026-11-30 05:42:50.915212

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6036944bb7bf'
down_revision = '1378d716ab57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('employers') as batch:
        batch.add_column(sa.Column('needs', sa.Text(), nullable=False, server_default=''))
        batch.add_column(
            sa.Column('hiring_seasons', sa.String(length=300), nullable=False, server_default='')
        )
    with op.batch_alter_table('agency_settings') as batch:
        batch.add_column(
            sa.Column('weekly_contact_target', sa.Integer(), nullable=False, server_default='6')
        )
    op.create_table(
        'employer_people',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['employer_id'], ['employers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('created_by_id', 'idempotency_key', name='uq_employer_people_key'),
    )
    op.create_index('ix_employer_people_employer_id', 'employer_people', ['employer_id'])
    op.create_index('ix_employer_people_created_by_id', 'employer_people', ['created_by_id'])
    op.create_table(
        'employer_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('contact_date', sa.Date(), nullable=False),
        sa.Column('person_met', sa.String(length=120), nullable=False),
        sa.Column('method', sa.String(length=12), nullable=False),
        sa.Column('purpose', sa.String(length=24), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('next_step', sa.String(length=300), nullable=False),
        sa.Column('next_step_date', sa.Date(), nullable=True),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['employer_id'], ['employers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint(
            'created_by_id', 'idempotency_key', name='uq_employer_contacts_idempotency'
        ),
    )
    # The same indexes as coach.models.jobdev.EmployerContact.__table_args__.
    op.create_index(
        'ix_employer_contacts_coach_date',
        'employer_contacts',
        ['created_by_id', 'contact_date', 'id'],
    )
    op.create_index(
        'ix_employer_contacts_date', 'employer_contacts', ['contact_date', 'created_by_id']
    )
    op.create_index(
        'ix_employer_contacts_employer_date', 'employer_contacts', ['employer_id', 'contact_date']
    )
    op.create_table(
        'employer_contact_clients',
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['employer_contacts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('contact_id', 'client_id'),
    )
    op.create_index(
        'ix_employer_contact_clients_client_id', 'employer_contact_clients', ['client_id']
    )


def downgrade():
    op.drop_index('ix_employer_contact_clients_client_id', table_name='employer_contact_clients')
    op.drop_table('employer_contact_clients')
    op.drop_index('ix_employer_contacts_employer_date', table_name='employer_contacts')
    op.drop_index('ix_employer_contacts_date', table_name='employer_contacts')
    op.drop_index('ix_employer_contacts_coach_date', table_name='employer_contacts')
    op.drop_table('employer_contacts')
    op.drop_index('ix_employer_people_created_by_id', table_name='employer_people')
    op.drop_index('ix_employer_people_employer_id', table_name='employer_people')
    op.drop_table('employer_people')
    with op.batch_alter_table('agency_settings') as batch:
        batch.drop_column('weekly_contact_target')
    with op.batch_alter_table('employers') as batch:
        batch.drop_column('hiring_seasons')
        batch.drop_column('needs')
