"""Note review: the queue's flags and index, and addenda to approved notes

Revision ID: 1561e5db3634
Revises: 1f31fb9383de
Create Date: 2026-11-30 15:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1561e5db3634"
down_revision = "1f31fb9383de"
branch_labels = None
depends_on = None

visits = sa.table(
    "visits",
    sa.column("review_flags", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("ended_at", sa.DateTime),
    sa.column("deleted_at", sa.DateTime),
    sa.column("contact_type", sa.String),
    sa.column("location_status", sa.String),
    sa.column("authorization_id", sa.Integer),
    sa.column("billable", sa.Boolean),
)


def late_entry(dialect: str):
    """Written (created) more than 48 hours after the visit ended, as
    coach.notereview.flags.review_flags says."""
    if dialect == "sqlite":
        return sa.text("julianday(created_at) - julianday(ended_at) > 2")
    return sa.text("created_at > ended_at + interval '48 hours'")


def fill_flags(dialect: str) -> None:
    """The flags of the visits already written, as refresh_flags would set them."""
    done = sa.and_(visits.c.ended_at.is_not(None), visits.c.deleted_at.is_(None))
    flags = (
        ("late", late_entry(dialect)),
        (
            "no_gps",
            sa.and_(visits.c.contact_type == "on_site", visits.c.location_status == "not_checked"),
        ),
        ("over", sa.and_(visits.c.authorization_id.is_not(None), visits.c.billable == sa.false())),
    )
    for code, where in flags:
        op.execute(
            visits.update()
            .where(done, where)
            .values(review_flags=visits.c.review_flags + sa.literal(" " + code))
        )
    op.execute(visits.update().values(review_flags=sa.func.trim(visits.c.review_flags)))


def upgrade():
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(
            sa.Column("review_flags", sa.String(length=40), server_default="", nullable=False)
        )
    fill_flags(op.get_bind().dialect.name)
    # The same expression as coach.models.visit.UNFLAGGED_LAST.
    op.create_index(
        "ix_visits_review",
        "visits",
        ["review_status", sa.text("(review_flags = '')"), "coach_id", "started_at", "id"],
        unique=False,
    )
    op.create_table(
        "visit_addenda",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_visit_addenda_idempotency"
        ),
    )
    with op.batch_alter_table("visit_addenda") as batch_op:
        batch_op.create_index("ix_visit_addenda_created_by_id", ["created_by_id"], unique=False)
        batch_op.create_index("ix_visit_addenda_visit_id", ["visit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("visit_addenda") as batch_op:
        batch_op.drop_index("ix_visit_addenda_visit_id")
        batch_op.drop_index("ix_visit_addenda_created_by_id")
    op.drop_table("visit_addenda")
    op.drop_index("ix_visits_review", table_name="visits")
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_column("review_flags")
