"""A funder's month of billing sums indexed by service before client

The billing preview sums a funder's month per service, then applies each service's
rate once. With the service before the client in the index, the sums per service are
read in the index's order, with no sort (XL, 30,000 clients in the month: 18-20 → 14 ms
of SQL, which the five sums themselves take). The batch's update of a client's row finds it by the whole key either way.

Revision ID: d8a2f4c6b1e3
Revises: b7e3d9f1a5c2
Create Date: 2026-12-02 00:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d8a2f4c6b1e3"
down_revision = "b7e3d9f1a5c2"
branch_labels = None
depends_on = None

SUMS = ["ready", "ready_units", "waiting", "not_billable", "billed"]


def upgrade():
    op.drop_index("ix_billing_months_month", table_name="billing_months")
    op.create_index(
        "ix_billing_months_month",
        "billing_months",
        ["month_start", "funder_id", "service_type_id", "client_id", *SUMS],
    )


def downgrade():
    op.drop_index("ix_billing_months_month", table_name="billing_months")
    op.create_index(
        "ix_billing_months_month",
        "billing_months",
        ["month_start", "funder_id", "client_id", "service_type_id", *SUMS],
    )
