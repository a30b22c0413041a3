"""Label-error review on real crowd labels (NoisyAG-News): precision of the suspect ranking, recall, the share of
the crowd-vs-gold accuracy gap an oracle review of the top suspects recovers, the time to rank 10,000 labels, and
the agreement two simulated noisy annotators reach through the product's overlap queue.

    .venv/bin/python benchmarks/bench_review.py [--data ../shared/data/ag_news] [--labels FILE]

The last line printed is one JSON object. Gold labels are read here, in the benchmark, never by the product.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option  # noqa: E402

from hloop.core.suspects import suspect_scores  # noqa: E402
from hloop.data.corpus import DatasetSpec, load_corpus  # noqa: E402
from hloop.experiments.annotators import Annotator, crowd_labels  # noqa: E402
from hloop.experiments.review_sim import agreement_experiment, review_experiment  # noqa: E402
from training.crossval import out_of_fold_probabilities  # noqa: E402

TARGETS = {"precision_at_500": 0.80, "precision_at_1000": 0.70, "gap_recovered": 0.50}


def main() -> dict:
    """Measure and print; the last line is the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--labels", default=str(REPO.parent / "shared/data/noisy_ag_news/human_labels.parquet"))
    parser.add_argument("--review", type=int, default=1000, help="suspects the oracle reviews (default 1000)")
    parser.add_argument("--rounds", type=int, default=10, help="review rounds, re-ranked after each (default 10)")
    parser.add_argument("--agreement-items", type=int, default=150, help="items each simulated annotator labels")
    args = parser.parse_args()
    corpus = load_corpus(DatasetSpec(args.data))
    crowd = crowd_labels(Path(args.labels), corpus.train_texts)
    rows = np.flatnonzero(crowd >= 0)
    texts = [corpus.train_texts[i] for i in rows]
    given, gold, n_labels = crowd[rows], np.asarray(corpus.train_labels)[rows], len(corpus.label_set)
    result = review_experiment(
        texts, given, gold, corpus.eval_texts, corpus.eval_labels, n_labels, review=args.review, rounds=args.rounds
    )
    result["review_rounds"] = args.rounds
    start = time.perf_counter()
    suspect_scores(out_of_fold_probabilities(texts, given, n_labels), given)
    result["rank_seconds"] = round(time.perf_counter() - start, 2)
    flips = (0.1, 0.3)
    gold_all = np.asarray(corpus.train_labels)
    first, second = (Annotator(gold_all, gold_all >= 0, n_labels, flip=f, seed=i) for i, f in enumerate(flips))
    agreement = agreement_experiment(corpus, first, second, items=args.agreement_items)
    result["agreement_flips"] = list(flips)
    result["agreement"] = agreement
    for key, target in TARGETS.items():
        met = result[key] is not None and result[key] >= target
        print(f"{key}: {result[key]} (target >= {target}: {'met' if met else 'NOT met'})")
    print(f"recall at {args.review}: {result[f'recall_at_{args.review}']} of {result['errors']} crowd mistakes")
    print(f"ranking {result['rows']} labels: {result['rank_seconds']} s")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
