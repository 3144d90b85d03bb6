"""Today's due items kept as rows, written with the records they come from

Revision ID: d00358b332f8
Revises: dcff9f8e428d
Create Date: 2026-11-30 09:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d00358b332f8"
down_revision = "dcff9f8e428d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "due_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("todo", sa.String(length=120), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=False),
        sa.Column("closes_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_due_items_client_id", "due_items", ["client_id"])
    op.create_index(
        "ix_due_items_coach_due", "due_items", ["coach_id", "due_at", "opens_at", "closes_at"]
    )
    # The items of the records already there. This uses the rules as they are in this
    # version; a database this old upgraded by a later version gets them written again
    # with that version's rules by `flask --app app refresh-today`.
    connection = op.get_bind()
    if connection.scalar(sa.text("SELECT count(*) FROM clients")):
        from coach.today.kept import refresh_every_client

        refresh_every_client(connection)


def downgrade():
    op.drop_table("due_items")
