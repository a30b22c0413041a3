"""Texts the model reads as an eval or dev text (same tokens) are never trained on or queued."""

from __future__ import annotations

import html
from dataclasses import replace

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError
from hloop.data.splits import kept_train_rows
from hloop.services import Services
from tests.conftest import corpus_of, settings_in
from training.pipeline import document_key

HOSTILE = 'AT&T says "profits" <rise> 5%; analysts cheer the chip maker\'s results'


def _near_copies(text: str) -> list[str]:
    """Every way to write ``text`` that the model's vectorizer reads as the same document."""
    return [
        text.upper(),
        "  " + text.replace(" ", "   ") + "\n",
        text.replace("a", "\uff41"),  # fullwidth 'a'
        text + " .",
        text + "!!",
        text.replace(";", ","),
        text.replace(" ", " \u200b", 3),  # zero-width spaces
        "\ufeff" + text,  # a byte-order mark
        text.replace(" ", "\u2060 ", 3),  # word joiners
        text.replace("chip", "ch\u00adip"),  # a soft hyphen inside a word
        text.replace("chip", "ch\u200bip"),  # a zero-width space inside a word
        html.escape(text),
        html.escape(html.escape(text)),
    ]


@pytest.mark.parametrize("copy", _near_copies(HOSTILE))
def test_a_near_copy_has_the_document_key_of_its_original(copy):
    assert document_key(copy) == document_key(HOSTILE)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("dog bites man", "man bites dog"),  # the model's word pairs tell these apart
        ("the chip maker", "the chips maker"),
        ("?", "!"),  # texts without a token are not all one document
    ],
)
def test_texts_the_model_tells_apart_have_other_keys(one, other):
    assert document_key(one) != document_key(other)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """Services trained on a tiny corpus whose first eval text holds punctuation, entities' characters and ';'."""
    corpus = corpus_of(30)
    corpus = replace(corpus, eval_texts=(HOSTILE, *corpus.eval_texts[1:]))
    services = Services(settings_in(tmp_path_factory.mktemp("guard")), corpus=corpus)
    services.train()
    return services


def test_feedback_on_a_near_copy_of_an_eval_text_is_refused(guarded):
    for copy in [HOSTILE, *_near_copies(HOSTILE), *_near_copies(guarded.corpus().eval_texts[1])]:
        with pytest.raises(InvalidInputError, match="held-out eval split"):
            guarded.feedback(copy, "alpha", "ana")
    assert guarded.counters()["labels_total"] == 0


def test_feedback_on_a_dev_text_or_a_near_copy_of_one_is_refused(guarded):
    dev_texts, _labels = guarded.project.gold_dev()
    assert dev_texts
    for copy in [dev_texts[0], *_near_copies(dev_texts[0])]:
        with pytest.raises(InvalidInputError, match="the dev split, which chooses between model versions"):
            guarded.feedback(copy, "alpha", "ana")
    assert guarded.counters()["labels_total"] == 0


def test_a_dev_example_cannot_be_labelled_by_id(guarded):
    with guarded.project.session() as session:
        from labeling import store

        dev_id = store.examples_by_origin(["dev"], session=session)[0][0]
    with pytest.raises(InvalidInputError, match=f"Example {dev_id} is in the dev split"):
        guarded.label(dev_id, "alpha", "ana")


def test_imported_near_copies_of_eval_and_dev_texts_never_reach_the_pool(guarded, tmp_path):
    path = tmp_path / "near.csv"
    copies = [*_near_copies(HOSTILE)[:6], *_near_copies(guarded.project.gold_dev()[0][1])[:6]]
    quoted = ('"' + c.replace('"', '""') + '"' for c in copies)
    path.write_text("text\n" + "\n".join(quoted) + "\nsomething new entirely\n")
    report = guarded.import_texts(path)
    assert report.added == 1 and report.duplicates == len(copies)
    queued = {item.text for item in guarded.ranked_pool(n=None)}
    assert not queued & set(copies)


def test_train_rows_that_are_near_copies_of_eval_texts_are_dropped():
    train = ("Stocks rally today", "STOCKS   rally today", "other text", "other text")
    kept = kept_train_rows(train, ("stocks rally today",))
    np.testing.assert_array_equal(kept, [2])
    kept = kept_train_rows(("Stocks rally; today!!", "\ufeffother text"), ("stocks, rally today",), key=document_key)
    np.testing.assert_array_equal(kept, [1])
