"""Service rates by month: a visit is priced at the rate of the month it was given in

A service type had one rate, read when a month was exported: a new contract rate
entered on July 1 priced June's claims at July's rate. Rates now start on the first
day of a month (`service_rates`); each service's rate so far becomes its rate from the
start, and the column it was kept in goes.

Revision ID: d4a6c8e0f2b5
Revises: c3f5a7e9b2d4
Create Date: 2026-12-02 04:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a6c8e0f2b5"
down_revision = "c3f5a7e9b2d4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("rate_cents", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_types.id"],
            name=op.f("fk_service_rates_service_type_id_service_types"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_service_rates_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_rates")),
        sa.UniqueConstraint("service_type_id", "starts_on", name="uq_service_rates_month"),
    )
    op.create_index(
        op.f("ix_service_rates_created_by_id"), "service_rates", ["created_by_id"], unique=False
    )
    op.execute(
        "INSERT INTO service_rates (service_type_id, starts_on, rate_cents, created_at) "
        "SELECT id, '2000-01-01', rate_cents, CURRENT_TIMESTAMP FROM service_types "
        "WHERE rate_cents IS NOT NULL"
    )
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): copying the table, as a batch
    # operation would, is refused by the foreign keys that name it.
    op.execute("ALTER TABLE service_types DROP COLUMN rate_cents")


def downgrade():
    op.add_column("service_types", sa.Column("rate_cents", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE service_types SET rate_cents = (SELECT rate_cents FROM service_rates "
        "WHERE service_rates.service_type_id = service_types.id "
        "ORDER BY starts_on DESC LIMIT 1)"
    )
    op.drop_index(op.f("ix_service_rates_created_by_id"), table_name="service_rates")
    op.drop_table("service_rates")
