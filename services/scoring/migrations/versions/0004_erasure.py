"""Erased leads, by id: events of a lead arriving after its erasure store nothing personal.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from shared.migrations import create_erased_lead_table_v1

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    create_erased_lead_table_v1(SCHEMA)


def downgrade() -> None:
    op.drop_table("erased_lead", schema=SCHEMA)
