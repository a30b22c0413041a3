"""`retrain` prints the gate's verdict, `status` lists held-back versions, `promote N` overrides the gate."""

from __future__ import annotations

from hloop.cli import main
from hloop.config import Settings
from hloop.services import Services
from tests.conftest import set_project_environment, tiny_texts, write_tiny_dataset


def test_a_held_back_version_in_status_and_promoted_from_the_command_line(tmp_path, monkeypatch, capsys):
    data = write_tiny_dataset(tmp_path / "data", 100)
    set_project_environment(monkeypatch, tmp_path, dataset=data, seed_size=40, labels="alpha,beta,gamma,delta")
    assert main(["train"]) == 0
    services = Services(Settings())
    gold = dict(zip(*tiny_texts(100, 1), strict=True))
    while (item := services.next_item("saboteur")) is not None:
        services.submit_label(item.example_id, (gold[item.text] + 1) % 4, "saboteur")
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
    assert Services(Settings()).card().status == "override"
