"""The queue at scale: a ``--pool-size`` pool (default 1,000,000 texts), a retrain, and what users see meanwhile.

It builds what the product runs: a ``Services`` over a temporary SQLite store and models folder (seed of 1,000
labelled rows), v1 trained, the pool filled up to ``--pool-size`` with copies of the local train rows (each made
unique by a counter) and v1's ranking built. Then, in one run:
  * idle: ``next_item`` p50 (``--calls`` calls) and ``predict`` p99 (at least 1,000 calls, paced as below);
  * a retrain to v2 (in a thread, as the app runs it) while another thread calls ``predict`` (a 5 ms pause after
    each call, as in the idle run);
    the first ``next_item`` after the retrain returns (the pool still ranked by v1, v2 scoring in the
    background), and the seconds until v2's ranking replaces v1's; ``predict`` p99 over that whole window,
    divided by the idle p99;
  * with ``--families``: the pool's embeddings stored once, then for each family a retrain to a version of it
    (made current even when the gate holds it back) and the seconds until its ranking replaces the last one;
  * the process's resident memory.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option, settings_in  # noqa: E402

from hloop.services import Services  # noqa: E402
from labeling import claims, store  # noqa: E402

ANNOTATOR = "bench"
TARGETS = {"first_next_item_after_retrain_seconds": 0.05, "predict_p99_ratio": 2.0, "rss_mb": 2000}
RESCORING_TARGET = 15.0  # seconds for a family's background rescoring of a 1,000,000-text pool (issue 17)


def repeated_pool(texts: Sequence[str], size: int, start: int = 0) -> list[str]:
    """``size`` texts cycling through ``texts``, each ending in its own counter so no two are equal."""
    if not texts:
        raise ValueError("Need at least one text to repeat.")
    return [f"{texts[i % len(texts)].strip()} [{start + i}]" for i in range(size)]


def fill_pool(services: Services, size: int, chunk: int = 20_000) -> int:
    """Import copies of the train rows until the queue's pool holds ``size`` texts; returns how many were added."""
    with services.project.session() as session:
        missing = max(0, size - len(store.example_ids(store.QUEUE_ORIGINS, session=session)))
    texts = services.corpus().train_texts
    for start in range(0, missing, chunk):
        with services.project.session() as session:
            store.insert_new_texts(repeated_pool(texts, min(chunk, missing - start), start), "import", session=session)
            session.commit()
    return missing


def rss_mb(pid: int | str = "self") -> float:
    """A process's resident memory now (MB), from /proc (this process's by default)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:  # the process ended meanwhile
        return float("nan")
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def workers_rss_mb() -> float:
    """The resident memory of this process's worker processes now (MB; the kept scoring worker, the fit worker)."""
    import multiprocessing

    sizes = [rss_mb(child.pid) for child in multiprocessing.active_children()]
    return float(sum(size for size in sizes if size == size))  # a worker ending meanwhile has no VmRSS (NaN)


def next_item_seconds(services: Services) -> float:
    """Seconds for one complete ``next_item`` claim; the claim is released afterwards."""
    start = time.perf_counter()
    item = services.next_item(ANNOTATOR)
    seconds = time.perf_counter() - start
    with services.project.session() as session:
        claims.release(item.example_id, session=session)
        session.commit()
    return seconds


def predict_seconds(services: Services, text: str) -> float:
    start = time.perf_counter()
    services.predict(text)
    return time.perf_counter() - start


