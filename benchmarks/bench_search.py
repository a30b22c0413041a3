"""Search at scale: ``Services.search`` over a ``--pool-size`` pool (default 1,000,000 texts), and the cost of the
search index to an import, on SQLite (default) or PostgreSQL (``--postgres URL``: a scratch database is made
beside the one named, and dropped at the end).

Search: a store with a 1,000-row seed, v1 (tfidf-lr) trained, the pool filled with copies of the local train rows
(each made unique by a counter), 500 of them labelled, the index brought up to date and v1's ranking built.
Then ``--queries`` two-word queries (two neighbouring words of 4+ letters from a random train text, e.g.
``oil prices``) each searched with two filters (unlabelled, and the label v1 predicts for the text the query came
from): p50 and p95 of the wall time of ``Services.search`` (page 1 of 20 hits); the same queries without
filters; and the peer in the same run: the bare index query of the same words (SQLite: ``SELECT rowid FROM
example_fts WHERE … MATCH … ORDER BY rank LIMIT 20``; PostgreSQL: the ``@@`` query on the GIN index, by
``ts_rank``).

Import (``--import-rows``, default 1,000,000): the same CSV through ``Services.import_texts`` into a fresh store,
with the index and without it (``HLOOP_SEARCH_INDEX=false`` on SQLite; the tsvector column and its GIN index dropped
on PostgreSQL), one after the other; the ratio of the two wall times. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_import import unique_texts, write_csv  # noqa: E402
from bench_queue import fill_pool  # noqa: E402
from data_option import add_data_option, settings_in  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hloop.core.search import WORD, terms  # noqa: E402
from hloop.services import Services  # noqa: E402
from labeling import search_index, search_queries, store  # noqa: E402

TARGET_P95_MS = 100.0
TARGET_IMPORT_RATIO = 1.3


def two_word_queries(texts: list[str], n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` (query, the text it came from): two neighbouring words of at least 4 letters of a random text."""
    rng, out = random.Random(seed), []
    while len(out) < n:
        text = rng.choice(texts)
        words = [w.lower() for w in WORD.findall(text)]
        pairs = [(a, b) for a, b in zip(words, words[1:], strict=False) if len(a) >= 4 and len(b) >= 4]
        if pairs:
            out.append((" ".join(rng.choice(pairs)), text))
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``, in milliseconds (values in seconds)."""
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


class Scratch:
    """A store URL for one run: a SQLite file in ``folder``, or a new PostgreSQL database beside ``postgres``."""

    def __init__(self, folder: Path, postgres: str | None, name: str) -> None:
        self.postgres, self.name = postgres, name
        if postgres is None:
            self.url = f"sqlite:///{folder / (name + '.db')}"
            return
        self.url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._admin(f'CREATE DATABASE "{name}"')

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine

        engine = create_engine(self.postgres, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(sql))
        engine.dispose()

    def drop(self, services: Services | None = None) -> None:
        """Drop the scratch database (PostgreSQL) once its engine is closed and the search index's background
        catch-up is over (it would otherwise open the store again as its folder is removed)."""
        if services is not None:
            services.finder.wait_for_index()
            services.project.engine.dispose()
        if self.postgres is not None:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def search_run(args, folder: Path) -> dict:
    scratch = Scratch(folder, args.postgres, "hloop_bench_search")
    services = Services(
        settings_in(folder, args.data, database_url=scratch.url, seed_size=1000, model="tfidf-lr", embeddings="none")
    )
    services.train()
    start = time.perf_counter()
    fill_pool(services, args.pool_size)
    filled = time.perf_counter() - start
    start = time.perf_counter()
    services.update_index()
    indexed = time.perf_counter() - start
    rng = random.Random(args.seed)
    with services.project.session() as session:
        pool = store.example_ids(store.QUEUE_ORIGINS, session=session)
        for example_id in rng.sample(pool, 500):
            store.add_label(example_id, rng.randrange(len(services.label_set)), "bench", "queue", session=session)
        session.commit()
    services.wait_for_scoring()
    asked = two_word_queries(list(services.corpus().train_texts), args.queries, args.seed)
    queries = [query for query, _ in asked]
    services.search(query="the", status="unlabelled")  # warm: the process's first hits (the eval-copy guard)
    filtered, plain, peer, totals, plain_totals = [], [], [], [], []
    for query, source in asked:
        predicted = services.predict(source)["label"]  # the label such texts are predicted to have
        start = time.perf_counter()
        page = services.search(query=query, status="unlabelled", predicted=predicted)
        filtered.append(time.perf_counter() - start)
        totals.append(page.total)
        start = time.perf_counter()
        plain_totals.append(services.search(query=query).total)
        plain.append(time.perf_counter() - start)
        peer.append(peer_seconds(services, query))
    result = {
        "database": services.project.engine.dialect.name,
        "pool_size": args.pool_size,
        "fill_seconds": round(filled, 1),
        "index_catch_up_seconds": round(indexed, 1),
        "queries": len(queries),
        "example_queries": queries[:5],
        "median_total_filtered": statistics.median(totals),
        "median_total_no_filter": statistics.median(plain_totals),
        "search_two_filters_p50_ms": round(percentile(filtered, 0.5), 1),
        "search_two_filters_p95_ms": round(percentile(filtered, 0.95), 1),
        "search_no_filter_p95_ms": round(percentile(plain, 0.95), 1),
        "peer_index_query_p95_ms": round(percentile(peer, 0.95), 1),
    }
    result["p95_ratio_to_peer"] = round(result["search_two_filters_p95_ms"] / result["peer_index_query_p95_ms"], 2)
    result["target_p95_met"] = result["search_two_filters_p95_ms"] <= TARGET_P95_MS
    services.end_workers()
    scratch.drop(services)
    return result


def peer_seconds(services: Services, query: str) -> float:
    """Seconds of the bare index query for the same words: the first 20 by relevance."""
    parts = terms(query)
    with services.project.engine.connect() as connection:
        start = time.perf_counter()
        if connection.dialect.name == "sqlite":
            sql = "SELECT rowid FROM example_fts WHERE example_fts MATCH :q ORDER BY rank LIMIT 20"
            connection.execute(text(sql), {"q": search_index.sqlite_match(parts)}).all()
        else:
            vector = search_index.PG_VECTOR
            sql = (
                f"SELECT id FROM example WHERE {vector} @@ to_tsquery('simple', :q) "
                f"ORDER BY ts_rank({vector}, to_tsquery('simple', :q)) DESC LIMIT 20"
            )
            connection.execute(text(sql), {"q": search_queries.pg_tsquery(parts)}).all()
        return time.perf_counter() - start


def import_seconds(args, folder: Path, csv_path: Path, indexed: bool) -> float:
    """Wall seconds of ``Services.import_texts`` of the CSV into a fresh store, with or without the index."""
    name = f"hloop_bench_import_{'on' if indexed else 'off'}"
    scratch = Scratch(folder, args.postgres, name)
    overrides = {"search_index": indexed} if args.postgres is None else {}
    services = Services(settings_in(folder / name, args.data, database_url=scratch.url, **overrides))
    services.ensure_store()
    if args.postgres is not None and not indexed:
        with services.project.engine.begin() as connection:
            connection.execute(text("ALTER TABLE example DROP COLUMN text_search"))  # and its index with it
    services.update_index()  # the dataset's own rows first: the import alone is timed
    start = time.perf_counter()
    report = services.import_texts(csv_path, embed_after=False)
    seconds = time.perf_counter() - start
    if indexed:
        assert services.index_lag() == 0, "the import returned before its texts were indexed"
    print(f"import {'with' if indexed else 'without'} the index: {report.added:,} rows in {seconds:.1f} s", flush=True)
    scratch.drop(services)
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(parser)
    parser.add_argument("--pool-size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="0: skip the import comparison")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL whose user may create databases")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    # the index's catch-up threads are waited for before a store is dropped; ignore_cleanup_errors stays so that
    # some other leftover file cannot fail a finished benchmark
    with tempfile.TemporaryDirectory(prefix="hloop-bench-search-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        result = search_run(args, folder) if args.pool_size else {}
        print(json.dumps(result), flush=True)
        if args.import_rows:
            texts = list(Services(settings_in(folder / "texts", args.data)).corpus().train_texts)
            csv_path = folder / "import.csv"
            write_csv(csv_path, unique_texts(texts, args.import_rows))
            without = import_seconds(args, folder, csv_path, indexed=False)
            with_index = import_seconds(args, folder, csv_path, indexed=True)
            result.update(
                import_rows=args.import_rows,
                import_without_index_seconds=round(without, 1),
                import_with_index_seconds=round(with_index, 1),
                import_ratio=round(with_index / without, 3),
                target_import_ratio_met=with_index / without <= TARGET_IMPORT_RATIO,
            )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
