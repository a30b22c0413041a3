"""The project file (hloop.toml): every command reads it, the environment wins over it, a mistake in it is one
line naming the file and the key; ``hloop init`` writes it once the dataset loads."""

import os
import tomllib

import pandas as pd
import pytest

from hloop.cli import main
from hloop.cli.project import project_file_text
from hloop.config import Settings
from hloop.core.errors import ProjectFileError
from tests.conftest import tiny_texts


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty working folder with a tiny parquet dataset (columns ``body`` and ``topic``) and no HLOOP_ variable
    set, not even the suite's HLOOP_CONFIG: the project file is ./hloop.toml, as for a user."""
    for name in [n for n in os.environ if n.startswith("HLOOP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for split, seed, n in (("train", 1, 30), ("test", 2, 10)):
        texts, labels = tiny_texts(n, seed)
        frame = pd.DataFrame({"body": texts, "topic": [f"topic{label}" for label in labels]})
        frame.to_parquet(tmp_path / "data" / f"{split}.parquet")
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_file_is_read(project):
    (project / "hloop.toml").write_text('dataset = "data"\ntext_column = "body"\nseed_size = 20\nfit_in_worker = false')
    s = Settings()
    assert (s.dataset, s.text_column, s.seed_size, s.fit_in_worker) == ("data", "body", 20, False)
    assert s.label_column == "label" and "label_column" not in s.model_fields_set  # not in the file: the default


def test_the_environment_wins_over_the_file_and_explicit_values_over_both(project, monkeypatch):
    (project / "hloop.toml").write_text('seed_size = 20\nlabels = "a,b"\n')
    monkeypatch.setenv("HLOOP_SEED_SIZE", "30")
    assert (Settings().seed_size, Settings().labels) == (30, "a,b")
    assert Settings(seed_size=40).seed_size == 40


def test_hloop_config_names_another_file(project, monkeypatch):
    (project / "elsewhere.toml").write_text('title = "Tickets"\n')
    (project / "hloop.toml").write_text('title = "Not this one"\n')
    monkeypatch.setenv("HLOOP_CONFIG", str(project / "elsewhere.toml"))
    assert Settings().title == "Tickets"
    monkeypatch.setenv("HLOOP_CONFIG", str(project / "missing.toml"))
    with pytest.raises(ProjectFileError, match="HLOOP_CONFIG names .*missing.toml, which does not exist"):
        Settings()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'datset = "data"\n', ["unknown keys", "'datset' (did you mean 'dataset'?)"]),
        (b'HLOOP_LABELS = "a,b"\n', ["unknown keys", "'HLOOP_LABELS' (did you mean 'labels'?)"]),
        (b'[hloop]\ndataset = "data"\n', ["unknown keys", "'hloop'"]),
        (b'seed_size = "lots"\n', ["bad value", "seed_size:"]),
        (b'labels = ["a", "b"]\n', ["bad value", "labels: Input should be a valid string (got ['a', 'b'])"]),
        (b"claim_minutes = 0\n", ["bad value", "claim_minutes: must be at least 0.05"]),
        (b'cors_origins = "*"\n', ["bad value", "cors_origins:"]),
        (b"dataset = \n", ["not valid TOML", "Invalid value"]),
        (b'dataset = "data\n', ["not valid TOML", "line 1"]),
        (b'dataset = "\xff"\n', ["not valid TOML"]),
    ],
)
def test_a_mistake_in_the_file_is_one_line_naming_the_file_and_the_key(project, capsys, content, expected):
    (project / "hloop.toml").write_bytes(content)
    with pytest.raises(ProjectFileError) as caught:
        Settings()
    assert "hloop.toml" in str(caught.value) and all(part in str(caught.value) for part in expected)
    code, _out, err = run(capsys, "status")
    assert code == 2 and err.count("\n") == 1 and "hloop.toml" in err and "Traceback" not in err


