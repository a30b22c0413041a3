"""Locks guard state, not work: while one request waits for a model load (the first after a new version, a file
read again), another user's label is stored."""

from __future__ import annotations

import threading

import pytest

from hloop.core.records import LabelResult

SLOW = "hloop-test-slow-load"


@pytest.fixture
def held_load(trained, monkeypatch):
    """Model loads in the thread named ``SLOW`` wait until the test releases them; others run as usual."""
    release, inside = threading.Event(), threading.Event()
    load = trained.project.registry.load

    def slow_load(version):
        if threading.current_thread().name == SLOW:
            inside.set()
            release.wait(20)
        return load(version)

    monkeypatch.setattr(trained.project.registry, "load", slow_load)
    yield inside, release
    release.set()


@pytest.mark.parametrize("slow_request", ["a correction", "a relabel", "a queue submit"])
def test_a_queue_submit_is_stored_while_another_request_waits_for_a_model_load(trained, held_load, slow_request):
    inside, release = held_load
    mine, theirs = trained.next_item("ana"), trained.next_item("bob")
    slow = {
        "a correction": lambda: trained.feedback("a brand new story about rockets", "delta", "bob"),
        "a relabel": lambda: trained.label(theirs.example_id, "gamma", "bob"),
        "a queue submit": lambda: trained.submit_label(theirs.example_id, "gamma", "bob"),
    }[slow_request]
    slow_results: list[LabelResult] = []
    waiting = threading.Thread(target=lambda: slow_results.append(slow()), name=SLOW, daemon=True)
    waiting.start()
    assert inside.wait(10), "the slow request never loaded a model"
    stored: list[LabelResult] = []
    other = threading.Thread(target=lambda: stored.append(trained.submit_label(mine.example_id, "alpha", "ana")))
    other.start()
    other.join(timeout=5)
    blocked = other.is_alive()
    release.set()
    waiting.join(20)
    other.join(20)
    assert not blocked, f"ana's submit waited for {slow_request}'s model load"
    assert stored[0].event.label == "alpha" and stored[0].event.model_version == 1
    assert slow_results and slow_results[0].event.model_version == 1  # the slow request got the model's guess too
