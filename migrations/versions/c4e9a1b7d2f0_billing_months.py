"""Each client's visits summed per local month, funder and service for the billing preview

billing_months holds, per client, agency-local month, funder and service, the ended and
not deleted visits counted against the funder's authorizations by what a billing export
does with them: ready to bill (and their units), waiting for review, not billable,
billed. coach/billing/months.py keeps it with the visits; here it is filled from the
visits already there, a month at a time.

Revision ID: c4e9a1b7d2f0
Revises: b8d4f6a2c3e1
Create Date: 2026-12-01 05:00:00

"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e9a1b7d2f0"
down_revision = "b8d4f6a2c3e1"
branch_labels = None
depends_on = None

visits = sa.table(
    "visits",
    sa.column("client_id", sa.Integer),
    sa.column("started_at", sa.DateTime),
    sa.column("ended_at", sa.DateTime),
    sa.column("deleted_at", sa.DateTime),
    sa.column("authorization_id", sa.Integer),
    sa.column("service_type_id", sa.Integer),
    sa.column("billing_units", sa.Integer),
    sa.column("billable", sa.Boolean),
    sa.column("review_status", sa.String),
    sa.column("billing_batch_id", sa.Integer),
)
grants = sa.table("authorizations", sa.column("id", sa.Integer), sa.column("funder_id"))
COLUMNS = (
    "client_id",
    "funder_id",
    "service_type_id",
    "ready",
    "ready_units",
    "waiting",
    "not_billable",
    "billed",
    "month_start",
)


def upgrade():
    months = op.create_table(
        "billing_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=True),
        sa.Column("ready", sa.Integer(), nullable=False),
        sa.Column("ready_units", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("not_billable", sa.Integer(), nullable=False),
        sa.Column("billed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_billing_months_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"], ["funders.id"], name=op.f("fk_billing_months_funder_id_funders")
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_types.id"],
            name=op.f("fk_billing_months_service_type_id_service_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_months")),
    )
    op.create_index(
        "ix_billing_months_month",
        "billing_months",
        [
            "month_start",
            "funder_id",
            "client_id",
            "service_type_id",
            "ready",
            "ready_units",
            "waiting",
            "not_billable",
            "billed",
        ],
    )
    op.create_index(
        "ix_billing_months_client_month", "billing_months", ["client_id", "month_start"]
    )
    op.create_index("ix_billing_months_funder_id", "billing_months", ["funder_id"])
    op.create_index("ix_billing_months_service_type_id", "billing_months", ["service_type_id"])
    sum_months(months)


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def sum_months(months) -> None:
    """Every month's rows from the visits, one INSERT … SELECT a month (the month's
    bounds in the agency's zone as naive UTC, as the app stores times)."""
    connection = op.get_bind()
    zone = connection.scalar(sa.text("SELECT timezone FROM agency_settings WHERE id = 1"))
    tz = ZoneInfo(zone or "America/New_York")

    def utc(first: date) -> datetime:
        local = datetime(first.year, first.month, 1, tzinfo=tz)
        return local.astimezone(UTC).replace(tzinfo=None)

    counted = visits.c.authorization_id.is_not(None)
    span = sa.select(sa.func.min(visits.c.started_at), sa.func.max(visits.c.started_at))
    first, last = connection.execute(span.where(counted)).one()
    if first is None:
        return
    month = first.replace(tzinfo=UTC).astimezone(tz).date().replace(day=1)
    last_month = last.replace(tzinfo=UTC).astimezone(tz).date().replace(day=1)
    ready = sa.and_(
        visits.c.billable,
        visits.c.review_status == "approved",
        visits.c.billing_batch_id.is_(None),
    )

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    units = sa.case((ready, sa.func.coalesce(visits.c.billing_units, 0)), else_=0)
    while month <= last_month:
        rows = (
            sa.select(
                visits.c.client_id,
                grants.c.funder_id,
                visits.c.service_type_id,
                count(ready),
                sa.func.coalesce(sa.func.sum(units), 0),
                count(sa.and_(visits.c.billable, visits.c.review_status != "approved")),
                count(sa.not_(visits.c.billable)),
                count(visits.c.billing_batch_id.is_not(None)),
                sa.literal(month, sa.Date),
            )
            .join(grants, grants.c.id == visits.c.authorization_id)
            .where(
                visits.c.started_at >= utc(month),
                visits.c.started_at < utc(next_month(month)),
                visits.c.ended_at.is_not(None),
                visits.c.deleted_at.is_(None),
            )
            .group_by(visits.c.client_id, grants.c.funder_id, visits.c.service_type_id)
        )
        connection.execute(sa.insert(months).from_select(COLUMNS, rows))
        month = next_month(month)


def downgrade():
    op.drop_table("billing_months")
