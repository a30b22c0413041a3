"""Search and bulk labelling: a full-text index of the texts (SQLite: an FTS5 table over ``example``, filled from
the ids it does not hold yet; PostgreSQL: the text's ``tsvector`` as a stored generated column with a GIN index on
it, kept by the database: a search reads the stored vectors, never parses texts again), and bulk
batches (``labelbatch``, and ``label.batch_id``).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The tokenizer folds case and accents. The table is filled by labeling.search_queries.catch_up_index (texts are
# never changed or deleted once stored, so rows are only ever added, by id); example_fts_state holds the newest id
# it indexed (an external-content table's own MAX(rowid) reads the content table). Neither is in a backup: a
# restored store indexes its texts again.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE example_fts USING fts5(text, content='example', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')"
)
PG_VECTOR = (
    "ALTER TABLE example ADD COLUMN text_search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED"
)
PG_INDEX = "CREATE INDEX ix_example_text_search ON example USING gin (text_search)"


def upgrade() -> None:
    """The text index (the store's texts indexed now), the batch table and the label's batch column."""
    op.create_table(
        "labelbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_labelbatch_annotator", "labelbatch", ["annotator"])
    op.create_index("ix_labelbatch_created_at", "labelbatch", ["created_at"])
    op.add_column("label", sa.Column("batch_id", sa.Integer(), nullable=True))
    op.create_index("ix_label_batch_id", "label", ["batch_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(SQLITE_FTS)
        op.execute("CREATE VIRTUAL TABLE example_fts_vocab USING fts5vocab(example_fts, 'row')")  # words' counts
        op.execute("CREATE TABLE example_fts_state (indexed_id INTEGER NOT NULL)")
        op.execute("INSERT INTO example_fts_state (indexed_id) VALUES (0)")
    elif dialect == "postgresql":  # PostgreSQL 12 or newer (generated columns)
        op.execute(PG_VECTOR)
        op.execute(PG_INDEX)


def downgrade() -> None:
    """Drop the index, the batch column and the batch table."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS example_fts_vocab")
        op.execute("DROP TABLE IF EXISTS example_fts")
        op.execute("DROP TABLE IF EXISTS example_fts_state")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_example_text_search")
        op.execute("ALTER TABLE example DROP COLUMN IF EXISTS text_search")
    op.drop_index("ix_label_batch_id", "label")
    with op.batch_alter_table("label") as batch:
        batch.drop_column("batch_id")
    op.drop_table("labelbatch")
