"""Accuracy of every model family and of ``auto`` (``choose_family``, cross-validation on the training labels)
on random labelled subsets, eval = the test split, on AG News and TREC; plus the embedding throughput.

Embeddings of every text are computed once per dataset (as the embedding store keeps them) and passed to the
families as ``EmbeddedTexts``; the throughput is measured on its own. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option  # noqa: E402

from hloop.data.corpus import DatasetSpec, load_corpus  # noqa: E402
from training.choice import choose_family  # noqa: E402
from training.embeddings import shared_embedder  # noqa: E402
from training.families import FAMILIES, EmbeddedTexts, fit_family  # noqa: E402

TARGETS_AG_NEWS = {100: 0.80, 300: 0.82, 1000: 0.86, 10000: 0.89}


def subset_rows(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """A random subset of ``size`` rows (all rows when ``size`` is larger), re-drawn until two labels appear."""
    rng = np.random.default_rng(seed)
    while True:
        rows = rng.permutation(labels.size)[: min(size, labels.size)]
        if np.unique(labels[rows]).size >= 2:
            return rows


def run_dataset(spec: DatasetSpec, sizes: Sequence[int], seeds: Sequence[int], embeddings: str) -> dict:
    """Per size: each family's and auto's mean accuracy over ``seeds``, and auto's picks."""
    corpus = load_corpus(spec)
    embedder = shared_embedder(embeddings)
    assert embedder is not None
    start = time.perf_counter()
    train = EmbeddedTexts(corpus.train_texts, embedder.embed(corpus.train_texts), embedder.identity)
    seconds = time.perf_counter() - start
    test = EmbeddedTexts(corpus.eval_texts, embedder.embed(corpus.eval_texts), embedder.identity)
    y, y_test = np.asarray(corpus.train_labels), np.asarray(corpus.eval_labels)
    out: dict = {"train_rows": int(y.size), "eval_rows": int(y_test.size), "texts_per_s": round(y.size / seconds)}
    for size in sizes:
        accuracy: dict[str, list[float]] = {name: [] for name in (*FAMILIES, "auto")}
        picks, choose_seconds = [], []
        for seed in seeds:
            rows = subset_rows(y, size, seed)
            part = train.subset(rows)
            fitted = {name: fit_family(name, part, y[rows], random_state=seed) for name in FAMILIES}
            for name, model in fitted.items():
                accuracy[name].append(float((model.predict(test) == y_test).mean()))
            t = time.perf_counter()
            choice = choose_family(part, y[rows], seed=seed)
            choose_seconds.append(time.perf_counter() - t)
            picks.append(choice.family)
            accuracy["auto"].append(accuracy[choice.family][-1])  # auto trains the winner: the same fit
        means = {name: round(float(np.mean(v)), 4) for name, v in accuracy.items()}
        best = max(FAMILIES, key=lambda name: means[name])
        out[str(min(size, y.size))] = {
            "accuracy": means,
            "auto_picks": picks,
            "best_family": best,
            "auto_gap_to_best": round(means[best] - means["auto"], 4),
            "choose_seconds": round(float(np.mean(choose_seconds)), 1),
        }
        print(json.dumps({spec.source: {str(size): out[str(min(size, y.size))]}}), flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--trec", default=str(REPO.parent / "shared" / "data" / "trec"), help="TREC folder")
    parser.add_argument("--embeddings", default="wordllama", help="embedder spec (default wordllama)")
    parser.add_argument("--quick", action="store_true", help="1 seed, sizes 100 and 1000")
    args = parser.parse_args(argv)
    seeds = (0,) if args.quick else (0, 1, 2)
    warnings.simplefilter("ignore")  # convergence warnings of small fits: the accuracy is what is measured
    report: dict = {"seeds": list(seeds), "embeddings": args.embeddings}
    ag_sizes = (100, 1000) if args.quick else (100, 300, 1000, 10000)
    report["ag_news"] = run_dataset(DatasetSpec(args.data), ag_sizes, seeds, args.embeddings)
    trec = DatasetSpec(args.trec, label_column="coarse_label")
    report["trec"] = run_dataset(trec, (100, 1000) if args.quick else (100, 300, 1000, 10**9), seeds, args.embeddings)
    report["ag_news_targets_met"] = {
        str(n): report["ag_news"][str(n)]["accuracy"]["auto"] >= t
        for n, t in TARGETS_AG_NEWS.items()
        if str(n) in report["ag_news"]
    }
    report["trec_auto_within_0.01_of_tfidf_lr"] = {
        k: v["accuracy"]["auto"] >= v["accuracy"]["tfidf-lr"] - 0.01
        for k, v in report["trec"].items()
        if isinstance(v, dict)
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
