"""`hloop suspects` and `hloop agreement`: JSON objects with the promised fields; a bad overlap is one line."""

import json

from hloop.cli import main
from tests.hloop.test_cli import cli_env, run  # noqa: F401 (the fixture)


def test_suspects_json_lists_a_planted_mistake(cli_env, capsys):  # noqa: F811
    assert run(capsys, "train")[0] == 0
    code, out, _ = run(capsys, "queue", "--n", "1", "--json")
    item = json.loads(out)[0]
    example, wrong = item["example_id"], "beta" if item["prediction"] == "alpha" else "alpha"
    assert main(["label", "--example", str(example), "--label", wrong, "--annotator", "ann"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "suspects", "--n", "5", "--json")
    items = json.loads(out)
    assert code == 0 and 0 < len(items) <= 5
    assert set(items[0]) >= {"example_id", "text", "label", "suggestion", "score", "annotator"}
    assert items == sorted(items, key=lambda i: -i["score"])
    assert example in {i["example_id"] for i in items}


def test_agreement_json_and_a_bad_overlap(cli_env, capsys, monkeypatch):  # noqa: F811
    code, out, _ = run(capsys, "agreement", "--json")
    result = json.loads(out)
    assert code == 0 and result["items"] == 0 and result["pairs"] == []
    monkeypatch.setenv("HLOOP_OVERLAP", "1.5")
    code, _, err = run(capsys, "agreement")
    assert code == 2 and "HLOOP_OVERLAP" in err and len(err.strip().splitlines()) == 1
