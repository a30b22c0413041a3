"""Search on PostgreSQL (its full text on the GIN index of the stored tsvector) finds what SQLite's FTS5 finds: the
same texts for words, phrases, prefixes and hostile input, with every filter, the same more-like-this rules, and
the same bulk batches and undo; never an eval or dev text. Skipped without HLOOP_TEST_POSTGRES_URL."""

from __future__ import annotations

import pytest

from hloop.services import Services
from labeling import store
from tests.conftest import corpus_of, settings_in

QUERIES = ["goal", "goal team", '"team goal"', "goa*", "GOAL", "'; DROP TABLE example; --", "a OR b", "goal)("]
FILTERS = [
    {},
    {"status": "unlabelled"},
    {"status": "labelled", "label": "alpha"},
    {"predicted": "beta"},
    {"min_confidence": 0.3, "max_confidence": 0.9},
    {"source": "seed"},
    {"sort": "oldest"},
]


def texts(services, **fields) -> list[str]:
    """The texts of every hit of a search, over all its pages, in order."""
    first = services.search(per_page=200, **fields)
    hits = list(first.hits)
    for number in range(2, first.pages + 1):
        hits += services.search(per_page=200, page=number, **fields).hits
    return [h.text for h in hits]


@pytest.fixture
def both(tmp_path, postgres_url):
    """The same project on SQLite and on PostgreSQL, v1 trained on each."""
    made = []
    for name, url in (("sqlite", f"sqlite:///{tmp_path / 'hloop.db'}"), ("postgresql", postgres_url)):
        settings = settings_in(tmp_path / name, database_url=url, embeddings="none", model="tfidf-lr")
        services = Services(settings, corpus=corpus_of(30))
        services.train()
        services.wait_for_scoring()
        made.append(services)
    yield made
    for services in made:
        services.project.engine.dispose()


def test_postgresql_finds_what_sqlite_finds(both):
    lite, pg = both
    assert pg.project.engine.dialect.name == "postgresql"
    for query in QUERIES:
        for fields in FILTERS:
            expected = texts(lite, query=query, **fields)
            found = texts(pg, query=query, **fields)
            if query and fields.get("sort") is None:  # relevance: each engine ranks by its own formula
                expected, found = sorted(expected), sorted(found)
            assert found == expected, (query, fields)
    assert texts(pg, query="goal"), "the comparison is not empty"
    top = pg.search(query="goal team").hits[0]
    assert {"goal", "team"} <= set(top.text.split())


def test_postgresql_never_finds_eval_or_dev_texts(both):
    _lite, pg = both
    eval_word = pg.corpus().eval_texts[0].split()[-1]  # each text ends in its own tag
    assert pg.search(query=eval_word).total == 0
    with pg.project.session() as session:
        hidden = set(store.example_ids(["eval", "dev"], session=session))
    found = {h.example_id for h in pg.search(per_page=200).hits}
    assert hidden and found and not hidden & found


def test_more_like_this_by_words_on_postgresql(both):
    lite, pg = both
    for services in (lite, pg):
        first = services.search(query="goal").hits[0]
        like = services.more_like_this(example_id=first.example_id, k=10, status="unlabelled")
        assert like and first.example_id not in [h.example_id for h in like]
        assert all(h.label is None for h in like) and [h.score for h in like] == sorted(
            (h.score for h in like), reverse=True
        )
        words = set(first.text.split()[:-1])  # the last word is each text's own tag
        assert all(words & set(h.text.split()) for h in like), "texts that share its words"


def test_bulk_batches_and_their_undo_on_postgresql(both):
    lite, pg = both
    previews = [s.bulk_preview("beta", "ana", query="goal", status="unlabelled") for s in both]
    assert previews[0].size == previews[1].size > 0
    before = texts(pg, source="bulk")
    batch = pg.bulk_label("beta", "ana", expected=previews[1].size, query="goal", status="unlabelled")
    assert sorted(texts(pg, source="bulk")) == sorted(texts(lite, query="goal", status="unlabelled"))
    assert pg.search(query="goal", status="unlabelled").total == 0
    pg.undo_bulk(batch.batch_id)
    assert texts(pg, source="bulk") == before == []
    again = sorted(texts(pg, query="goal", status="unlabelled"))
    assert again == sorted(texts(lite, query="goal", status="unlabelled"))
