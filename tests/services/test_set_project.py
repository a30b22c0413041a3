"""A multi-label project through the CLI (issue 21): detected from a label column of lists, trained with
thresholds tuned on dev and gated, a queue with suggested sets, labels as sets (checked), undo, retrain only when
labels changed, export as lists (JSONL) or joined (CSV), and a clear word for a command it does not have yet."""

import json

import numpy as np
import pandas as pd
import pytest

from hloop.cli import main
from tests.training.test_multilabel import WORDS, _corpus

NAMES = ("billing", "bug", "ui")


@pytest.fixture
def project_env(tmp_path, monkeypatch):
    texts, y = _corpus(n=300, seed=3)
    rows = [{"body": t, "tags": [NAMES[j] for j in range(3) if y[i, j]]} for i, t in enumerate(texts)]
    folder = tmp_path / "data"
    folder.mkdir()
    for name, part in (("train", rows[:240]), ("test", rows[240:])):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    for key in [k for k in __import__("os").environ if k.startswith("HLOOP_")]:
        monkeypatch.delenv(key)
    env = {
        "HLOOP_DATASET": str(folder),
        "HLOOP_TEXT_COLUMN": "body",
        "HLOOP_LABEL_COLUMN": "tags",
        "HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HLOOP_MODELS_DIR": str(tmp_path / "models"),
        "HLOOP_SEED_SIZE": "60",
        "HLOOP_DEV_SHARE": "0.2",
        "HLOOP_MODEL": "tfidf-lr",
        "HLOOP_EMBEDDINGS": "none",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_loop_of_a_multi_label_project_through_the_cli(project_env, capsys):
    code, out, _ = _run(capsys, "train")
    assert code == 0 and out.startswith("v1 (tfidf-lr, current): 60 seed + 0 human label sets"), out
    assert "micro-F1" in out and "threshold" in out and "gate (paired-bootstrap-micro-f1)" in out
    code, out, _ = _run(capsys, "queue", "--n", "3", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) == 3 and all(set(i["probabilities"]) == set(NAMES) for i in items)
    first = items[0]["example_id"]
    code, out, _ = _run(capsys, "label", "--example", str(first), "--label", "Bug, ui", "--annotator", "ana")
    assert code == 0 and f"example {first} -> bug, ui by ana" in out
    code, _, err = _run(capsys, "label", "--example", str(first), "--label", "refunds", "--annotator", "ana")
    assert code == 2 and "Unknown label 'refunds'" in err
    code, _, err = _run(capsys, "label", "--example", str(first), "--label", "", "--annotator", "ana")
    assert code == 2 and "at least one label" in err and "HLOOP_ALLOW_EMPTY" in err
    code, _, err = _run(capsys, "label", "--example", "1", "--label", "bug", "--annotator", "ana")  # eval rows first
    assert code == 2 and "eval text: it is never labelled" in err

    for suffix in ("jsonl", "csv"):
        target = project_env / f"labels.{suffix}"
        assert _run(capsys, "export", str(target))[0] == 0
    assert json.loads((project_env / "labels.jsonl").read_text())["labels"] == ["bug", "ui"]
    assert pd.read_csv(project_env / "labels.csv")["labels"].tolist() == ["bug|ui"]

    code, out, _ = _run(capsys, "retrain")
    assert code == 0 and out.startswith("v2 (tfidf-lr") and "60 seed + 1 human" in out
    code, _, err = _run(capsys, "retrain")
    assert code == 2 and "No label given or undone since v2" in err
    assert _run(capsys, "undo", "--annotator", "ana")[1].startswith(f"undone: example {first} -> bug, ui")
    code, out, _ = _run(capsys, "retrain", "--json")  # the undo changed the labels: a retrain may run
    card = json.loads(out)
    assert code == 0 and card["version"] == 3 and card["training"]["human_labels"] == 0
    assert set(card["thresholds"]) == set(NAMES) and card["metrics"]["n_eval"] == 60
    code, out, _ = _run(capsys, "status")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == ["v1", "v2", "v3"]
    code, _, err = _run(capsys, "suspects")
    assert code == 2 and "not yet available for multi-label projects" in err and "train, retrain" in err


def test_a_store_of_a_single_label_project_is_refused(project_env, capsys, monkeypatch):
    monkeypatch.setenv("HLOOP_MULTI_LABEL", "1")
    from sqlmodel import Session

    from hloop.config import Settings
    from labeling import store
    from labeling.db import make_engine

    with Session(make_engine(Settings().database_url)) as session:
        store.set_info({"data_fingerprint": "another"}, session=session)
        session.commit()
    code, _, err = _run(capsys, "train")
    assert code == 2 and "store of another project" in err and "new store" in err


def test_a_bad_multi_label_setting_is_one_line(project_env, capsys, monkeypatch):
    monkeypatch.setenv("HLOOP_MULTI_LABEL", "maybe")
    code, _, err = _run(capsys, "status")
    assert code == 2 and "HLOOP_MULTI_LABEL must be 1" in err


def test_words_of_the_labels_are_learnt(project_env, capsys):
    assert _run(capsys, "train")[0] == 0
    from hloop.config import Settings
    from hloop.services.set_project import SetProject

    project = SetProject(Settings())
    model = project.registry.load(1, NAMES)
    p = model.pipeline.predict_proba([f"ticket says {WORDS[0]} and {WORDS[1]}"])
    assert (p[0] >= model.thresholds).tolist() == [True, True, False], p


@pytest.mark.slow
def test_v1_on_all_of_debtags_reaches_the_target(debtags_dir, tmp_path, monkeypatch, capsys):
    """The issue's figure: micro-F1 >= 0.65 on debtags' test split (reference 0.648), the family chosen on dev."""
    for key, value in {"HLOOP_DATASET": str(debtags_dir), "HLOOP_TEXT_COLUMN": "description",
                       "HLOOP_LABEL_COLUMN": "tags", "HLOOP_SEED_SIZE": "all",
                       "HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
                       "HLOOP_MODELS_DIR": str(tmp_path / "models")}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    code, out, _ = _run(capsys, "train", "--json")
    card = json.loads(out)
    assert code == 0 and card["metrics"]["n_eval"] == 979 and len(card["labels"]) == 25
    assert card["metrics"]["f1_micro"] >= 0.65, card["metrics"]["f1_micro"]
    assert np.isclose(card["training"]["dev_texts"] + card["training"]["seed_labels"], 3909, atol=2)
