import pytest

from tests.conftest import tiny_texts
from training.pipeline import fit_pipeline


@pytest.fixture(scope="module")
def fitted():
    texts, labels = tiny_texts(20, seed=3)
    return fit_pipeline(texts, labels).pipeline
