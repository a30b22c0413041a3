"""End to end on TREC (../shared/data/trec: CSV, string labels in `coarse_label`, six unbalanced classes, repeated
texts): everything that runs on AG News runs here, from the command line."""

import json

import pandas as pd
import pytest

from hloop.cli import main

pytestmark = [pytest.mark.data, pytest.mark.slow]


@pytest.fixture
def trec_env(trec_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HLOOP_DATASET", str(trec_dir))
    monkeypatch.setenv("HLOOP_LABEL_COLUMN", "coarse_label")
    monkeypatch.setenv("HLOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'trec.db'}")
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HLOOP_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("HLOOP_SEED_SIZE", "300")
    return trec_dir


def _json(capsys, *argv):
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_the_loop_on_trec_from_the_command_line(trec_env, tmp_path, capsys):
    v1 = _json(capsys, "train", "--json")
    assert v1["labels"] == ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"]
    assert v1["metrics"]["n_eval"] == 499 and v1["metrics"]["accuracy"] > 0.6
    items = _json(capsys, "queue", "--n", "12", "--json")
    gold = pd.read_csv(trec_env / "train.csv").assign(text=lambda f: f["text"].str.strip())
    answer = dict(zip(gold["text"], gold["coarse_label"], strict=False))
    for item in items:  # the test plays an oracle annotator; labels by name, in lower case
        assert main(["label", "--example", str(item["example_id"]), "--label", answer[item["text"]].lower()]) == 0
    capsys.readouterr()
    imported = tmp_path / "more.csv"
    pd.DataFrame(
        {
            "text": [
                "Which rover first drove on Mars in 2031 ?",
                "Who painted the ceiling of hloop hall ?",
                gold["text"][0],
            ]
        }
    ).to_csv(imported, index=False)
    report = _json(capsys, "import", str(imported), "--json")
    assert report["added"] == 2 and report["duplicates"] == 1
    v2 = _json(capsys, "retrain", "--json")
    assert v2["training"]["human_labels"] == 12 and v2["parent"] == 1
    status = _json(capsys, "status", "--json")
    assert [c["version"] for c in status] == [1, 2]
    assert main(["export", str(tmp_path / "labels.csv")]) == 0
    capsys.readouterr()
    exported = pd.read_csv(tmp_path / "labels.csv")
    assert len(exported) == 12 and set(exported["label"]) <= set(v1["labels"])
    assert _json(capsys, "predict", "How many feet are in a mile ?", "--json")["label"] == "NUM"


def test_simulate_on_trec_reports_its_relative_target(trec_env, tmp_path, capsys):
    out = tmp_path / "sim"
    argv = ["simulate", "--strategies", "random,default", "--repeats", "1", "--seed-size", "60", "--batch", "40"]
    assert main([*argv, "--budget", "80", "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    assert results["labels"][0] == "ABBR" and 0.8 < results["reference_accuracy"] < 0.95
    assert results["target"] == pytest.approx(0.97 * results["reference_accuracy"], abs=1e-4)
    assert "target accuracy" in printed and "reference" in printed
