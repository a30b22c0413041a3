"""Pure tests of live traffic against what the model was trained and calibrated on (the Monitor).

- ``label_mix``: the live predicted-label counts against the training label mix: a chi-square goodness-of-fit test
  (p-value against ``MIX_ALPHA``) and the population stability index (PSI; the usual bands: < 0.1 stable, 0.1–0.25
  moderate, > 0.25 major). The flag needs both: p < ``MIX_ALPHA`` (not chance) and PSI > ``PSI_MAJOR`` (large
  enough to matter): with thousands of texts chi-square rejects any mix, since a model's predicted mix never equals
  the training mix exactly; PSI alone is noisy on small windows.
- ``text_drift``: a domain classifier (its own TF-IDF + logistic regression, as Evidently does) told to separate a
  sample of training texts from recent live texts; its stratified k-fold cross-validated ROC AUC is ~0.5 when they
  come from one distribution and ~1 when they do not. The interval is mean ± t·sd/√k over the folds; the flag is
  raised when its lower bound exceeds ``AUC_THRESHOLD``. The words with the largest coefficients say what
  separates them.
- ``fit_calibration`` / ``estimate_accuracy``: NannyML's CBPE idea. The max probability is mapped to the chance of
  being right by isotonic regression on dev; a live batch's estimated accuracy is the mean calibrated confidence.
  Its sd combines the Poisson-binomial variance of the batch (Σ p(1−p)/n²) with the calibration's own uncertainty
  (the dev accuracy's binomial variance, acc(1−acc)/n_dev, and the cross-fitted ECE as a systematic term added to
  the half-width). It assumes no concept shift: p(label | text) is the same live as on dev.

Windows smaller than the minimum sizes give ``enough=False`` with a sentence ("not enough live texts yet (n of m)")
instead of a number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

MIX_ALPHA = 0.01
PSI_MODERATE, PSI_MAJOR = 0.1, 0.25
AUC_THRESHOLD = 0.7  # checked on dev: in-distribution dev windows stay far below it (docs/monitoring.md)
MIN_MIX_TEXTS = 50
MIN_DRIFT_TEXTS = 100
MAX_DRIFT_TEXTS = 1000  # per side: more costs time and adds little to an AUC already near 0.5 or 1
DRIFT_FOLDS = 5
DROP_MARGIN = 0.05
ECE_BINS = 10


def not_enough(n: int, m: int) -> str:
    """The sentence shown instead of a figure for a window that is too small."""
    return f"not enough live texts yet ({n} of {m})"


@dataclass(frozen=True)
class LabelMix:
    """Live predicted-label counts against the training mix, with the chi-square test and PSI."""

    enough: bool
    message: str
    live_counts: tuple[int, ...]
    train_share: tuple[float, ...]
    chi2: float | None
    p_value: float | None
    psi: float | None
    alpha: float = MIX_ALPHA
    psi_threshold: float = PSI_MAJOR
    flagged: bool = False

    def to_dict(self) -> dict:
        """Plain values for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class TextDrift:
    """The domain classifier's cross-validated AUC (training texts vs live), its interval and separating words."""

    enough: bool
    message: str
    n_live: int
    n_reference: int
    auc: float | None = None
    auc_low: float | None = None
    auc_high: float | None = None
    threshold: float = AUC_THRESHOLD
    live_words: tuple[str, ...] = ()
    reference_words: tuple[str, ...] = ()
    flagged: bool = False

    def to_dict(self) -> dict:
        """Plain values for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class Calibration:
    """The isotonic map from max probability to the chance of being right, fitted on dev, with the dev ECE."""

    thresholds_x: tuple[float, ...]
    thresholds_y: tuple[float, ...]
    dev_accuracy: float
    n_dev: int
    ece_raw: float
    ece_calibrated: float  # cross-fitted (two halves), so it is not ~0 by construction
    bins: tuple[dict, ...]

    def calibrated(self, confidence: np.ndarray) -> np.ndarray:
        """The calibrated chance of being right of each max probability."""
        return np.interp(confidence, self.thresholds_x, self.thresholds_y)

    def to_dict(self) -> dict:
        """Plain values for JSON (the map left out)."""
        out = asdict(self)
        del out["thresholds_x"], out["thresholds_y"]
        return out


@dataclass(frozen=True)
class Estimate:
    """A batch's estimated accuracy (CBPE) with its interval, against the dev accuracy."""

    enough: bool
    message: str
    n: int
    accuracy: float | None = None
    low: float | None = None
    high: float | None = None
    dev_accuracy: float | None = None
    margin: float = DROP_MARGIN
    flagged: bool = False

    def to_dict(self) -> dict:
        """Plain values for JSON."""
        return asdict(self)


