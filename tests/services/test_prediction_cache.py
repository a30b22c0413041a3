"""The queue explains an item and then stores the model's guess with its label: one run of the model, not two;
a new version's probabilities are its own."""

from __future__ import annotations

import numpy as np

from hloop.services import predictions


def test_explaining_then_labelling_runs_the_model_once_per_version(trained, monkeypatch):
    runs = []
    real = predictions.full_probabilities

    def counted(model, texts, n_labels):
        runs.append(list(texts))
        return real(model, texts, n_labels)

    monkeypatch.setattr(predictions, "full_probabilities", counted)
    item = trained.next_item("ana")
    runs.clear()
    why = trained.explain(item.text, top=5)
    saved = trained.submit_label(item.example_id, item.prediction, "ana")
    assert len(runs) == 1, "the guess stored with the label reuses the explanation's probabilities"
    assert saved.event.model_prediction == why["label"] and saved.event.model_version == 1

    trained.retrain()
    assert trained.current_version() == 2
    runs.clear()
    version, row = trained.predictions.probabilities_of(item.text)
    assert version == 2 and len(runs) == 1, "another version runs its own model"
    _v, fresh = trained.probabilities([item.text])
    np.testing.assert_allclose(row, fresh[0])
