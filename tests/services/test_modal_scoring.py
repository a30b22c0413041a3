"""``HLOOP_COMPUTE=modal``: the pool is scored in chunks on Modal and ranks exactly as local scoring."""

from __future__ import annotations

import modal

from hloop.services import Services
from tests.conftest import settings_in
from training import modal_app


class DeployedHere:
    """A stand-in for the deployed ``hloop`` app: calls run its functions through ``.local()``."""

    chunks = 0

    def __init__(self, app_name: str, name: str) -> None:
        self.function = getattr(modal_app, name)

    def remote(self, *args, **kwargs):
        return self.function.local(*args, **kwargs)

    def starmap(self, calls):
        calls = list(calls)
        DeployedHere.chunks += len(calls) if self.function is modal_app.score else 0
        return [self.function.local(*args) for args in calls]


def test_pool_scores_from_modal_chunks_equal_local_ones(tmp_path, tiny_corpus, monkeypatch):
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-test")
    monkeypatch.setattr(modal.Function, "from_name", DeployedHere)
    local = Services(settings_in(tmp_path / "local"), corpus=tiny_corpus)
    local.train()
    remote = Services(settings_in(tmp_path / "remote", compute="modal", compute_chunk=7), corpus=tiny_corpus)
    card = remote.train()
    assert card.compute == "modal"
    ranked = [(i.example_id, round(i.score, 9), i.prediction) for i in remote.ranked_pool(n=None)]
    expected = [(i.example_id, round(i.score, 9), i.prediction) for i in local.ranked_pool(n=None)]
    assert ranked == expected and DeployedHere.chunks >= len(ranked) // 7