def psi(expected: np.ndarray, actual: np.ndarray, floor: float = 1e-4) -> float:
    """Population stability index of two distributions (shares; zeros floored so the log is finite)."""
    e = np.clip(np.asarray(expected, dtype=float), floor, None)
    a = np.clip(np.asarray(actual, dtype=float), floor, None)
    e, a = e / e.sum(), a / a.sum()
    return float(np.sum((a - e) * np.log(a / e)))


def label_mix(live_labels: np.ndarray, train_labels: np.ndarray, n_labels: int) -> LabelMix:
    """The live predicted labels (ids) against the training labels (ids); flagged when p < MIX_ALPHA and PSI >
    PSI_MAJOR. ValueError for an id outside ``range(n_labels)``."""
    live = np.asarray(live_labels, dtype=int)
    train = np.asarray(train_labels, dtype=int)
    for ids in (live, train):
        if ids.size and (ids.min() < 0 or ids.max() >= n_labels):
            raise ValueError(f"label ids must be in 0..{n_labels - 1}")
    counts = np.bincount(live, minlength=n_labels)
    share = np.bincount(train, minlength=n_labels) / max(train.size, 1)
    live_counts, train_share = tuple(int(c) for c in counts), tuple(round(float(s), 6) for s in share)
    if live.size < MIN_MIX_TEXTS or train.size == 0:
        return LabelMix(
            False,
            not_enough(int(live.size), MIN_MIX_TEXTS),
            chi2=None,
            p_value=None,
            psi=None,
            live_counts=live_counts,
            train_share=train_share,
        )
    kept = share > 0  # a label never trained on and never predicted has no expected count
    expected = np.clip(share[kept], 1e-9, None) * live.size
    chi2, p = stats.chisquare(counts[kept], expected * counts[kept].sum() / expected.sum())
    value = psi(share, counts / live.size)
    flagged = bool(p < MIX_ALPHA and value > PSI_MAJOR)
    band = "major" if value > PSI_MAJOR else "moderate" if value > PSI_MODERATE else "stable"
    message = f"PSI {value:.3f} ({band}), chi-square p = {p:.2g} over {live.size} texts"
    return LabelMix(
        True,
        message,
        chi2=float(chi2),
        p_value=float(p),
        psi=value,
        flagged=flagged,
        live_counts=live_counts,
        train_share=train_share,
    )


def text_drift(reference: list[str], live: list[str], seed: int = 0, top: int = 10) -> TextDrift:
    """Whether the live texts can be told from the reference (training) texts: cross-validated AUC of a domain
    classifier on at most MAX_DRIFT_TEXTS of each (the same number on both sides), its interval and words."""
    rng = np.random.default_rng(seed)
    n = min(len(live), len(reference), MAX_DRIFT_TEXTS)
    if n < MIN_DRIFT_TEXTS:
        return TextDrift(False, not_enough(len(live), MIN_DRIFT_TEXTS), n_live=len(live), n_reference=len(reference))
    ref = [reference[i] for i in rng.choice(len(reference), n, replace=False)]
    new = list(live[-n:])  # the most recent
    texts, y = ref + new, np.r_[np.zeros(n, dtype=int), np.ones(n, dtype=int)]
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=20_000)
    features = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=1.0, max_iter=1000)
    folds = StratifiedKFold(DRIFT_FOLDS, shuffle=True, random_state=seed)
    aucs = cross_val_score(classifier, features, y, cv=folds, scoring="roc_auc")
    mean, sd = float(aucs.mean()), float(aucs.std(ddof=1))
    half = float(stats.t.ppf(0.975, DRIFT_FOLDS - 1)) * sd / np.sqrt(DRIFT_FOLDS)
    low, high = float(max(0.0, mean - half)), float(min(1.0, mean + half))
    vocabulary = vectorizer.get_feature_names_out()
    coefficients = classifier.fit(features, y).coef_[0]
    order = np.argsort(coefficients)
    flagged = bool(low > AUC_THRESHOLD)
    message = f"AUC {mean:.3f} [{low:.3f}, {high:.3f}] over {n} + {n} texts; flagged above {AUC_THRESHOLD}"
    return TextDrift(
        True, message, n_live=len(live), n_reference=len(reference), auc=mean, auc_low=low, auc_high=high,
        live_words=tuple(str(w) for w in vocabulary[order[::-1][:top]]),
        reference_words=tuple(str(w) for w in vocabulary[order[:top]]), flagged=flagged,
    )  # fmt: skip


