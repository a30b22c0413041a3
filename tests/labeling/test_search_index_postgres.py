"""PostgreSQL's search index is filled beside the inserts: every stored text of a searched origin is pending until a
catch-up indexes it, two writers whose transactions commit out of order leave no text unindexed, eval and dev
texts are never indexed, and two processes' catch-ups share the work without indexing a text twice. Skipped
without HLOOP_TEST_POSTGRES_URL."""

from __future__ import annotations

import threading

from sqlmodel import Session

from labeling import search_index, store
from labeling.db import make_engine


def _lag(engine) -> int:
    with Session(engine) as session:
        return search_index.index_lag(session=session)


def _indexed(engine) -> set[int]:
    with engine.connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT id FROM example_fts_vectors")}


def test_texts_are_pending_until_a_catch_up_indexes_them_and_held_out_ones_never_are(postgres_url):
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        rows = [("goal for the team", "pool", 0), ("a held out goal", "eval", 1), ("dev goal", "dev", 2)]
        store.bulk_add_examples([*rows, ("seed goal", "seed", 3)], session=session)
        session.commit()
    assert _lag(engine) == 2  # the pool and seed texts; never eval or dev
    assert search_index.catch_up_index(engine) == 2
    assert _lag(engine) == 0
    with Session(engine) as session:
        found = {i for i, _rank in search_index.any_word_ids(["goal"], ("pool", "seed"), session=session, most=10)}
        texts = sorted(store.get_example(i, session=session).text for i in found)
    assert texts == ["goal for the team", "seed goal"]
    engine.dispose()


def test_writers_committing_out_of_order_leave_no_text_unindexed(postgres_url):
    engine = make_engine(postgres_url)
    early, late = engine.connect(), engine.connect()
    early.begin()
    store.bulk_add_examples([("first writer's text", "pool", 0)], session=Session(bind=early))  # lower id, open
    with Session(bind=late) as session:
        store.bulk_add_examples([("second writer's text", "pool", 1)], session=session)
        session.commit()
    assert search_index.catch_up_index(engine) == 1  # what is committed
    early.commit()  # the lower id arrives after a higher one was indexed: a watermark would skip it
    assert search_index.catch_up_index(engine) == 1
    assert _lag(engine) == 0
    with engine.connect() as connection:
        all_ids = {row[0] for row in connection.exec_driver_sql("SELECT id FROM example")}
    assert _indexed(engine) == all_ids
    early.close(), late.close()
    engine.dispose()


def test_two_catch_ups_at_once_share_the_work(postgres_url):
    engine = make_engine(postgres_url)
    with Session(engine) as session:
        rows = [(f"text number {n} about goals", "pool", n) for n in range(3 * search_index.INDEX_CHUNK // 2)]
        store.bulk_add_examples(rows, session=session)
        session.commit()
    done: list[int] = []
    workers = [threading.Thread(target=lambda: done.append(search_index.catch_up_index(engine))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(done) == len(rows) and _lag(engine) == 0  # each text taken by one of them, none twice
    assert len(_indexed(engine)) == len(rows)
    engine.dispose()
