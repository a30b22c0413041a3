"""What logging and metrics cost ``predict`` through gradio_client: the app served with both on against both off.

One process, one store and one model, served twice. "On" is what ``python app.py`` runs: ``/metrics`` with its
request timer and event counters, a request id on every request, JSON log lines (every event and uvicorn's access
lines) written to a file. "Off" is the same app without them (``web_app(..., observe=False)``, no log handler: the
logging set up before each "on" call is undone before each "off" call, outside the timed call). The calls
alternate between the two (on-off, then off-on), so background load falls on both alike. One thing of "on" is
left in "off": the "on" app's event counters also count the "off" app's predictions (one counter increment and
one histogram observation, microseconds against a call of tens of milliseconds). Prints the median client latency
of each and their ratio (target <= 1.05), checks that every log line parses as JSON and that no predicted text
reached the log; the last line is one JSON object.
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

from data_option import add_data_option, settings_in  # noqa: E402
from gradio_client import Client  # noqa: E402

import app  # noqa: E402
from hloop.services import Services  # noqa: E402
from hloop.services.logs import configure_logging, reset_logging  # noqa: E402
from hloop.ui.serving import serve_on_free_port  # noqa: E402

WARM_CALLS = 5


def timed_call(client: Client, text: str) -> float:
    start = time.perf_counter()
    client.predict(text, api_name="/predict")
    return time.perf_counter() - start


def check_log(path: Path, texts: list[str]) -> dict:
    """Every line of the log parses as JSON and none holds a predicted text; the events seen, by name."""
    lines = path.read_text(encoding="utf-8").splitlines()
    names: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SystemExit(f"log line {number} is not JSON ({exc}): {line[:200]}") from exc
        name = str(record.get("event") or record.get("logger") or "?")
        names[name] = names.get(name, 0) + 1
    body = "\n".join(lines)
    leaked = [text for text in set(texts) if len(text) > 20 and text in body]
    if leaked:
        raise SystemExit(f"{len(leaked)} predicted texts appear in the log, e.g. {leaked[0][:80]!r}")
    return {"lines": len(lines), "by_name": names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--calls", type=int, default=400, help="timed predict calls of each (default 400)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hloop-bench-observe-"))
    services = Services(settings_in(folder, args.data))
    app.ensure_model(services)
    services.warm_queue()  # what `python app.py` does at start, finished before anything is timed
    services.embed_texts()
    corpus = services.corpus()
    texts = [corpus.train_texts[i % len(corpus.train_texts)] for i in range(args.calls)]
    log_path = folder / "app.log"

    served, metrics = {}, None
    timings: dict[bool, list[float]] = {True: [], False: []}
    with log_path.open("w", encoding="utf-8") as log:
        try:
            for observe in (True, False):
                demo = app.build_demo(services)
                asgi = app.web_app(demo, services.settings, services, observe=observe)
                metrics = metrics or getattr(asgi.state, "metrics", None)
                served[observe] = serve_on_free_port(asgi, demo, access_log=observe)
            clients = {observe: Client(server.url, verbose=False) for observe, server in served.items()}
            for number, text in enumerate(texts[:WARM_CALLS] + texts):
                for observe in (True, False) if number % 2 == 0 else (False, True):
                    if observe:
                        configure_logging("json", "INFO", texts=False, stream=log)
                    else:
                        reset_logging()
                    seconds = timed_call(clients[observe], text)
                    if number >= WARM_CALLS:
                        timings[observe].append(seconds)
                if number % 100 == 0:
                    print(f"  {number:,} of {len(texts) + WARM_CALLS:,} pairs of calls", flush=True)
        finally:
            reset_logging()
            for server in served.values():
                server.close()
            if metrics is not None:
                metrics.close()
    seen = check_log(log_path, texts)
    logged = seen["by_name"].get("predict.done", 0)
    if logged != len(texts) + WARM_CALLS:  # one event per "on" call, none from an "off" one
        raise SystemExit(f"{logged} predict.done lines for {len(texts) + WARM_CALLS} calls with logging on")
    on, off = (statistics.median(timings[flag]) for flag in (True, False))
    result = {
        "calls_each": len(timings[True]),
        "on_ms": round(on * 1000, 2),
        "off_ms": round(off * 1000, 2),
        "ratio": round(on / off, 3),
        "on_p90_ms": round(statistics.quantiles(timings[True], n=10)[-1] * 1000, 2),
        "off_p90_ms": round(statistics.quantiles(timings[False], n=10)[-1] * 1000, 2),
        "log_lines": seen["lines"],
        "predict_events": logged,
    }
    print(f"log: {seen['lines']:,} lines, every one JSON, no predicted text; by name: {seen['by_name']}")
    print(
        f"median predict latency over {result['calls_each']} calls each: logs+metrics on {result['on_ms']} ms, "
        f"off {result['off_ms']} ms: {result['ratio']}x (target <= 1.05); p90 {result['on_p90_ms']} ms against "
        f"{result['off_p90_ms']} ms"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
