"""What the store is filled with: the dataset's rows as the store keeps them (each text once, eval first), and
which row broke the store's unique text key when a fill fails."""

from __future__ import annotations

import numpy as np

from hloop.config import Settings
from hloop.core.labels import text_key
from hloop.data.corpus import Corpus, DatasetSpec
from hloop.data.hygiene import KeptRows, dedupe
from hloop.data.splits import Split, kept_train
from training.pipeline import document_key


def dataset_spec(settings: Settings) -> DatasetSpec:
    """What the settings say about the dataset."""
    labels = tuple(p.strip() for p in settings.labels.split(",") if p.strip()) if settings.labels else ()
    return DatasetSpec(
        source=settings.dataset,
        text_column=settings.text_column,
        label_column=settings.label_column,
        label_column_required="label_column" in settings.model_fields_set,
        labels=labels,
        train_split=settings.train_split,
        eval_split=settings.eval_split,
        eval_share=settings.eval_share,
        random_seed=settings.random_seed,
    )


def train_rows(corpus: Corpus) -> KeptRows:
    """The train rows the store keeps, with their labels: repeats and eval texts (as the model reads them) go."""
    return kept_train(corpus.train_texts, corpus.eval_texts, corpus.train_labels, document_key)


def dataset_rows(
    corpus: Corpus, split: Split, dev: np.ndarray | None = None, kept: KeptRows | None = None
) -> tuple[list[tuple[str, str, int]], list[tuple[int, int]]]:
    """The store's (text, origin, dataset row) rows, eval first, and the seed's (dataset row, label) pairs;
    every text once, whatever repeats the corpus holds."""
    seed, dev_rows = set(split.seed.tolist()), set(() if dev is None else dev.tolist())
    evaluated = dedupe(corpus.eval_texts, corpus.eval_labels, text_key).rows.tolist()
    rows = [(corpus.eval_texts[i].strip(), "eval", i) for i in evaluated]
    kept = train_rows(corpus) if kept is None else kept
    origin = lambda i: "dev" if i in dev_rows else "seed" if i in seed else "pool"  # noqa: E731
    rows += [(corpus.train_texts[i].strip(), origin(i), i) for i in kept.rows.tolist()]
    seed_labels = [(i, lab) for i, lab in zip(kept.rows.tolist(), kept.labels.tolist(), strict=True) if i in seed]
    return rows, seed_labels


def first_conflict(rows: list[tuple[str, str, int]]) -> str:
    """Which row broke the store's unique text key: a repeat within ``rows``, or a text stored already."""
    seen: dict[str, tuple[str, int]] = {}
    for text, origin, i in rows:
        if text_key(text) in seen:
            first = seen[text_key(text)]
            return f"{origin} row {i} repeats {first[0]} row {first[1]} ({text[:60]!r})"
        seen[text_key(text)] = (origin, i)
    return "a dataset text is stored already, but the store has no record of being filled"
