"""Import throughput: ``--rows`` distinct texts (the local train rows, each made unique by a counter) from a CSV
into an empty SQLite label store through ``Services.import_texts``, the way ``hloop import`` runs it; and, in
the same run, the peer: a bare ``sqlite3`` ``executemany`` of the same rows (text and its sha256 key) into a
table with the same unique text key. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data_option import add_data_option, settings_in  # noqa: E402

from hloop.services import Services  # noqa: E402
from labeling.db import SQLITE_CACHE_KIB  # noqa: E402

TARGET_ROWS_PER_SECOND = 50_000
TARGET_RATIO = 2.0
TARGET_PEAK_MB = 1024


def unique_texts(texts: Sequence[str], size: int) -> Iterator[str]:
    """``size`` distinct texts cycling through ``texts``, each ending in its own counter."""
    for i in range(size):
        yield f"{' '.join(texts[i % len(texts)].split())} [{i}]"


def write_csv(path: Path, texts: Iterator[str]) -> int:
    """Stream the texts into a CSV with a ``text`` column; returns the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text"])
        for text in texts:
            writer.writerow([text])
            count += 1
    return count


def peer_seconds(path: Path, db: Path, chunk: int) -> float:
    """Seconds for a bare executemany of (text, sha256) rows, read from the CSV, into a table keyed by text."""
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # the store's own settings, for a fair peer
    connection.execute("CREATE TABLE example (id INTEGER PRIMARY KEY, text TEXT, text_hash TEXT UNIQUE)")
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        batch = []
        for (text,) in reader:
            batch.append((text, hashlib.sha256(text.encode()).hexdigest()))
            if len(batch) >= chunk:
                connection.executemany("INSERT OR IGNORE INTO example (text, text_hash) VALUES (?, ?)", batch)
                connection.commit()
                batch = []
        connection.executemany("INSERT OR IGNORE INTO example (text, text_hash) VALUES (?, ?)", batch)
        connection.commit()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--rows", type=int, default=1_000_000, help="distinct texts to import (default 1000000)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        settings = settings_in(tmp, args.data, seed_size=1000)
        services = Services(settings)
        services.ensure_store()  # the dataset's own rows first: the import lands in a store that is in use
        path = Path(tmp) / "texts.csv"
        rows = write_csv(path, unique_texts(services.corpus().train_texts, args.rows))
        start = time.perf_counter()
        report = services.import_texts(path)
        seconds = time.perf_counter() - start
        services.project.engine.dispose()
        peer = peer_seconds(path, Path(tmp) / "peer.db", settings.import_chunk_rows)
    result = {
        "rows": rows,
        "added": report.added,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peer_seconds": round(peer, 2),
        "ratio": round(seconds / peer, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    ok = (
        result["rows_per_second"] >= TARGET_ROWS_PER_SECOND
        and result["ratio"] <= TARGET_RATIO
        and result["peak_rss_mb"] < TARGET_PEAK_MB
    )
    print(
        f"imported {rows:,} rows in {seconds:.1f} s ({result['rows_per_second']:,} rows/s); bare executemany "
        f"{peer:.1f} s (ratio {result['ratio']}); peak RSS {result['peak_rss_mb']} MB; targets "
        f"{'met' if ok else 'NOT met'}"
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
