"""Model export: a version as a folder whose predict.py gives the app's probabilities without HumanLoopML.

The quick tests run predict.py with this environment's libraries but without its site hooks (``python -S``), so
the project's editable install is not importable: only the folder's own files are. The slow test makes a fresh
virtual environment with nothing but the folder's requirements.txt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError, NoModelError
from hloop.services import Services
from tests.conftest import corpus_of, settings_in, tiny_texts

TEXTS = tiny_texts(25, seed=9)[0]  # 100 texts the model never saw


def run_predict(python: list[str], folder: Path, texts: list[str], env: dict | None = None) -> list[dict]:
    listing = folder.parent / f"{folder.name}-texts.txt"
    listing.write_text("\n".join(texts) + "\n", encoding="utf-8")
    done = subprocess.run(
        [*python, str(folder / "predict.py"), "--json", "--file", str(listing)],
        capture_output=True, text=True, timeout=300, env=env, cwd=folder.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def without_the_project() -> tuple[list[str], dict]:
    """This interpreter with its libraries on PYTHONPATH but no site hooks: the editable install is not read."""
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    return [sys.executable, "-S"], env


def check_same(services: Services, rows: list[dict]) -> None:
    version, expected = services.probabilities(TEXTS)
    names = services.label_set.names
    got = np.array([[row["probabilities"][n] for n in names] for row in rows])
    assert [row["text"] for row in rows] == TEXTS and {row["model_version"] for row in rows} == {version}
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("family", ["tfidf-lr", "tfidf-cnb", "embed-lr", "ensemble"])
def test_the_exported_folder_predicts_as_the_app_does(tmp_path, family):
    services = Services(settings_in(tmp_path, model=family), corpus=corpus_of(20))
    services.train()
    report = services.export_model(None, tmp_path / "export")
    folder = Path(report["folder"])
    assert {"model.skops", "card.json", "trusted_types.txt", "requirements.txt", "predict.py"} <= set(report["files"])
    assert report["family"] == family and report["version"] == 1
    embeds = family in ("embed-lr", "ensemble")
    assert any(r.startswith("wordllama==") for r in report["requirements"]) == embeds
    python, env = without_the_project()
    check_same(services, run_predict(python, folder, TEXTS, env=env))


def test_a_folder_with_files_is_never_overwritten(trained, tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    with pytest.raises(InvalidInputError, match="not an empty folder"):
        trained.export_model(1, target)
    assert [p.name for p in target.iterdir()] == ["mine.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".taken-")] == []


@pytest.mark.slow
def test_a_fresh_environment_with_only_the_requirements_runs_it(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(20))
    services.train()
    folder = Path(services.export_model(1, tmp_path / "export")["folder"])
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r"]
    installed = subprocess.run([*pip, str(folder / "requirements.txt")], capture_output=True, text=True, timeout=900)
    if installed.returncode != 0 and "No matching distribution" in installed.stderr:
        pytest.skip(f"the package index does not have these versions: {installed.stderr.strip()[-300:]}")
    assert installed.returncode == 0, installed.stderr
    check_same(services, run_predict([str(python)], folder, TEXTS))


def test_before_v1_there_is_nothing_to_export(services, tmp_path):
    for export in (
        lambda: services.export_model(None, tmp_path / "x"),
        lambda: services.export_model_archive(None, tmp_path / "x.zip"),
    ):
        with pytest.raises(NoModelError, match="train v1 first"):
            export()
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.zip").exists()
