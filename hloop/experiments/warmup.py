"""Re-decide the queue's warm-up on dev: the default strategy (random until ``W`` labels per label, then margin)
simulated for several ``W``, scored on the dev rows (where the choice is made) and on eval (reported only).

    python -m hloop.experiments.warmup --per-label 0,50,100,150,200 --repeats 3 [--annotator human] [--model auto]

The choice: the largest dev AUC; among warm-ups within one repeat-spread of it, the smallest dip below random.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hloop.config import Settings
from hloop.core.models import DEFAULT_EMBEDDINGS
from hloop.core.strategies import WARMUP_PER_LABEL, QueryContext, margin, random_scores
from hloop.experiments.annotators import AnnotatorSpec, crowd_labels, make_annotator, parse_annotator
from hloop.experiments.features import featurize
from hloop.experiments.loop import run_loop, split_with_dev
from hloop.experiments.models import FAST_FAMILY, FamilyTexts, check_model, family_texts, needs_texts
from hloop.services.project import dataset_spec
from training.workers import WorkerProcesses


def warmup_strategy(per_label: int):
    """The default strategy with a warm-up of ``per_label`` labels per label."""

    def scores(probs: np.ndarray, rng=None, context: QueryContext | None = None) -> np.ndarray:
        if context is not None and context.labelled < per_label * probs.shape[1]:
            return random_scores(probs, rng)
        return margin(probs)

    return scores


@dataclass(frozen=True)
class _Sweep:
    """What every run of the sweep shares (sent once to each worker process)."""

    corpus: object
    features: object
    texts: FamilyTexts | None
    annotator: AnnotatorSpec
    crowd: np.ndarray | None
    model: str
    seed_size: int


_SHARED: _Sweep | None = None  # set in worker processes only


def _init(shared: _Sweep) -> None:
    global _SHARED
    _SHARED = shared


def _run(task: tuple[int | None, int]) -> tuple[list[float], list[float], list[str]]:
    return run_one(_SHARED, task)


def run_one(shared: _Sweep, task: tuple[int | None, int]) -> tuple[list[float], list[float], list[str]]:
    """(dev accuracies, eval accuracies, families) of one run: warm-up ``per_label`` (None: random), repeat r."""
    per_label, r = task
    corpus, gold = shared.corpus, np.asarray(shared.corpus.train_labels)
    seed_rows, pool_rows, dev_rows = split_with_dev(corpus, shared.features.usable, shared.seed_size, r)
    who = make_annotator(shared.annotator, gold, r, len(corpus.label_set), shared.crowd)
    strategy = random_scores if per_label is None else warmup_strategy(per_label)
    result = run_loop(
        shared.features, seed_rows, gold[seed_rows], pool_rows, who, strategy, batch=50, budget=2000,
        feedback_weight=1.0, seed=r, label_set=corpus.label_set, dev=(dev_rows, gold[dev_rows]),
        model=shared.model, texts=shared.texts,
    )  # fmt: skip
    points = result.checkpoints
    return [c.dev_accuracy for c in points], [c.accuracy for c in points], [c.family for c in points]


def sweep(
    corpus,
    per_label: Sequence[int],
    *,
    repeats: int,
    annotator: str,
    crowd_file: Path | None,
    seed_size: int = 100,
    model: str = FAST_FAMILY,
    embeddings: str = DEFAULT_EMBEDDINGS,
    workers: int = 1,
) -> list[dict]:
    """One row per warm-up (and ``random``): AUC of accuracy on dev and on eval, the worst dev gap to random, and
    the families the versions trained (``model`` auto chooses as the product does)."""
    check_model(model, embeddings)
    features = featurize(corpus)
    spec = parse_annotator(annotator)
    crowd = crowd_labels(crowd_file, corpus.train_texts) if spec.kind == "human" else None
    texts = family_texts(corpus, embeddings) if needs_texts(model) else None
    shared = _Sweep(corpus, features, texts, spec, crowd, model, seed_size)
    tasks = [(w, r) for w in (None, *per_label) for r in range(repeats)]
    if workers > 1:
        with WorkerProcesses(min(workers, len(tasks)), _init, (shared,), niceness=10) as pool:
            outcomes = list(pool.map(_run, tasks))
    else:
        outcomes = [run_one(shared, task) for task in tasks]
    curves: dict[str, list[tuple[list[float], list[float], list[str]]]] = {}
    for (w, _r), outcome in zip(tasks, outcomes, strict=True):
        curves.setdefault("random" if w is None else f"warm-up {w}", []).append(outcome)
    return sweep_rows(curves)


Runs = dict[str, list[tuple[list[float], list[float], list[str]]]]  # name -> per repeat (dev, eval, families)


def sweep_rows(curves: Runs) -> list[dict]:
    """One row per warm-up (and ``random``): AUC of accuracy on dev and on eval, the worst dev gap to random, and
    the families the versions trained."""
    steps = min(len(d) for runs in curves.values() for d, _, _ in runs)  # repeats can differ by a step at the end
    base = np.mean([d[:steps] for d, _, _ in curves["random"]], axis=0)
    rows = []
    for name, runs in curves.items():
        dev, ev = np.array([d[:steps] for d, _, _ in runs]), np.array([e[:steps] for _, e, _ in runs])
        rows.append(
            {
                "strategy": name,
                "dev_auc": float(dev.mean()),
                "dev_auc_spread": float(np.ptp(dev.mean(axis=1))),
                "dev_worst_vs_random": float((dev.mean(axis=0) - base)[1:].min()),
                "eval_auc": float(ev.mean()),
                "families": sorted({f for _, _, fams in runs for f in fams}),
            }
        )
    return rows


def runs_of_results(results: Sequence[dict]) -> Runs:
    """The sweep's runs out of ``simulate`` results (strategies ``random``, ``default`` and ``warmup:W``; the
    default is the warm-up of ``WARMUP_PER_LABEL``): the same runs as the sweep's own, seeds permitting."""
    by_run: dict[tuple[str, int], list[dict]] = {}
    for result in results:
        for c in result["checkpoints"]:
            name = c["strategy"]
            if name == "default":
                name = f"warm-up {WARMUP_PER_LABEL}"
            elif name.startswith("warmup:"):
                name = f"warm-up {int(name.split(':', 1)[1])}"
            elif name != "random":
                continue
            by_run.setdefault((name, c["repeat"]), []).append(c)
    curves: Runs = {}

    def order(key: tuple[str, int]) -> tuple[int, int]:
        return (-1 if key[0] == "random" else int(key[0].split()[-1]), key[1])

    for (name, _repeat), points in sorted(by_run.items(), key=lambda kv: order(kv[0])):
        points.sort(key=lambda c: c["labels"])
        dev, ev = [c["dev_accuracy"] for c in points], [c["accuracy"] for c in points]
        curves.setdefault(name, []).append((dev, ev, [c.get("family", FAST_FAMILY) for c in points]))
    return curves


