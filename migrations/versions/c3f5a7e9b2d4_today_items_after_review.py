"""Today's "authorization nearly used" due from the latest visit counted against it

The item was due from the authorization's first day, so a grant used up in its third
month showed as 90 days late and sorted first. It is now due from the start of the
latest billable visit counted against the authorization; this rewrites the kept rows
the same way. (The same release files a new lead's follow-up under a job seeker the
lead's owner still has; `flask --app app refresh-today` writes those again, and any
change of a lead's job seekers does it by itself.)

Revision ID: c3f5a7e9b2d4
Revises: b8e2f4a6c1d9
Create Date: 2026-12-02 04:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c3f5a7e9b2d4"
down_revision = "b8e2f4a6c1d9"
branch_labels = None
depends_on = None

LATEST_VISIT = (
    "(SELECT max(visits.started_at) FROM visits "
    "WHERE visits.authorization_id = due_items.source_id "
    "AND visits.billable AND visits.deleted_at IS NULL)"
)
REWRITE = (
    f"UPDATE due_items SET due_at = {LATEST_VISIT} "
    f"WHERE kind = 'authorization_used' AND {LATEST_VISIT} IS NOT NULL"
)


def upgrade():
    op.execute(REWRITE)


def downgrade():
    pass  # an earlier due time for the same item: the rules of that version rewrite it
