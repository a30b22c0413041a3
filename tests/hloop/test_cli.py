"""The command line: every command works, --json is machine-readable, failures are one line and exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hloop.cli import COMMANDS, main
from tests.conftest import set_project_environment, write_tiny_dataset

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """A tiny parquet dataset and a private store/models dir, through the environment as a user sets them."""
    data = write_tiny_dataset(tmp_path / "data")
    return set_project_environment(monkeypatch, tmp_path, dataset=data, labels="alpha,beta,gamma,delta")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_loop_from_the_command_line(cli_env, capsys, tmp_path):
    code, out, _ = run(capsys, "train")
    assert code == 0 and "v1" in out and "accuracy" in out
    code, out, _ = run(capsys, "queue", "--n", "3", "--json")
    items = json.loads(out)
    assert code == 0 and len(items) == 3
    assert set(items[0]) == {"example_id", "text", "score", "prediction", "confidence"}
    assert items[0]["score"] >= items[1]["score"] >= items[2]["score"]
    for item in items:
        assert (
            run(capsys, "label", "--example", str(item["example_id"]), "--label", "gamma", "--annotator", "ana")[0] == 0
        )
    csv = tmp_path / "texts.csv"
    csv.write_text("text\nfresh imported headline\nfresh imported headline\n\n")
    code, out, _ = run(capsys, "import", str(csv))
    assert code == 0 and "1 added, 1 duplicates skipped" in out
    code, out, _ = run(capsys, "retrain", "--feedback-weight", "2.0")
    assert code == 0 and "v1" in out and "v2" in out and "change" in out
    code, out, _ = run(capsys, "status", "--json")
    cards = json.loads(out)
    assert [c["version"] for c in cards] == [1, 2] and cards[1]["current"]
    assert cards[1]["training"]["human_labels"] == 3 and cards[1]["training"]["feedback_weight"] == 2.0
    code, out, _ = run(capsys, "metrics", "--version", "1", "--json")
    card = json.loads(out)
    assert card["version"] == 1 and {"accuracy", "f1_macro", "f1_weighted", "per_class", "confusion_matrix"} <= set(
        card["metrics"]
    )
    code, out, _ = run(capsys, "metrics", "--plot", str(tmp_path / "trend.png"))
    assert code == 0 and f"wrote {tmp_path / 'trend.png'}" in out
    for name in ("trend.png", "trend-by-labels.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run(capsys, "rollback", "1")[0] == 0
    assert json.loads(run(capsys, "status", "--json")[1])[0]["current"]
    code, out, _ = run(capsys, "export", str(tmp_path / "labels.jsonl"))
    assert code == 0 and "3 labels" in out
    assert len((tmp_path / "labels.jsonl").read_text().splitlines()) == 3
    code, out, _ = run(capsys, "status")
    assert "v1" in out and "v2" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["label", "--example", "999999", "--label", "alpha"], "No example with id 999999"),
        (["label", "--example", "1", "--label", "Politics"], "Unknown label"),
        (["metrics", "--version", "9"], "No model version 9"),
        (["metrics", "--plot", "no/such/folder/trend.png"], "Cannot write the plot"),
        (["rollback", "9"], "No model version 9"),
        (["import", "missing.csv"], "No such file"),
        (["retrain"], "No new human labels"),
        (["predict", "   "], "Text is empty"),
    ],
)
def test_failures_print_one_line_and_exit_2(cli_env, capsys, argv, message):
    assert run(capsys, "train")[0] == 0
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_no_model_yet(cli_env, capsys):
    code, out, _err = run(capsys, "queue")
    assert code == 0 and "hloop train" in out
    code, _out, err = run(capsys, "predict", "some text")
    assert code == 2 and "hloop train" in err


def test_bad_setting_is_one_line(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("HLOOP_SEED_SIZE", "lots")
    code, _out, err = run(capsys, "status")
    assert code == 2 and "HLOOP_SEED_SIZE" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_every_command_has_help():
    for name in COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "hloop", name, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert COMMANDS[name].cli_help.split(" ")[0] in result.stdout


def test_hloop_is_installed_as_a_console_script():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("hloop") == "hloop.cli:main_exit"


def test_every_command_handler_ends_by_returning_its_exit_status():
    """A handler that falls off its end returns None, which the shell sees as success by accident."""
    import ast
    import inspect
    import textwrap

    for name, fn in COMMANDS.items():
        body = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0].body
        assert isinstance(body[-1], ast.Return), f"{name} does not end with a return"
