"""Imports stream in short chunks outside the app's lock: duplicates are still skipped and counted, progress is
reported, labelling goes on during an import, and two importers of overlapping files store each text once."""

from __future__ import annotations

import multiprocessing as mp
import threading
from pathlib import Path

import pytest
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
    out.put(services.import_texts(path).added)


def test_a_chunked_import_counts_duplicates_in_the_file_in_the_store_and_of_eval_texts(trained, tiny_corpus, tmp_path):
    trained.settings.import_chunk_rows = 3
    pool_text, eval_text = tiny_corpus.train_texts[-1], tiny_corpus.eval_texts[0]
    texts = [f"new story {i}" for i in range(7)] + ["new story 2", pool_text, eval_text, "", "new story 6"]
    seen = []
    report = trained.import_texts(_csv(tmp_path / "in.csv", texts), progress=lambda f, d: seen.append(f))
    assert (report.rows, report.added, report.duplicates) == (11, 7, 4), "the blank line is not a row"
    assert eval_text not in {i.text for i in trained.ranked_pool(n=None)}, "an eval text never joins the pool"
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 1.0, "progress per chunk, then done"
    assert 0 < seen[0] < 1


@pytest.mark.slow
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
    with services.project.session() as session:
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
    trained.submit_label(item.example_id, item.prediction, "ana")
    assert trained.predict("a story about the coach")["model_version"] == 1
    labelled.set()
    importer.join(60)
    assert waited[0] is True, "the label was stored while the import was mid-way"
    assert waited[1].added == 200
    assert trained.counters()["labels_total"] == 1


def _import_slowly(folder: str, path: str, started, release, out) -> None:
    services = Services(settings_in(Path(folder), import_chunk_rows=20), corpus=corpus_of(30))

    def progress(fraction: float, _desc: str) -> None:
        if fraction < 1 and not started.is_set():
            started.set()
            release.wait(60)

    out.put(services.import_texts(path, progress=progress).added)


@pytest.mark.slow
def test_labelling_goes_on_while_another_process_imports(trained, tmp_path):
    path = _csv(tmp_path / "big.csv", [f"another process row {i}" for i in range(200)])
    ctx = mp.get_context("spawn")
    started, release, out = ctx.Event(), ctx.Event(), ctx.Queue()
    worker = ctx.Process(target=_import_slowly, args=(str(tmp_path), str(path), started, release, out))
    worker.start()
    try:
        assert started.wait(120), "the other process began importing"
        item = trained.next_item("ana")
        saved = trained.submit_label(item.example_id, item.prediction, "ana")
    finally:
        release.set()
    assert saved.labels_total == 1
    assert out.get(timeout=120) == 200
    worker.join(60)


def test_more_labelled_texts_than_sqlite_binds_never_hit_the_limit(trained):
    n = SQLITE_MAX_VARIABLES + 500
    with trained.project.session() as session:
        store.insert_new_texts([f"bulk labelled text {i}" for i in range(n)], "import", session=session)
        ids = store.example_ids(("import",), session=session)
        rows = [{"example_id": i, "label": 0, "annotator": "ana", "source": "cli"} for i in ids]
        session.execute(insert(Label), rows)
        session.commit()
    trained.predict("a story about the coach", record_for="ana")
    assert trained.recent_activity(limit=5)
    item = trained.next_item("bob")
    assert item is not None and item.example_id not in set(ids)
    assert all(i.example_id not in set(ids) for i in trained.ranked_pool(n=20))
    assert trained.counters()["labels_total"] == n


# Issue 15: a bad row is rejected and the import reads on; an import that must stop says what it added.
def _pool_texts(services) -> set[str]:
    with services.project.session() as session:
        return set(session.exec(select(Example.text).where(Example.origin == "import")).all())


