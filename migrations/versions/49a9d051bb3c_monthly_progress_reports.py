"""Monthly progress reports (issue 22): the report of a client's month, its approved
versions (frozen figures) and its read-only links.

Revision ID: 49a9d051bb3c
Revises: 1b5bba0b2399
Create Date: 2026-11-30 15:30:35.175026

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "49a9d051bb3c"
down_revision = "1b5bba0b2399"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade():
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_focus", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_comment", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("progress_reports", "client_id", "clients"),
        _fk("progress_reports", "funder_id", "funders"),
        _fk("progress_reports", "created_by_id", "users"),
        _fk("progress_reports", "reviewed_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_progress_reports"),
        sa.UniqueConstraint("client_id", "month_start", name="uq_progress_reports_month"),
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_progress_reports_idempotency"
        ),
    )
    with op.batch_alter_table("progress_reports") as batch:
        batch.create_index("ix_progress_reports_funder_id", ["funder_id"])
        batch.create_index("ix_progress_reports_created_by_id", ["created_by_id"])
        batch.create_index("ix_progress_reports_reviewed_by_id", ["reviewed_by_id"])
        batch.create_index("ix_progress_reports_status", ["status", "submitted_at"])

    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_focus", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("addressed_to", sa.String(length=300), nullable=False),
        sa.Column("written_by", sa.String(length=120), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        _fk("report_versions", "report_id", "progress_reports"),
        _fk("report_versions", "approved_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_report_versions"),
        sa.UniqueConstraint("report_id", "version", name="uq_report_versions_version"),
    )
    with op.batch_alter_table("report_versions") as batch:
        batch.create_index("ix_report_versions_approved_by_id", ["approved_by_id"])

    op.create_table(
        "report_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("sent_to_name", sa.String(length=120), nullable=False),
        sa.Column("sent_to_email", sa.String(length=254), nullable=False),
        sa.Column("emailed", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("first_viewed_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        _fk("report_links", "report_id", "progress_reports"),
        _fk("report_links", "version_id", "report_versions"),
        _fk("report_links", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_report_links"),
        sa.UniqueConstraint("token_hash", name="uq_report_links_token_hash"),
        sa.UniqueConstraint("idempotency_key", name="uq_report_links_idempotency_key"),
    )
    with op.batch_alter_table("report_links") as batch:
        batch.create_index("ix_report_links_report_id", ["report_id"])
        batch.create_index("ix_report_links_version_id", ["version_id"])
        batch.create_index("ix_report_links_created_by_id", ["created_by_id"])


def downgrade():
    op.drop_table("report_links")
    op.drop_table("report_versions")
    op.drop_table("progress_reports")
