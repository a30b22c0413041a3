"""Imports stream in short chunks outside the app's lock: duplicates are still skipped and counted, progress is
reported, labelling goes on during an import, and two importers of overlapping files store each text once."""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import func, select

from hloop.services import Services
from labeling import store
from labeling.tables import Example, Label
from tests.conftest import corpus_of, settings_in

SQLITE_MAX_VARIABLES = 32_766  # SQLite's default bound-variable limit since 3.32


def _csv(path: Path, texts: list[str]) -> Path:
    path.write_text("text\n" + "\n".join(texts) + "\n")
    return path


def _import_in_process(folder: str, path: str, out) -> None:
    services = Services(settings_in(Path(folder), import_chunk_rows=50), corpus=corpus_of(30))
    out.put(services.import_texts(path)["added"])


def test_a_chunked_import_counts_duplicates_in_the_file_in_the_store_and_of_eval_texts(trained, tiny_corpus, tmp_path):
    trained.settings.import_chunk_rows = 3
    pool_text, eval_text = tiny_corpus.train_texts[-1], tiny_corpus.eval_texts[0]
    texts = [f"new story {i}" for i in range(7)] + ["new story 2", pool_text, eval_text, "", "new story 6"]
    seen = []
    report = trained.import_texts(_csv(tmp_path / "in.csv", texts), progress=lambda f, d: seen.append(f))
    assert (report["rows"], report["added"], report["duplicates"]) == (11, 7, 4), "the blank line is not a row"
    assert eval_text not in {i["text"] for i in trained.ranked_pool(n=None)}, "an eval text never joins the pool"
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 1.0, "progress per chunk, then done"
    assert 0 < seen[0] < 1


def test_two_processes_importing_overlapping_files_store_every_text_once(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(30))
    services.ensure_store()
    first = _csv(tmp_path / "a.csv", [f"shared story {i}" for i in range(0, 600)])
    second = _csv(tmp_path / "b.csv", [f"shared story {i}" for i in range(300, 900)])
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_import_in_process, args=(str(tmp_path), str(p), out)) for p in (first, second)]
    for w in workers:
        w.start()
    added = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert sum(added) == 900
    with services.session() as session:
        stored = session.exec(select(func.count()).select_from(Example).where(Example.origin == "import")).one()
        distinct = session.exec(select(func.count(func.distinct(Example.text))).where(Example.origin == "import")).one()
    assert stored == distinct == 900


def test_labelling_goes_on_while_an_import_is_in_the_middle(trained, tmp_path):
    trained.settings.import_chunk_rows = 20
    labelled, started = threading.Event(), threading.Event()
    waited = []

    def progress(fraction: float, _desc: str) -> None:
        if fraction < 1 and not started.is_set():
            started.set()
            waited.append(labelled.wait(30))  # the import stays mid-way until the label is stored

    path = _csv(tmp_path / "big.csv", [f"a long import row {i}" for i in range(200)])
    importer = threading.Thread(target=lambda: waited.append(trained.import_texts(path, progress=progress)))
    importer.start()
    assert started.wait(30)
    item = trained.next_item("ana")
    trained.submit_label(item["example_id"], item["prediction"], "ana")
    assert trained.predict("a story about the coach")["model_version"] == 1
    labelled.set()
    importer.join(60)
    assert waited[0] is True, "the label was stored while the import was mid-way"
    assert waited[1]["added"] == 200
    assert trained.counters()["labels_total"] == 1


def _import_slowly(folder: str, path: str, started, release, out) -> None:
    services = Services(settings_in(Path(folder), import_chunk_rows=20), corpus=corpus_of(30))

    def progress(fraction: float, _desc: str) -> None:
        if fraction < 1 and not started.is_set():
            started.set()
            release.wait(60)

    out.put(services.import_texts(path, progress=progress)["added"])


def test_labelling_goes_on_while_another_process_imports(trained, tmp_path):
    path = _csv(tmp_path / "big.csv", [f"another process row {i}" for i in range(200)])
    ctx = mp.get_context("spawn")
    started, release, out = ctx.Event(), ctx.Event(), ctx.Queue()
    worker = ctx.Process(target=_import_slowly, args=(str(tmp_path), str(path), started, release, out))
    worker.start()
    try:
        assert started.wait(120), "the other process began importing"
        item = trained.next_item("ana")
        saved = trained.submit_label(item["example_id"], item["prediction"], "ana")
    finally:
        release.set()
    assert saved["labels_total"] == 1
    assert out.get(timeout=120) == 200
    worker.join(60)


def test_more_labelled_texts_than_sqlite_binds_never_hit_the_limit(trained):
    n = SQLITE_MAX_VARIABLES + 500
    with trained.session() as session:
        store.insert_new_texts([f"bulk labelled text {i}" for i in range(n)], "import", session=session)
        ids = store.example_ids(("import",), session=session)
        rows = [{"example_id": i, "label": 0, "annotator": "ana", "source": "cli"} for i in ids]
        session.execute(insert(Label), rows)
        session.commit()
    trained.predict("a story about the coach", record_for="ana")
    assert trained.recent_activity(limit=5)
    item = trained.next_item("bob")
    assert item is not None and item["example_id"] not in set(ids)
    assert all(i["example_id"] not in set(ids) for i in trained.ranked_pool(n=20))
    assert trained.counters()["labels_total"] == n
