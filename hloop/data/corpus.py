"""Load a text-classification dataset (hub id, local folder or single file) into a ``Corpus``.

The dataset is described by a ``DatasetSpec`` (from the ``HLOOP_*`` settings): which columns hold the text and
the label, which splits are train and eval, and optionally the label names. Labels become indices into the
project's ``LabelSet``; a row without a label is unlabelled (-1) and only ever joins the pool. Every split gets
the same hygiene (``hloop.data.hygiene``), reported in ``Corpus.hygiene``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from hloop.core.errors import DatasetUnavailableError, HLoopError, MultiLabelDatasetError
from hloop.core.labels import LabelSet, text_key
from hloop.data.demo import known_label_names
from hloop.data.hygiene import Hygiene, clean_texts, dedupe, label_spellings, missing_value
from hloop.data.splits import carve_eval

UNLABELLED = -1
FILE_BUILDERS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
FILE_BUILDERS[".parquet"] = "parquet"
EVAL_ORIGINS = ("split", "carved", "human")


@dataclass(frozen=True)
class DatasetSpec:
    """Where the dataset is and how to read it (built from the settings by the services)."""

    source: str
    text_column: str = "text"
    label_column: str = "label"
    label_column_required: bool = False  # the user named the column, so its absence is an error
    labels: tuple[str, ...] = ()
    train_split: str = "train"
    eval_split: str = "test"
    eval_share: float = 0.2
    random_seed: int = 0


@dataclass(frozen=True)
class Corpus:
    """The train and eval texts with label indices (-1 = unlabelled), the label set, and where eval came from:
    ``split`` (the dataset's eval split), ``carved`` (from labelled train rows) or ``human`` (no gold labels:
    held-out human labels are the eval set, so ``eval_texts`` is empty)."""

    train_texts: tuple[str, ...]
    train_labels: np.ndarray
    eval_texts: tuple[str, ...]
    eval_labels: np.ndarray
    label_set: LabelSet
    source: str
    eval_origin: str = "split"
    dropped_empty: int = 0
    notes: tuple[str, ...] = field(default=())
    hygiene: Hygiene = field(default_factory=Hygiene)  # what loading cleaned (train repeats: see ``kept_train``)

    @property
    def labelled(self) -> bool:
        """Whether any train row has a gold label."""
        return bool((np.asarray(self.train_labels) >= 0).any())

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over every text and label of both splits: names the data a model saw."""
        digest = hashlib.sha256()
        for texts, labels in ((self.train_texts, self.train_labels), (self.eval_texts, self.eval_labels)):
            for text, label in zip(texts, np.asarray(labels).tolist(), strict=True):
                digest.update(f"{label}\t{text}\n".encode())
            digest.update(b"--split--")
        return digest.hexdigest()


def read_dataset(source: str):
    """The DatasetDict of a hub id, a local folder, or a single CSV/JSONL/parquet file."""
    path = Path(source).expanduser()
    looks_local = path.exists() or source.startswith((".", "/", "~")) or path.suffix.lower() in FILE_BUILDERS
    if looks_local and not path.exists():
        raise DatasetUnavailableError(
            f"HLOOP_DATASET {source!r} does not exist. Set it to a folder of parquet/CSV/JSONL files, a single "
            "such file, or a Hugging Face hub id."
        )
    if path.is_file() and path.suffix.lower() not in FILE_BUILDERS:
        raise DatasetUnavailableError(
            f"HLOOP_DATASET {source!r} is a {path.suffix or 'suffix-less'} file; use .csv, .tsv, .jsonl or .parquet."
        )
    import datasets

    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    try:
        if path.is_file():
            extra = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
            return datasets.load_dataset(FILE_BUILDERS[path.suffix.lower()], data_files=str(path), **extra)
        return datasets.load_dataset(str(path) if looks_local else source)
    except Exception as exc:  # network, hub and file errors all mean the same thing to the user
        what = "file or folder" if looks_local else "hub id"
        raise DatasetUnavailableError(
            f"Could not read the dataset {what} {source!r} ({type(exc).__name__}: {str(exc)[:200]}). Check the "
            "file is valid CSV/JSONL/parquet; if the Hugging Face Hub is unreachable, set HLOOP_DATASET to a local "
            "copy (a folder or a file)."
        ) from exc