def test_init_writes_a_file_that_the_next_command_uses(project, capsys):
    code, out, _err = run(
        capsys, "init", "--dataset", "data", "--text-column", "body", "--label-column", "topic",
        "--database-url", "sqlite:///store.db", "--models-dir", "versions",
    )  # fmt: skip
    assert code == 0, _err
    assert "120 train texts, 4 labels (topic0, topic1, topic2, topic3)" in out and "40 texts" in out
    assert "python -m hloop train" in out
    written = tomllib.loads((project / "hloop.toml").read_text())
    assert written == {
        "dataset": "data",
        "text_column": "body",
        "label_column": "topic",
        "database_url": "sqlite:///store.db",
        "models_dir": "versions",
    }
    code, out, err = run(capsys, "train")  # no HLOOP_ variable: everything comes from the file
    assert code == 0, err
    assert "dataset data: 120 train texts" in out and (project / "versions" / "v1").is_dir()
    assert (project / "store.db").is_file() and not (project / "data" / "hloop.db").exists()
    assert [p.name for p in project.iterdir() if p.name.startswith(".hloop.toml")] == []  # no temporary left


def test_init_refuses_to_replace_a_file_without_force(project, capsys):
    (project / "hloop.toml").write_text("this is not TOML, and it is mine\n")
    code, _out, err = run(capsys, "init", "--dataset", "data", "--text-column", "body")
    assert code == 2 and "exists already; pass --force" in err and err.count("\n") == 1
    assert (project / "hloop.toml").read_text() == "this is not TOML, and it is mine\n"
    code, _out, err = run(capsys, "init", "--dataset", "data", "--text-column", "body", "--labels", "a,b", "--force")
    assert code == 0, err  # the broken file it replaces is not read; with --labels and no label column: unlabelled
    written = tomllib.loads((project / "hloop.toml").read_text())
    assert written == {"dataset": "data", "text_column": "body", "labels": "a,b"}
    assert [p.name for p in project.iterdir() if p.name.startswith(".hloop.toml")] == []  # no temporary left


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--text-column", "text"], "no text column 'text' (columns: body, topic)"),
        (["--text-column", "text"], "takes HLOOP_TEXT_COLUMN as --text-column"),
        (["--dataset", "./missing"], "'./missing' does not exist"),
        (["--text-column", "body", "--label-column", "label"], "no label column 'label' (columns: body, topic)"),
        (["--text-column", "  "], "--text-column: must not be empty"),
    ],
)
def test_init_reports_a_wrong_column_and_writes_nothing(project, capsys, argv, expected):
    code, _out, err = run(capsys, "init", "--dataset", "data", *argv)
    assert code == 2 and expected in err and "nothing was written" in err.lower() and err.count("\n") == 1
    assert not (project / "hloop.toml").exists()


def test_init_says_which_written_keys_the_environment_overrides(project, capsys, monkeypatch):
    monkeypatch.setenv("HLOOP_TEXT_COLUMN", "body")
    code, out, err = run(capsys, "init", "--dataset", "data", "--text-column", "body", "--label-column", "topic")
    assert code == 0, err
    assert "note: HLOOP_TEXT_COLUMN is set in this environment and overrides" in out and "HLOOP_DATASET" not in out


def test_init_writes_any_text_as_toml_that_reads_back_the_same():
    values = {"dataset": 'a "quoted" C:\\path', "labels": "x\x7fy,tab\there,é😀", "models_dir": "new\nline"}
    assert tomllib.loads(project_file_text(values)) == values


def test_the_suite_reads_no_project_file_in_the_working_folder(tmp_path, monkeypatch, no_project_file):
    """conftest's HLOOP_CONFIG: a developer's (even broken) hloop.toml where the tests run changes nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hloop.toml").write_text('title = "read by mistake"\n')
    assert os.environ["HLOOP_CONFIG"] == str(no_project_file)
    assert Settings().title != "read by mistake"
