"""The multi-label benchmarks run end to end on a tiny multi-label dataset written here (figures not checked: the
real ones come from debtags), and read label columns as lists, JSON lists or separated strings."""

import json

import pandas as pd

from tests.conftest import load_benchmark
from tests.training.test_multilabel import _corpus

NAMES = ["billing", "bug", "ui"]


def _write(folder):
    texts, y = _corpus(n=240, seed=2)
    rows = [{"description": t, "tags": [NAMES[j] for j in range(3) if y[i, j]]} for i, t in enumerate(texts)]
    folder.mkdir()
    for name, part in (("train", rows[:180]), ("test", rows[180:])):
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return folder


def test_label_cells_are_read_as_lists_json_lists_or_separated_strings(monkeypatch):
    bench = load_benchmark(monkeypatch, "bench_multilabel")
    cells = pd.Series([["bug", "ui"], '["ui", "bug"]', "billing| bug ", "ui", [], float("nan"), None], dtype=object)
    expected = [["bug", "ui"], ["bug", "ui"], ["billing", "bug"], ["ui"], [], [], []]
    assert bench.label_lists(cells, "|") == expected
    assert bench.indicator([["bug"], ["ui", "nope"]], NAMES).tolist() == [[False, True, False], [False, False, True]]


def test_the_family_benchmark_chooses_on_dev_and_reports_test(tmp_path, monkeypatch):
    bench = load_benchmark(monkeypatch, "bench_multilabel")
    result = bench.main(
        ["--data", str(_write(tmp_path / "data")), "--families", "tfidf-lr,hybrid", "--dev-share", "0.3"]
    )
    assert result["chosen"] in ("tfidf-lr", "hybrid") and result["labels"] == 3
    chosen = result["families"][result["chosen"]]
    assert all(chosen["dev_f1_micro"] >= row["dev_f1_micro"] for row in result["families"].values())
    assert 0 <= result["chosen_test"]["f1_micro"] <= 1


def test_the_simulation_benchmark_runs_the_choice_and_the_curves(tmp_path, monkeypatch):
    bench = load_benchmark(monkeypatch, "bench_multilabel_sim")
    argv = ["--data", str(_write(tmp_path / "data")), "--repeats", "2", "--warmup", "20", "--batch", "40"]
    result = bench.main([*argv, "--strategies", "label_cardinality_inconsistency,random", "--dev-share", "0.3"])
    assert set(result["dev_choice"]["labels_to_target"]) == {"label_cardinality_inconsistency", "random"}
    assert len(result["labels_to_target"]["random"]) == 2
    assert set(result["noisy_labels_to_target"]) == {"label_cardinality_inconsistency", "random"}