Merges = tuple[tuple[str, tuple[str, ...]], ...]


def _label_names(spec: DatasetSpec, split, raw: list) -> tuple[tuple[str, ...], bool, Merges]:
    """(names, whether integer values are positions, merged spellings): HLOOP_LABELS, else the ClassLabel
    names, else a known dataset's names, else the sorted distinct values of the label column, where values
    that differ only in case or spacing are one label named as most rows write it."""
    if spec.labels:
        return spec.labels, False, ()
    feature = split.features.get(spec.label_column)
    if getattr(feature, "names", None):
        return tuple(feature.names), True, ()
    values = [v for v in raw if not missing_value(v)]
    listed = next((v for v in values if isinstance(v, list | tuple | dict | np.ndarray)), None)
    if listed is not None:
        raise MultiLabelDatasetError(
            f"Column {spec.label_column!r} of {spec.source!r} holds lists of labels (e.g. {str(listed)[:60]}), a "
            "multi-label dataset, and this project takes one label per text. The command line takes multi-label "
            "projects (HLOOP_MULTI_LABEL=1 or auto; `python -m hloop train`, `queue`, `label`, ...), the app not yet; "
            "for one label per text, set HLOOP_LABEL_COLUMN to a column with one label per row."
        )
    distinct = set(values)
    numeric = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in distinct)
    known = known_label_names(spec.source)
    if known and numeric and distinct <= set(range(len(known))):
        return known, True, ()
    if numeric:
        return tuple(str(v) for v in sorted(distinct)), False, ()
    names, merges = label_spellings(str(v) for v in values)
    return names, False, merges


def _to_indices(raw: list, label_set: LabelSet, column: str, from_labels_setting: bool, positions: bool) -> np.ndarray:
    """Label values as indices (-1 where missing); values outside the label set are one clear error. An integer
    value is a position when the names came with the data (ClassLabel), otherwise it is matched as a name first
    (stars 1-5 are the labels "1".."5"), then as a position."""
    out = np.full(len(raw), UNLABELLED, dtype=np.int64)
    unknown: list[str] = []
    for i, value in enumerate(raw):
        if missing_value(value):
            continue
        if isinstance(value, str) and len(label_set.matches(value)) > 1:
            ambiguous = [label_set.names[j] for j in label_set.matches(value)]
            raise DatasetUnavailableError(
                f"Value {value.strip()[:40]!r} of column {column!r} differs only in case or spacing from the labels "
                f"{' and '.join(map(repr, ambiguous))} that HLOOP_LABELS keeps apart; write it exactly as one of "
                "them in the data, or name only one of them in HLOOP_LABELS."
            )
        try:
            out[i] = label_set.index(value if positions and not isinstance(value, str) else str(value).strip())
        except HLoopError:
            unknown.append(str(value))
    if unknown:
        where = "HLOOP_LABELS" if from_labels_setting else "the label set"
        few = ", ".join(repr(v[:40]) for v in dict.fromkeys(unknown).keys() if v)[:300]
        raise DatasetUnavailableError(
            f"{len(unknown):,} values of column {column!r} are not in {where} ({', '.join(label_set.names[:12])}"
            f"{' …' if len(label_set) > 12 else ''}), e.g. {few}. Fix the data, or list every label in HLOOP_LABELS."
        )
    return out


def split_columns(split, name: str, spec: DatasetSpec, source: str) -> tuple[list[str], list | None, Hygiene]:
    names = split.column_names
    if spec.text_column not in names:
        raise DatasetUnavailableError(
            f"Split {name!r} of {source!r} has no text column {spec.text_column!r} (columns: {', '.join(names)}); "
            "set HLOOP_TEXT_COLUMN to the column that holds the texts."
        )
    texts, cleaned = clean_texts(split[spec.text_column])
    raw = list(split[spec.label_column]) if spec.label_column in names else None
    return texts, raw, cleaned


def _drop_empty(texts: list[str], labels: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, int]:
    keep = [i for i, t in enumerate(texts) if t]
    return tuple(texts[i] for i in keep), labels[keep], len(texts) - len(keep)


