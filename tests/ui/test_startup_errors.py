"""`python app.py`: every start-up failure the project knows prints one line (no traceback) and exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # end to end, several processes or a browser: `pytest --slow` and CI

ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HLOOP_")}
    base |= {"HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "HLOOP_MODELS_DIR": str(tmp_path / "m")}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def tickets(tmp_path) -> Path:
    path = tmp_path / "tickets.csv"
    pd.DataFrame({"text": [f"ticket {i}" for i in range(20)], "label": ["a", "b"] * 10}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HLOOP_CLAIM_MINUTES": "0"}, "HLOOP_CLAIM_MINUTES"),
        ({"HLOOP_LOG_FORMAT": "xml"}, "HLOOP_LOG_FORMAT must be one of json, text; got 'xml'"),
        ({"HLOOP_DATASET": "/nowhere/data.csv"}, "does not exist"),
        ({"HLOOP_AUTH": "ana"}, "not user:password"),
        ({"HLOOP_TEXT_COLUMN": "body"}, "no text column 'body'"),
        ({"HLOOP_DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"}, "unreachable"),
        ({"HLOOP_LABEL_DESCRIPTIONS": "/nowhere/labels.yaml"}, "HLOOP_LABEL_DESCRIPTIONS) /nowhere/labels.yaml does"),
        ({"HLOOP_GUIDELINES": "/nowhere/guide.md"}, "HLOOP_GUIDELINES) /nowhere/guide.md does not exist"),
    ],
)
def test_known_start_failures_are_one_line_and_exit_2(tmp_path, tickets, env, message):
    result = _start(tmp_path, **{"HLOOP_DATASET": str(tickets), **env})
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr and message in lines[0], result.stderr[-2000:]


def test_a_store_made_for_other_labels_stops_the_start(tmp_path, tickets):
    from hloop.services import Services
    from tests.conftest import settings_in

    Services(
        settings_in(tmp_path, dataset=str(tickets), database_url=f"sqlite:///{tmp_path / 'store.db'}")
    ).ensure_store()
    result = _start(tmp_path, HLOOP_DATASET=str(tickets), HLOOP_LABELS="a,b,c")
    assert result.returncode == 2 and "made for the labels [a, b]" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _broken_start_cases(tmp_path: Path) -> dict[str, tuple[dict[str, str], str]]:
    (tmp_path / "text.db").write_text("not a database, only text\n" * 300)
    (tmp_path / "models-file").write_text("a file where the models folder belongs")
    return {
        "not sqlite": ({"HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'text.db'}"}, "not a SQLite database"),
        "models is a file": ({"HLOOP_MODELS_DIR": str(tmp_path / "models-file")}, "is a file, not a folder"),
        "driver missing": ({"HLOOP_DATABASE_URL": "mysql+pymysql://u:p@127.0.0.1/db"}, "driver"),
        "unparsable url": ({"HLOOP_DATABASE_URL": "not a url at all"}, "not a database URL"),
        "unknown dialect": ({"HLOOP_DATABASE_URL": "nosuchdb://u@h/db"}, "not a database URL"),
        "folder for the store is a file": (
            {"HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'models-file' / 'store.db'}"},
            "cannot be created",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not sqlite",
        "models is a file",
        "driver missing",
        "unparsable url",
        "unknown dialect",
        "folder for the store is a file",
    ],
)
def test_broken_stores_and_folders_stop_app_and_cli_with_one_line(tmp_path, tickets, monkeypatch, capsys, case):
    from hloop.cli import main as cli_main
    from hloop.ui.web import main as app_main

    env, message = _broken_start_cases(tmp_path)[case]
    for name in [n for n in os.environ if n.startswith("HLOOP_")]:
        monkeypatch.delenv(name)
    base = {"HLOOP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "HLOOP_MODELS_DIR": str(tmp_path / "m")}
    for name, value in {**base, "HLOOP_DATASET": str(tickets), "HLOOP_FIT_IN_WORKER": "0", **env}.items():
        monkeypatch.setenv(name, value)
    for run in (app_main, lambda: cli_main(["export", str(tmp_path / "out.csv")])):
        assert run() == 2
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
        assert "Try again" not in err


def test_with_json_logs_a_start_failure_is_one_json_line(tmp_path, tickets):
    import json

    result = _start(tmp_path, HLOOP_DATASET=str(tickets), HLOOP_CLAIM_MINUTES="0", HLOOP_LOG_FORMAT="json")
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = [json.loads(line) for line in result.stderr.strip().splitlines()]
    assert line["event"] == "app.failed" and line["level"] == "ERROR" and "HLOOP_CLAIM_MINUTES" in line["message"]
