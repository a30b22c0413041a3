"""``python -m hloop simulate`` end to end on the local AG News (skipped without it), briefly."""

from __future__ import annotations

import json

import pytest

from hloop.cli import main


@pytest.mark.slow
def test_simulate_writes_results_curves_and_a_table(ag_news_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HLOOP_DATASET", str(ag_news_dir))
    monkeypatch.setenv("HLOOP_DATABASE_URL", f"sqlite:///{tmp_path / 'user.db'}")
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(tmp_path / "models"))
    out = tmp_path / "sim"
    code = main(
        [
            "simulate",
            "--strategies",
            "random,default",
            "--repeats",
            "1",
            "--seed-size",
            "100",
            "--batch",
            "50",
            "--budget",
            "100",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["default_strategy"] == "warmup_margin"
    assert {(c["strategy"], c["labels"]) for c in results["checkpoints"]} == {
        (s, n) for s in ("random", "default") for n in (100, 150, 200)
    }
    assert set(results["checkpoints"][0]) >= {"strategy", "repeat", "labels", "accuracy", "f1_macro", "seconds"}
    assert all(0.4 < c["accuracy"] < 0.95 for c in results["checkpoints"])
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "| default (warmup_margin) |" in printed and "labels to 0.85" in printed
    assert not (tmp_path / "user.db").exists() and not (tmp_path / "models").exists(), "the user's store is untouched"


def test_simulate_rejects_an_unknown_strategy(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HLOOP_MODELS_DIR", str(tmp_path / "models"))
    assert main(["simulate", "--strategies", "random,psychic", "--out", str(tmp_path / "x")]) == 2
    assert "Unknown strategy 'psychic'" in capsys.readouterr().err
