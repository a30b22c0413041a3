"""Fixtures for the simulation: the tiny corpus's features and a small config."""

from __future__ import annotations

import pytest

from hloop.experiments.features import featurize


@pytest.fixture
def tiny_features(tiny_corpus):
    """TF-IDF rows of the tiny corpus (vectorizer fitted on its train texts only)."""
    return featurize(tiny_corpus)
