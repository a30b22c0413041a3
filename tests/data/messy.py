"""Labelled CSV folders as real data comes: their own column names and each kind of mess (``PROPERTIES``), with
the counts the hygiene report must give (``EXPECTED`` for all of them at once)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

TEXT, LABEL = "body", "topic"  # not "text" and "label"
WORDS = {
    "computers": "software chip internet laptop server browser processor web",
    "sports": "match goal coach league players score olympic team",
    "cooking": "recipe oven flour butter garlic simmer bake sauce",
}
LONG_CHARS = 25_000
# each messy property, and what load + store filling must report for it
PROPERTIES: dict[str, dict[str, int]] = {
    "label spellings": {},  # " COMPUTERS " and "Computers" beside "computers": merged (see MERGED)
    "repeats in train": {"repeats": 2},  # one text three times
    "near repeat in train": {"repeats": 1},  # a text again upper-cased with "!!"
    "repeats in test": {"repeats": 2},  # the test split repeats two texts, as real test sets do
    "text in both splits": {"in_both": 2},  # a test text in train, and one upper-cased with " ."
    "conflicting labels": {"repeats": 2, "conflicts": 1},  # three copies: computers, sports, computers
    "tied labels": {"repeats": 1, "tied": 1},  # two copies: sports, cooking
    "empty text": {"dropped_empty": 1},
    "control characters": {"controls_stripped": 2},  # a backspace in train, an escape in test
    "very long text": {"truncated": 1},  # 25,000 characters
    "multi-line texts": {},  # kept as they are
}
EXPECTED = {
    kind: sum(counts.get(kind, 0) for counts in PROPERTIES.values())
    for kind in ("dropped_empty", "controls_stripped", "truncated", "repeats", "in_both", "conflicts", "tied")
}
MERGED = {"computers": ["COMPUTERS", "Computers"]}
MULTI_LINE = "goal match\nsecond line of a league report\n\nthird: players score"


def _texts(label: str, n: int, tag: str, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = WORDS[label].split()
    return [f"{' '.join(rng.choice(vocab, size=5).tolist())} {tag}{label[:3]}{i}" for i in range(n)]


def messy_rows(properties: Iterable[str] = PROPERTIES) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train rows, test rows) of (text, label): a learnable base with each of ``properties`` added."""
    wanted = set(properties)
    train = [(t, label) for label in WORDS for t in _texts(label, 20, "tr", 1)]
    test = [(t, label) for label in WORDS for t in _texts(label, 10, "te", 2)]
    if "label spellings" in wanted:  # stray whitespace and case, on fewer rows than "computers"
        for k, spelling in enumerate([" COMPUTERS ", " COMPUTERS ", "Computers"]):
            train[k] = (train[k][0], spelling)
    if "repeats in train" in wanted:
        train += [train[30], train[30]]
    if "near repeat in train" in wanted:
        train += [(train[31][0].upper() + "!!", train[31][1])]
    if "conflicting labels" in wanted:
        majority = "laptop server browser chip software majority copy"
        train += [(majority, "computers"), (majority, "sports"), (majority, "computers")]
    if "tied labels" in wanted:
        train += [("goal flour match butter tied copy", "sports"), ("goal flour match butter tied copy", "cooking")]
    if "text in both splits" in wanted:  # eval texts in train: dropped from train
        train += [test[3], (test[14][0].upper() + " .", test[14][1])]
    if "empty text" in wanted:
        train += [("", "cooking")]
    if "control characters" in wanted:
        train += [("chip\x08 internet software with a backspace", "computers")]
        test += [("processor\x1b server browser escape web", "computers")]
    if "very long text" in wanted:
        train += [(("oven flour butter " * 2_000)[:LONG_CHARS] + "end", "cooking")]
    if "multi-line texts" in wanted:
        train += [(MULTI_LINE, "sports")]
        test += [("recipe oven\nbake the sauce on line two", "cooking")]
    if "repeats in test" in wanted:
        test += [test[0], test[25]]
    return train, test


def write_messy(folder: Path, properties: Iterable[str] = PROPERTIES) -> Path:
    """Write train.csv and test.csv (columns ``body``, ``topic``) with ``properties`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    train, test = messy_rows(properties)
    for name, rows in (("train", train), ("test", test)):
        pd.DataFrame(rows, columns=[TEXT, LABEL]).to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_repeating_test_split(folder: Path) -> Path:
    """The dataset of issue 15 part 1: a labelled CSV folder, own column names, a test split repeating a few
    texts; nothing else odd."""
    folder.mkdir(parents=True, exist_ok=True)
    train = [(t, label) for label in WORDS for t in _texts(label, 20, "tr", 3)]
    test = [(t, label) for label in WORDS for t in _texts(label, 10, "te", 4)]
    test += [test[1], test[12], test[12]]
    for name, rows in (("train", train), ("test", test)):
        pd.DataFrame(rows, columns=["question", "kind"]).to_csv(folder / f"{name}.csv", index=False)
    return folder
