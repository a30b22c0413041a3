"""Shared fixtures: settings on tmp_path, an in-memory store, a tiny corpus written here, the local AG News."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hloop.config import Settings
from hloop.core.labels import LabelSet
from hloop.data.corpus import Corpus

ROOT = Path(__file__).resolve().parents[1]
LOCAL_AG_NEWS = Path(os.environ.get("HLOOP_DATASET", ROOT.parent / "shared" / "data" / "ag_news"))

TINY_LABELS = LabelSet(("alpha", "beta", "gamma", "delta"))  # made-up names: nothing may assume a dataset
TOPIC_WORDS = {
    0: "president minister election war government troops embassy parliament rebels treaty",
    1: "match goal season coach team championship league players score olympic",
    2: "shares profit market stocks earnings investors bank economy sales oil",
    3: "software internet computer chip researchers space microsoft phone science web",
}
FILLER = "the a of in on and to for with says said new report after".split()


def tiny_texts(n_per_class: int, seed: int) -> tuple[list[str], list[int]]:
    """Short synthetic news lines whose topic words make them learnable; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, words in TOPIC_WORDS.items():
        vocab = words.split()
        for i in range(n_per_class):
            picked = rng.choice(vocab, size=4).tolist() + rng.choice(FILLER, size=4).tolist()
            rng.shuffle(picked)
            texts.append(f"{' '.join(picked)} story{seed}x{label}x{i}")
            labels.append(label)
    return texts, labels


def corpus_of(n_per_class: int) -> Corpus:
    """A tiny learnable corpus with ``n_per_class`` train texts per topic (10 test texts per topic)."""
    train_texts, train_labels = tiny_texts(n_per_class, seed=1)
    test_texts, test_labels = tiny_texts(10, seed=2)
    return Corpus(
        tuple(train_texts), np.array(train_labels), tuple(test_texts), np.array(test_labels), TINY_LABELS, "tiny"
    )


def write_tiny_dataset(folder: Path, n_per_class: int = 30) -> Path:
    """``folder`` as a dataset on disk: train.parquet (``n_per_class`` texts per topic) and test.parquet (10 per
    topic), the texts of ``tiny_texts`` with their label numbers."""
    folder.mkdir(parents=True)
    for name, seed, n in (("train", 1, n_per_class), ("test", 2, 10)):
        texts, labels = tiny_texts(n, seed)
        pd.DataFrame({"text": texts, "label": labels}).to_parquet(folder / f"{name}.parquet")
    return folder


def settings_in(folder: Path, **overrides) -> Settings:
    """Settings whose store and models live in ``folder``; a seed of 20 labelled rows."""
    defaults = {
        "dataset": "tiny",
        "database_url": f"sqlite:///{folder / 'hloop.db'}",
        "models_dir": folder / "models",
        "seed_size": 20,
        "random_seed": 0,
        "fit_in_worker": False,  # a worker process per test is slow to start; tests/services/test_fit_worker.py
    }
    return Settings(**{**defaults, **overrides})


