"""Visits and task analyses linked to the plan objective they serve

Revision ID: 406b24db0dfe
Revises: 3e70fdba3c46
Create Date: 2026-11-30 12:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "406b24db0dfe"
down_revision = "3e70fdba3c46"
branch_labels = None
depends_on = None

TABLES = {
    "visits": "fk_visits_objective_id_plan_objectives",
    "task_analyses": "fk_task_analyses_objective_id_plan_objectives",
}


def upgrade():
    for table, fk in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("objective_id", sa.Integer(), nullable=True))
            batch.create_index(f"ix_{table}_objective_id", ["objective_id"])
            batch.create_foreign_key(fk, "plan_objectives", ["objective_id"], ["id"])


def downgrade():
    for table, fk in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(fk, type_="foreignkey")
            batch.drop_index(f"ix_{table}_objective_id")
            batch.drop_column("objective_id")
