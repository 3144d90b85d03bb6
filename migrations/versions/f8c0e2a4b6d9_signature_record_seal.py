"""A seal of the whole signed record, not its document alone

A signature kept the SHA-256 of the document signed; its decision, comment, signer,
time and device were not sealed, so a changed decision still read "Verified". New
records keep `record_sha256` over those fields and the document's fingerprint (coach/
signing.py seal); records signed before keep theirs as they were.

Revision ID: f8c0e2a4b6d9
Revises: e6b8d0f2a4c7
Create Date: 2026-12-02 04:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f8c0e2a4b6d9"
down_revision = "e6b8d0f2a4c7"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("signatures", sa.Column("record_sha256", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("record_sha256")
