"""Load AG News (hub id or local parquet folder) and split it into seed, pool and eval."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from hloop.core.errors import DatasetUnavailableError
from hloop.core.labels import LABELS, text_key


@dataclass(frozen=True)
class Corpus:
    """The train and test splits as lists of texts and integer labels."""

    train_texts: tuple[str, ...]
    train_labels: np.ndarray
    test_texts: tuple[str, ...]
    test_labels: np.ndarray
    source: str

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over every text and label of both splits: names the data a model saw."""
        digest = hashlib.sha256()
        for texts, labels in ((self.train_texts, self.train_labels), (self.test_texts, self.test_labels)):
            for text, label in zip(texts, labels.tolist(), strict=True):
                digest.update(f"{label}\t{text}\n".encode())
            digest.update(b"--split--")
        return digest.hexdigest()


@dataclass(frozen=True)
class Split:
    """Row indices into the train split: ``seed`` is labelled from the start, ``pool`` is not."""

    seed: np.ndarray
    pool: np.ndarray


def load_corpus(dataset: str) -> Corpus:
    """The train and test splits of ``dataset`` (a hub id or a local folder of parquet files)."""
    path = Path(dataset).expanduser()
    looks_local = path.exists() or dataset.startswith((".", "/", "~"))
    if looks_local and not path.is_dir():
        raise DatasetUnavailableError(
            f"Dataset folder {dataset!r} does not exist. Set HLOOP_DATASET to a folder holding "
            "train.parquet and test.parquet (for example ../shared/data/ag_news) or to a hub id."
        )
    try:
        import datasets

        logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
        datasets.logging.set_verbosity_error()
        datasets.disable_progress_bars()
        dsd = datasets.load_dataset(str(path) if looks_local else dataset)
    except Exception as exc:  # network, hub and file errors all mean the same thing to the user
        where = "folder" if looks_local else "hub id"
        raise DatasetUnavailableError(
            f"Could not load the dataset {where} {dataset!r} ({type(exc).__name__}: {str(exc)[:200]}). "
            "If the Hugging Face Hub is unreachable, set HLOOP_DATASET to a local copy, "
            "e.g. HLOOP_DATASET=../shared/data/ag_news."
        ) from exc
    missing = {"train", "test"} - set(dsd)
    if missing:
        raise DatasetUnavailableError(f"Dataset {dataset!r} has no {sorted(missing)} split; it needs train and test.")
    splits = []
    for name in ("train", "test"):
        split = dsd[name]
        if not {"text", "label"} <= set(split.column_names):
            raise DatasetUnavailableError(
                f"Split {name!r} of {dataset!r} has columns {split.column_names}; it needs 'text' and 'label'."
            )
        labels = np.asarray(split["label"], dtype=np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= len(LABELS)):
            raise DatasetUnavailableError(f"Split {name!r} has labels outside 0-{len(LABELS) - 1}.")
        splits.append((tuple(str(t) for t in split["text"]), labels))
    (train_texts, train_labels), (test_texts, test_labels) = splits
    return Corpus(train_texts, train_labels, test_texts, test_labels, source=dataset)


def split_train(labels: np.ndarray, seed_size: int | str, random_seed: int) -> Split:
    """A stratified, seeded split of the train rows into seed and pool; ``"all"`` puts every row in seed."""
    n = labels.shape[0]
    rows = np.arange(n)
    if seed_size == "all" or int(seed_size) >= n:
        return Split(seed=rows, pool=np.empty(0, dtype=np.int64))
    # stratify when every class can give a row to both sides; tiny seeds fall back to a plain shuffle
    counts = np.bincount(labels)
    stratify = labels if int(seed_size) >= counts.size and counts[counts > 0].min() >= 2 else None
    seed, pool = train_test_split(
        rows, train_size=int(seed_size), stratify=stratify, random_state=random_seed, shuffle=True
    )
    return Split(seed=np.sort(seed), pool=np.sort(pool))


def kept_train_rows(corpus: Corpus) -> np.ndarray:
    """Train rows the label store keeps: non-empty, not a repeat of an eval text (those must never be trained
    on or queued), and the first of exact repeats."""
    seen = {text_key(text) for text in corpus.test_texts}
    kept = []
    for i, text in enumerate(corpus.train_texts):
        key = text_key(text)
        if key in seen or not text.strip():
            continue
        seen.add(key)
        kept.append(i)
    return np.array(kept, dtype=np.int64)
