"""Signed inbound webhooks: the CRMs allowed to post outcomes and the signatures seen.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "feedback"


def upgrade() -> None:
    op.create_table(
        "webhook_source",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("description", sa.String(200)),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("previous_secret", sa.String(200)),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True)),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_source"),
        schema=SCHEMA,
    )
    op.create_table(
        "webhook_seen",
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("source_id", "signature", name="pk_webhook_seen"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("webhook_seen", schema=SCHEMA)
    op.drop_table("webhook_source", schema=SCHEMA)
