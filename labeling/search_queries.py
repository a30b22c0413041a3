"""Searches of the store's texts as SQL: with filters on their counting labels (any database; on PostgreSQL with
its full-text match on the GIN index of the stored ``to_tsvector('simple', text)``, revision 0002), and the
counting labels of many texts at once. SQLite's full-text index is in ``labeling.search_index``. The match
expression is built from ``hloop.core.search.terms``, never from the user's text as syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal_column, or_, text
from sqlmodel import Session, col, select

from hloop.core.search import SearchRequest, Term
from labeling.example_queries import BATCH
from labeling.search_index import PG_VECTOR, sqlite_match
from labeling.tables import Example, Label


@dataclass(frozen=True)
class Found:
    """A text that matched, with its counting label (all None when it has none)."""

    example_id: int
    text: str
    origin: str
    created_at: datetime
    label: int | None
    annotator: str | None
    source: str | None
    labelled_at: datetime | None
    batch_id: int | None


def pg_tsquery(parts: Sequence[Term]) -> str:
    """A ``to_tsquery('simple', …)`` text requiring every part (``<->`` joins a phrase, ``:*`` a prefix)."""
    rendered = []
    for part in parts:
        words = [f"'{w}'" for w in part.words]
        if part.prefix:
            words[-1] += ":*"
        rendered.append("(" + " <-> ".join(words) + ")")
    return " & ".join(rendered)


def _counting_label():
    """The id of an example's counting label (its newest label event not undone), as a correlated subquery."""
    newest = select(func.max(Label.id)).where(Label.example_id == Example.id, col(Label.undone_at).is_(None))
    return newest.correlate(Example).scalar_subquery()


_FOUND_COLUMNS = (
    Example.id,
    Example.text,
    Example.origin,
    Example.created_at,
    Label.label,
    Label.annotator,
    Label.source,
    Label.created_at,
    Label.batch_id,
)


def _statement(request: SearchRequest, origins: Sequence[str], dialect: str, columns=(Example.id,), among=None):
    """The SELECT of ``columns`` of every match (among the ids ``among`` when given), in the request's order
    (relevance, newest or oldest; uncertainty is decided by the caller from the model's scores)."""
    found = select(*columns).select_from(Example)
    # unlabelled texts only: no counting label to read (an anti-join, not a join per match), and their source and
    # date are the text's own (``SearchRequest.parse`` refuses a label or annotator filter with them)
    unlabelled = request.status == "unlabelled" and columns is not _FOUND_COLUMNS
    labelled = request.status != "any" or request.label is not None or request.labelled_by or request.source
    if not unlabelled and (labelled or request.since or request.until or columns is _FOUND_COLUMNS):
        found = found.outerjoin(Label, Label.id == _counting_label())
    where = [col(Example.origin).in_(list(origins))]
    if unlabelled:
        live = select(Label.id).where(Label.example_id == Example.id, col(Label.undone_at).is_(None))
        where.append(~live.correlate(Example).exists())
    if among is not None:
        where.append(col(Example.id).in_([int(i) for i in among]))
    rank = None
    parts = request.terms
    if parts and dialect == "sqlite":
        fts = (
            select(literal_column("rowid").label("id"))
            .select_from(text("example_fts"))
            .where(text("example_fts MATCH :match").bindparams(match=sqlite_match(parts)))
            .subquery("fts")
        )
        found = found.join(fts, fts.c.id == Example.id)  # relevance: ordered by labeling.search_index
    elif parts:
        query = func.to_tsquery(literal_column("'simple'"), pg_tsquery(parts))
        vector = literal_column(PG_VECTOR)
        where.append(vector.op("@@")(query))
        rank = -func.ts_rank(vector, query)
    if request.status == "unlabelled" and not unlabelled:
        where.append(col(Label.id).is_(None))
    elif request.status == "labelled":
        where.append(col(Label.id).is_not(None))
    if request.label is not None:
        where.append(Label.label == request.label)
    if request.labelled_by:
        where.append(Label.annotator == request.labelled_by)
    if request.source:
        by_label = Label.source == request.source
        where.append(
            Example.origin == request.source if unlabelled else or_(Example.origin == request.source, by_label)
        )
    when = Example.created_at if unlabelled else func.coalesce(Label.created_at, Example.created_at)
    if request.since is not None:
        where.append(when >= request.since)
    if request.until is not None:
        where.append(when <= request.until)
    found = found.where(and_(*where))
    if request.order == "relevance" and rank is not None:
        return found.order_by(rank, col(Example.id).desc())
    if request.order == "oldest":
        return found.order_by(Example.id)
    return found.order_by(col(Example.id).desc())


def matching_ids(
    request: SearchRequest, origins: Sequence[str], *, session: Session, most: int, among: Sequence[int] | None = None
) -> list[int]:
    """The ids of the texts of ``origins`` (and of ``among``, when given: at most a few thousand) matching the
    request's words and store filters, in its order; at most ``most`` of them."""
    connection = session.connection()
    stmt = _statement(request, origins, connection.dialect.name, among=among).limit(most)
    return [row[0] for row in connection.execute(stmt)]


def found_rows(ids: Sequence[int], *, session: Session) -> dict[int, Found]:
    """The texts with these ids and their counting labels, by id (ids that name no text are left out)."""
    stmt = (
        select(*_FOUND_COLUMNS)
        .outerjoin(Label, Label.id == _counting_label())
        .where(col(Example.id).in_([int(i) for i in ids]))
    )
    return {row[0]: Found(*row) for row in session.connection().execute(stmt)}


def count_matches(request: SearchRequest, origins: Sequence[str], *, session: Session, most: int) -> int:
    """How many texts match the request's words and store filters, counted up to ``most``."""
    connection = session.connection()
    inner = _statement(request, origins, connection.dialect.name).order_by(None).limit(most).subquery()
    return int(connection.execute(select(func.count()).select_from(inner)).scalar_one())


def counting_labels(ids: Sequence[int], *, session: Session) -> dict[int, tuple]:
    """example id -> (label, annotator, source, created_at) of the counting label of each of these examples that
    has one; read from the label table alone, by its example index."""
    out: dict[int, tuple] = {}
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), BATCH):
        chunk = unique[start : start + BATCH]
        newest = (
            select(func.max(Label.id))
            .where(col(Label.example_id).in_(chunk), col(Label.undone_at).is_(None))
            .group_by(Label.example_id)
        )
        stmt = select(Label.example_id, Label.label, Label.annotator, Label.source, Label.created_at).where(
            col(Label.id).in_(newest)
        )
        out.update((int(row[0]), tuple(row[1:])) for row in session.connection().execute(stmt))
    return out


def origins_and_times(ids: Sequence[int], *, session: Session) -> dict[int, tuple[str, datetime]]:
    """example id -> (origin, created_at) of these examples."""
    out: dict[int, tuple[str, datetime]] = {}
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), BATCH):
        stmt = select(Example.id, Example.origin, Example.created_at).where(
            col(Example.id).in_(unique[start : start + BATCH])
        )
        out.update((int(i), (o, c)) for i, o, c in session.connection().execute(stmt))
    return out
