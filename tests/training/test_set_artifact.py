"""Multi-label model files (skops): every family saves and loads to the same probabilities and thresholds; a file
with an untrusted type, another project's labels, bad thresholds or another kind of model is refused."""

import numpy as np
import pytest
import skops.io as sio

from hloop.core.errors import ModelIntegrityError
from tests.training.test_multilabel import _corpus
from training import set_artifact
from training.multilabel import fit_multilabel_family
from training.set_artifact import SetModel

LABELS = ("billing", "bug", "ui")


def _model(family: str = "tfidf-lr") -> SetModel:
    texts, y = _corpus()
    embeddings = "none" if family in ("tfidf-lr", "tfidf-cnb") else "wordllama"
    pipeline = fit_multilabel_family(family, texts, y, embeddings=embeddings)
    return SetModel(family, pipeline, np.array([0.4, 0.5, 0.625]), LABELS)


@pytest.mark.parametrize("family", ["tfidf-lr", "tfidf-cnb", "embed-lr", "hybrid", "ensemble"])
def test_every_family_loads_back_to_the_same_probabilities(family):
    model = _model(family)
    back = set_artifact.loads(set_artifact.dumps(model), labels=LABELS)
    texts = ["refund the charge", "crash on the layout page", "", "ünïcode ticket"]
    assert back.family == family and back.labels == LABELS
    np.testing.assert_array_equal(back.thresholds, model.thresholds)
    np.testing.assert_allclose(back.pipeline.predict_proba(texts), model.pipeline.predict_proba(texts), atol=1e-12)


def test_another_projects_labels_and_bad_thresholds_are_refused():
    data = set_artifact.dumps(_model())
    with pytest.raises(ModelIntegrityError, match="trained for the labels billing, bug, ui, not this project"):
        set_artifact.loads(data, labels=("a", "b", "c"))
    bad = _model()
    data = set_artifact.dumps(SetModel(bad.family, bad.pipeline, np.array([0.5, 1.5, 0.5]), LABELS))
    with pytest.raises(ModelIntegrityError, match="thresholds are not one per label"):
        set_artifact.loads(data)


class _Mine:
    """A class of the test's own: skops never trusts it."""


def test_an_untrusted_type_or_another_kind_of_file_is_refused():
    with pytest.raises(ModelIntegrityError, match="does not trust"):
        set_artifact.loads(sio.dumps({"kind": "label-sets", "x": _Mine()}))
    with pytest.raises(ModelIntegrityError, match="not hold a multi-label model"):
        set_artifact.loads(sio.dumps({"family": "tfidf-lr"}))
    with pytest.raises(ModelIntegrityError, match="not hold a multi-label model"):
        set_artifact.loads(sio.dumps({"kind": "label-sets", "family": "tfidf-lr"}))
    with pytest.raises(ModelIntegrityError, match="Not a skops model file"):
        set_artifact.loads(b"not a zip")
