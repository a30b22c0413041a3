"""Simulated annotators: the only code that reads the pool's gold (or crowd) labels.

The loop asks an annotator about pool rows and trains on its answers; it never sees the labels behind them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hloop.core.errors import DatasetUnavailableError, InvalidInputError


@dataclass(frozen=True)
class AnnotatorSpec:
    """What kind of annotator: ``oracle``, ``human`` (crowd labels) or ``noisy`` (flip with ``flip``)."""

    kind: str
    flip: float = 0.0

    @property
    def name(self) -> str:
        """The spec as the command line spells it."""
        return f"noisy:{self.flip:g}" if self.kind == "noisy" else self.kind


def parse_annotator(spec: str) -> AnnotatorSpec:
    """``oracle``, ``human`` or ``noisy:P`` with P in [0, 1]; anything else raises InvalidInputError."""
    text = (spec or "").strip().lower()
    if text in ("oracle", "human"):
        return AnnotatorSpec(text)
    if text.startswith("noisy:"):
        try:
            flip = float(text.split(":", 1)[1])
        except ValueError:
            flip = -1.0
        if 0.0 <= flip <= 1.0:
            return AnnotatorSpec("noisy", flip)
    raise InvalidInputError(f"Unknown annotator {spec!r}; use oracle, human, or noisy:P with P in [0, 1].")


class Annotator:
    """Answers questions about train rows; ``answerable`` marks the rows it can label."""

    def __init__(
        self, labels: np.ndarray, answerable: np.ndarray, n_labels: int, flip: float = 0.0, seed: int = 0
    ) -> None:
        labels = np.asarray(labels, dtype=np.int64)
        self.answerable = np.asarray(answerable, dtype=bool)
        # each row's answer is fixed up front, so it does not depend on when or in which batch it is asked
        rng = np.random.default_rng([seed, 7_919])
        flips = rng.random(labels.shape[0]) < float(flip)
        shift = rng.integers(1, n_labels, size=labels.shape[0])  # any wrong label, uniformly
        self._answers = np.where(flips, (labels + shift) % n_labels, labels)

    def answer(self, rows: np.ndarray) -> np.ndarray:
        """The labels this annotator gives to ``rows`` (indices into the train split)."""
        return self._answers[np.asarray(rows, dtype=np.int64)]


def crowd_labels(path: Path, train_texts: tuple[str, ...]) -> np.ndarray:
    """The crowd label of each train text (matched by stripped text); -1 where the file has none."""
    import pandas as pd

    if not Path(path).exists():
        raise DatasetUnavailableError(
            f"Crowd labels file {str(path)!r} not found; set HLOOP_HUMAN_LABELS_FILE to human_labels.parquet."
        )
    frame = pd.read_parquet(path, columns=["text", "human_label"])
    by_text: dict[str, int] = {}
    for text, label in zip(frame["text"].tolist(), frame["human_label"].tolist(), strict=True):
        by_text.setdefault(str(text).strip(), int(label))
    found = np.array([by_text.get(t.strip(), -1) for t in train_texts], dtype=np.int64)
    if not (found >= 0).any():
        raise DatasetUnavailableError(f"No train text of this dataset appears in {path}; the human annotator needs it.")
    return found


def make_annotator(
    spec: AnnotatorSpec, gold: np.ndarray, seed: int, n_labels: int, crowd: np.ndarray | None = None
) -> Annotator:
    """The annotator of ``spec`` over the train split's gold labels (and crowd labels for ``human``); rows
    without a gold (or crowd) label are ones it cannot answer."""
    gold = np.asarray(gold, dtype=np.int64)
    if spec.kind == "human":
        if crowd is None:
            raise InvalidInputError("The human annotator needs the crowd labels (HLOOP_HUMAN_LABELS_FILE).")
        return Annotator(np.where(crowd >= 0, crowd, 0), crowd >= 0, n_labels)
    return Annotator(np.where(gold >= 0, gold, 0), gold >= 0, n_labels, flip=spec.flip, seed=seed)
