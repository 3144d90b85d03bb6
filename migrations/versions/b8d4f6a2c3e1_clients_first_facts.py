"""A client's first employer contact, first job start and first wage, kept on their row

coach/outcomes/firsts.py keeps them with the records; here they are filled from the
records already there. The outcome figures read them instead of looking up each person's
contacts and jobs.

Revision ID: b8d4f6a2c3e1
Revises: a7c3e5f1d2b0
Create Date: 2026-12-01 01:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d4f6a2c3e1"
down_revision = "a7c3e5f1d2b0"
branch_labels = None
depends_on = None

clients = sa.table(
    "clients",
    sa.column("id", sa.Integer),
    sa.column("intake_date", sa.Date),
    sa.column("referral_date", sa.Date),
    sa.column("first_contact_on", sa.Date),
    sa.column("first_start_on", sa.Date),
    sa.column("first_wage_cents", sa.Integer),
)
contacts = sa.table("employer_contacts", sa.column("id"), sa.column("contact_date", sa.Date))
links = sa.table("employer_contact_clients", sa.column("contact_id"), sa.column("client_id"))
jobs = sa.table(
    "placements",
    sa.column("id"),
    sa.column("client_id"),
    sa.column("start_date", sa.Date),
    sa.column("start_wage_cents", sa.Integer),
)


def upgrade():
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("first_contact_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("first_start_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("first_wage_cents", sa.Integer(), nullable=True))
    entry = sa.func.coalesce(clients.c.intake_date, clients.c.referral_date)
    first_contact = (
        sa.select(sa.func.min(contacts.c.contact_date))
        .join(links, links.c.contact_id == contacts.c.id)
        .where(links.c.client_id == clients.c.id, contacts.c.contact_date >= entry)
        .scalar_subquery()
    )
    first_start = (
        sa.select(sa.func.min(jobs.c.start_date))
        .where(jobs.c.client_id == clients.c.id, jobs.c.start_date >= entry)
        .scalar_subquery()
    )
    first_wage = (
        sa.select(jobs.c.start_wage_cents)
        .where(jobs.c.client_id == clients.c.id, jobs.c.start_wage_cents.is_not(None))
        .order_by(jobs.c.start_date, jobs.c.id)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        clients.update().values(
            first_contact_on=first_contact, first_start_on=first_start, first_wage_cents=first_wage
        )
    )


def downgrade():
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("first_wage_cents")
        batch.drop_column("first_start_on")
        batch.drop_column("first_contact_on")
