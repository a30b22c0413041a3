"""Eight annotators labelling through the API at once: every label lands once, nobody sees an item twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client

from hloop.services import Services
from tests.conftest import TINY_LABELS, corpus_of, settings_in

pytestmark = pytest.mark.slow  # end to end, several processes or a browser: `pytest --slow` and CI

ANNOTATORS = 8
ITEMS_EACH = 25


def label_items(url: str, annotator: str) -> list[int]:
    client = Client(url, verbose=False)
    done = []
    for i in range(ITEMS_EACH):
        item = client.predict(annotator, api_name="/next_item")
        assert item is not None, f"{annotator} found the queue empty after {i} items"
        client.predict(item["example_id"], TINY_LABELS.names[i % len(TINY_LABELS)], annotator, api_name="/submit_label")
        done.append(item["example_id"])
    return done


def test_eight_annotators_label_200_distinct_items(launch, tmp_path):
    services = Services(settings_in(tmp_path, dev_share=0.05), corpus=corpus_of(60))  # a pool of 220 - 12 dev
    services.train()
    url = launch(services)
    with ThreadPoolExecutor(ANNOTATORS) as pool:
        results = list(pool.map(lambda n: label_items(url, f"annotator-{n}"), range(ANNOTATORS)))

    labelled = [example_id for ids in results for example_id in ids]
    assert len(labelled) == ANNOTATORS * ITEMS_EACH
    assert len(set(labelled)) == len(labelled), "an item was labelled twice through the queue"
    assert services.counters()["labels_total"] == ANNOTATORS * ITEMS_EACH
    queue_labels = [e for e in services.history(limit=1000) if e.source == "queue"]
    assert sorted(e.example_id for e in queue_labels) == sorted(labelled)
