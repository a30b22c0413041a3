"""The honesty rules: eval never trained on, queued or used for the vectorizer; pool gold never visible."""

import numpy as np
from sqlmodel import select

from labeling.tables import Example, Label
from tests.conftest import TINY_LABELS


def _vocabulary(services):
    _version, model = services.current_model()
    return set(model.named_steps["tfidf"].vocabulary_)


def test_eval_texts_never_reach_training_the_vectorizer_or_the_queue(trained, tiny_corpus):
    vocab = _vocabulary(trained)
    assert any(token.startswith("story1x") for token in vocab), "train texts' own tokens are in the vocabulary"
    assert not any(token.startswith("story2x") for token in vocab), "no token that only eval texts carry"
    with trained.project.session() as session:
        eval_ids = set(session.exec(select(Example.id).where(Example.origin == "eval")).all())
    assert len(eval_ids) == len(tiny_corpus.eval_texts)
    queued = {item.example_id for item in trained.ranked_pool(n=None)}
    assert queued and not queued & eval_ids
    seen = set()
    while (item := trained.next_item("ana")) is not None:
        seen.add(item.example_id)
        trained.skip(item.example_id, "ana")
    assert seen == queued


def test_feedback_on_an_eval_text_is_refused_and_not_stored(trained, tiny_corpus):
    import pytest

    from hloop.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="held-out eval"):
        trained.feedback(tiny_corpus.eval_texts[0], "alpha", "ana")
    with trained.project.session() as session:
        assert session.exec(select(Label).where(Label.source == "correction")).first() is None


def test_the_store_holds_no_gold_label_for_the_pool(trained, tiny_corpus):
    with trained.project.session() as session:
        labelled = set(session.exec(select(Label.example_id)).all())
        pool = set(session.exec(select(Example.id).where(Example.origin == "pool")).all())
    assert pool and not labelled & pool
    items = trained.ranked_pool(n=5)
    assert all(
        set(item.to_dict()) == {"example_id", "text", "score", "prediction", "confidence", "model_version"}
        for item in items
    )


def test_retraining_uses_seed_plus_human_labels_with_the_weight(trained):
    item = trained.next_item("ana")
    trained.submit_label(item.example_id, "delta", "ana")
    card = trained.retrain(3.0)
    assert card.training.human_labels == 1
    assert card.training.seed_labels == trained.settings.seed_size
    assert card.training.feedback_weight == 3.0
    assert card.parent == 1 and card.version == 2
    assert np.isclose(sum(card.training.class_counts), card.training.rows)


def test_a_human_label_overrides_the_seed_label(trained):
    with trained.project.session() as session:
        seed_label = session.exec(select(Label).where(Label.source == "seed")).first()
    wrong = (seed_label.label + 1) % 4
    trained.label(seed_label.example_id, wrong, "ana")
    card = trained.retrain()
    assert card.training.human_labels == 1
    assert card.training.seed_labels == trained.settings.seed_size - 1


def test_a_train_row_repeating_an_eval_text_is_never_stored_as_trainable():
    from hloop.data.corpus import Corpus
    from hloop.data.splits import Split
    from hloop.services import dataset_rows

    corpus = Corpus(
        train_texts=("shared headline", "seed story", "pool story", "pool story", "  "),
        train_labels=np.array([0, 1, 2, 2, 3]),
        eval_texts=("shared headline ", "eval only"),
        eval_labels=np.array([0, 3]),
        label_set=TINY_LABELS,
        source="inline",
    )
    rows, seed_labels = dataset_rows(corpus, Split(seed=np.array([0, 1]), pool=np.array([2, 3, 4])))
    assert rows == [
        ("shared headline", "eval", 0),
        ("eval only", "eval", 1),
        ("seed story", "seed", 1),
        ("pool story", "pool", 2),
    ]
    assert seed_labels == [(1, 1)]  # the seed row that repeats an eval text is dropped with its label


def test_importing_an_eval_text_never_puts_it_in_the_pool(trained, tiny_corpus, tmp_path):
    path = tmp_path / "eval.csv"
    path.write_text("text\n" + "\n".join(tiny_corpus.eval_texts[:3]) + "\n")
    report = trained.import_texts(path)
    assert (report.added, report.duplicates) == (0, 3)
    queued = {item.text for item in trained.ranked_pool(n=None)}
    assert not queued & set(tiny_corpus.eval_texts)
