"""`hloop predict --file F --out O`: every row of a file predicted, a summary line or JSON; `hloop export-model N DIR`;
bad calls exit 2."""

from __future__ import annotations

import csv
import json

import pytest

from tests.hloop.test_cli import cli_env, run  # noqa: F401 (cli_env: the fixture every test here uses)

pytestmark = pytest.mark.usefixtures("cli_env")


def test_predict_a_file_then_read_its_report(tmp_path, capsys):
    assert run(capsys, "train")[0] == 0
    source, out = tmp_path / "texts.csv", tmp_path / "predictions.csv"
    source.write_text("body,id\nthe coach said the team won the match,1\n,2\n", encoding="utf-8")
    code, printed, _ = run(capsys, "predict", "--file", str(source), "--out", str(out), "--text-column", "body")
    assert code == 0 and printed.startswith(f"2 rows by v1 into {out}: 1 predicted, 1 without a usable text")
    assert "row 3: Text is empty" in printed
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["predicted_label"] in ("alpha", "beta", "gamma", "delta")
    code, printed, _ = run(capsys, "predict", "--file", str(source), "--out", str(tmp_path / "p.jsonl"),
                           "--text-column", "body", "--json")  # fmt: skip
    report = json.loads(printed)
    assert code == 0 and report["rows"] == 2 and report["model_version"] == 1 and report["rejections"][0]["row"] == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict"], "Give a text, or --file FILE --out FILE"),
        (["predict", "some text", "--file", "x.csv"], "Give a text, or --file FILE --out FILE"),
        (["predict", "--file", "x.csv"], "--file needs --out FILE"),
        (["predict", "--file", "missing.csv", "--out", "o.csv"], "No such file"),
    ],
)
def test_bad_calls_say_what_to_do(capsys, argv, message):
    assert run(capsys, "train")[0] == 0
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_export_model_writes_a_folder_and_refuses_a_full_one(tmp_path, capsys):
    assert run(capsys, "train")[0] == 0
    code, printed, _ = run(capsys, "export-model", "0", str(tmp_path / "exported"))
    assert code == 0 and printed.startswith(f"v1 (tfidf-lr) exported to {tmp_path / 'exported'}:")
    assert "pip install -r" in printed and (tmp_path / "exported" / "predict.py").is_file()
    code, _, err = run(capsys, "export-model", "1", str(tmp_path / "exported"))
    assert code == 2 and "is not an empty folder" in err
    code, _, err = run(capsys, "export-model", "5", str(tmp_path / "other"), "--json")
    assert code == 2 and "5" in err and not (tmp_path / "other").exists()