def set_project_environment(monkeypatch: pytest.MonkeyPatch, folder: Path, **settings: object) -> dict[str, str]:
    """Point the CLI at a project through the environment, as a user does: the store and the models in ``folder``
    (where ``settings_in(folder)`` puts them), a seed of 20 labelled rows, and ``settings`` (by setting name, e.g.
    ``dataset=...``) on top. Returns the HLOOP_ variables set."""
    values = {"database_url": f"sqlite:///{folder / 'hloop.db'}", "models_dir": folder / "models", "seed_size": 20}
    env = {f"HLOOP_{name.upper()}": str(value) for name, value in {**values, **settings}.items()}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def load_benchmark(monkeypatch: pytest.MonkeyPatch, name: str):
    """The script ``benchmarks/<name>.py`` as a module, imported as when it runs from its folder."""
    import importlib.util

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (not a zombie); a process that ends while it is looked at is not."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.fixture
def tiny_corpus() -> Corpus:
    """A 4-class corpus: 30 train and 10 test texts per class."""
    return corpus_of(30)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose store and models live in tmp_path."""
    return settings_in(tmp_path)


@pytest.fixture
def services(settings, tiny_corpus):
    """Services over the tiny corpus (nothing trained yet)."""
    from hloop.services import Services

    return Services(settings, corpus=tiny_corpus)


@pytest.fixture
def trained(services):
    """Services with v1 trained on the seed labels."""
    services.train()
    return services


@pytest.fixture(scope="session")
def ag_news_dir() -> Path:
    """The local AG News folder; the test is skipped with the reason when it is absent."""
    if not (LOCAL_AG_NEWS / "train.parquet").exists():
        pytest.skip(f"local AG News copy not found at {LOCAL_AG_NEWS} (set HLOOP_DATASET to the folder)")
    return LOCAL_AG_NEWS


@pytest.fixture(scope="session")
def trec_dir() -> Path:
    """The local TREC folder (../shared/data/trec); the test is skipped with the reason when it is absent."""
    folder = Path(os.environ.get("HLOOP_TREC_DATASET", LOCAL_AG_NEWS.parent / "trec"))
    if not (folder / "train.csv").exists():
        pytest.skip(f"local TREC copy not found at {folder} (set HLOOP_TREC_DATASET to the folder)")
    return folder


@pytest.fixture(scope="session")
def debtags_dir() -> Path:
    """The local debtags folder (../shared/data/debtags, multi-label); the test is skipped without it."""
    folder = Path(os.environ.get("HLOOP_DEBTAGS_DATASET", LOCAL_AG_NEWS.parent / "debtags"))
    if not (folder / "train.jsonl").exists():
        pytest.skip(f"local debtags copy not found at {folder} (set HLOOP_DEBTAGS_DATASET to the folder)")
    return folder


def generated_corpus(n_labels: int, per_label: int = 6, eval_per_label: int | None = None, seed: int = 0) -> Corpus:
    """A learnable corpus with ``n_labels`` made-up labels: each label has its own words, texts mix them with
    filler. Eval gets at least 30 texts in all, so metrics are reported."""
    rng = np.random.default_rng(seed)
    names = tuple(f"class {i:02d}" for i in range(n_labels))
    words = {i: [f"w{i}x{j}" for j in range(6)] for i in range(n_labels)}
    eval_per_label = eval_per_label or max(2, -(-30 // n_labels))

    def texts_for(count: int, tag: str) -> tuple[list[str], list[int]]:
        texts, labels = [], []
        for label in range(n_labels):
            for k in range(count):
                picked = rng.choice(words[label], size=3).tolist() + rng.choice(FILLER, size=3).tolist()
                texts.append(f"{' '.join(picked)} {tag}{label}n{k}")
                labels.append(label)
        return texts, labels

    train, train_labels = texts_for(per_label, "t")
    test, test_labels = texts_for(eval_per_label, "e")
    return Corpus(tuple(train), np.array(train_labels), tuple(test), np.array(test_labels), LabelSet(names), "gen")


@pytest.fixture(autouse=True, scope="session")
def no_project_file(tmp_path_factory):
    """A developer's hloop.toml in the working folder is read by no test (nor by the tests' subprocesses):
    HLOOP_CONFIG names an empty project file; tests/hloop/test_project_file.py unsets it. A test that names no
    model trains today's tfidf-lr (HLOOP_MODEL): fast, and no embedder to load; tests of the other families and of
    ``auto`` set it themselves."""
    empty = tmp_path_factory.mktemp("project") / "hloop.toml"
    empty.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HLOOP_CONFIG", str(empty))
        patch.setenv("HLOOP_MODEL", "tfidf-lr")
        yield empty


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (end to end, several processes, a browser); CI runs them",
    )


def pytest_collection_modifyitems(config, items):
    """The default run leaves out the slow tests (``--slow`` adds them; ``--slow -m slow`` runs only them)."""
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
        config.stash[_LEFT_OUT] = len(slow)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter, config):
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} slow tests were left out: `pytest --slow` (or .ci/run) runs them too.")


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test (dropped after); skipped without HLOOP_TEST_POSTGRES_URL."""
    import os
    import uuid

    from sqlalchemy import create_engine, make_url, text

    base = os.environ.get("HLOOP_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("set HLOOP_TEST_POSTGRES_URL (CI starts PostgreSQL and sets it) to test PostgreSQL")
    name = f"hloop_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
