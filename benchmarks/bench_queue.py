"""Queue latency on a 100,000-text pool: scoring once the pool's features exist, and a whole ``next_item`` call.

It builds what the product runs: a ``Services`` over a temporary label store and models folder (seed of 1,000
labelled rows), version 1 trained, and the unlabelled pool filled up to ``--pool-size`` texts with imported
copies of the local train rows (each copy made unique by a counter, because the store refuses exact
duplicates). The first ``next_item`` of a version fills the product's pool cache: TF-IDF features of every pool
text under that version's vectorizer, then probabilities, then the ranking; the cache keeps the probabilities
and rankings, so later calls do not score again. After that it times, ``--runs`` times each:
  * scoring: the model's ``predict_proba`` over the pool's features (made once, the way the first call makes
    them) + the product's strategy and ranking (``Services._ranked`` on a copy of the cache);
  * ``next_item``: a complete claim of the most uncertain item with the cache warm (released between runs).
The last line printed is one JSON object; ``seconds`` is the scoring median.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option  # noqa: E402

from hloop.config import Settings  # noqa: E402
from hloop.services import Services  # noqa: E402
from labeling import queue as claims  # noqa: E402
from labeling import store  # noqa: E402

TARGET_SECONDS = 1.0
ANNOTATOR = "bench"


def repeated_pool(texts: Sequence[str], size: int, start: int = 0) -> list[str]:
    """``size`` texts cycling through ``texts``, each ending in its own counter so no two are equal."""
    if not texts:
        raise ValueError("Need at least one text to repeat.")
    return [f"{texts[i % len(texts)].strip()} [{start + i}]" for i in range(size)]


def fill_pool(services: Services, size: int) -> int:
    """Import copies of the train rows until the queue's pool holds ``size`` texts; returns how many were added."""
    with services.session() as session:
        present = len(store.examples_by_origin(store.QUEUE_ORIGINS, session=session))
        missing = max(0, size - present)
        texts = repeated_pool(services.corpus().train_texts, missing)
        store.bulk_add_examples(((text, "import", None) for text in texts), session=session)
        session.commit()
    return missing


def pool_features(services: Services):
    """The warm pool cache of the current version and the pool's features under that version's vectorizer.

    The product caches the pool's probabilities per version (a step past features), so the benchmark makes the
    features the same way the product's first call does: the version's TF-IDF over the pool texts, by id.
    """
    version, model = services.current_model()
    cache = services._pool_cache(version, model)
    with services.session() as session:
        pool = store.examples_by_origin(store.QUEUE_ORIGINS, session=session)
    if [i for i, _ in pool] != cache.ids.tolist():
        raise RuntimeError("The pool changed while benchmarking; run against a store nobody else uses.")
    start = time.perf_counter()
    features = model.named_steps["tfidf"].transform([text for _, text in pool])
    return version, model, cache, features, time.perf_counter() - start


def time_scoring(services: Services, version: int, model, cache, features, strategy: str) -> float:
    """Seconds for predict_proba over the pool features + the product's strategy and ranking (``_ranked``)."""
    start = time.perf_counter()
    probs = model.named_steps["clf"].predict_proba(features)
    fresh = dataclasses.replace(cache, probs=probs, ranked={})  # a copy, so the product's cache is untouched
    services._ranked(fresh, version, strategy)
    return time.perf_counter() - start


def time_next_item(services: Services, strategy: str) -> float:
    """Seconds for one complete ``next_item`` claim; the claim is released afterwards."""
    start = time.perf_counter()
    item = services.next_item(ANNOTATOR, strategy)
    seconds = time.perf_counter() - start
    with services.session() as session:
        claims.release(item["example_id"], session=session)
        session.commit()
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--pool-size", type=int, default=100_000, help="unlabelled texts to score (default 100000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each step (default 5); medians reported")
    parser.add_argument("--strategy", default="least_confidence", help="query strategy (default least_confidence)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.pool_size < 1:
        parser.error("--runs and --pool-size must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_queue_") as tmp:
        settings = Settings(
            dataset=args.data,
            database_url=f"sqlite:///{Path(tmp) / 'hloop.db'}",
            models_dir=Path(tmp) / "models",
            seed_size=1000,
        )
        services = Services(settings)
        start = time.perf_counter()
        card = services.train()
        rows, seconds = card["training"]["rows"], time.perf_counter() - start
        print(f"v{card['version']} trained on {rows:,} seed rows in {seconds:.1f} s")
        start = time.perf_counter()
        added = fill_pool(services, args.pool_size)
        print(f"imported {added:,} unique copies of train rows in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        time_next_item(services, args.strategy)
        cold = time.perf_counter() - start
        version, model, cache, features, feature_seconds = pool_features(services)
        pool_size = int(cache.ids.size)
        scoring, next_item = [], []
        for _ in range(args.runs):
            scoring.append(time_scoring(services, version, model, cache, features, args.strategy))
            next_item.append(time_next_item(services, args.strategy))
        services.engine.dispose()  # close SQLite before its folder goes
    result = {
        "pool_size": pool_size,
        "seconds": round(statistics.median(scoring), 4),
        "next_item_seconds": round(statistics.median(next_item), 4),
        "first_call_seconds": round(cold, 4),
        "feature_seconds": round(feature_seconds, 4),
        "runs": args.runs,
        "strategy": args.strategy,
    }
    print(f"pool: {pool_size:,} texts, strategy {args.strategy}")
    print(f"first next_item of a version (features + probabilities of the whole pool, ranking): {cold:.3f} s")
    print(f"of which TF-IDF features of the pool (measured once more on its own): {feature_seconds:.3f} s")
    print(
        f"scoring from pool features:    median {result['seconds']:.3f} s  ({', '.join(f'{s:.3f}' for s in scoring)})"
    )
    print(
        f"next_item, cache warm:         median {result['next_item_seconds']:.3f} s  "
        f"({', '.join(f'{s:.3f}' for s in next_item)})"
    )
    met = result["seconds"] < TARGET_SECONDS
    print(f"target (scoring < {TARGET_SECONDS} s) {'met' if met else 'NOT met'}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
