"""Overlap: a queue item labelled once is offered to a second annotator; kappa, consensus and live quality."""

from __future__ import annotations

from hloop.services import Services
from tests.conftest import corpus_of, settings_in


def _overlap_services(tmp_path, share: float) -> Services:
    services = Services(settings_in(tmp_path, overlap=share), corpus=corpus_of(30))
    services.train()
    return services


def test_second_annotator_gets_the_item_once(tmp_path):
    services = _overlap_services(tmp_path, 1.0)
    first = services.next_item("ann")
    services.submit_label(first.example_id, "alpha", "ann")
    second = services.next_item("bob")
    assert second.example_id == first.example_id
    stored = services.submit_label(second.example_id, "beta", "bob")
    assert stored.event.source == "overlap"
    assert services.next_item("ann").example_id != first.example_id
    assert services.next_item("cid").example_id != first.example_id  # two labels are enough


def test_no_overlap_by_default(tmp_path):
    services = _overlap_services(tmp_path, 0.0)
    first = services.next_item("ann")
    services.submit_label(first.example_id, "alpha", "ann")
    assert services.next_item("bob").example_id != first.example_id


def test_kappa_consensus_and_disagreements_join_review(tmp_path):
    services = _overlap_services(tmp_path, 1.0)
    given = [("alpha", "alpha"), ("beta", "beta"), ("gamma", "delta"), ("delta", "delta")]
    disagreed = None
    for a, b in given:
        item = services.next_item("ann")
        services.submit_label(item.example_id, a, "ann")
        again = services.next_item("bob")
        assert again.example_id == item.example_id
        services.submit_label(item.example_id, b, "bob")
        disagreed = item.example_id if a != b else disagreed
    result = services.agreement()
    assert result["items"] == 4
    pair = result["pairs"][0]
    assert pair["annotators"] == "ann / bob" and pair["agreement"] == 0.75 and 0 < pair["kappa"] < 1
    assert {a["annotator"]: a["items"] for a in result["annotators"]} == {"ann": 3, "bob": 3}  # a tie: no consensus
    top = services.suspects(n=3)[0]
    assert top["example_id"] == disagreed and top["reason"] == "disagreement"
    services.relabel(disagreed, "delta", "rita")  # the reviewer breaks the tie
    by_name = {a["annotator"]: a["agreement_with_consensus"] for a in services.agreement()["annotators"]}
    assert by_name["ann"] == 0.75 and by_name["bob"] == 1.0
    assert disagreed not in {s["example_id"] for s in services.suspects(n=50)}


def test_live_quality_compares_fresh_labels_with_the_model(tmp_path):
    services = _overlap_services(tmp_path, 0.0)
    for who in ("ann", "ann", "bob"):
        item = services.next_item(who)
        wrong = next(n for n in services.label_set.names if n != item.prediction)
        services.submit_label(item.example_id, item.prediction if who == "ann" else wrong, who)
    quality = services.live_quality()
    assert quality["current"] == 1
    assert quality["versions"][0]["labels"] == 3
    by_name = {a["annotator"]: a for a in quality["annotators"]}
    assert by_name["ann"]["agreement"] == 1.0 and by_name["bob"]["agreement"] == 0.0
    assert quality["annotators_version"] == 1

    services.retrain()  # v2 has no fresh labels yet: the per-annotator rows stay v1's, and say so
    after = services.live_quality()
    assert after["current"] == 2 and after["versions"][1]["labels"] == 0
    assert after["annotators_version"] == 1 and after["annotators"] == quality["annotators"]
