"""A new version's pool scores are computed in the background, in chunks; the queue serves the previous ranking
until they are ready, then switches whole; no item is offered twice across the switch."""

from __future__ import annotations

import multiprocessing
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hloop.services import Services
from tests.conftest import corpus_of, settings_in


class GatedServices(Services):
    """Services whose pool's chunk scorer waits for a gate: the test decides when background scoring may go on."""

    pause: threading.Event | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scorer = self.pool.chunk_scorer  # the seam a remote backend replaces, replaced here by a gated one

        def gated_scorer(version):
            score, gate = scorer(version), self.pause

            def gated(texts):
                if gate is not None:
                    assert gate.wait(30), "the test never opened the gate"
                return score(texts)

            return None if score is None else gated

        self.pool.chunk_scorer = gated_scorer


def _label(services: Services, n: int, who: str = "ana") -> list[int]:
    done = []
    for _ in range(n):
        item = services.next_item(who)
        services.submit_label(item.example_id, item.prediction, who)
        done.append(item.example_id)
    return done


@pytest.mark.slow
def test_background_scores_rank_like_a_full_scoring_of_the_same_version(tmp_path):
    corpus = corpus_of(30)
    chunked = Services(settings_in(tmp_path, scoring_chunk_rows=7, inline_scoring_rows=0), corpus=corpus)
    chunked.train()
    _label(chunked, 5)
    assert chunked.retrain().version == 2
    chunked.next_item("bob")  # starts v2's scoring in the background
    background = chunked.ranked_pool(n=None)
    whole = Services(settings_in(tmp_path), corpus=corpus).ranked_pool(n=None)  # a new process: one full scoring
    assert [i.example_id for i in background] == [i.example_id for i in whole]
    assert np.allclose([i.score for i in background], [i.score for i in whole])
    assert {i.model_version for i in background} == {2}
    assert chunked.queue_status()["message"] == "ranking by v2"


@pytest.mark.slow
def test_the_scoring_worker_is_kept_for_the_next_version_and_ends_with_the_app(tmp_path):
    settings = settings_in(tmp_path, scoring_chunk_rows=7, inline_scoring_rows=0, fit_in_worker=False)
    services = Services(settings, corpus=corpus_of(30))
    services.train()
    services.wait_for_scoring()  # v1's ranking, scored in a worker process
    kept = {child.pid for child in multiprocessing.active_children()}
    assert len(kept) == settings.scoring_processes, "the worker is kept after its job"
    _label(services, 5)
    assert services.retrain().version == 2
    services.next_item("bob")
    assert services.wait_for_scoring().version == 2
    assert {child.pid for child in multiprocessing.active_children()} == kept, "v2 scored by the same worker"
    services.end_workers()
    deadline = time.monotonic() + 20
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not multiprocessing.active_children(), "the kept worker ends with the app"


def test_the_queue_serves_the_old_ranking_while_the_new_version_scores(tmp_path):
    services = GatedServices(
        settings_in(tmp_path, scoring_chunk_rows=10, inline_scoring_rows=0, scoring_processes=0), corpus=corpus_of(30)
    )
    services.train()
    first = services.ranked_pool(n=4)
    labelled = _label(services, 3)
    services.pause = threading.Event()
    assert services.retrain().version == 2
    item = services.next_item("bob")  # served at once, while v2's scoring waits at the gate
    status = services.queue_status()
    assert status["ranking_version"] == 1 and status["scoring_version"] == 2
    assert status["message"].startswith("ranking by v1; v2 scoring")
    assert item.model_version == 2 and item.prediction is not None, "shown with the new model's guess"
    assert item.example_id not in labelled
    assert item.example_id == first[3].example_id, "the next item of v1's ranking"
    services.pause.set()
    services.wait_for_scoring()
    assert services.queue_status()["ranking_version"] == 2
    assert services.next_item("bob").example_id == item.example_id, "a held claim survives the switch"


OPS = st.lists(st.sampled_from(["label", "label", "skip", "import", "retrain"]), min_size=4, max_size=14)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, gated=st.booleans())
def test_no_item_is_offered_twice_across_version_switches(tmp_path_factory, ops, gated):
    folder = tmp_path_factory.mktemp("switch")
    services = GatedServices(
        settings_in(folder, scoring_chunk_rows=6, inline_scoring_rows=0, scoring_processes=0), corpus=corpus_of(12)
    )
    services.train()
    labelled: set[int] = set()
    held: dict[int, str] = {}  # item -> annotator holding it
    for step, op in enumerate(ops):
        who = ("ana", "bob")[step % 2]
        if op == "retrain" and labelled:
            services.pause = threading.Event() if gated else None
            services.retrain(force=True)
        elif op == "import":
            path = folder / f"in{step}.csv"
            path.write_text("text\n" + "\n".join(f"imported coach goal story {step} {k}" for k in range(8)) + "\n")
            services.import_texts(path)
        item = services.next_item(who)
        if item is None:
            continue
        assert item.example_id not in labelled, "a labelled item was offered again"
        assert held.get(item.example_id, who) == who, "an item held by another annotator was offered"
        if op == "skip":
            services.skip(item.example_id, who)
            held.pop(item.example_id, None)
        else:
            services.submit_label(item.example_id, item.prediction or "alpha", who)
            labelled.add(item.example_id)
            held.pop(item.example_id, None)
        if services.pause is not None and step % 3 == 0:
            services.pause.set()
    if services.pause is not None:
        services.pause.set()
    services.wait_for_scoring()
    rest = {i.example_id for i in services.ranked_pool(n=None)}
    assert not rest & labelled
