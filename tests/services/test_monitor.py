"""The Monitor through Services: live predictions feed the window, the report has each part, off-topic texts are
flagged, and a flag raises one ``monitor.flag`` event."""

import numpy as np
import pytest

from hloop.core import events
from hloop.services import Services
from tests.conftest import corpus_of, settings_in, tiny_texts

OFF_TOPIC = "what who when where how many name city country invented largest river recipe".split()


def off_topic(n):
    rng = np.random.default_rng(5)
    return [" ".join(rng.choice(OFF_TOPIC, size=7)) + "?" for _ in range(n)]


def test_predictions_feed_the_window_and_the_report_has_each_part(trained):
    trained.predict("match goal season coach team")
    texts, _ = tiny_texts(15, seed=3)
    trained.predict_texts(texts)
    report = trained.monitor(hours=1).to_dict()
    assert report["n_live"] == 61 and report["model_version"] == 1
    assert sum(h["count"] for h in report["per_hour"]) == 61
    assert report["confidence"][0]["version"] == 1 and sum(report["confidence"][0]["histogram"]) == 61
    assert report["label_mix"]["enough"] and sum(report["label_mix"]["live_counts"]) == 61
    assert not report["text_drift"]["enough"]  # 61 < 100 texts
    assert "versions" in report["realised"] and report["estimate"]["n"] == 61
    assert not report["flags"]


@pytest.fixture
def seeded(tmp_path):
    """v1 trained on a seed of 120 labelled rows: enough training texts for the domain classifier's reference."""
    services = Services(settings_in(tmp_path, seed_size=120), corpus=corpus_of(40))
    services.train()
    return services


def test_off_topic_texts_are_flagged_once(seeded):
    trained = seeded
    seen = []
    stop = events.subscribe(lambda e: seen.append(e) if e.name == "monitor.flag" else None)
    try:
        trained.predict_texts(off_topic(150))
        first = trained.monitor()
        second = trained.monitor()
    finally:
        stop()
    assert "text_drift" in {f["reason"] for f in first.flags}
    assert first.text_drift.auc_low > first.text_drift.threshold and first.text_drift.live_words
    assert {f["reason"] for f in second.flags} == {f["reason"] for f in first.flags}
    assert sorted(e.fields["reason"] for e in seen) == sorted(f["reason"] for f in first.flags)
    assert trained.monitor_flags() == list(second.flags)


def test_file_predictions_are_not_live_traffic(trained, tmp_path):
    texts, _ = tiny_texts(5, seed=4)
    source = tmp_path / "in.csv"
    source.write_text("text\n" + "\n".join(texts) + "\n")
    trained.predict_file(source, tmp_path / "out.csv")
    assert trained.monitor().n_live == 0 and trained.monitor_flags() == []


def test_one_prediction_gives_a_report_that_is_strict_json(trained):
    import json

    trained.predict("match goal season coach team")
    report = trained.monitor(hours=1).to_dict()
    assert report["n_live"] == 1 and report["confidence"][0]["low"] is None  # no interval from one text
    assert json.loads(json.dumps(report, allow_nan=False))["n_live"] == 1  # raises on a NaN or a numpy value
