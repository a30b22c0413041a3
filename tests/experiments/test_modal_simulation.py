"""``simulate --compute modal``: one call per strategy x repeat on the deployed app, the same numbers as local."""

from __future__ import annotations

from dataclasses import replace

import modal
import pytest

from hloop.core.errors import ComputeUnavailableError
from hloop.experiments import SimulationConfig, modal_app, simulate

CONFIG = SimulationConfig(strategies=("random", "margin"), repeats=2, seed_size=12, batch=10, budget=30, workers=1)


class DeployedHere:
    """A stand-in for the deployed ``hloop-simulation`` app: calls run its function through ``.local()``."""

    calls: list = []

    def __init__(self, app_name: str, name: str) -> None:
        assert app_name == modal_app.APP_NAME
        self.function = getattr(modal_app, name)

    def starmap(self, calls):
        DeployedHere.calls = list(calls)
        return [self.function.local(*args) for args in calls]


def test_runs_fan_out_one_call_per_strategy_and_repeat_with_local_numbers(tiny_corpus, monkeypatch):
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-test")
    monkeypatch.setattr(modal.Function, "from_name", DeployedHere)
    local = simulate(tiny_corpus, CONFIG)
    remote = simulate(tiny_corpus, replace(CONFIG, compute="modal"))
    assert [task for _job, task in DeployedHere.calls] == [("random", 0), ("random", 1), ("margin", 0), ("margin", 1)]
    strip = lambda run: [{k: v for k, v in c.items() if k != "seconds"} for c in run["checkpoints"]]  # noqa: E731
    assert strip(remote) == strip(local) and remote["config"]["compute"] == "modal"


def test_without_credentials_it_says_what_to_do(tiny_corpus, monkeypatch):
    for name in ("MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "MODAL_OAUTH_REFRESH_TOKEN"):
        monkeypatch.setenv(name, "")
    with pytest.raises(ComputeUnavailableError, match="modal token new"):
        simulate(tiny_corpus, replace(CONFIG, compute="modal"))
