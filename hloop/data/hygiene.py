"""Hygiene of real, messy datasets: the same cleaning for every split, counted and reported.

Texts lose control characters (line breaks and tabs stay) and are cut at the product's text limit; label values
that differ only in case or spacing are one label; a text that occurs more than once in a split is kept once,
with the label most of its copies carry (all dropped when the copies tie); a train text that is an eval text is
dropped from train. "The same text" is decided by a key function: in train (where a near-copy in seed of a dev
or eval text would leak it into training) the model's own token sequence (``training.pipeline.document_key``,
passed in by the services); in eval (never trained on) the exact stripped text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from hloop.core.labels import MAX_TEXT_CHARS, text_key

Key = Callable[[str], str]
# C0 and C1 control characters except tab and line feed (carriage returns become line feeds first), and lone
# surrogates (not text: a store cannot hold them as UTF-8); the ones that separate words become a space
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff]")
_SEPARATORS = re.compile(r"[\x0b\x0c\x1c-\x1f\x85]")
_NEWLINES = re.compile(r"\r\n?")


@dataclass(frozen=True)
class Hygiene:
    """What loading did to the dataset's rows, by kind; every count is of rows unless it says texts."""

    dropped_empty: int = 0  # rows without text (or only whitespace and control characters)
    controls_stripped: int = 0  # rows whose text held control characters (backspace, NUL, ...) or lone surrogates
    truncated: int = 0  # rows longer than MAX_TEXT_CHARS, cut to it
    repeats: int = 0  # rows dropped as a repeat of an earlier row of the same split
    in_both: int = 0  # train rows dropped because their text is an eval text
    conflicts: int = 0  # texts whose copies disagree on the label: kept with the majority label
    tied: int = 0  # texts whose copies disagree with no majority: all their rows dropped
    merged_labels: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (name kept, spellings merged)

    def __add__(self, other: Hygiene) -> Hygiene:
        counts = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        return Hygiene(**counts)

    def to_dict(self) -> dict:
        """The counts and merged labels as a JSON-able dict."""
        out: dict = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "merged_labels"}
        out["merged_labels"] = {kept: list(spellings) for kept, spellings in self.merged_labels}
        return out

    def lines(self) -> tuple[str, ...]:
        """One line per kind of change, for ``hloop train`` and the app's start-up; none when nothing changed."""
        said = [
            (self.dropped_empty, "empty text{s} dropped"),
            (self.controls_stripped, "text{s} had control characters (backspace, NUL, ...) or lone surrogates removed"),
            (self.truncated, f"text{{s}} longer than {MAX_TEXT_CHARS:,} characters cut to that length"),
            (self.repeats, "repeated text{s} dropped (each text is kept once per split)"),
            (self.in_both, "train text{s} dropped because also in eval (never trained on)"),
            (self.conflicts, "repeated text{s} with conflicting labels kept with the label most copies carry"),
            (self.tied, "repeated text{s} with conflicting labels and no majority dropped"),
        ]
        out = [f"{count:,} {what.format(s='' if count == 1 else 's')}" for count, what in said if count]
        out += [
            f"labels {', '.join(map(repr, spellings))} merged into {kept!r}" for kept, spellings in self.merged_labels
        ]
        return tuple(out)


def clean_texts(texts: Iterable[object]) -> tuple[list[str], Hygiene]:
    """The texts stripped, without control characters (line breaks and tabs kept) and at most MAX_TEXT_CHARS
    long, with how many rows each of those changed."""
    out, controls, truncated = [], 0, 0
    for value in texts:
        text = "" if value is None else str(value)
        if "\r" in text:
            text = _NEWLINES.sub("\n", text)
        cleaned = _SEPARATORS.sub(" ", _CONTROLS.sub("", text))
        controls += cleaned != text
        cleaned = cleaned.strip()
        if len(cleaned) > MAX_TEXT_CHARS:
            cleaned, truncated = cleaned[:MAX_TEXT_CHARS].rstrip(), truncated + 1
        out.append(cleaned)
    return out, Hygiene(controls_stripped=controls, truncated=truncated)


def missing_value(value: object) -> bool:
    """Whether a label cell is missing (None, NaN, or blank text): the row is unlabelled."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def label_spellings(values: Iterable[str]) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """(sorted label names, merges): values that differ only in case or spacing are one label, named as most
    rows write it (ties: the first in sorted order); a merge lists the other spellings."""
    counts = Counter(" ".join(v.split()) for v in values)
    groups: dict[str, list[str]] = {}
    for spelling in sorted(counts):
        groups.setdefault(spelling.casefold(), []).append(spelling)
    names, merges = [], []
    for spellings in groups.values():
        kept = max(spellings, key=lambda s: counts[s])  # max keeps the first of equals: sorted order
        names.append(kept)
        if len(spellings) > 1:
            merges.append((kept, tuple(s for s in spellings if s != kept)))
    return tuple(sorted(names)), tuple(sorted(merges))


@dataclass(frozen=True)
class KeptRows:
    """The rows of one split that are kept (ascending) and the label each keeps (-1 = unlabelled)."""

    rows: np.ndarray
    labels: np.ndarray
    hygiene: Hygiene


def _majority(labels: list[int]) -> int | None:
    """The label most labelled copies carry; -1 when none is labelled; None when the top two tie."""
    counts = Counter(lab for lab in labels if lab >= 0).most_common(2)
    if not counts:
        return -1
    if len(counts) == 2 and counts[0][1] == counts[1][1]:
        return None
    return counts[0][0]


def dedupe(
    texts: Sequence[str], labels: np.ndarray, key: Key = text_key, excluded: frozenset[str] = frozenset()
) -> KeptRows:
    """The first row of each text (by ``key``) with its copies' majority label; empty texts, texts whose key is
    ``excluded`` (eval texts, for train) and texts whose copies tie on the label are dropped."""
    labels = np.asarray(labels, dtype=np.int64)
    groups: dict[str, list[int]] = {}
    empty = in_both = 0
    for i, text in enumerate(texts):
        if not text.strip():
            empty += 1
            continue
        k = key(text)
        if k in excluded:
            in_both += 1
            continue
        groups.setdefault(k, []).append(i)
    rows, kept_labels, repeats, conflicts, tied = [], [], 0, 0, 0
    for members in groups.values():
        votes = labels[members].tolist()
        label = _majority(votes)
        distinct = len({v for v in votes if v >= 0})
        repeats += len(members) - 1
        if label is None:
            tied += 1
            continue
        conflicts += distinct > 1
        rows.append(members[0])
        kept_labels.append(label)
    report = Hygiene(dropped_empty=empty, repeats=repeats, in_both=in_both, conflicts=conflicts, tied=tied)
    return KeptRows(np.array(rows, dtype=np.int64), np.array(kept_labels, dtype=np.int64), report)  # first-seen order
