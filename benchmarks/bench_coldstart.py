"""Seeding a cold start by search: labelling actions until every label has ``--per-label`` labels (default 3),
on an unlabelled copy of a labelled dataset (TREC by default: its labels are given, its label column is not read
by the project), against random order (the queue's order before v1), in the same run.

A simulated annotator answers with the gold label of each text it is shown (read from the dataset's file by this
script, never by the project). With search seeding it works as a person at the Browse tab would: for the label that
lacks the most examples it searches that label's first query from ``--queries`` (JSON: label -> queries, a
person's idea of the words such texts hold), labels the unlabelled results one by one (one action each), and,
once it has a text of that label, labels the texts more like it (``Services.more_like_this``) before the next
query; when every query of a label is used up it takes a random unlabelled text. Random order labels the pool in
a seeded random order. Each is repeated ``--repeats`` times (a different random order and tie order); the last
line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hloop.config import Settings  # noqa: E402
from hloop.services import Services  # noqa: E402
from labeling import store  # noqa: E402

TARGET_ACTIONS = 60
TREC_QUERIES = REPO / "benchmarks" / "coldstart_queries_trec.json"


class Oracle:
    """The simulated annotator: the gold label of a text, from the dataset file (texts stripped)."""

    def __init__(self, path: Path, text_column: str, label_column: str) -> None:
        frame = pd.read_csv(path)
        self.gold = {str(t).strip(): str(lab) for t, lab in zip(frame[text_column], frame[label_column], strict=True)}

    def __call__(self, text: str) -> str:
        return self.gold[text.strip()]


def fresh(folder: Path, data: Path, labels: list[str], seed: int) -> Services:
    settings = Settings(
        dataset=str(data),
        labels=",".join(labels),  # no "label" column in the files: the project sees unlabelled texts
        seed_size=0,
        model="tfidf-lr",
        embeddings="none",
        random_seed=seed,
        database_url=f"sqlite:///{folder / 'hloop.db'}",
        models_dir=folder / "models",
        fit_in_worker=False,
        scoring_processes=0,
    )
    services = Services(settings)
    services.ensure_store()
    return services


def run(services: Services, oracle: Oracle, chooser, per_label: int, budget: int) -> int | None:
    """Actions until every label has ``per_label`` labels (None when ``budget`` actions did not get there)."""
    counts: Counter = Counter()
    labels = services.label_set.names
    for action in range(1, budget + 1):
        lacking = min((counts[name], i, name) for i, name in enumerate(labels) if counts[name] < per_label)[2]
        example_id, text = chooser.pick(lacking)
        answer = oracle(text)
        services.label(example_id, answer, "oracle", source="simulated")
        counts[answer] += 1
        chooser.answered(example_id, answer, lacking)
        if all(counts[name] >= per_label for name in labels):
            return action
    return None


class RandomOrder:
    """The pool in a seeded random order (the queue before v1)."""

    def __init__(self, services: Services, seed: int) -> None:
        with services.project.session() as session:
            pool = list(store.examples_by_origin(store.QUEUE_ORIGINS, session=session))
        random.Random(seed).shuffle(pool)
        self.shown = iter(pool)

    def pick(self, _label: str) -> tuple[int, str]:
        return next(self.shown)

    def answered(self, *_args) -> None:
        pass


class SearchSeeding:
    """A person at the Browse tab: the lacking label's queries, then texts more like the ones found."""

    def __init__(self, services: Services, queries: dict[str, list[str]], seed: int) -> None:
        self.services, self.queries, self.rng = services, queries, random.Random(seed)
        self.used: Counter = Counter()  # queries of a label used up
        self.like: dict[str, list[tuple[int, str]]] = {}  # texts more like a found one, to label next
        self.done: set[int] = set()

    def _open(self, hits) -> list[tuple[int, str]]:
        return [(h.example_id, h.text) for h in hits if h.label is None and h.example_id not in self.done]

    def pick(self, label: str) -> tuple[int, str]:
        waiting = [pair for pair in self.like.get(label, []) if pair[0] not in self.done]
        self.like[label] = waiting[1:]
        if waiting:
            return waiting[0]
        mine = self.queries.get(label, [])
        while self.used[label] < len(mine):
            hits = self.services.search(query=mine[self.used[label]], status="unlabelled", per_page=50).hits
            found = self._open(hits)
            if found:
                return found[0]
            self.used[label] += 1
        return self.rng.choice(self._open(self.services.search(status="unlabelled", per_page=200).hits))

    def answered(self, example_id: int, answer: str, wanted: str) -> None:
        self.done.add(example_id)
        if answer == wanted:  # found one: the texts more like it come next
            hits = self.services.more_like_this(example_id=example_id, k=20, status="unlabelled")
            self.like[answer] = self._open(hits) + self.like.get(answer, [])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "trec"))
    parser.add_argument("--label-column", default="coarse_label")
    parser.add_argument("--queries", default=str(TREC_QUERIES), help="JSON: label -> list of queries")
    parser.add_argument("--per-label", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=int, default=2000, help="actions at most per run")
    args = parser.parse_args(argv)
    data = Path(args.data)
    oracle = Oracle(data / "train.csv", "text", args.label_column)
    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    labels = sorted(set(oracle.gold.values()))
    seeded, randomly = [], []
    for seed in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="hloop-coldstart-") as tmp:
            services = fresh(Path(tmp) / "search", data, labels, seed)
            seeded.append(run(services, oracle, SearchSeeding(services, queries, seed), args.per_label, args.budget))
            services = fresh(Path(tmp) / "random", data, labels, seed)
            randomly.append(run(services, oracle, RandomOrder(services, seed), args.per_label, args.budget))
        print(f"repeat {seed}: search seeding {seeded[-1]} actions, random order {randomly[-1]}", flush=True)
    done = [n for n in seeded if n is not None]
    result = {
        "dataset": str(data),
        "labels": labels,
        "per_label": args.per_label,
        "search_seeding_actions": seeded,
        "random_order_actions": randomly,
        "search_seeding_max": max(done) if len(done) == len(seeded) else None,
        "search_seeding_median": statistics.median(done) if done else None,
        "random_order_median": statistics.median([n for n in randomly if n is not None] or [float("nan")]),
        "target_actions": TARGET_ACTIONS,
    }
    result["target_met"] = result["search_seeding_max"] is not None and result["search_seeding_max"] <= TARGET_ACTIONS
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
