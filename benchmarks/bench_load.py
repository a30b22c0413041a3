"""Many annotators on one store: 2 app processes on one PostgreSQL store, labelling through the API, one killed.

Creates a fresh PostgreSQL database (on the server of ``--postgres``, else $HLOOP_TEST_POSTGRES_URL, else the one
``.ci/postgres`` starts), prepares the store and v1 once, then runs ``python app.py`` twice and, in a third
process, a one-line echo Gradio function served the same way (same queue settings, same ASGI wrapping). Annotator
threads (half per app process, each with its own name) loop echo -> next_item -> submit_label (the gold label)
for ``--seconds``; 2 more threads call predict. At ``--kill-at`` one app process is killed with SIGKILL: its
annotators move to the other process under new names, so the claims they held must expire (``--claim-minutes``)
and return to the queue. Then the store is checked and the database dropped. The last line is one JSON object.
Targets: labels_ok == labels_stored, 0 duplicates, 0 errors, p95 of next_item <= 1.5x the echo's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from data_option import add_data_option  # noqa: E402
from gradio_client import Client  # noqa: E402
from load_servers import cpu_seconds, database, serve_echo, server_url, start_process, stop_all, wait_ready  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from hloop.core.labels import clean_text  # noqa: E402
from labeling import claims  # noqa: E402
from labeling.tables import Claim, Label  # noqa: E402

CALL_TIMEOUT = 60.0  # seconds; a call to a killed process fails on its broken stream long before this
ECHO = -1  # the "server index" of the echo process
FAILED = object()
TARGET_RATIO = 1.5


@dataclass
class Run:
    """What the client threads share: the servers, the killed one, and every call's latency and failure."""

    urls: list[str]
    echo_url: str
    killed: int | None = None
    kill_time: float = 0.0
    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: {})  # (start, seconds)
    errors: list[str] = field(default_factory=list)
    killed_errors: list[str] = field(default_factory=list)
    ok: list[tuple[str, int]] = field(default_factory=list)
    unanswered: list[tuple[str, int]] = field(default_factory=list)  # submits cut off by the kill
    empty: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, client: Client, endpoint: str, *args, server: int):
        """Call ``endpoint``; record its latency, or its failure (on the killed process, or anywhere else)."""
        start = time.perf_counter()
        try:
            result = client.submit(*args, api_name=f"/{endpoint}").result(timeout=CALL_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported, none ends the run
            on_killed = server == self.killed and time.perf_counter() >= self.kill_time
            with self.lock:
                (self.killed_errors if on_killed else self.errors).append(f"{endpoint}@{server}: {exc!r}"[:300])
            return FAILED
        with self.lock:
            self.latencies.setdefault(endpoint, []).append((start, time.perf_counter() - start))
        return result

    def serving(self, server: int) -> int:
        """The server to call now: ``server``, or the survivor once ``server`` was killed."""
        return 1 - server if server == self.killed else server


def annotate(run: Run, name: str, home: int, gold: dict[str, str], stop: threading.Event) -> None:
    """One annotator: echo, next_item, submit_label (the gold label) until ``stop``; moves when its process dies."""
    server, echo, client, sample = home, Client(run.echo_url, verbose=False), Client(run.urls[home], verbose=False), ""
    while not stop.is_set():
        if run.serving(server) != server:  # its process was killed: carry on at the other one, as a new session
            client.close()
            server, name = run.serving(server), f"{name}-moved"
            client = Client(run.urls[server], verbose=False)
        run.call(echo, "echo", sample or name, server=ECHO)
        item = run.call(client, "next_item", name, server=server)
        if item is FAILED or item is None:
            with run.lock:
                run.empty += item is None
            time.sleep(0.2 if item is None else 0)
            continue
        sample = item["text"]
        label = gold.get(clean_text(item["text"])) or item.get("prediction")
        answered = run.call(client, "submit_label", item["example_id"], label, name, server=server) is not FAILED
        with run.lock:
            if answered:
                run.ok.append((name, int(item["example_id"])))
            elif server == run.killed:
                run.unanswered.append((name, int(item["example_id"])))
    client.close()
    echo.close()


def ask_predictions(run: Run, home: int, texts: list[str], stop: threading.Event) -> None:
    """One predict caller on ``home`` (then on the survivor), cycling through ``texts``."""
    server, client, i = home, Client(run.urls[home], verbose=False), 0
    while not stop.is_set():
        if run.serving(server) != server:
            client.close()
            server = run.serving(server)
            client = Client(run.urls[server], verbose=False)
        run.call(client, "predict", texts[i % len(texts)], server=server)
        i += 1
    client.close()


def prepare(env: dict[str, str]):
    """The store and v1, made once by this process under the apps' settings; returns its Services."""
    import app
    from hloop.config import Settings
    from hloop.services import Services

    os.environ.update(env)
    services = Services(Settings())
    app.ensure_model(services)
    return services


def warm_up(urls: list[str], echo_url: str, text_sample: str) -> None:
    """One untimed call of each endpoint per process, so each queue ranks its pool before the clock starts."""
    for url in urls:
        client = Client(url, verbose=False)
        item = client.predict("warm-up", api_name="/next_item")
        if item is not None:
            client.predict(item["example_id"], "warm-up", api_name="/skip")
        client.predict(text_sample, api_name="/predict")
        client.close()
    echo = Client(echo_url, verbose=False)
    echo.predict(text_sample, api_name="/echo")
    echo.close()


def hold_one(url: str) -> str:
    """Claim one item through ``url`` under a name that never submits; returns the name."""
    client = Client(url, verbose=False)
    client.predict("held-at-kill", api_name="/next_item")
    client.close()
    return "held-at-kill"


def live_claims(services, annotators: set[str]) -> list[int]:
    """Items ``annotators`` hold an unexpired claim on."""
    with services.project.session() as session:
        rows = session.exec(select(Claim).where(col(Claim.annotator).in_(annotators))).all()
        return [row.example_id for row in rows if row.expires_at > claims.utcnow()]


def orphans_returned(services, orphans: list[int]) -> tuple[int, int]:
    """(how many orphaned items are back: labelled by someone since, or claimable now; how many were labelled)."""
    with services.project.session() as session:
        labelled = set(session.exec(select(Label.example_id).where(col(Label.example_id).in_(orphans))).all())
        claims.release_expired(session=session)  # as every next_item does first
        session.commit()
        back = len(labelled)
        for example_id in set(orphans) - labelled:
            claim = claims.claim_first("bench-expiry-check", [example_id], 0.1, session=session)
            if claim is not None:
                back += 1
                claims.release(example_id, session=session)
                session.commit()
        return back, len(labelled)


def store_check(services, ok: list[tuple[str, int]], unanswered: list[tuple[str, int]]) -> dict:
    """What the store holds: queue labels, items labelled twice, acknowledged labels lost, labels whose answer
    died with the killed process, and labels no call accounts for."""
    with services.project.session() as session:
        stored = session.exec(
            select(Label.annotator, Label.example_id).where(col(Label.source).in_(("queue", "overlap")))
        ).all()
    per_pair, per_item, acknowledged = Counter(map(tuple, stored)), Counter(e for _a, e in stored), Counter(ok)
    return {
        "labels_stored": len(stored),
        "duplicates": sum(1 for n in per_item.values() if n > 1),
        "lost_labels": sum(1 for pair in acknowledged if per_pair[pair] == 0),
        "acknowledged_twice": sum(1 for n in acknowledged.values() if n > 1),
        "stored_unanswered_on_killed_process": sum(1 for pair in set(unanswered) if per_pair[pair] > 0),
        "unaccounted_labels": sum(1 for pair in per_pair if pair not in acknowledged and pair not in unanswered),
    }


def percentiles(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds."""
    if len(seconds) < 2:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50": round(cuts[49] * 1000, 1), "p95": round(cuts[94] * 1000, 1), "p99": round(cuts[98] * 1000, 1)}


def drive(run: Run, args, procs: list[subprocess.Popen], services, gold: dict[str, str], texts: list[str]) -> dict:
    """Run the annotators and predict callers for ``args.seconds``, killing one app process at ``args.kill_at``."""
    stop, names = threading.Event(), [f"ann{i:02d}" for i in range(args.annotators)]
    threads = [threading.Thread(target=annotate, args=(run, n, i % 2, gold, stop)) for i, n in enumerate(names)]
    threads += [threading.Thread(target=ask_predictions, args=(run, i, texts, stop)) for i in range(2)]
    start, cpu = time.perf_counter(), cpu_seconds(procs)
    for thread in threads:
        thread.start()
    orphans: list[int] = []
    if 0 < args.kill_at < args.seconds:
        time.sleep(args.kill_at)
        held = hold_one(run.urls[1])  # at least one claim dies with the process, whatever the threads were doing
        run.kill_time, run.killed = time.perf_counter(), 1
        os.kill(procs[1].pid, signal.SIGKILL)
        orphans = live_claims(services, {held} | {n for i, n in enumerate(names) if i % 2 == 1})
    time.sleep(max(0.0, args.seconds - (time.perf_counter() - start)))
    stop.set()
    for thread in threads:
        thread.join(timeout=CALL_TIMEOUT + 10)
    elapsed, cpu = time.perf_counter() - start, [b - a for a, b in zip(cpu, cpu_seconds(procs), strict=True)]
    time.sleep(max(0.0, run.kill_time + args.claim_minutes * 60 - time.perf_counter()) if orphans else 0)
    back, relabelled = orphans_returned(services, orphans) if orphans else (0, 0)
    return {
        "elapsed": elapsed,
        "orphaned_claims": len(orphans),
        "orphans_returned": back,
        "orphans_labelled": relabelled,
        "cpu_seconds": {"client": round(cpu[0], 1), "app0": round(cpu[1], 1), "echo": round(cpu[3], 1)},
    }


def report(run: Run, args, outcome: dict, checked: dict) -> dict:
    """The JSON result: correctness counts, throughput, and latency percentiles of every endpoint."""
    result = {
        "annotators": args.annotators,
        "seconds": args.seconds,
        "killed_at_seconds": args.kill_at if outcome["killed"] else None,
        "labels_ok": len(run.ok),
        **checked,
        "errors": len(run.errors),
        "errors_on_killed_process": len(run.killed_errors),
        "throughput_per_second": round(len(run.ok) / outcome["elapsed"], 2),
        "orphaned_claims": outcome["orphaned_claims"],
        "orphans_returned": outcome["orphans_returned"],
        "orphans_labelled": outcome["orphans_labelled"],
        "queue_empty": run.empty,
    }
    for endpoint in ("next_item", "submit_label", "predict", "echo"):
        for name, value in percentiles([s for _t, s in run.latencies.get(endpoint, [])]).items():
            result[f"{endpoint}_{name}_ms"] = value
    if outcome["killed"]:  # both app processes serving: the load the echo process also sees all run long
        for endpoint in ("next_item", "echo"):
            before = [s for t, s in run.latencies.get(endpoint, []) if t < run.kill_time]
            result[f"{endpoint}_p95_before_kill_ms"] = percentiles(before)["p95"]
    result["next_item_p95_ratio"] = round(result["next_item_p95_ms"] / result["echo_p95_ms"], 3)
    result["cpu_seconds"] = outcome["cpu_seconds"]
    result["error_samples"] = run.errors[:5]
    return result


def summary(result: dict) -> str:
    """One human line: what was measured and whether each target is met."""
    cut_off = result["stored_unanswered_on_killed_process"]
    checks = {
        "labels_ok == labels_stored": result["labels_ok"] == result["labels_stored"],
        "none lost or unaccounted": result["lost_labels"] == result["unaccounted_labels"] == 0,
        "0 duplicates": result["duplicates"] == 0,
        "0 errors": result["errors"] == 0,
        f"next_item p95 <= {TARGET_RATIO}x echo": result["next_item_p95_ratio"] <= TARGET_RATIO,
        "orphaned claims back in the queue": result["orphans_returned"] == result["orphaned_claims"],
    }
    targets = "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks.items())
    note = f" ({cut_off} stored by the killed process just before it died, unanswered)" if cut_off else ""
    return (
        f"{result['annotators']} annotators x {result['seconds']:.0f} s: {result['labels_ok']} labels acknowledged, "
        f"{result['labels_stored']} stored{note} ({result['throughput_per_second']}/s), {result['duplicates']} "
        f"duplicates, {result['errors']} errors (+{result['errors_on_killed_process']} on the killed process); "
        f"next_item p95 {result['next_item_p95_ms']} ms vs echo {result['echo_p95_ms']} ms. Targets: {targets}"
    )


def parse_args() -> argparse.Namespace:
    """The benchmark's options (``--serve-echo`` is the echo process's own entry)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run (default 60)")
    parser.add_argument("--annotators", type=int, default=16, help="annotator threads, half per process (default 16)")
    kill_help = "kill one app process after this many seconds (default: half way; 0: no kill)"
    parser.add_argument("--kill-at", type=float, default=None, help=kill_help)
    parser.add_argument("--claim-minutes", type=float, default=0.1, help="HLOOP_CLAIM_MINUTES of the run (default 0.1)")
    server_help = (
        "PostgreSQL server URL (default: $HLOOP_TEST_POSTGRES_URL or the server .ci/postgres starts); "
        "a fresh database is created on it and dropped after"
    )
    parser.add_argument("--postgres", default=None, help=server_help)
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.kill_at = args.seconds / 2 if args.kill_at is None else args.kill_at
    return args


def start_servers(env: dict[str, str], folder: Path) -> list[tuple[subprocess.Popen, str]]:
    """Two app processes and the echo process, started together (they load side by side); (process, url) each."""
    echo_argv = [sys.executable, str(Path(__file__).resolve()), "--serve-echo"]
    argvs = {"app0": [sys.executable, "app.py"], "app1": [sys.executable, "app.py"], "echo": echo_argv}
    procs = [start_process(argv, env, folder / f"{label}.log") for label, argv in argvs.items()]
    try:
        for (proc, url), label in zip(procs, argvs, strict=True):
            wait_ready(proc, url, "/" if label == "echo" else "/health", folder / f"{label}.log")
    except BaseException:
        stop_all([proc for proc, _url in procs])
        raise
    return procs


def bench(args: argparse.Namespace, env: dict[str, str], folder: Path) -> dict:
    """Prepare the store, start the servers, run the annotators and check the store; returns the JSON result."""
    services = prepare(env)
    corpus, names = services.corpus(), services.label_set.names
    gold = {clean_text(t): names[int(y)] for t, y in zip(corpus.train_texts, corpus.train_labels, strict=True)}
    texts = list(corpus.eval_texts[:500])
    servers = start_servers(env, folder)
    procs = [proc for proc, _url in servers]
    try:
        run = Run([servers[0][1], servers[1][1]], servers[2][1])
        warm_up(run.urls, run.echo_url, texts[0])
        print(f"store ready, 2 app processes and the echo process up; running {args.seconds:.0f} s", flush=True)
        outcome = {**drive(run, args, procs, services, gold, texts), "killed": run.killed is not None}
        return report(run, args, outcome, store_check(services, run.ok, run.unanswered))
    finally:
        stop_all(procs)
        services.project.engine.dispose()


def main() -> None:
    args = parse_args()
    if args.serve_echo:
        return serve_echo()
    base, name = server_url(args.postgres), f"hloop_load_{uuid.uuid4().hex[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="hloop-bench-load-"))
    env = {
        **os.environ,
        "HLOOP_DATASET": args.data,
        "HLOOP_DATABASE_URL": database(base, "create", name),
        "HLOOP_MODELS_DIR": str(folder / "models"),
        "HLOOP_CLAIM_MINUTES": str(args.claim_minutes),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    try:
        result = bench(args, env, folder)
    finally:
        database(base, "drop", name)
        shutil.rmtree(folder, ignore_errors=True)
    print(summary(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
