"""`hloop monitor` prints the report of this process's (empty) live window, or JSON; before v1 one line, exit 2."""

from __future__ import annotations

import json

from hloop.cli import main
from tests.conftest import set_project_environment, write_tiny_dataset


def test_monitor_prints_the_report_or_json(tmp_path, monkeypatch, capsys):
    data = write_tiny_dataset(tmp_path / "data")
    set_project_environment(monkeypatch, tmp_path, dataset=data, labels="alpha,beta,gamma,delta")
    assert main(["monitor"]) == 2  # no model yet
    assert "v1" in capsys.readouterr().err
    assert main(["train"]) == 0
    capsys.readouterr()
    assert main(["monitor"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0 live predictions in the last 24 h (v1)") and "not enough live texts yet (0 of 50)" in out
    assert main(["monitor", "--json", "--hours", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hours"] == 2 and report["n_live"] == 0 and report["flags"] == []
