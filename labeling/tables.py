"""SQLModel tables of the label store. Timestamps are UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

ORIGINS = ("seed", "pool", "eval", "user", "import", "dev")
SOURCES = ("seed", "queue", "correction", "import", "cli", "simulated", "review", "overlap", "bulk")


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Example(SQLModel, table=True):
    """A text the loop knows: from the dataset (seed, pool, eval), a user's correction, or an import."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    text_hash: str = Field(index=True, unique=True, max_length=64)
    origin: str = Field(index=True, max_length=16)
    dataset_row: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Label(SQLModel, table=True):
    """One label event; the latest one that is not undone counts. History is never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    example_id: int = Field(foreign_key="example.id", index=True)
    label: int
    annotator: str = Field(index=True, max_length=100)
    source: str = Field(index=True, max_length=16)
    model_version: int | None = None
    model_prediction: int | None = None
    model_confidence: float | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    undone_at: datetime | None = Field(default=None, index=True)
    batch_id: int | None = Field(default=None, index=True)  # the bulk batch (``LabelBatch``) that gave it, if any
    # a multi-label project's label set, as a JSON list of label indices (``labeling.label_sets``; ``label`` is then
    # its first index, or -1 for the empty set); None in a single-label project
    labels: str | None = None


class LabelBatch(SQLModel, table=True):
    """One bulk labelling: the label given to every item a search selected, recorded with its query; undone whole."""

    id: int | None = Field(default=None, primary_key=True)
    label: int
    annotator: str = Field(index=True, max_length=100)
    query: str  # the search (query text and filters) as JSON
    size: int
    created_at: datetime = Field(default_factory=utcnow, index=True)
    undone_at: datetime | None = Field(default=None)


class Prediction(SQLModel, table=True):
    """A prediction shown to someone in the app, so they can find and correct it later."""

    id: int | None = Field(default=None, primary_key=True)
    text: str
    text_hash: str = Field(index=True, max_length=64)
    label: int
    confidence: float
    model_version: int
    annotator: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Claim(SQLModel, table=True):
    """An annotator's hold on a queue item, so no two annotators see it at once; it expires."""

    example_id: int = Field(foreign_key="example.id", primary_key=True)
    annotator: str = Field(index=True, max_length=100)
    expires_at: datetime = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Skip(SQLModel, table=True):
    """An item an annotator skipped; the queue does not offer it to them again."""

    id: int | None = Field(default=None, primary_key=True)
    example_id: int = Field(foreign_key="example.id", index=True)
    annotator: str = Field(index=True, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class StoreInfo(SQLModel, table=True):
    """Key/value facts about how the store was built (dataset fingerprint, seed, seed size)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str
