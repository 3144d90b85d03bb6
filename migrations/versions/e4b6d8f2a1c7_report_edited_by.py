"""Who last changed a progress report's text: they may not approve it

A supervisor who rewrites a coach's report may not also approve it (four eyes), and
the approved version names them beside its writer.

Revision ID: e4b6d8f2a1c7
Revises: d8a2f4c6b1e3
Create Date: 2026-12-02 01:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b6d8f2a1c7"
down_revision = "d8a2f4c6b1e3"
branch_labels = None
depends_on = None


FK = "fk_progress_reports_edited_by_id_users"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes REFERENCES in ADD COLUMN (a batch would copy the table and drop
        # the old one, which the foreign keys of its kept versions refuse). A database
        # taken back down keeps the column (see downgrade): it is there already.
        if "edited_by_id" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("progress_reports")}:
            op.execute(
                "ALTER TABLE progress_reports ADD COLUMN edited_by_id INTEGER "
                f"CONSTRAINT {FK} REFERENCES users (id)"
            )
        return
    op.add_column("progress_reports", sa.Column("edited_by_id", sa.Integer(), nullable=True))
    op.create_foreign_key(FK, "progress_reports", "users", ["edited_by_id"], ["id"])


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column a foreign key names only by copying the table, and the
        # reports' kept versions refuse the old one's drop (PRAGMA foreign_keys cannot be
        # turned off inside the migration's transaction). The older code ignores it.
        op.execute("UPDATE progress_reports SET edited_by_id = NULL")
        return
    op.drop_constraint(FK, "progress_reports", type_="foreignkey")
    op.drop_column("progress_reports", "edited_by_id")
