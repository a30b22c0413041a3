"""`retrain` prints the gate's verdict, `status` lists held-back versions, `promote N` overrides the gate."""

from __future__ import annotations

import pandas as pd

from hloop.cli import main
from hloop.config import Settings
from hloop.services import Services
from tests.conftest import tiny_texts


def test_a_held_back_version_in_status_and_promoted_from_the_command_line(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name, seed, n in (("train", 1, 100), ("test", 2, 10)):
        texts, labels = tiny_texts(n, seed)
        pd.DataFrame({"text": texts, "label": labels}).to_parquet(data / f"{name}.parquet")
    for key, value in {
        "HLOOP_DATASET": str(data),
        "HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "HLOOP_MODELS_DIR": str(tmp_path / "models"),
        "HLOOP_SEED_SIZE": "40",
        "HLOOP_LABELS": "alpha,beta,gamma,delta",
    }.items():
        monkeypatch.setenv(key, value)
    assert main(["train"]) == 0
    services = Services(Settings())
    gold = dict(zip(*tiny_texts(100, 1), strict=True))
    while (item := services.next_item("saboteur")) is not None:
        services.submit_label(item["example_id"], (gold[item["text"]] + 1) % 4, "saboteur")
    capsys.readouterr()

    assert main(["retrain", "--feedback-weight", "10"]) == 0
    out = capsys.readouterr().out
    assert "v2 held back: worse beyond noise" in out and "python -m hloop promote 2" in out
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "held back" in out and "v2 held back:" in out
    assert main(["promote", "1"]) == 2, "v1 is not held back"
    assert main(["promote", "2"]) == 0
    assert "manual override" in capsys.readouterr().out
    assert Services(Settings()).card()["status"] == "override"
