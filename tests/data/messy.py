"""A labelled CSV folder as real data comes: its own column names and every kind of mess, with the counts the
hygiene report must give for it (``EXPECTED``)."""

from __future__ import annotations

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
# what load + store filling must report for the folder ``write_messy`` makes
EXPECTED = {
    "dropped_empty": 1,  # one train row without text
    "controls_stripped": 2,  # a backspace in a train text and an escape in a test text
    "truncated": 1,  # one train text of 25,000 characters
    "repeats": 8,  # test: 2 repeated texts; train: 2 exact, 1 near (case, "!!"), 2 + 1 of the conflicting texts
    "in_both": 2,  # a train row that is a test text, and one that is a test text upper-cased with " ."
    "conflicts": 1,  # three copies, two "computers" one "sports": kept as computers
    "tied": 1,  # two copies, "sports" and "cooking": dropped
}
MERGED = {"computers": ["COMPUTERS", "Computers"]}  # " COMPUTERS " and "Computers" are the label computers


def _texts(label: str, n: int, tag: str, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = WORDS[label].split()
    return [f"{' '.join(rng.choice(vocab, size=5).tolist())} {tag}{label[:3]}{i}" for i in range(n)]


def messy_rows() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(train rows, test rows) of (text, label)."""
    train = [(t, label) for label in WORDS for t in _texts(label, 20, "tr", 1)]
    test = [(t, label) for label in WORDS for t in _texts(label, 10, "te", 2)]
    spelled = [" COMPUTERS ", " COMPUTERS ", "Computers"]  # stray whitespace and case, fewer than "computers"
    for k, spelling in enumerate(spelled):
        train[k] = (train[k][0], spelling)
    repeated, near = train[30], train[31]
    train += [repeated, repeated, (near[0].upper() + "!!", near[1])]
    majority = "laptop server browser chip software majority copy"
    train += [(majority, "computers"), (majority, "sports"), (majority, "computers")]
    tied = "goal flour match butter tied copy"
    train += [(tied, "sports"), (tied, "cooking")]
    train += [test[3], (test[14][0].upper() + " .", test[14][1])]  # eval texts in train: dropped from train
    train += [("", "cooking")]
    train += [("chip\x08 internet software with a backspace", "computers")]
    train += [(("oven flour butter " * 2_000)[:LONG_CHARS] + "end", "cooking")]
    train += [("goal match\nsecond line of a league report\n\nthird: players score", "sports")]
    test += [test[0], test[25]]  # the test split repeats a few texts, as real test sets do
    test += [("processor\x1b server browser escape web", "computers")]
    test += [("recipe oven\nbake the sauce on line two", "cooking")]
    return train, test


def write_messy(folder: Path) -> Path:
    """Write train.csv and test.csv (columns ``body``, ``topic``) into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    train, test = messy_rows()
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
