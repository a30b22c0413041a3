"""An annotator's day: labels today by them and by everyone, per annotator, their pace, and the session goal."""

from __future__ import annotations

from hloop.services import Services
from hloop.ui import queue
from tests.conftest import corpus_of, settings_in


def _label(services: Services, who: str, n: int) -> None:
    for _ in range(n):
        item = services.next_item(who)
        services.submit_label(item.example_id, item.prediction, who)


def test_progress_counts_today_per_annotator_and_the_pace(tmp_path):
    services = Services(settings_in(tmp_path, session_goal=5), corpus=corpus_of(20))
    services.train()
    _label(services, "ana", 3)
    _label(services, "bob", 1)
    services.undo("ana")  # an undone label does not count
    day = services.progress("ana")
    assert (day["today"], day["today_all"], day["goal"]) == (2, 3, 5)
    assert day["today_by_annotator"] == {"ana": 2, "bob": 1}
    assert day["per_minute"] == 0.2, "2 labels in the last 10 minutes"
    assert services.progress()["today"] == 0 and services.progress()["today_all"] == 3
    line = queue.counters_line(services, 2, "ana")
    assert "Labelled this session: **2** of 5 (40%)" in line and "Today: **2** by you, 3 in all (ana 2, bob 1)" in line
    assert "Pace: 0.2/min" in line
    assert "goal reached" in queue.counters_line(services, 5, "ana")
    assert (
        " of " not in queue.counters_line(Services(settings_in(tmp_path), corpus=corpus_of(20)), 2, "ana").split("·")[0]
    )
