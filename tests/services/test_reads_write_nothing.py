"""Reads write nothing: predicting, cards, versions and the start-up check never move the current pointer or touch
a file, and a running process whose current version is damaged after it was loaded serves the newest intact one."""

from __future__ import annotations

import hashlib

import pytest

from hloop.services import Services
from tests.conftest import settings_in


def _models_folder(services: Services) -> dict[str, tuple[str, int]]:
    """Every file under the models folder: (sha256, mtime_ns)."""
    root = services.settings.models_dir
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _damage(services: Services, version: int) -> None:
    (services.settings.models_dir / f"v{version}" / "model.skops").write_bytes(b"damaged after it was loaded")


@pytest.fixture
def running(tmp_path, tiny_corpus) -> Services:
    """A process that trained v1 and v2 (both loaded and kept in memory) and serves v2."""
    services = Services(settings_in(tmp_path), corpus=tiny_corpus)
    services.train()
    item = services.next_item("ana")
    services.submit_label(item.example_id, "alpha", "ana")
    assert services.retrain().is_current
    assert services.predict("goal match coach")["model_version"] == 2
    return services


def _reads(services: Services) -> None:
    services.check_current()
    services.predict("goal match coach", record_for=None)
    services.explain("goal match coach")
    services.card()
    services.card(1)
    services.versions()
    services.current_model()
    services.queue_status()
    services.ranked_pool(n=3)


def test_a_running_process_serves_the_newest_intact_version_once_the_current_one_is_damaged(running):
    _damage(running, 2)
    before = _models_folder(running)
    assert running.predict("goal match coach")["model_version"] == 1  # not the copy of v2 kept in memory
    assert "v2 is damaged" in running.model_notice and "v1 serves instead" in running.model_notice
    _reads(running)
    assert running.project.registry.current_version() == 2  # the pointer stays: only a rollback moves it
    assert _models_folder(running) == before
    assert running.ranked_pool(n=1)[0].model_version == 1  # the queue ranks by the version that serves
    item = running.next_item("bob")
    assert running.submit_label(item.example_id, "beta", "bob").event.model_version == 1


def test_reads_of_an_intact_project_write_nothing(running):
    before = _models_folder(running)
    _reads(running)
    assert _models_folder(running) == before and running.model_notice == ""


def test_only_a_rollback_moves_the_pointer_and_a_repaired_version_serves_again(running):
    artifact = running.settings.models_dir / "v2" / "model.skops"
    good = artifact.read_bytes()
    _damage(running, 2)
    assert running.predict("goal match coach")["model_version"] == 1
    artifact.write_bytes(good)  # restored
    assert running.predict("goal match coach")["model_version"] == 2 and running.model_notice == ""
    _damage(running, 2)
    assert running.rollback(1).is_current and running.project.registry.current_version() == 1
    assert running.predict("goal match coach")["model_version"] == 1 and running.model_notice == ""