def _unique_eval(texts: tuple[str, ...], labels: np.ndarray) -> tuple[tuple[str, ...], np.ndarray, Hygiene]:
    """Eval texts each once, with the label most copies carry; texts whose copies tie are dropped. Exact
    repeats only: eval is never trained on, so its near-copies leak nothing, and keeping them keeps the eval
    set (and the store's fingerprint) of datasets already in use (AG News's test split has one such pair)."""
    kept = dedupe(texts, labels, text_key)
    return tuple(texts[i] for i in kept.rows), kept.labels, kept.hygiene


def load_corpus(spec: DatasetSpec) -> Corpus:
    """The train and eval texts and labels of the dataset ``spec`` describes; one clear error when it can't."""
    dsd = read_dataset(spec.source)
    if spec.train_split not in dsd:
        raise DatasetUnavailableError(
            f"Dataset {spec.source!r} has no split {spec.train_split!r} (splits: {', '.join(dsd)}); "
            "set HLOOP_TRAIN_SPLIT to one of them."
        )
    train = dsd[spec.train_split]
    texts, raw, cleaned = split_columns(train, spec.train_split, spec, spec.source)
    if raw is None and (spec.label_column_required or not spec.labels):
        raise DatasetUnavailableError(
            f"Split {spec.train_split!r} of {spec.source!r} has no label column {spec.label_column!r} (columns: "
            f"{', '.join(train.column_names)}). Set HLOOP_LABEL_COLUMN to the column that holds the labels, or, to "
            'label from scratch, HLOOP_LABELS to the label names (e.g. HLOOP_LABELS="spam,ham").'
        )
    evaluated = dsd[spec.eval_split] if spec.eval_split in dsd and spec.eval_split != spec.train_split else None
    eval_texts, eval_raw, eval_cleaned = (
        split_columns(evaluated, spec.eval_split, spec, spec.source) if evaluated else ([], None, Hygiene())
    )
    names, positions, merges = _label_names(spec, train, (raw or []) + (eval_raw or []))
    try:
        label_set = LabelSet(names)
    except HLoopError as exc:
        raise DatasetUnavailableError(f"Dataset {spec.source!r}: {exc}") from exc
    to_idx = lambda values: _to_indices(values, label_set, spec.label_column, bool(spec.labels), positions)  # noqa: E731
    train_labels = to_idx(raw) if raw is not None else np.full(len(texts), UNLABELLED, dtype=np.int64)
    train_texts, train_labels, dropped = _drop_empty(texts, train_labels)
    eval_labels = to_idx(eval_raw) if eval_raw is not None else np.full(len(eval_texts), UNLABELLED, np.int64)
    eval_texts_t, eval_labels, dropped_eval = _drop_empty(eval_texts, eval_labels)
    gold = eval_labels >= 0  # an eval row without a label can't be scored: dropped
    eval_texts_t, eval_labels = tuple(t for t, g in zip(eval_texts_t, gold, strict=True) if g), eval_labels[gold]
    report = cleaned + eval_cleaned + Hygiene(dropped_empty=dropped + dropped_eval, merged_labels=merges)
    common = {"label_set": label_set, "source": spec.source, "dropped_empty": dropped + dropped_eval}
    return _with_eval(spec, train_texts, train_labels, eval_texts_t, eval_labels, report, common)


def _with_eval(spec: DatasetSpec, train_texts, train_labels, eval_texts, eval_labels, report, common) -> Corpus:
    """The corpus with its eval split: the dataset's own, else carved from labelled train rows, else none (held-out
    human labels); eval repeats kept once."""
    if eval_labels.size:
        eval_texts, eval_labels, repeats = _unique_eval(eval_texts, eval_labels)
        hygiene = report + repeats
        return Corpus(
            train_texts, train_labels, eval_texts, eval_labels, eval_origin="split", hygiene=hygiene, **common
        )
    if (train_labels >= 0).any():
        eval_rows, train_rows = carve_eval(train_labels, spec.eval_share, spec.random_seed)
        carved, carved_labels, repeats = _unique_eval(tuple(train_texts[i] for i in eval_rows), train_labels[eval_rows])
        kept_texts, kept_labels = tuple(train_texts[i] for i in train_rows), train_labels[train_rows]
        hygiene = report + repeats
        return Corpus(kept_texts, kept_labels, carved, carved_labels, eval_origin="carved", hygiene=hygiene, **common)
    return Corpus(train_texts, train_labels, (), np.empty(0, np.int64), eval_origin="human", hygiene=report, **common)
