"""Near-copies of eval texts (other case, spacing or Unicode form) are never trained on or queued."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError
from hloop.data.splits import kept_train_rows


def _near_copies(text: str) -> list[str]:
    return [text.upper(), "  " + text.replace(" ", "   ") + "\n", text.replace("a", "\uff41")]  # fullwidth 'a'


def test_feedback_on_a_near_copy_of_an_eval_text_is_refused(trained, tiny_corpus):
    for copy in _near_copies(tiny_corpus.eval_texts[0]):
        with pytest.raises(InvalidInputError, match="held-out eval split"):
            trained.feedback(copy, "alpha", "ana")
    assert trained.counters()["labels_total"] == 0


def test_imported_near_copies_never_reach_the_pool(trained, tiny_corpus, tmp_path):
    path = tmp_path / "near.csv"
    copies = _near_copies(tiny_corpus.eval_texts[1])
    path.write_text("text\n" + "\n".join(f'"{c}"' for c in copies) + "\nsomething new entirely\n")
    report = trained.import_texts(path)
    assert report["added"] == 1 and report["duplicates"] == 3
    queued = {item["text"] for item in trained.ranked_pool(n=None)}
    assert not queued & set(copies)


def test_train_rows_that_are_near_copies_of_eval_texts_are_dropped():
    train = ("Stocks rally today", "STOCKS   rally today", "other text", "other text")
    kept = kept_train_rows(train, ("stocks rally today",))
    np.testing.assert_array_equal(kept, [2])
