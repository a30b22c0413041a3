"""Any label count goes through the loop; a store or model made for another label set is refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hloop.core.errors import InvalidInputError, StoreMismatchError
from hloop.core.labels import LabelSet
from hloop.data.corpus import Corpus
from hloop.services import Services
from tests.conftest import generated_corpus, settings_in


@given(n_labels=st.integers(2, 50))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_label_count_goes_through_train_queue_retrain_and_metrics(tmp_path_factory, n_labels):
    corpus = generated_corpus(n_labels, per_label=4)
    folder = tmp_path_factory.mktemp(f"labels{n_labels}")
    services = Services(settings_in(folder, seed_size=2 * n_labels), corpus=corpus)
    v1 = services.train()
    assert list(v1.labels) == list(corpus.label_set.names) and len(v1.metrics.per_class) == n_labels
    assert len(v1.metrics.confusion_matrix.matrix) == n_labels
    item = services.next_item("ana")
    assert item.prediction in corpus.label_set.names
    last = corpus.label_set.names[-1]
    saved = services.submit_label(item.example_id, last.upper(), "ana")  # by name, any case
    assert saved.event.label == last
    by_number = services.next_item("ana")
    assert services.submit_label(by_number.example_id, n_labels - 1, "ana").event.label == last
    v2 = services.retrain()
    assert v2.training.human_labels == 2 and len(v2.training.class_counts) == n_labels
    assert services.predict("some text")["confidences"].keys() == set(corpus.label_set.names)
    with pytest.raises(InvalidInputError, match="Unknown label"):
        services.label(item.example_id, "no such label", "ana")


def _relabelled(corpus: Corpus, names: tuple[str, ...]) -> Corpus:
    return Corpus(
        corpus.train_texts, corpus.train_labels, corpus.eval_texts, corpus.eval_labels, LabelSet(names), corpus.source
    )


OTHER_LABELS = [
    ("north", "east", "south", "west"),
    ("beta", "alpha", "gamma", "delta"),  # the same names in another order: label 0 would mean another label
    ("alpha", "beta", "delta", "gamma"),
]


@pytest.mark.parametrize("names", OTHER_LABELS)
def test_a_store_made_for_other_labels_is_refused(tmp_path, tiny_corpus, names):
    Services(settings_in(tmp_path), corpus=tiny_corpus).train()
    other = _relabelled(tiny_corpus, names)
    services = Services(settings_in(tmp_path), corpus=other)
    with pytest.raises(StoreMismatchError, match=r"made for the labels \[alpha, beta, gamma, delta\]"):
        services.ensure_store()


@pytest.mark.parametrize("names", OTHER_LABELS)
def test_a_model_made_for_other_labels_is_refused(tmp_path, tiny_corpus, names):
    Services(settings_in(tmp_path), corpus=tiny_corpus).train()
    other = _relabelled(tiny_corpus, names)
    fresh_store = settings_in(tmp_path, database_url=f"sqlite:///{tmp_path / 'other.db'}")
    services = Services(fresh_store, corpus=other)
    with pytest.raises(StoreMismatchError, match="v1 was trained for the labels"):
        services.predict("some text")
    with pytest.raises(StoreMismatchError, match="v1 was trained for the labels"):
        services.rollback(1)
    item = services.next_item("ana")  # the queue serves without it: in random order, with no model's guess
    assert item.prediction is None and item.model_version is None