def main(argv: Sequence[str] | None = None) -> int:
    """Print the sweep as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", default="0,50,100,150,200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--annotator", default="oracle")
    parser.add_argument("--model", default=None, help="a family or auto (default: HLOOP_MODEL)")
    parser.add_argument("--embeddings", default=None, help="embeddings spec (default: HLOOP_EMBEDDINGS)")
    parser.add_argument("--workers", type=int, default=1, help="processes running the runs (default 1)")
    parser.add_argument(
        "--results",
        default=None,
        help="comma-separated results.json of simulate runs (strategies random, default, warmup:W): the table "
        "from their checkpoints instead of running the sweep",
    )
    args = parser.parse_args(argv)
    from hloop.data.corpus import load_corpus

    settings = Settings()
    model, embeddings = args.model or settings.model, args.embeddings or settings.embeddings
    if args.results:
        loaded = [json.loads(Path(p).read_text()) for p in args.results.split(",")]
        model = ", ".join(sorted({r["config"].get("model", "tfidf-lr") for r in loaded}))
        rows = sweep_rows(runs_of_results(loaded))
    else:
        corpus = load_corpus(dataset_spec(settings))
        per_label = [int(w) for w in args.per_label.split(",")]
        rows = sweep(corpus, per_label, repeats=args.repeats, annotator=args.annotator,
                     crowd_file=settings.human_labels_file, model=model, embeddings=embeddings,
                     workers=args.workers)  # fmt: skip
    print(f"model {model}, embeddings {embeddings}")
    print(
        "| strategy | dev AUC acc (choice) | spread over repeats | worst dev Δ vs random | eval AUC acc (report) "
        "| families |"
    )
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['strategy']} | {r['dev_auc']:.4f} | {r['dev_auc_spread']:.4f} | "
            f"{r['dev_worst_vs_random']:+.4f} | {r['eval_auc']:.4f} | {', '.join(r['families'])} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
