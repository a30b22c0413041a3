"""Multi-label projects: a label event can hold a set of labels (``label.labels``, a JSON list of label indices;
null for every label of a single-label project, so their stores and rows are unchanged).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The nullable set column: existing rows keep their single label."""
    op.add_column("label", sa.Column("labels", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop the set column (a multi-label store loses its sets; its first labels stay)."""
    with op.batch_alter_table("label") as batch:
        batch.drop_column("labels")
