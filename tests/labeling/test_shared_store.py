"""Several processes share one label store (a SQLite file, and PostgreSQL when HLOOP_TEST_POSTGRES_URL is set)."""

import multiprocessing as mp
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import func, select

pytestmark = pytest.mark.slow  # end to end, several processes or a browser: `pytest --slow` and CI

ITEMS_PER_WORKER = 12


def _services(url: str, models: Path):
    from hloop.config import Settings
    from hloop.data.corpus import Corpus
    from hloop.services import Services
    from tests.conftest import TINY_LABELS, tiny_texts

    train, train_labels = tiny_texts(30, seed=1)
    test, test_labels = tiny_texts(10, seed=2)
    corpus = Corpus(tuple(train), np.array(train_labels), tuple(test), np.array(test_labels), TINY_LABELS, "tiny")
    return Services(Settings(dataset="tiny", database_url=url, models_dir=models, seed_size=20), corpus=corpus)


def _annotate(url: str, models: str, name: str, out) -> None:
    services = _services(url, Path(models))
    done = []
    try:
        for _ in range(ITEMS_PER_WORKER):
            item = services.next_item(name)
            services.submit_label(item.example_id, item.prediction, name)
            done.append(item.example_id)
    except Exception as exc:  # report to the test instead of leaving it waiting
        out.put(f"{name}: {type(exc).__name__}: {exc}")
        return
    out.put(done)


@pytest.mark.parametrize("backend", ["sqlite-file", "postgresql"])
def test_annotators_in_separate_processes_never_label_the_same_item(backend, tmp_path, request):
    # PostgreSQL: a fresh database from the postgres_url fixture (skipped without HLOOP_TEST_POSTGRES_URL), so a
    # store an earlier run left in the shared database, at whatever revision, cannot interfere
    url = f"sqlite:///{tmp_path / 'shared.db'}" if backend == "sqlite-file" else request.getfixturevalue("postgres_url")
    services = _services(url, tmp_path / "models")
    services.train()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    workers = [ctx.Process(target=_annotate, args=(url, str(tmp_path / "models"), f"p{i}", out)) for i in range(3)]
    for w in workers:
        w.start()
    results = [out.get(timeout=120) for _ in workers]
    errors = [r for r in results if isinstance(r, str)]
    assert not errors, errors
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    labelled = [i for batch in results for i in batch]
    assert len(labelled) == len(set(labelled)) == 3 * ITEMS_PER_WORKER
    from labeling.tables import Label

    with services.project.session() as session:
        queue_labels = session.exec(select(func.count()).select_from(Label).where(Label.source == "queue")).one()
    assert queue_labels == 3 * ITEMS_PER_WORKER
    assert services.retrain().training.human_labels == 3 * ITEMS_PER_WORKER
