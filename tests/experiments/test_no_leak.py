"""The pool's gold labels reach the model only through the simulated annotator; eval text never is fitted on."""

from __future__ import annotations

import numpy as np

from hloop.experiments.annotators import make_annotator, parse_annotator
from hloop.experiments.features import fit_vectorizer, usable_rows
from hloop.experiments.loop import run_loop, split_rows


def test_the_model_trains_on_the_annotators_answers_not_gold(tiny_corpus, tiny_features):
    gold = np.asarray(tiny_corpus.train_labels)
    seed_rows, pool_rows = split_rows(tiny_corpus, tiny_features.usable, 12, 0)
    always_wrong = make_annotator(parse_annotator("noisy:1"), gold, seed=0, n_labels=4)
    result = run_loop(
        tiny_features,
        seed_rows,
        gold[seed_rows],
        pool_rows,
        always_wrong,
        lambda p, r, c: r.random(p.shape[0]),
        batch=10,
        budget=30,
        feedback_weight=1.0,
        seed=0,
        label_set=tiny_corpus.label_set,
    )
    last = result.last_training
    pool_part = last.human
    answer_of = dict(zip(result.asked.tolist(), result.answers.tolist(), strict=True))
    assert sorted(last.rows[pool_part].tolist()) == sorted(answer_of)
    assert last.labels[pool_part].tolist() == [answer_of[r] for r in last.rows[pool_part].tolist()]
    assert np.all(last.labels[pool_part] != gold[last.rows[pool_part]]), "not one gold pool label got through"
    np.testing.assert_array_equal(last.rows[~pool_part], seed_rows)
    np.testing.assert_array_equal(last.labels[~pool_part], gold[seed_rows])


def test_the_vectorizer_never_sees_eval_text(tiny_corpus):
    vocabulary = fit_vectorizer(tiny_corpus, usable_rows(tiny_corpus)).vocabulary_
    eval_only = {w for t in tiny_corpus.eval_texts for w in t.lower().split()} - {
        w for t in tiny_corpus.train_texts for w in t.lower().split()
    }
    assert eval_only, "the tiny corpus has words only its eval texts use"
    assert not eval_only & set(vocabulary)


def test_a_train_text_repeating_an_eval_text_is_never_used(tiny_corpus):
    from hloop.data.corpus import Corpus

    train = (*tiny_corpus.train_texts, tiny_corpus.eval_texts[0], tiny_corpus.train_texts[0])
    labels = np.append(tiny_corpus.train_labels, [0, 0])
    corpus = Corpus(
        train, labels, tiny_corpus.eval_texts, tiny_corpus.eval_labels, tiny_corpus.label_set, "tiny+repeats"
    )
    usable = usable_rows(corpus)
    assert len(train) - 2 not in usable and len(train) - 1 not in usable
    assert usable.size == len(tiny_corpus.train_texts)
