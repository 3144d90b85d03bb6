"""billing: service types (seeded), funders, authorizations; a visit's service and billability

Existing visits get no service type: they count as "No service type", not billable, with
that reason shown, until a coach amends them (the service a past visit was cannot be
guessed, and a wrong guess would bill it).

Revision ID: f5a409745ba5
Revises: 406b24db0dfe
Create Date: 2026-11-30 12:08:14.161187

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from coach.models.billing import service_seed_rows

# revision identifiers, used by Alembic.
revision = "f5a409745ba5"
down_revision = "406b24db0dfe"
branch_labels = None
depends_on = None


def _keyed(table: str) -> list:
    """The creator and idempotency key every created record carries."""
    return [
        sa.Column("created_by_id", sa.Integer(), nullable=table == "service_types"),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=f"fk_{table}_created_by_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("created_by_id", "idempotency_key", name=f"uq_{table}_idempotency"),
    ]


def upgrade():
    op.create_table(
        "funders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_keyed("funders"),
    )
    with op.batch_alter_table("funders") as batch:
        batch.create_index("ix_funders_created_by_id", ["created_by_id"])

    service_types = op.create_table(
        "service_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("rate_cents", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_keyed("service_types"),
        sa.UniqueConstraint("code", name="uq_service_types_code"),
    )
    with op.batch_alter_table("service_types") as batch:
        batch.create_index("ix_service_types_created_by_id", ["created_by_id"])

    op.create_table(
        "authorizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("funder_id", sa.Integer(), nullable=False),
        sa.Column("service_type_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        *_keyed("authorizations"),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name="fk_authorizations_client_id_clients"
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"], ["funders.id"], name="fk_authorizations_funder_id_funders"
        ),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_types.id"],
            name="fk_authorizations_service_type_id_service_types",
        ),
    )
    with op.batch_alter_table("authorizations") as batch:
        batch.create_index("ix_authorizations_client_id", ["client_id"])
        batch.create_index(
            "ix_authorizations_client_service", ["client_id", "service_type_id", "start_date"]
        )
        batch.create_index("ix_authorizations_created_by_id", ["created_by_id"])
        batch.create_index("ix_authorizations_funder_id", ["funder_id"])
        batch.create_index("ix_authorizations_service_type_id", ["service_type_id"])

    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("service_type_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("authorization_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("billing_units", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("billable", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("billing_note", sa.String(length=200), server_default="", nullable=False)
        )
        batch.create_index("ix_visits_service_type_id", ["service_type_id"])
        batch.create_foreign_key(
            "fk_visits_authorization_id_authorizations", "authorizations", ["authorization_id"], ["id"]
        )
        batch.create_foreign_key(
            "fk_visits_service_type_id_service_types", "service_types", ["service_type_id"], ["id"]
        )

    op.create_index(
        "ix_visits_billed",
        "visits",
        ["authorization_id", "billing_units", "billable", "deleted_at"],
        sqlite_where=sa.text("billable = 1 AND deleted_at IS NULL"),
        postgresql_where=sa.text("billable AND deleted_at IS NULL"),
    )

    # The common supported-employment services (coach.billing.services.seed_service_types
    # adds the same rows to a database made without migrations).
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(service_types, [dict(row, created_at=now) for row in service_seed_rows()])
    visits = sa.table("visits", sa.column("ended_at"), sa.column("billing_note"))
    ended = visits.update().where(visits.c.ended_at.is_not(None))
    op.execute(ended.values(billing_note="No service type"))


def downgrade():
    op.drop_index("ix_visits_billed", table_name="visits")
    with op.batch_alter_table("visits") as batch:
        batch.drop_constraint("fk_visits_service_type_id_service_types", type_="foreignkey")
        batch.drop_constraint("fk_visits_authorization_id_authorizations", type_="foreignkey")
        batch.drop_index("ix_visits_service_type_id")
        batch.drop_column("billing_note")
        batch.drop_column("billable")
        batch.drop_column("billing_units")
        batch.drop_column("authorization_id")
        batch.drop_column("service_type_id")
    op.drop_table("authorizations")
    op.drop_table("service_types")
    op.drop_table("funders")
