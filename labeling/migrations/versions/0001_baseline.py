"""Baseline: the label store as the release before migrations made it (labeling/tables.py at that time).

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the six tables and their indexes."""
    when = sa.DateTime(timezone=True)
    op.create_table(
        "example",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("dataset_row", sa.Integer(), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("example", {"dataset_row": False, "origin": False, "text_hash": True})
    op.create_table(
        "prediction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=100), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("prediction", {"created_at": False, "text_hash": False})
    op.create_table(
        "storeinfo",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "claim",
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=100), nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["example_id"], ["example.id"]),
        sa.PrimaryKeyConstraint("example_id"),
    )
    _indexes("claim", {"annotator": False, "expires_at": False})
    op.create_table(
        "label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("model_prediction", sa.Integer(), nullable=True),
        sa.Column("model_confidence", sa.Float(), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("undone_at", when, nullable=True),
        sa.ForeignKeyConstraint(["example_id"], ["example.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("label", dict.fromkeys(("annotator", "created_at", "example_id", "source", "undone_at"), False))
    op.create_table(
        "skip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=100), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(["example_id"], ["example.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("skip", {"annotator": False, "example_id": False})


def _indexes(table: str, columns: dict[str, bool]) -> None:
    for column, unique in columns.items():
        op.create_index(f"ix_{table}_{column}", table, [column], unique=unique)


def downgrade() -> None:
    """Drop every table (children first)."""
    for table in ("skip", "label", "claim", "storeinfo", "prediction", "example"):
        op.drop_table(table)
