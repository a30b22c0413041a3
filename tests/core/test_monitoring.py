"""The Monitor's pure tests: label mix, text drift (domain classifier AUC), CBPE estimated accuracy."""

import numpy as np
import pytest

from hloop.core import monitoring as m

WORDS_A = "match goal season coach team league players score olympic cup final striker".split()
WORDS_B = "what who when where how many is the name of city country invented largest".split()


def sentences(words, n, seed):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(words, size=8)) for _ in range(n)]


def test_a_shifted_label_mix_is_flagged_and_the_same_mix_is_not():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 4, 4000)
    same = m.label_mix(rng.integers(0, 4, 500), train, 4)
    shifted = m.label_mix(rng.choice(4, 500, p=[0.7, 0.1, 0.1, 0.1]), train, 4)
    assert not same.flagged and same.psi < m.PSI_MODERATE
    assert shifted.flagged and shifted.psi > m.PSI_MAJOR and shifted.p_value < m.MIX_ALPHA


def test_a_small_window_says_not_enough():
    mix = m.label_mix(np.zeros(10, dtype=int), np.arange(4), 4)
    drift = m.text_drift(sentences(WORDS_A, 300, 0), sentences(WORDS_B, 20, 1))
    assert not mix.enough and mix.psi is None and "10 of 50" in mix.message
    assert not drift.enough and drift.auc is None and "20 of 100" in drift.message


def test_label_ids_out_of_range_are_refused():
    with pytest.raises(ValueError, match="0..3"):
        m.label_mix(np.array([4] * 60), np.arange(4), 4)


def test_texts_from_another_vocabulary_are_flagged_with_their_words():
    drift = m.text_drift(sentences(WORDS_A, 300, 0), sentences(WORDS_B, 200, 1))
    assert drift.auc > 0.95 and drift.auc_low > m.AUC_THRESHOLD and drift.flagged
    assert set(drift.live_words[:5]) <= set(WORDS_B) and set(drift.reference_words[:5]) <= set(WORDS_A)


def test_a_random_split_of_the_same_texts_is_not_flagged():
    texts = sentences(WORDS_A + WORDS_B, 600, 2)
    drift = m.text_drift(texts[:300], texts[300:])
    assert abs(drift.auc - 0.5) < 0.12 and drift.auc_low <= drift.auc <= drift.auc_high
    assert not drift.flagged


def calibrated_model(n, seed, shift=0.0):
    """Probabilities whose max is the true chance of being right (a calibrated model); ``shift`` raises or lowers
    the confidence of the live rows, so the accuracy moves with it."""
    rng = np.random.default_rng(seed)
    conf = np.clip(rng.uniform(0.3, 1.0, n) + shift, 0.26, 1.0)
    gold = rng.integers(0, 4, n)
    right = rng.random(n) < conf
    predicted = np.where(right, gold, (gold + rng.integers(1, 4, n)) % 4)
    probs = np.full((n, 4), 0.0)
    probs[np.arange(n), predicted] = conf
    for row, p in zip(probs, predicted, strict=True):
        row[np.arange(4) != p] = (1 - row[p]) / 3
    return probs, gold, right


def test_cbpe_on_a_calibrated_model_estimates_the_accuracy():
    dev, gold, _ = calibrated_model(2000, 0)
    calibration = m.fit_calibration(dev, gold)
    assert calibration.ece_raw < 0.05 and calibration.bins
    for seed, shift in ((1, 0.0), (2, -0.2)):
        live, _gold, right = calibrated_model(1000, seed, shift)
        estimate = m.estimate_accuracy(calibration, live)
        assert abs(estimate.accuracy - right.mean()) < 0.03
        assert estimate.low <= right.mean() <= estimate.high
    low, _g, _r = calibrated_model(1000, 3, -0.4)
    assert m.estimate_accuracy(calibration, low).flagged
    assert not m.estimate_accuracy(calibration, calibrated_model(1000, 4)[0]).flagged
    assert not m.estimate_accuracy(calibration, low[:10]).enough


def test_cbpe_refuses_a_tiny_dev_set():
    with pytest.raises(ValueError, match="at least 20"):
        m.fit_calibration(np.eye(4)[:5], np.arange(4)[:5])
