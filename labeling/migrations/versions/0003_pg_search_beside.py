"""PostgreSQL's search index beside the texts, filled in batches: the texts' ``tsvector`` moves from a stored
generated column of ``example`` (computed, with its GIN entry, inside every insert: an import of 1,000,000 rows
took 1.7-2.0 times as long as without it) to ``example_fts_vectors`` (id, text_search) with the GIN index, filled
by ``labeling.search_index.catch_up_index`` in chunks beside an import, as SQLite's FTS5 table is.

Which texts still wait: a statement-level trigger on ``example`` adds the ids of every inserted text of a searched
origin to ``example_fts_pending`` in the inserting transaction (a text rolled back is never pending; two writers
never leave a gap, which a watermark over ids would when their transactions commit out of order). A catch-up takes
pending ids with ``FOR UPDATE SKIP LOCKED``, so several processes share the work. SQLite is unchanged.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEARCHED = "('seed', 'pool', 'user', 'import')"  # labeling.search_index.INDEXED_ORIGINS: never eval or dev
UPGRADE = (
    "ALTER TABLE example DROP COLUMN IF EXISTS text_search",  # and its GIN index with it
    "CREATE TABLE example_fts_vectors (id integer PRIMARY KEY, text_search tsvector NOT NULL)",
    "CREATE INDEX ix_example_text_search ON example_fts_vectors USING gin (text_search)",
    "CREATE TABLE example_fts_pending (id integer PRIMARY KEY)",
    f"""CREATE FUNCTION example_fts_mark_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO example_fts_pending (id) SELECT id FROM example_fts_new WHERE origin IN {SEARCHED};
  RETURN NULL;
END $$""",
    "CREATE TRIGGER example_fts_pending_after_insert AFTER INSERT ON example REFERENCING NEW TABLE AS "
    "example_fts_new FOR EACH STATEMENT EXECUTE FUNCTION example_fts_mark_pending()",
    f"INSERT INTO example_fts_pending (id) SELECT id FROM example WHERE origin IN {SEARCHED}",  # indexed by catch-up
)
DOWNGRADE = (
    "DROP TRIGGER IF EXISTS example_fts_pending_after_insert ON example",
    "DROP FUNCTION IF EXISTS example_fts_mark_pending()",
    "DROP TABLE IF EXISTS example_fts_pending",
    "DROP TABLE IF EXISTS example_fts_vectors",
    "ALTER TABLE example ADD COLUMN text_search tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX ix_example_text_search ON example USING gin (text_search)",
)


def upgrade() -> None:
    """PostgreSQL: the vectors' table, its GIN index, the pending ids and their trigger; every searched text
    already stored is pending."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    """PostgreSQL: back to the generated column of revision 0002."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)
