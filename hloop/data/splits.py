"""Seeded, stratified splits: eval carved from labelled train rows, and train split into seed and pool."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from hloop.core.labels import near_key
from hloop.data.hygiene import KeptRows, Key, dedupe


@dataclass(frozen=True)
class Split:
    """Row indices into the train split: ``seed`` is labelled from the start, ``pool`` is not."""

    seed: np.ndarray
    pool: np.ndarray


def _stratified(rows: np.ndarray, labels: np.ndarray, size: int, random_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(``size`` rows, the rest), stratified when every class can give a row to both sides."""
    counts = np.bincount(labels)
    present = counts[counts > 0]
    can_stratify = size >= present.size and rows.size - size >= present.size and present.min() >= 2
    picked, rest = train_test_split(
        rows, train_size=size, stratify=labels if can_stratify else None, random_state=random_seed, shuffle=True
    )
    return np.sort(picked), np.sort(rest)


def split_train(labels: np.ndarray, seed_size: int | str, random_seed: int) -> Split:
    """A stratified, seeded split of the labelled train rows into seed and pool; unlabelled rows (-1) always join
    the pool, ``"all"`` puts every labelled row in seed and 0 none (cold start)."""
    labels = np.asarray(labels, dtype=np.int64)
    labelled = np.flatnonzero(labels >= 0)
    unlabelled = np.flatnonzero(labels < 0)
    if seed_size == "all" or int(seed_size) >= labelled.size:
        return Split(seed=labelled, pool=unlabelled)
    if int(seed_size) == 0:
        return Split(seed=np.empty(0, dtype=np.int64), pool=np.arange(labels.size))
    seed, pool = _stratified(labelled, labels[labelled], int(seed_size), random_seed)
    return Split(seed=seed, pool=np.sort(np.concatenate([pool, unlabelled])))


def carve_dev(labels: np.ndarray, split: Split, share: float, cap: int, random_seed: int) -> tuple[Split, np.ndarray]:
    """(the split without dev, dev rows): a seeded, stratified ``share`` (at most ``cap``) of the labelled rows,
    taken from the pool so the seed stays as it was; none when the pool holds no labelled row (seed "all")."""
    labels = np.asarray(labels, dtype=np.int64)
    source = split.pool[labels[split.pool] >= 0]
    labelled = np.flatnonzero(labels >= 0).size
    size = min(int(cap), round(labelled * share), source.size - 1)
    if share <= 0 or size < 1:
        return split, np.empty(0, dtype=np.int64)
    dev, _rest = _stratified(source, labels[source], size, random_seed + 1)
    keep = lambda rows: rows[~np.isin(rows, dev)]  # noqa: E731
    return Split(seed=keep(split.seed), pool=keep(split.pool)), dev


def carve_eval(labels: np.ndarray, share: float, random_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(eval rows, train rows): a seeded, stratified ``share`` of the labelled rows; unlabelled rows stay in train."""
    labels = np.asarray(labels, dtype=np.int64)
    labelled = np.flatnonzero(labels >= 0)
    size = min(max(1, round(labelled.size * share)), labelled.size - 1)
    if labelled.size < 2:
        return np.empty(0, dtype=np.int64), np.arange(labels.size)
    picked, rest = _stratified(labelled, labels[labelled], size, random_seed)
    return picked, np.sort(np.concatenate([rest, np.flatnonzero(labels < 0)]))


def kept_train(
    train_texts: tuple[str, ...], eval_texts: tuple[str, ...], labels: np.ndarray | None = None, key: Key = near_key
) -> KeptRows:
    """The train rows the label store keeps, with their labels: non-empty, not an eval text (by ``key``: those
    must never be trained on or queued), the first of repeats, with the label most copies carry (a text whose
    copies tie on the label is dropped)."""
    labels = np.full(len(train_texts), -1, dtype=np.int64) if labels is None else labels
    return dedupe(train_texts, labels, key, frozenset(key(text) for text in eval_texts if text.strip()))


def kept_train_rows(
    train_texts: tuple[str, ...], eval_texts: tuple[str, ...], labels: np.ndarray | None = None, key: Key = near_key
) -> np.ndarray:
    """The indices of ``kept_train``."""
    return kept_train(train_texts, eval_texts, labels, key).rows
