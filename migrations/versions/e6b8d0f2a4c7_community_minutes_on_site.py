"""The agency's days summed again: community minutes are minutes on site

The outcomes' share of coaching hours in the community counted every visit outside the
office, phone and video calls included; IPS's community-based services are time with the
client where they live and work. The kept day sums (visit_days.community_minutes) are
written again from the visits with the rule as it is now (coach/visits/days.py), as
`flask --app app sum-visit-days` does.

Revision ID: e6b8d0f2a4c7
Revises: d4a6c8e0f2b5
Create Date: 2026-12-02 04:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6b8d0f2a4c7"
down_revision = "d4a6c8e0f2b5"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    if connection.scalar(sa.text("SELECT count(*) FROM visit_days")):
        from coach.visits.days import agency_zone, sum_every_day_again

        sum_every_day_again(connection, agency_zone(connection))


def downgrade():
    pass  # the sums of that version are written again by its `sum-visit-days`
