"""Load a multi-label dataset (a label column of sets, ``hloop.data.label_sets``) into a ``SetCorpus``: the train and
eval texts with an (n, labels) indicator each, under the hygiene single-label loading applies. Repeated texts keep
one row whose set holds the labels at least half its copies carry (a text whose copies agree on no label is dropped,
as a tie is for single labels); a train text that is also an eval text is
dropped from train; without an eval split, a seeded share of the labelled rows is carved out, stratified by each
row's rarest label."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hloop.core.errors import DatasetUnavailableError, HLoopError
from hloop.core.labels import LabelSet, text_key
from hloop.data.corpus import UNLABELLED, DatasetSpec, read_dataset, split_columns
from hloop.data.hygiene import Hygiene
from hloop.data.label_sets import label_set_cells, set_label_names, to_indicator
from hloop.data.splits import carve_eval


@dataclass(frozen=True)
class SetCorpus:
    """Train and eval texts with their label sets (bool indicators; ``train_labelled`` marks the train rows with a
    label cell, the others only join the pool) and where eval came from (``split``, ``carved`` or ``human``)."""

    train_texts: tuple[str, ...]
    train_sets: np.ndarray
    train_labelled: np.ndarray
    eval_texts: tuple[str, ...]
    eval_sets: np.ndarray
    label_set: LabelSet
    source: str
    eval_origin: str = "split"
    hygiene: Hygiene = field(default_factory=Hygiene)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 over every text and label set of both splits."""
        digest = hashlib.sha256()
        for texts, sets, labelled in (
            (self.train_texts, self.train_sets, self.train_labelled),
            (self.eval_texts, self.eval_sets, np.ones(len(self.eval_texts), dtype=bool)),
        ):
            for text, row, has in zip(texts, sets, labelled, strict=True):
                digest.update(f"{np.flatnonzero(row).tolist() if has else 'none'}\t{text}\n".encode())
            digest.update(b"--split--")
        return digest.hexdigest()


def _unique(texts, sets, labelled, excluded=frozenset()) -> tuple[list[int], np.ndarray, np.ndarray, Hygiene]:
    """The first row of each non-empty text (not in ``excluded``), its set the labels at least half of its labelled
    copies carry, or none when its copies all have labels and agree on none; (rows, sets, labelled, what was
    dropped)."""
    groups: dict[str, list[int]] = {}
    empty = in_both = 0
    for i, text in enumerate(texts):
        if not text.strip():
            empty += 1
        elif text_key(text) in excluded:
            in_both += 1
        else:
            groups.setdefault(text_key(text), []).append(i)
    rows, kept_sets, kept_labelled, repeats, conflicts, tied = [], [], [], 0, 0, 0
    for members in groups.values():
        voters = [i for i in members if labelled[i]]
        repeats += len(members) - 1
        voted = sets[voters].sum(axis=0) * 2 >= len(voters) if voters else np.zeros(sets.shape[1], dtype=bool)
        if voters and not voted.any() and sets[voters].any(axis=1).all():  # every copy labelled, no label agreed
            tied += 1
            continue
        conflicts += int(len({row.tobytes() for row in sets[voters]}) > 1)
        rows.append(members[0])
        kept_labelled.append(bool(voters))
        kept_sets.append(voted)
    kept = np.array(kept_sets, dtype=bool).reshape(len(rows), sets.shape[1])
    hygiene = Hygiene(dropped_empty=empty, repeats=repeats, in_both=in_both, conflicts=conflicts, tied=tied)
    return rows, kept, np.array(kept_labelled, dtype=bool), hygiene


def rarest_labels(sets: np.ndarray, labelled: np.ndarray) -> np.ndarray:
    """Each row's rarest label (its stratum when eval is carved); 0 for an empty set, -1 for an unlabelled row."""
    counts = sets[labelled].sum(axis=0)
    out = np.full(len(sets), UNLABELLED, dtype=np.int64)
    for i in np.flatnonzero(labelled):
        members = np.flatnonzero(sets[i])
        out[i] = members[np.argmin(counts[members])] if members.size else 0
    return out


def load_set_corpus(spec: DatasetSpec, separator: str = "") -> SetCorpus:
    """The train and eval texts and label sets of the multi-label dataset ``spec`` describes; one clear error when
    it can't (as ``load_corpus`` says it)."""
    dsd = read_dataset(spec.source)
    if spec.train_split not in dsd:
        raise DatasetUnavailableError(
            f"Dataset {spec.source!r} has no split {spec.train_split!r} (splits: {', '.join(dsd)}); "
            "set HLOOP_TRAIN_SPLIT to one of them."
        )
    texts, raw, cleaned = split_columns(dsd[spec.train_split], spec.train_split, spec, spec.source)
    if raw is None and not spec.labels:
        raise DatasetUnavailableError(
            f"Split {spec.train_split!r} of {spec.source!r} has no label column {spec.label_column!r}. Set "
            "HLOOP_LABEL_COLUMN to the column that holds the label sets, or HLOOP_LABELS to the label names."
        )
    has_eval = spec.eval_split in dsd and spec.eval_split != spec.train_split
    eval_texts, eval_raw, eval_cleaned = (
        split_columns(dsd[spec.eval_split], spec.eval_split, spec, spec.source) if has_eval else ([], None, Hygiene())
    )
    train_cells = label_set_cells(raw if raw is not None else [None] * len(texts), separator, spec.label_column)
    eval_cells = label_set_cells(eval_raw or [None] * len(eval_texts), separator, spec.label_column)
    try:
        label_set = LabelSet(spec.labels or set_label_names(train_cells + eval_cells))
    except HLoopError as exc:
        raise DatasetUnavailableError(f"Dataset {spec.source!r}: {exc}") from exc
    train_sets, train_labelled = to_indicator(train_cells, label_set, spec.label_column)
    eval_sets, eval_labelled = to_indicator(eval_cells, label_set, spec.label_column)
    gold = [i for i in range(len(eval_texts)) if eval_labelled[i]]  # an eval row without labels can't be scored
    eval_texts, eval_sets = [eval_texts[i] for i in gold], eval_sets[gold]
    e_rows, eval_sets, _, eval_hygiene = _unique(eval_texts, eval_sets, np.ones(len(eval_texts), dtype=bool))
    eval_t = tuple(eval_texts[i] for i in e_rows)
    excluded = frozenset(text_key(t) for t in eval_t)
    rows, train_sets, train_labelled, train_hygiene = _unique(texts, train_sets, train_labelled, excluded)
    train_t = tuple(texts[i] for i in rows)
    report = cleaned + eval_cleaned + train_hygiene + eval_hygiene
    common = {"label_set": label_set, "source": spec.source}
    if eval_t:
        return SetCorpus(train_t, train_sets, train_labelled, eval_t, eval_sets, hygiene=report, **common)
    if train_labelled.sum() >= 2:
        picked, rest = carve_eval(rarest_labels(train_sets, train_labelled), spec.eval_share, spec.random_seed)
        return SetCorpus(
            tuple(train_t[i] for i in rest),
            train_sets[rest],
            train_labelled[rest],
            tuple(train_t[i] for i in picked),
            train_sets[picked],
            eval_origin="carved",
            hygiene=report,
            **common,
        )
    empty = np.zeros((0, len(label_set)), dtype=bool)
    return SetCorpus(train_t, train_sets, train_labelled, (), empty, eval_origin="human", hygiene=report, **common)


def cardinality(sets: np.ndarray) -> dict[int, int]:
    """How many rows have 0, 1, 2, ... labels."""
    return dict(sorted(Counter(sets.sum(axis=1).tolist()).items()))
