"""Re-decide the queue's warm-up on dev: the default strategy (random until ``W`` labels per label, then margin)
simulated for several ``W``, scored on the dev rows (where the choice is made) and on eval (reported only).

    python -m hloop.experiments.warmup --per-label 0,50,100,150,200 --repeats 3 [--annotator human]

The choice: the largest dev AUC; among warm-ups within one repeat-spread of it, the smallest dip below random.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hloop.config import Settings
from hloop.core.strategies import QueryContext, margin, random_scores
from hloop.experiments.annotators import crowd_labels, make_annotator, parse_annotator
from hloop.experiments.features import featurize
from hloop.experiments.loop import run_loop, split_with_dev
from hloop.services.project import dataset_spec


def warmup_strategy(per_label: int):
    """The default strategy with a warm-up of ``per_label`` labels per label."""

    def scores(probs: np.ndarray, rng=None, context: QueryContext | None = None) -> np.ndarray:
        if context is not None and context.labelled < per_label * probs.shape[1]:
            return random_scores(probs, rng)
        return margin(probs)

    return scores


def sweep(
    corpus, per_label: Sequence[int], *, repeats: int, annotator: str, crowd_file: Path | None, seed_size: int = 100
) -> list[dict]:
    """One row per warm-up (and ``random``): AUC of accuracy on dev and on eval, and the worst dev gap to random."""
    features, gold = featurize(corpus), np.asarray(corpus.train_labels)
    spec = parse_annotator(annotator)
    crowd = crowd_labels(crowd_file, corpus.train_texts) if spec.kind == "human" else None
    curves: dict[str, list[tuple[list[float], list[float]]]] = {}
    for name, strategy in [("random", random_scores), *((f"warm-up {w}", warmup_strategy(w)) for w in per_label)]:
        for r in range(repeats):
            seed_rows, pool_rows, dev_rows = split_with_dev(corpus, features.usable, seed_size, r)
            who = make_annotator(spec, gold, r, len(corpus.label_set), crowd)
            result = run_loop(
                features, seed_rows, gold[seed_rows], pool_rows, who, strategy, batch=50, budget=2000,
                feedback_weight=1.0, seed=r, label_set=corpus.label_set, dev=(dev_rows, gold[dev_rows]),
            )  # fmt: skip
            dev = [c.dev_accuracy for c in result.checkpoints]
            curves.setdefault(name, []).append((dev, [c.accuracy for c in result.checkpoints]))
    base = np.mean([d for d, _ in curves["random"]], axis=0)
    rows = []
    for name, runs in curves.items():
        dev, ev = np.array([d for d, _ in runs]), np.array([e for _, e in runs])
        rows.append(
            {
                "strategy": name,
                "dev_auc": float(dev.mean()),
                "dev_auc_spread": float(np.ptp(dev.mean(axis=1))),
                "dev_worst_vs_random": float((dev.mean(axis=0) - base)[1:].min()),
                "eval_auc": float(ev.mean()),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the sweep as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", default="0,50,100,150,200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--annotator", default="oracle")
    args = parser.parse_args(argv)
    from hloop.data.corpus import load_corpus

    settings = Settings()
    corpus = load_corpus(dataset_spec(settings))
    per_label = [int(w) for w in args.per_label.split(",")]
    rows = sweep(corpus, per_label, repeats=args.repeats, annotator=args.annotator,
                 crowd_file=settings.human_labels_file)  # fmt: skip
    print("| strategy | dev AUC acc (choice) | spread over repeats | worst dev Δ vs random | eval AUC acc (report) |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['strategy']} | {r['dev_auc']:.4f} | {r['dev_auc_spread']:.4f} | "
            f"{r['dev_worst_vs_random']:+.4f} | {r['eval_auc']:.4f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
