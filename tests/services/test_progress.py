"""An annotator's day: labels today by them and by everyone, per annotator, their pace, and the session goal."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from hloop.services import Services
from hloop.ui import queue_lines
from labeling.tables import Label, utcnow
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
    assert day["per_minute"] == 2.0, "2 labels within the first minute: the pace counts from the first label"
    assert services.progress()["today"] == 0 and services.progress()["today_all"] == 3
    line = queue_lines.counters_line(services, 2, "ana")
    assert "Labelled this session: **2** of 5 (40%)" in line and "Today: **2** by you, 3 in all (ana 2, bob 1)" in line
    assert "Pace: 2/min" in line
    assert "goal reached" in queue_lines.counters_line(services, 5, "ana")
    no_goal = Services(settings_in(tmp_path), corpus=corpus_of(20))
    assert " of " not in queue_lines.counters_line(no_goal, 2, "ana").split("·")[0]


def test_the_pace_counts_the_minutes_since_the_first_label_in_the_last_ten(tmp_path):
    services = Services(settings_in(tmp_path), corpus=corpus_of(20))
    services.train()
    _label(services, "ana", 3)
    with services.project.session() as session:  # ana's first label was 4 minutes ago, one 20 minutes ago
        rows = session.exec(select(Label).where(Label.annotator == "ana").order_by(Label.id)).all()
        rows[0].created_at = utcnow() - timedelta(minutes=20)
        rows[1].created_at = utcnow() - timedelta(minutes=4)
        session.add_all(rows[:2])
        session.commit()
    assert services.progress("ana")["per_minute"] == 0.5, "2 labels in the 4 minutes since the first in the window"
    assert services.progress("bob")["per_minute"] == 0.0
