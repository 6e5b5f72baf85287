"""Feedback accepts the API keys issued by intake (hashes only).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from shared.migrations import create_api_key_table_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "feedback"


def upgrade() -> None:
    create_api_key_table_v1(SCHEMA)


def downgrade() -> None:
    op.drop_table("api_key", schema=SCHEMA)
