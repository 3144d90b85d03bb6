"""Visits summed per local day; a job's first wage and last pay change kept on its row

visit_days holds, per agency-local day, the ended and not deleted visits' count,
minutes, minutes outside the office and units (coach/visits/days.py keeps it with the
visits). placements gets start_wage_cents (the first wage recorded for the job) and
pay_changed_on (the date of its latest pay change), kept from placement_changes by
coach/clients/pay_columns.py. Both are filled here from the records.

Revision ID: 5c1e0d7a9b42
Revises: 8a20f343fa02
Create Date: 2026-11-30 19:20:00

"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1e0d7a9b42"
down_revision = "8a20f343fa02"
branch_labels = None
depends_on = None

visits = sa.table(
    "visits",
    sa.column("started_at", sa.DateTime),
    sa.column("ended_at", sa.DateTime),
    sa.column("duration_minutes", sa.Integer),
    sa.column("service_units", sa.Integer),
    sa.column("contact_type", sa.String),
    sa.column("deleted_at", sa.DateTime),
)


def upgrade():
    days = op.create_table(
        "visit_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("community_minutes", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_visit_days")),
    )
    with op.batch_alter_table("placements") as batch_op:
        batch_op.add_column(sa.Column("start_wage_cents", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pay_changed_on", sa.Date(), nullable=True))
    op.execute(
        """
        UPDATE placements SET
          start_wage_cents = COALESCE(
            (SELECT c.hourly_wage_cents FROM placement_changes c
             WHERE c.placement_id = placements.id AND c.hourly_wage_cents IS NOT NULL
             ORDER BY c.effective_date, c.id LIMIT 1),
            placements.hourly_wage_cents),
          pay_changed_on = (SELECT MAX(c.effective_date) FROM placement_changes c
                            WHERE c.placement_id = placements.id)
        """
    )
    sum_days(days)


def sum_days(days) -> None:
    """Each local day's sums, from the visits streamed once in start order."""
    connection = op.get_bind()
    zone = connection.scalar(sa.text("SELECT timezone FROM agency_settings WHERE id = 1"))
    tz = ZoneInfo(zone or "America/New_York")
    sums: dict = {}
    rows = connection.execute(
        sa.select(
            visits.c.started_at,
            visits.c.duration_minutes,
            visits.c.service_units,
            visits.c.contact_type,
        ).where(visits.c.ended_at.is_not(None), visits.c.deleted_at.is_(None)),
        execution_options={"yield_per": 10_000},
    )
    for started_at, minutes, units, kind in rows:
        day = started_at.replace(tzinfo=UTC).astimezone(tz).date()
        row = sums.setdefault(day, [0, 0, 0, 0])
        row[0] += 1
        row[1] += minutes or 0
        row[2] += 0 if kind == "office" else minutes or 0
        row[3] += units or 0
    keys = ("visits", "minutes", "community_minutes", "units")
    batch = [{"day": day, **dict(zip(keys, row, strict=True))} for day, row in sums.items()]
    for start in range(0, len(batch), 1000):
        op.bulk_insert(days, batch[start : start + 1000])


def downgrade():
    with op.batch_alter_table("placements") as batch_op:
        batch_op.drop_column("pay_changed_on")
        batch_op.drop_column("start_wage_cents")
    op.drop_table("visit_days")
