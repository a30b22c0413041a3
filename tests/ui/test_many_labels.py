"""Fifty labels: keys 1-9 for the first nine, every label in searchable dropdowns, the API takes any of them."""

from __future__ import annotations

from hloop.services import Services
from tests.conftest import generated_corpus, settings_in


def _components(demo) -> dict[str, dict]:
    return {c["props"].get("elem_id"): c for c in demo.config["components"] if c["props"].get("elem_id")}


def test_fifty_labels_get_nine_keyed_buttons_and_searchable_dropdowns(tmp_path, launch):
    from gradio_client import Client

    import app

    corpus = generated_corpus(50, per_label=3)
    services = Services(settings_in(tmp_path, seed_size=100), corpus=corpus)
    services.train()
    components = _components(app.build_demo(services))
    assert [f"queue-topic-{i}" in components for i in (1, 9, 10)] == [True, True, False]
    for elem_id in ("queue-picker", "predict-topic", "correct-topic"):
        assert components[elem_id]["type"] == "dropdown" and components[elem_id]["props"]["filterable"]
        assert [c[0] for c in components[elem_id]["props"]["choices"]] == list(corpus.label_set.names)
    client = Client(launch(services), verbose=False)
    item = client.predict("ana", api_name="/next_item")
    saved = client.predict(item["example_id"], "CLASS 49", "ana", api_name="/submit_label")
    assert saved["label"] == "class 49"
    shown = client.predict("ana", "warmup_margin", 0, api_name="/ui_next_item")  # the page's event
    shown_id, _text, guess, _why, _counters, picker = shown  # (the item's State is not sent to a client)
    assert f"Item {shown_id}, yours" in guess
    guessed = guess.split("guesses **")[1].split("**")[0]
    assert picker["choices"][0][1] == guessed, "the dropdown follows the shown item, most probable label first"


def test_few_labels_keep_radio_buttons(trained):
    import app

    components = _components(app.build_demo(trained))
    assert components["predict-topic"]["type"] == "radio" and "queue-picker" not in components
    assert [f"queue-topic-{i}" in components for i in (4, 5)] == [True, False]


def test_the_queue_dropdown_lists_labels_most_probable_first(tmp_path):
    from hloop.ui.queue_lines import picker_update

    services = Services(settings_in(tmp_path, seed_size=100), corpus=generated_corpus(50, per_label=3))
    services.train()
    item = services.next_item("ana")
    choices = picker_update(services, item).choices
    _version, rows = services.probabilities([item.text])
    names = list(services.label_set.names)
    shown = [rows[0][names.index(value)] for _shown, value in choices]
    assert sorted(value for _, value in choices) == sorted(names), "every label, once"
    assert shown == sorted(shown, reverse=True) and choices[0][1] == item.prediction
    assert choices[0][0] == f"{item.prediction} · {rows[0][names.index(item.prediction)]:.0%}"
    assert [value for _, value in picker_update(services, None).choices] == names, "project order without an item"