def _isotonic(confidence: np.ndarray, correct: np.ndarray) -> IsotonicRegression:
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(confidence, correct)


def _ece(confidence: np.ndarray, correct: np.ndarray) -> tuple[float, list[dict]]:
    """Expected calibration error over ECE_BINS equal-width bins, and the bins (count, mean confidence, accuracy)."""
    edges = np.linspace(0.0, 1.0, ECE_BINS + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, ECE_BINS - 1)
    total, bins = 0.0, []
    for b in range(ECE_BINS):
        inside = which == b
        if inside.any():
            conf, acc = float(confidence[inside].mean()), float(correct[inside].mean())
            total += inside.sum() / confidence.size * abs(conf - acc)
            bins.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": int(inside.sum()),
                         "confidence": round(conf, 4), "accuracy": round(acc, 4)})  # fmt: skip
    return float(total), bins


def fit_calibration(probabilities: np.ndarray, labels: np.ndarray, seed: int = 0) -> Calibration:
    """Calibrate the max probability on dev (rows of probabilities, gold label ids). ValueError for fewer than 20
    dev rows or mismatched shapes."""
    probs, gold = np.asarray(probabilities, dtype=float), np.asarray(labels, dtype=int)
    if probs.ndim != 2 or probs.shape[0] != gold.size:
        raise ValueError("one row of probabilities per dev label is needed")
    if gold.size < 20:
        raise ValueError(f"{gold.size} dev rows: at least 20 are needed to calibrate")
    confidence, correct = probs.max(axis=1), (probs.argmax(axis=1) == gold).astype(float)
    half = np.random.default_rng(seed).permutation(gold.size) < gold.size // 2
    crossed = np.empty_like(confidence)
    for side in (half, ~half):  # each half calibrated by the other: an honest calibrated ECE
        crossed[side] = _isotonic(confidence[~side], correct[~side]).predict(confidence[side])
    iso = _isotonic(confidence, correct)
    ece_raw, bins = _ece(confidence, correct)
    return Calibration(
        thresholds_x=tuple(float(x) for x in iso.X_thresholds_),
        thresholds_y=tuple(float(y) for y in iso.y_thresholds_),
        dev_accuracy=float(correct.mean()), n_dev=int(gold.size), ece_raw=ece_raw,
        ece_calibrated=_ece(crossed, correct)[0], bins=tuple(bins),
    )  # fmt: skip


def estimate_accuracy(calibration: Calibration, probabilities: np.ndarray, minimum: int = MIN_MIX_TEXTS) -> Estimate:
    """The estimated accuracy of a live batch (rows of probabilities) with a 95% interval; flagged when the upper
    bound is below the dev accuracy by more than DROP_MARGIN."""
    probs = np.asarray(probabilities, dtype=float)
    n = int(probs.shape[0]) if probs.ndim == 2 else 0
    if n < minimum:
        return Estimate(False, not_enough(n, minimum), n=n, dev_accuracy=calibration.dev_accuracy)
    p = calibration.calibrated(probs.max(axis=1))
    estimate = float(p.mean())
    dev = calibration.dev_accuracy
    sd = np.sqrt(float(np.sum(p * (1 - p))) / n**2 + dev * (1 - dev) / calibration.n_dev)
    half = 1.96 * sd + calibration.ece_calibrated
    low, high = float(max(0.0, estimate - half)), float(min(1.0, estimate + half))
    flagged = bool(high < dev - DROP_MARGIN)
    message = f"estimated accuracy {estimate:.3f} [{low:.3f}, {high:.3f}] over {n} texts (dev {dev:.3f})"
    return Estimate(True, message, n=n, accuracy=estimate, low=low, high=high, dev_accuracy=dev, flagged=flagged)
