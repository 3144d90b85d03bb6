"""Today's kept items without their kind repeated in their text

The Today list shows each item as "kind: text"; three kinds also began their text with
it ("Plan step: Plan step: …"). The rules now write the text alone; this rewrites the
kept rows the same way.

Revision ID: f7c9a3e5b2d4
Revises: e4b6d8f2a1c7
Create Date: 2026-12-02 01:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f7c9a3e5b2d4"
down_revision = "e4b6d8f2a1c7"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE due_items SET todo = substr(todo, 12) "
        "WHERE kind = 'plan_step' AND todo LIKE 'Plan step: %'"
    )
    op.execute(
        "UPDATE due_items SET todo = substr(todo, 15) "
        "WHERE kind = 'authorization_used' AND todo LIKE 'Authorization %'"
    )
    op.execute(
        "UPDATE due_items SET todo = "
        "replace(substr(todo, 15), ' ends: renew it', ': ask the funder to renew it') "
        "WHERE kind = 'authorization_ends' AND todo LIKE 'Authorization % ends: renew it'"
    )


def downgrade():
    op.execute(
        "UPDATE due_items SET todo = 'Plan step: ' || todo WHERE kind = 'plan_step'"
    )
    op.execute(
        "UPDATE due_items SET todo = 'Authorization ' || todo WHERE kind = 'authorization_used'"
    )
    op.execute(
        "UPDATE due_items SET todo = 'Authorization ' || "
        "replace(todo, ': ask the funder to renew it', ' ends: renew it') "
        "WHERE kind = 'authorization_ends'"
    )
