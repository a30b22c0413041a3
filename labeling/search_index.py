"""The full-text index of the store's texts, and the queries that read it by relevance or by word.

SQLite: an FTS5 table over ``example`` (revision 0002) holding the texts of the searched origins only (never an
eval or dev text), filled by ``catch_up_index`` from the ids above the newest one it indexed
(``example_fts_state``), in write transactions of ``INDEX_CHUNK`` rows (one writer at a time, in any process);
a search reads what is indexed, so the caller catches up first. PostgreSQL: a GIN index on
``to_tsvector('simple', text)`` that the database keeps in step by itself (its queries: ``search_queries``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, literal_column
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from hloop.core.search import Term
from labeling.tables import Example

INDEX_CHUNK = 20_000  # rows indexed per write transaction: other writers wait at most about 0.3 s
INDEXED_ORIGINS = ("seed", "pool", "user", "import")  # the texts a search may show (store.TRAINABLE_ORIGINS)
INDEX_NAMES = ("example_fts", "ix_example_text_search", "text_search")  # its tables (and shadows), index, column
PG_VECTOR = "example.text_search"  # PostgreSQL: the stored to_tsvector('simple', text) of revision 0002


def is_index_part(name: str | None) -> bool:
    """Whether a table or index of the database belongs to the search index (kept outside the SQLModel tables)."""
    return bool(name) and str(name).startswith(INDEX_NAMES)


def sqlite_match(parts: Sequence[Term]) -> str:
    """An FTS5 match expression requiring every part: quoted words (the tokenizer reads them as it reads texts)."""
    quoted = []
    for part in parts:
        phrase = '"' + " ".join(part.words) + '"'
        quoted.append(phrase + ("*" if part.prefix else ""))
    return " AND ".join(quoted)


def index_lag(*, session: Session) -> int:
    """How many stored texts the index does not hold yet (0 on PostgreSQL, whose index is always in step)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return 0
    indexed = connection.exec_driver_sql("SELECT indexed_id FROM example_fts_state").scalar_one()
    return int(session.exec(select(func.count()).select_from(Example).where(Example.id > indexed)).one())


def catch_up_index(engine: Engine, *, most: int | None = None, on_chunk=None) -> int:
    """Index the texts stored after the newest indexed one, a chunk per write transaction; how many. ``most``
    stops after about that many rows; ``on_chunk(rows so far)`` is called after each chunk."""
    if engine.dialect.name != "sqlite":
        return 0
    done = 0
    while most is None or done < most:
        with engine.connect() as connection:
            added = _index_chunk(connection)
        if not added:
            return done
        done += added
        if on_chunk is not None:
            on_chunk(done)
    return done


def _index_chunk(connection: Connection) -> int:
    """One chunk in one write transaction: the newest indexed id is read inside it, so two writers never index a
    row twice."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        indexed = connection.exec_driver_sql("SELECT indexed_id FROM example_fts_state").scalar_one()
        last, added = connection.exec_driver_sql(
            "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM example WHERE id > ? ORDER BY id LIMIT ?)",
            (int(indexed), INDEX_CHUNK),
        ).one()
        if added:
            marks = ", ".join("?" * len(INDEXED_ORIGINS))
            connection.exec_driver_sql(
                "INSERT INTO example_fts(rowid, text) SELECT id, text FROM example "
                f"WHERE id > ? AND id <= ? AND origin IN ({marks})",
                (int(indexed), int(last), *INDEXED_ORIGINS),
            )
            connection.exec_driver_sql("UPDATE example_fts_state SET indexed_id = ?", (int(last),))
        connection.exec_driver_sql("COMMIT")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
    return int(added)


def newest_matches(parts: Sequence[Term], *, session: Session, most: int, oldest: bool = False) -> list[int]:
    """The ids of the indexed texts holding every part, newest first (oldest first with ``oldest``); at most
    ``most`` (SQLite)."""
    sql = (
        f"SELECT rowid FROM example_fts WHERE example_fts MATCH ? ORDER BY rowid {'ASC' if oldest else 'DESC'} LIMIT ?"
    )
    return [row[0] for row in session.connection().exec_driver_sql(sql, (sqlite_match(parts), int(most)))]


def by_relevance(parts: Sequence[Term], *, session: Session, from_id: int) -> list[int]:
    """The ids (``from_id`` and above) of the indexed texts holding every part, most relevant first (bm25)."""
    sql = "SELECT rowid FROM example_fts WHERE example_fts MATCH ? AND rowid >= ? ORDER BY rank"
    return [row[0] for row in session.connection().exec_driver_sql(sql, (sqlite_match(parts), int(from_id)))]


def document_frequencies(words: Sequence[str], *, session: Session, most: int) -> dict[str, int]:
    """In how many indexed texts each word occurs (SQLite: the index's own counts; PostgreSQL: counted up to
    ``most``), for choosing a text's telling words; the words are lower-case runs of letters and digits."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        found = dict.fromkeys(words, 0)
        for start in range(0, len(words), 500):
            chunk = list(words[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT term, doc FROM example_fts_vocab WHERE term IN ({marks})"
            found.update({term: int(n) for term, n in connection.exec_driver_sql(sql, tuple(chunk)).all()})
        return found
    vector = literal_column(PG_VECTOR)
    out = {}
    for word in words:
        hits = select(Example.id).where(vector.op("@@")(func.to_tsquery(literal_column("'simple'"), f"'{word}'")))
        out[word] = int(connection.execute(select(func.count()).select_from(hits.limit(most).subquery())).scalar_one())
    return out


def any_word_ids(
    words: Sequence[str], origins: Sequence[str], *, session: Session, most: int
) -> list[tuple[int, float]]:
    """(id, relevance: higher is better) of the texts of ``origins`` holding any of ``words``, best first."""
    connection = session.connection()
    if not words:
        return []
    if connection.dialect.name == "sqlite":
        match = " OR ".join(f'"{w}"' for w in words)  # the index holds the searched origins only
        sql = "SELECT rowid, rank FROM example_fts WHERE example_fts MATCH ? ORDER BY rank LIMIT ?"
        return [(int(i), -float(r)) for i, r in connection.exec_driver_sql(sql, (match, int(most)))]
    query = func.to_tsquery(literal_column("'simple'"), " | ".join(f"'{w}'" for w in words))
    vector = literal_column(PG_VECTOR)
    rank = func.ts_rank(vector, query)
    stmt = (
        select(Example.id, rank)
        .where(vector.op("@@")(query), col(Example.origin).in_(list(origins)))
        .order_by(rank.desc())
        .limit(most)
    )
    return [(int(i), float(r)) for i, r in connection.execute(stmt).all()]
