"""A damaged current model never blocks saving labels: the newest intact version serves instead (or none), and
the reason is shown."""

from __future__ import annotations

import pytest

from hloop.core.errors import NoModelError
from hloop.services import Services
from tests.conftest import set_project_environment, settings_in


def _damage(services: Services, version: int) -> None:
    artifact = next((services.settings.models_dir / f"v{version}").glob("model.*"))
    artifact.write_bytes(b"garbage that is not a model")


@pytest.fixture
def two_versions(tmp_path, tiny_corpus):
    services = Services(settings_in(tmp_path), corpus=tiny_corpus)
    services.train()
    item = services.next_item("ana")
    services.submit_label(item.example_id, "alpha", "ana")
    services.retrain()
    return tmp_path, tiny_corpus


def test_a_damaged_current_version_falls_back_to_the_newest_intact_one(two_versions):
    folder, corpus = two_versions
    fresh = Services(settings_in(folder), corpus=corpus)  # a new process: nothing cached
    _damage(fresh, 2)
    notice = fresh.check_current()
    assert "v2 is damaged" in notice and "v1 serves instead" in notice
    assert fresh.predict("some text")["model_version"] == 1
    assert fresh.project.registry.current_version() == 2  # a read moves no pointer: only a rollback does
    item = fresh.next_item("bob")
    saved = fresh.submit_label(item.example_id, "beta", "bob")
    assert saved.event.model_version == 1


def test_with_every_version_damaged_labels_are_still_stored_with_an_unknown_guess(two_versions):
    folder, corpus = two_versions
    fresh = Services(settings_in(folder), corpus=corpus)
    _damage(fresh, 1)
    _damage(fresh, 2)
    assert "no intact version is left" in fresh.check_current()
    item = fresh.next_item("bob")  # the queue still serves, in random order
    assert item is not None and item.prediction is None
    saved = fresh.submit_label(item.example_id, "gamma", "bob")
    assert saved.event.label == "gamma" and saved.event.model_prediction is None and saved.event.model_version is None
    corrected = fresh.feedback("a brand new text", "delta", "bob")
    assert corrected.event.model_prediction is None
    relabelled = fresh.label(saved.event.example_id, "alpha", "bob")
    assert relabelled.event.label == "alpha"
    with pytest.raises(NoModelError, match="v2 is damaged"):
        fresh.predict("some text")
    v3 = fresh.retrain()
    assert v3.version == 3 and fresh.project.registry.current_version() == 3


def test_the_cli_says_so_at_start(two_versions, monkeypatch, capsys):
    from hloop.cli import main

    folder, corpus = two_versions
    _damage(Services(settings_in(folder), corpus=corpus), 2)
    monkeypatch.setattr("hloop.services.project.load_corpus", lambda spec: corpus)
    set_project_environment(monkeypatch, folder, dataset="tiny")
    assert main(["status", "--json"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: v2 is damaged") and len(err.strip().splitlines()) == 1


def test_the_versions_table_and_status_mark_the_damaged_current_version_and_the_one_that_serves(
    two_versions, monkeypatch, capsys
):
    from hloop.cli import main
    from hloop.ui.model import version_rows

    folder, corpus = two_versions
    fresh = Services(settings_in(folder), corpus=corpus)
    assert [row[-1] for row in version_rows(fresh.versions(), fresh.serving_version())] == ["✓", ""]
    _damage(fresh, 2)
    assert [row[-1] for row in version_rows(fresh.versions(), fresh.serving_version())] == [
        "✓ damaged (v1 serves)",
        "serves instead",
    ]  # newest first
    monkeypatch.setattr("hloop.services.project.load_corpus", lambda spec: corpus)
    set_project_environment(monkeypatch, folder, dataset="tiny")
    assert main(["status"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("v1 ", "v2 "))]
    assert rows[0].endswith(" serves") and rows[1].endswith(" * damaged"), rows  # oldest first


def _unusable(services: Services, version: int, damage: str) -> None:
    """Replace ``version``'s artifact with one that passes the type, shape and sha256 checks yet cannot predict."""
    import copy

    import numpy as np

    from tests.training.test_integrity import _replace_artifact, _without_term

    crafted = copy.deepcopy(services.project.registry.load(version))
    if damage == "analyzer":
        crafted.named_steps["tfidf"].set_params(analyzer=np.negative)
    else:
        _without_term(crafted)
    _replace_artifact(services.settings.models_dir, version, crafted)


@pytest.mark.parametrize("damage", ["analyzer", "vocabulary"])
def test_a_version_that_loads_but_cannot_predict_is_damaged_and_the_newest_intact_one_serves(two_versions, damage):
    folder, corpus = two_versions
    _unusable(Services(settings_in(folder), corpus=corpus), 2, damage)
    fresh = Services(settings_in(folder), corpus=corpus)  # a new process, as at the app's start
    notice = fresh.check_current()
    assert notice.startswith("v2 is damaged and was not loaded (v2: The model") and "v1 serves instead" in notice
    assert fresh.predict("some text")["model_version"] == 1
    corrected = fresh.feedback("a brand new text", "delta", "bob")
    assert corrected.event.model_prediction is not None
    item = fresh.next_item("bob")
    assert fresh.submit_label(item.example_id, "beta", "bob").event.model_version == 1


def test_health_and_the_version_routes_name_the_version_that_serves(two_versions):
    import asyncio

    import gradio as gr
    import httpx

    from hloop.ui.web import web_app

    folder, corpus = two_versions
    fresh = Services(settings_in(folder), corpus=corpus)
    _damage(fresh, 2)
    app = web_app(gr.Blocks(), fresh.settings, fresh)

    async def get(path: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            return await http.get(path)

    health, version = asyncio.run(get("/health")), asyncio.run(get("/api/model/version"))
    assert health.status_code == 200 and health.json()["model_version"] == 1, "v1 answers predictions, not v2"
    assert "v2 is damaged" in health.json()["notice"]
    assert version.json()["version"] == 1 and "v1 serves instead" in version.json()["notice"]