def p(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


PAUSE = 0.005  # between a caller's predicts: a user, not a loop (a few hundred calls a second at most)


def keep_predicting(services: Services, text: str, out: list[float], done: threading.Event, calls: int = 0) -> None:
    """Call predict, pausing ``PAUSE`` after each call, until ``done`` is set (or ``calls`` calls were made).

    The idle and the busy figures are both taken by this one caller, paced the same way: a call after a pause
    is slower than one right after another (colder caches), so back-to-back idle calls would flatter the idle p99.
    """
    while not done.is_set() and not (calls and len(out) >= calls):
        out.append(predict_seconds(services, text))
        time.sleep(PAUSE)


def under_retrain(services: Services, text: str) -> dict:
    """Retrain in a thread while predict runs; the first next_item after it; seconds until v2 ranks the queue."""
    during: list[float] = []
    done = threading.Event()
    caller = threading.Thread(target=keep_predicting, args=(services, text, during, done))
    caller.start()
    trainer = threading.Thread(target=services.retrain, kwargs={"force": True})
    trainer.start()
    trainer.join()
    first = next_item_seconds(services)
    status = services.queue_status()
    rescoring = wait_for_ranking(services)
    done.set()
    caller.join()
    return {"first": first, "status": status["message"], "rescoring": rescoring, "during": during}


def wait_for_ranking(services: Services) -> float:
    """Seconds until the queue ranks by the current version."""
    start = time.perf_counter()
    while services.queue_status()["ranking_version"] != services.project.registry.current_version():
        time.sleep(0.05)
    return time.perf_counter() - start


def family_rescorings(services: Services, tmp: str, data: str, families: Sequence[str]) -> dict[str, float]:
    """For each family: a version of it (trained on the same labels, made current), then the seconds until
    ``services``' background rescoring of the pool under it is served."""
    from hloop.core.models import EMBEDDING_FAMILIES

    if EMBEDDING_FAMILIES.intersection(families):
        start = time.perf_counter()
        stored = services.embed_texts()
        print(f"{stored:,} texts embedded and stored in {time.perf_counter() - start:.1f} s", flush=True)
    seconds = {}
    for family in families:
        trainer = Services(settings_in(tmp, data, seed_size=1000, model=family))
        card = trainer.retrain(force=True)
        if card.held_back:
            trainer.promote(card.version)
        services.next_item(ANNOTATOR)  # the first request that sees the new version starts its rescoring
        seconds[family] = round(wait_for_ranking(services), 2)
        print(f"{family}: v{card.version} rescored the pool in {seconds[family]} s", flush=True)
        trainer.project.engine.dispose()
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--pool-size", type=int, default=1_000_000, help="unlabelled pool texts (default 1000000)")
    parser.add_argument("--calls", type=int, default=200, help="idle calls of next_item and predict (default 200)")
    parser.add_argument("--model", default=None, help="v1's family (default: HLOOP_MODEL, else auto)")
    parser.add_argument("--families", default="", help="comma-separated families to rescore the pool with, in turn")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.pool_size < 1:
        parser.error("--calls and --pool-size must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_queue_") as tmp:
        overrides = {} if args.model is None else {"model": args.model}
        settings = settings_in(tmp, args.data, seed_size=1000, **overrides)
        services = Services(settings)
        services.train()
        start = time.perf_counter()
        added = fill_pool(services, args.pool_size)
        print(f"pool filled with {added:,} more texts in {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        pool = int(services.wait_for_scoring().ids.size)
        first_build = time.perf_counter() - start
        print(f"v1 ranking of {pool:,} texts built in {first_build:.1f} s", flush=True)
        text = services.example_texts(1)[0]
        idle_next = [next_item_seconds(services) for _ in range(args.calls)]
        idle_predict: list[float] = []
        keep_predicting(services, text, idle_predict, threading.Event(), calls=max(args.calls, 1000))
        busy = under_retrain(services, text)
        families = [f.strip() for f in args.families.split(",") if f.strip()]
        by_family = family_rescorings(services, tmp, args.data, families) if families else {}
        memory, workers_memory = rss_mb(), workers_rss_mb()
        services.project.engine.dispose()
    result = {
        "pool_size": pool,
        "first_next_item_after_retrain_seconds": round(busy["first"], 4),
        "status_after_retrain": busy["status"],
        "rescoring_seconds": round(busy["rescoring"], 2),
        "first_ranking_seconds": round(first_build, 2),
        "next_item_p50_seconds": round(statistics.median(idle_next), 4),
        "predict_p99_idle_seconds": round(p(idle_predict, 99), 4),
        "predict_p99_busy_seconds": round(p(busy["during"], 99), 4),
        "predict_calls_idle": len(idle_predict),
        "predict_calls_busy": len(busy["during"]),
        "predict_p99_ratio": round(p(busy["during"], 99) / p(idle_predict, 99), 2),
        "rescoring_seconds_by_family": by_family,
        "rss_mb": round(memory),
        "workers_rss_mb": round(workers_memory),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    met = {k: result[k] <= v for k, v in TARGETS.items()}
    print("targets: " + ", ".join(f"{k} <= {v}: {'met' if met[k] else 'NOT met'}" for k, v in TARGETS.items()))
    scale = "" if pool >= 1_000_000 else f" (the target is for 1,000,000 texts; this pool has {pool:,})"
    for family, seconds in by_family.items():
        verdict = "met" if seconds <= RESCORING_TARGET else "NOT met"
        print(f"rescoring {family} <= {RESCORING_TARGET} s: {verdict}{scale}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
