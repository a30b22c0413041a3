"""Simulations of label review and of agreement, where the gold labels are known.

``review_experiment``: rank every crowd label by how likely it is wrong (the product's ranking), measure precision
and recall against gold, then let an oracle review the top suspects (fix them to gold) and retrain: how much of
the gap between the crowd-trained and the gold-trained model does the review recover?

``agreement_experiment``: two noisy annotators label the queue through ``Services`` with ``HLOOP_OVERLAP``; the
product's kappa should follow from their flip rates.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from hloop.config import Settings
from hloop.core.suspects import suspect_scores
from hloop.data.corpus import Corpus
from hloop.experiments.annotators import Annotator
from training.crossval import out_of_fold_probabilities
from training.pipeline import fit_pipeline, full_probabilities


def precision_at(ranked_wrong: np.ndarray, k: int) -> float:
    """Share of the first ``k`` ranked rows whose given label is wrong."""
    return float(ranked_wrong[:k].mean()) if k else 0.0


def _test_accuracy(texts: Sequence[str], labels: np.ndarray, test_texts, test_labels, n_labels: int) -> float:
    fitted = fit_pipeline(texts, labels).pipeline
    predicted = full_probabilities(fitted, test_texts, n_labels).argmax(axis=1)
    return float((predicted == np.asarray(test_labels)).mean())


def _ranking(texts: Sequence[str], given: np.ndarray, n_labels: int, folds: int) -> np.ndarray:
    """Row indices, likeliest mistake first (the product's ranking)."""
    scores, _suggestion = suspect_scores(out_of_fold_probabilities(texts, given, n_labels, folds=folds), given)
    return np.argsort(-scores, kind="stable")


def _oracle_review(texts, given: np.ndarray, gold: np.ndarray, n_labels: int, folds: int, review: int, rounds: int):
    """The labels after an oracle reviewed ``review`` suspects in ``rounds`` rounds: it fixes what it is shown
    (to gold) and nothing else; a reviewed row is not shown again."""
    labels, seen = given.copy(), np.zeros(given.size, dtype=bool)
    for r in range(rounds):
        want = review * (r + 1) // rounds - int(seen.sum())
        order = [i for i in _ranking(texts, labels, n_labels, folds) if not seen[i]][:want]
        labels[order], seen[order] = gold[order], True
    return labels


def review_experiment(
    texts: Sequence[str],
    given: np.ndarray,
    gold: np.ndarray,
    test_texts: Sequence[str],
    test_labels: np.ndarray,
    n_labels: int,
    *,
    ks: Sequence[int] = (500, 1000),
    review: int = 1000,
    folds: int = 5,
    rounds: int = 1,
) -> dict:
    """Precision at each k, recall at ``review``, and the accuracy gap an oracle review of ``review`` suspects
    (in ``rounds`` rounds, the ranking recomputed after each) recovers."""
    given, gold = np.asarray(given, dtype=np.int64), np.asarray(gold, dtype=np.int64)
    order = _ranking(texts, given, n_labels, folds)
    wrong = (given != gold)[order]
    reviewed = _oracle_review(texts, given, gold, n_labels, folds, review, rounds)
    a_crowd = _test_accuracy(texts, given, test_texts, test_labels, n_labels)
    a_gold = _test_accuracy(texts, gold, test_texts, test_labels, n_labels)
    a_review = _test_accuracy(texts, reviewed, test_texts, test_labels, n_labels)
    gap = a_gold - a_crowd
    return {
        **{f"precision_at_{k}": round(precision_at(wrong, k), 4) for k in ks},
        f"recall_at_{review}": round(float(wrong[:review].sum() / max(1, wrong.sum())), 4),
        "errors": int(wrong.sum()),
        "rows": int(given.size),
        "accuracy_crowd": round(a_crowd, 4),
        "accuracy_gold": round(a_gold, 4),
        "accuracy_reviewed": round(a_review, 4),
        "gap_recovered": round((a_review - a_crowd) / gap, 4) if gap > 0 else None,
    }


def agreement_experiment(corpus: Corpus, first: Annotator, second: Annotator, *, items: int, seed: int = 0) -> dict:
    """Two annotators label ``items`` queue items each with ``HLOOP_OVERLAP=1``: the second labels what the
    first did. Returns the product's agreement report and the disagreements that joined the review list."""
    from hloop.services import Services

    row_of = {text.strip(): i for i, text in reversed(list(enumerate(corpus.train_texts)))}
    with tempfile.TemporaryDirectory(prefix="hloop-agree-") as tmp:
        settings = Settings(
            dataset=corpus.source,
            database_url=f"sqlite:///{Path(tmp) / 'sim.db'}",
            models_dir=Path(tmp) / "models",
            seed_size=200,
            random_seed=seed,
            overlap=1.0,
        )
        services = Services(settings, corpus=corpus)
        services.train()
        for _ in range(items):
            for name, annotator in (("first", first), ("second", second)):
                item = services.next_item(name)
                if item is None:
                    break
                answer = int(annotator.answer([row_of[item.text]])[0])
                services.submit_label(item.example_id, answer, name)
        report = services.agreement()
        report["disagreements_in_review"] = sum(s["reason"] == "disagreement" for s in services.suspects(n=items))
        return report
