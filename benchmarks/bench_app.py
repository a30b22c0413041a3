"""The app's speed through gradio_client, against a trivial Gradio function served the same way.

Launches the app over a temporary store (seed "all": every train row labelled, plus imported texts as the
queue's pool), after the work the app does at start (the first ranking, the fit worker, the stored texts'
embeddings), and, in the same process, a one-line echo function with the same queue and launch settings.
Prints the median client latency of ``predict`` and ``next_item`` and their ratios to the echo call, and the
time of the Retrain button (the ``ui_retrain`` event) from the call to the new version's card. The last line
is one JSON object. Targets: predict <= 1.2x echo, next_item <= 1.5x echo, retrain < 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from data_option import add_data_option, settings_in  # noqa: E402
from gradio_client import Client  # noqa: E402

import app  # noqa: E402
from hloop.services import Services  # noqa: E402


def echo_demo() -> gr.Blocks:
    """The baseline: a typed API function that does nothing, queued like the app's endpoints."""
    with gr.Blocks() as demo:

        def echo(text: str) -> dict:
            return {"text": text}

        gr.api(echo, api_name="echo")
    demo.queue(default_concurrency_limit=app.CONCURRENCY)
    return demo


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--runs", type=int, default=200, help="timed calls of each endpoint (default 200)")
    parser.add_argument("--retrains", type=int, default=3, help="timed retrains (default 3)")
    parser.add_argument("--pool", type=int, default=3000, help="texts imported as the queue's pool")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hloop-bench-app-"))
    settings = settings_in(folder, args.data, seed_size="all")
    services = Services(settings)
    app.ensure_model(services)  # v1 on every train row
    corpus = services.corpus()
    upload = folder / "pool.jsonl"
    upload.write_text(
        "".join(
            json.dumps({"text": f"{corpus.train_texts[i % len(corpus.train_texts)]} (copy {i})"}) + "\n"
            for i in range(args.pool)
        ),
        encoding="utf-8",
    )
    print(
        f"pool: {services.import_texts(upload).added:,} imported texts; "
        f"{len(corpus.train_texts):,} labelled train rows",
        flush=True,
    )

    start = time.perf_counter()  # what `python app.py` does at start, finished before anything is timed:
    services.warm_queue()  # the first ranking, the fit worker, the embedding of the stored texts (auto needs them)
    services.embed_texts()  # waits for that filling
    print(f"start-up work (ranking, fit worker, embeddings) done in {time.perf_counter() - start:.1f} s", flush=True)
    served = [app.serve_in_background(app.build_demo(services), settings, services)]
    served.append(app.serve_in_background(echo_demo(), settings))
    try:
        app_client, echo_client = (Client(server.url, verbose=False) for server in served)
        texts = [corpus.eval_texts[i % len(corpus.eval_texts)] for i in range(args.runs)]
        for text in texts[:10]:  # warm both servers and the pool cache
            echo_client.predict(text, api_name="/echo")
            app_client.predict(text, api_name="/predict")
        item = app_client.predict("bench", api_name="/next_item")
        app_client.predict(item["example_id"], "bench", api_name="/skip")

        echo_s, predict_s, next_s = [], [], []
        for text in texts:  # interleaved, so background load hits all three alike
            echo_s.append(timed(lambda t=text: echo_client.predict(t, api_name="/echo")))
            predict_s.append(timed(lambda t=text: app_client.predict(t, api_name="/predict")))
            start = time.perf_counter()
            item = app_client.predict("bench", api_name="/next_item")
            next_s.append(time.perf_counter() - start)
            app_client.predict(item["example_id"], "bench", api_name="/skip")  # untimed: the next call claims anew

        stored = services.embedding_status()
        print(f"  embeddings before the retrains: {stored['stored']:,} of {stored['total']:,} texts stored", flush=True)
        retrain_s, train_s = [], []
        for _ in range(args.retrains):
            item = app_client.predict("bench", api_name="/next_item")
            app_client.predict(item["example_id"], "0", "bench", api_name="/submit_label")  # the first label
            start = time.perf_counter()
            app_client.predict(1.0, api_name="/ui_retrain")  # the Retrain button's event
            retrain_s.append(time.perf_counter() - start)
            card = services.card()
            train_s.append(card.training_seconds or 0.0)
            rows = 0 if card.training is None else card.training.rows
            print(
                f"  retrain -> v{card.version} on {rows:,} rows: {retrain_s[-1]:.2f} s "
                f"(fit {card.training_seconds or 0:.2f} s, eval {card.eval_seconds or 0:.2f} s)",
                flush=True,
            )
    finally:
        for server in served:
            server.close()

    echo_median, predict_median, next_median = (statistics.median(s) for s in (echo_s, predict_s, next_s))
    result = {
        "runs": args.runs,
        "echo_ms": round(echo_median * 1000, 2),
        "predict_ms": round(predict_median * 1000, 2),
        "next_item_ms": round(next_median * 1000, 2),
        "predict_ratio": round(predict_median / echo_median, 3),
        "next_item_ratio": round(next_median / echo_median, 3),
        "retrain_seconds": round(statistics.median(retrain_s), 3),
        "retrain_fit_seconds": round(statistics.median(train_s), 3),
        "labelled_rows": rows,
    }
    print(
        f"median latency over {args.runs} calls: echo {result['echo_ms']} ms, predict {result['predict_ms']} ms "
        f"({result['predict_ratio']}x, target <= 1.2x), next_item {result['next_item_ms']} ms "
        f"({result['next_item_ratio']}x, target <= 1.5x)"
    )
    print(f"retrain from the button to the new version: median {result['retrain_seconds']} s (target < 3 s)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