def test_a_bad_byte_rejects_only_its_row_in_csv_and_jsonl(services, tmp_path):
    good = [f"imported text {i}" for i in range(6)]
    csv_path, jsonl_path = tmp_path / "in.csv", tmp_path / "in.jsonl"
    csv_path.write_bytes(
        b"text\n"
        + b"\n".join(t.encode() for t in good[:3])
        + b"\nbad \xff byte\n"
        + b"\n".join(t.encode() for t in good[3:])
        + b"\n"
    )
    report = services.import_texts(csv_path)
    assert (report.rows, report.added, report.rejected) == (7, 6, 1)
    assert report.rejections[0].row == 5 and "not UTF-8 text (byte 0xff" in report.rejections[0].reason
    jsonl_path.write_bytes(b'{"text": "json one"}\n{"text": "bad \xc3\x28 byte"}\n{"text": "json two"}\n')
    report = services.import_texts(jsonl_path)
    assert (report.added, report.rejected, report.rejections[0].row) == (2, 1, 2)
    assert set(good) | {"json one", "json two"} <= _pool_texts(services)


@pytest.mark.parametrize("where", ["middle", "last"])
def test_an_oversized_csv_field_rejects_its_row_and_the_rest_is_imported(services, tmp_path, where):
    rows = ["first text", "second text", "x" * 200_000, "third text"]
    if where == "last":
        rows = rows[:2] + rows[3:] + rows[2:3]
    path = tmp_path / "in.csv"
    path.write_text("text\n" + "\n".join(rows) + "\n")
    report = services.import_texts(path)
    assert (report.added, report.rejected) == (3, 1)
    assert "field larger than field limit" in report.rejections[0].reason
    assert {"first text", "second text", "third text"} <= _pool_texts(services)


def test_a_deeply_nested_jsonl_line_is_rejected_like_any_bad_line(services, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"text": "before"}\n'
        + "[" * 100_000
        + "\n"
        + '{"text": {"a": ' * 5000
        + "1"
        + "}" * 5000
        + "\n"
        + '{"text": "after"}\n'
    )
    report = services.import_texts(path)
    assert (report.rows, report.added, report.rejected) == (4, 2, 2)
    assert [r.row for r in report.rejections] == [2, 3]
    assert any("nested too deeply" in r.reason for r in report.rejections)


def test_a_csv_row_with_more_or_fewer_fields_than_the_header_is_rejected(services, tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("text\na fine text\nnot,a,valid,row\n")
    report = services.import_texts(one)
    assert (report.added, report.rejected) == (1, 1) and "not" not in _pool_texts(services)
    assert "has 4 fields and the header has 1" in report.rejections[0].reason
    two = tmp_path / "two.csv"
    two.write_text("id,text\n1,another fine text\n2\n3,yet another,extra\n")
    report = services.import_texts(two)
    assert (report.added, report.rejected) == (1, 2)
    assert [r.row for r in report.rejections] == [3, 4]


def test_an_import_that_stops_part_way_says_exactly_what_it_added_and_a_rerun_adds_the_rest(
    services, tmp_path, monkeypatch
):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from hloop.core.errors import ImportStoppedError

    services.settings.import_chunk_rows = 10
    path = _csv(tmp_path / "in.csv", [f"text number {i}" for i in range(35)])
    real, calls = store.insert_new_texts, []

    def fails_on_the_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "insert_new_texts", fails_on_the_third_chunk)
    with pytest.raises(ImportStoppedError) as caught:
        services.import_texts(path)
    message, report = str(caught.value), caught.value.report
    assert (report.added, report.rows, report.stopped_at_row) == (20, 30, 31)
    assert "stopped at row 31" in message and "20 texts were added" in message and "no disk space left" in message
    assert "Import the same file again" in message and "Try again" not in message
    assert len(_pool_texts(services)) == 20
    monkeypatch.undo()
    again = services.import_texts(path)
    assert (again.added, again.duplicates) == (15, 20) and len(_pool_texts(services)) == 35
