"""Batch prediction of a large file (default 1,000,000 rows): throughput and peak memory, against a peer copy.

It builds what a user has: a store over ``--data`` with v1 trained on 1,000 seed rows (``--model``, default
HLOOP_MODEL, else auto), and a CSV of ``--rows`` rows (id, the text of a train row made unique by a counter, a
note column). Then, each in a fresh process so its peak memory is its own:
  * the peer: the same file read and written back by the same streaming reader and writer, without a model;
  * ``hloop``'s batch prediction (``Services.predict_file``) of the file into a CSV.
It prints rows per second of both, their ratio, and each process's peak RSS (target < 1 GB). The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option, settings_in  # noqa: E402

RSS_TARGET_MB = 1024


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB): VmHWM, which starts afresh at exec (``ru_maxrss`` of a child
    process keeps the parent's peak from before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_file(path: Path, texts: list[str], rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "text", "note"])
        for i in range(rows):
            out.writerow([i, f"{texts[i % len(texts)].strip()} [{i}]", "x" if i % 7 else ""])


def child(args: argparse.Namespace) -> dict:
    """One timed run in this (fresh) process: ``--peer`` copies the file, else predicts it."""
    folder = Path(args.folder)
    start = time.perf_counter()
    if args.peer:
        from hloop.data.files import write_records
        from hloop.data.table_files import columns_of, iter_rows

        source = folder / "texts.csv"
        rows = write_records(folder / "copy.csv", (r.fields for r in iter_rows(source, "text")),
                             columns_of(source, "text"))  # fmt: skip
        return {"rows": rows, "seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}
    from hloop.services import Services

    overrides = {} if args.model is None else {"model": args.model}
    services = Services(settings_in(folder, args.data, seed_size=1000, **overrides))
    loaded = time.perf_counter()
    report = services.predict_file(folder / "texts.csv", folder / "predictions.csv")
    return {
        "rows": report.rows,
        "seconds": time.perf_counter() - loaded,
        "with_start_seconds": time.perf_counter() - start,
        "model_version": report.model_version,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(folder: Path, args: argparse.Namespace, peer: bool) -> dict:
    command = [sys.executable, __file__, "--child", "--folder", str(folder), "--data", args.data]
    command += ["--peer"] if peer else []
    command += [] if args.model is None else ["--model", args.model]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the file (default 1000000)")
    parser.add_argument("--model", default=None, help="v1's family (default: HLOOP_MODEL, else auto)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = child(args)
        print(json.dumps(out))
        return out
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        from hloop.services import Services

        folder = Path(tmp)
        overrides = {} if args.model is None else {"model": args.model}
        services = Services(settings_in(folder, args.data, seed_size=1000, **overrides))
        card = services.train()
        write_file(folder / "texts.csv", services.corpus().train_texts, args.rows)
        services.end_workers()
        size_mb = (folder / "texts.csv").stat().st_size / 2**20
        print(f"v{card.version} ({card.model_family}); file of {args.rows:,} rows, {size_mb:,.0f} MB", flush=True)
        peer = run_child(folder, args, peer=True)
        ours = run_child(folder, args, peer=False)
    result = {
        "rows": ours["rows"],
        "family": card.model_family,
        "rows_per_second": round(ours["rows"] / ours["seconds"], 1),
        "peer_rows_per_second": round(peer["rows"] / peer["seconds"], 1),
        "ratio_to_peer": round(ours["seconds"] / peer["seconds"], 2),
        "seconds": round(ours["seconds"], 2),
        "seconds_with_start": round(ours["with_start_seconds"], 2),
        "peak_rss_mb": round(ours["peak_rss_mb"]),
        "peer_peak_rss_mb": round(peer["peak_rss_mb"]),
    }
    met = "met" if result["peak_rss_mb"] < RSS_TARGET_MB else "NOT met"
    print(
        f"batch prediction: {result['rows_per_second']:,.0f} rows/s ({result['ratio_to_peer']}x the time of a plain "
        f"copy at {result['peer_rows_per_second']:,.0f} rows/s); peak RSS {result['peak_rss_mb']} MB "
        f"(target < {RSS_TARGET_MB} MB: {met})"
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
