"""More like this: the stored texts nearest to a text, an example or a search result, with the search's filters.

With embeddings (``HLOOP_EMBEDDINGS``, once nearly every text has one), the nearest by cosine similarity
(``SimilarTexts``); without them, by words, as a search engine does it: the text's most telling words (highest
TF-IDF, from the index's own counts of texts per word) are searched for together, any of them, and the texts
ranked by relevance (bm25 on SQLite, ``ts_rank`` on PostgreSQL). Either way the candidates then pass the search's
filters and visibility rules, so eval and dev texts, held-out texts and gold labels never appear.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

from hloop.core.errors import InvalidInputError
from hloop.core.labels import clean_text
from hloop.core.search import WORD
from hloop.core.search_records import SearchHit
from hloop.core.values import parse_example_id
from hloop.services.embeddings import Embeddings
from hloop.services.project import Project
from hloop.services.search import Search
from labeling import search_index, search_queries, store
from labeling.example_queries import count_examples

CANDIDATES = 1000  # nearest texts read before the filters
TELLING_WORDS = 12  # words of the text searched for, without embeddings
MAX_K = 1000
EMBEDDED_SHARE = 0.99  # texts embedded before texts are compared by embedding rather than by words
DF_CAP = 10_000  # texts per word counted at most (PostgreSQL): a word in more is common anyway


class MoreLikeThis:
    """Texts like a text: by embedding when the project keeps them, else by its telling words."""

    def __init__(self, project: Project, search: Search, embeddings: Embeddings) -> None:
        self.project = project
        self.search = search
        self.embeddings = embeddings

    def more_like_this(
        self, text: str | None = None, example_id: int | None = None, k: int = 10, **filters: object
    ) -> list[SearchHit]:
        """Up to ``k`` texts most like ``text`` or the example ``example_id`` (not itself), best first, that pass
        the search ``filters`` (``SearchRequest`` fields but the query, the order and the page); ``score`` is the
        cosine similarity (embeddings) or the relevance by words."""
        if (text is None or text == "") == (example_id is None or example_id == ""):
            raise InvalidInputError("Give a text or an example id to find texts like it (one of them, not both).")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise InvalidInputError(f"k must be a whole number from 1 to {MAX_K}; got {str(k)[:40]!r}.")
        fixed = sorted(set(filters) & {"query", "sort", "page", "per_page"})
        if fixed:
            raise InvalidInputError(f"More like this takes filters only, not {', '.join(fixed)}.")
        request = self.search.parse(**filters)
        self.project.ensure_store()
        if self.by_embedding():
            hits = self.embeddings.similar(text=text or None, example_id=example_id or None, k=CANDIDATES)
            ranked = [(h["example_id"], float(h["similarity"])) for h in hits]
        else:
            ranked = self._by_words(text, example_id)
        if not ranked:
            return []
        order = [i for i, _ in ranked]
        passed, _scores, _capped, _notes = self.search.matching(request, most=len(order), among=order)
        allowed = set(passed.tolist())
        best = [(i, s) for i, s in ranked if i in allowed][:k]
        by_id = {h.example_id: h for h in self.search.hits([i for i, _ in best])}
        return [replace_score(by_id[i], s) for i, s in best if i in by_id]

    def by_embedding(self) -> bool:
        """Whether texts are compared by embedding: the project keeps them and nearly every text has one
        (``EMBEDDED_SHARE``); until the background filling gets there, by words."""
        if not self.embeddings.enabled:
            return False
        status = self.embeddings.status()
        return status["total"] > 0 and status["stored"] >= EMBEDDED_SHARE * status["total"]

    def _by_words(self, text: str | None, example_id: int | None) -> list[tuple[int, float]]:
        """(id, relevance) of the texts holding the text's most telling words, best first (not the text itself)."""
        itself = None
        if example_id not in (None, ""):
            itself = parse_example_id(example_id)
            with self.project.session() as session:
                rows = search_queries.found_rows([itself], session=session)
            row = rows.get(itself)
            if row is None or row.origin not in store.TRAINABLE_ORIGINS or self.project.is_held_out(row.text):
                raise InvalidInputError(
                    f"Example {itself} is not a pool or labelled text of this project (it is held out or missing)."
                )
            text = row.text
        words = Counter(w.lower() for w in WORD.findall(clean_text(text)))
        if not words:
            raise InvalidInputError("That text has no words to search by; give a text with letters or digits.")
        self.search.prepare(self.search.parse(query="x"))  # the index up to date, as before a search by words
        with self.project.session() as session:
            total = max(1, count_examples(session=session))
            counts = search_index.document_frequencies(list(words), session=session, most=DF_CAP)
            weight = {w: n * math.log(total / counts[w]) for w, n in words.items() if counts.get(w)}
            telling = sorted(weight, key=lambda w: (-weight[w], w))[:TELLING_WORDS]
            found = search_index.any_word_ids(telling, store.TRAINABLE_ORIGINS, session=session, most=CANDIDATES + 1)
            if itself is None:  # a text that is stored is not like itself
                stored = store.find_example_by_text(clean_text(text), session=session)
                itself = None if stored is None else stored.id
        return [(i, s) for i, s in found if i != itself]


def replace_score(hit: SearchHit, score: float) -> SearchHit:
    """The hit with ``score`` (rounded)."""
    return replace(hit, score=round(float(score), 4))
