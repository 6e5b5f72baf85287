"""When a lead was erased (right to erasure); its personal data is gone from then on.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.add_column("lead", sa.Column("erased_at", sa.DateTime(timezone=True)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("lead", "erased_at", schema=SCHEMA)
