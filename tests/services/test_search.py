"""Search and filters over the pool and the labelled texts: words, phrases and prefixes, every filter, the orders
and pages, the index kept in step with imports, and never an eval, dev or held-out text."""

from __future__ import annotations

import numpy as np
import pytest

from hloop.core.errors import InvalidInputError
from hloop.services import Services
from labeling import claims, store
from tests.conftest import corpus_of, settings_in


def ids(page) -> list[int]:
    return [h.example_id for h in page.hits]


def every_hit(services, **filters) -> list:
    """Every hit of a search, over all its pages."""
    first = services.search(per_page=200, **filters)
    hits = list(first.hits)
    for number in range(2, first.pages + 1):
        hits += services.search(per_page=200, page=number, **filters).hits
    return hits


def test_words_phrases_and_prefixes_find_pool_texts(services):
    services.ensure_store()
    page = services.search(query="goal")
    assert page.total > 0 and all("goal" in h.text.split() for h in page.hits)
    both = services.search(query="goal team")
    assert all({"goal", "team"} <= set(h.text.split()) for h in both.hits) and both.total <= page.total
    assert services.search(query="GOAL").total == page.total  # case folds
    assert services.search(query="goa*").total >= page.total
    phrase = services.search(query='"team goal"')
    assert all("team goal" in " ".join(h.text.split()) for h in phrase.hits)
    assert phrase.total < both.total


@pytest.mark.parametrize(
    "query", ['"', "'; DROP TABLE example; --", "NEAR(a b)", "a OR b", "-x", "col:goal", "*", "^goal", "goal)("]
)
def test_hostile_queries_are_words_not_syntax(services, query):
    services.ensure_store()
    page = services.search(query=query)  # no error from the database's query language
    assert page.total >= 0
    assert services.search(query="goal").total > 0  # and the store is intact


def test_eval_and_dev_texts_are_never_found(services):
    services.ensure_store()
    eval_word = services.corpus().eval_texts[0].split()[-1]  # each text ends in its own tag, e.g. story2x0x0
    assert services.search(query=eval_word).total == 0
    with services.project.session() as session:
        hidden = set(store.example_ids(["eval", "dev"], session=session))
    found = {h.example_id for h in every_hit(services)}
    assert hidden and found and not hidden & found


def test_newest_and_oldest_orders_hold_with_words(services):
    services.ensure_store()
    newest, oldest = (
        ids(services.search(query="goal", sort="newest")),
        ids(services.search(query="goal", sort="oldest")),
    )
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest) and newest[0] > oldest[0]


def test_pages_cover_every_result_once_in_order(services):
    services.ensure_store()
    newest = every_hit(services)
    assert len(newest) == services.search().total
    assert [h.example_id for h in newest] == sorted((h.example_id for h in newest), reverse=True)
    pages = [ids(services.search(per_page=7, page=n)) for n in range(1, 30)]
    flat = [i for p in pages for i in p]
    assert flat == [h.example_id for h in newest]
    oldest = ids(services.search(sort="oldest", per_page=5))
    assert oldest == sorted(h.example_id for h in newest)[:5]


def test_filters_by_label_annotator_source_and_date(trained):
    services = trained
    pool = ids(services.search(status="unlabelled", per_page=6))
    services.label(pool[0], "beta", "ana")
    services.label(pool[1], "alpha", "bo", source="queue")
    services.feedback("a brand new text about a match and a goal", "beta", "ana")
    labelled = services.search(status="labelled")
    assert labelled.total == 20 + 3  # the seed and the three human labels
    assert {h.label for h in services.search(label="beta", labelled_by="ana").hits} == {"beta"}
    assert {h.example_id for h in services.search(labelled_by="ana").hits} >= {pool[0]}
    assert ids(services.search(labelled_by="bo")) == [pool[1]]
    assert ids(services.search(source="queue")) == [pool[1]]
    assert services.search(source="correction").hits[0].origin == "user"
    assert services.search(source="seed").total == 20
    unlabelled = services.search(status="unlabelled")
    assert pool[0] not in ids(unlabelled) and unlabelled.total == services.search().total - 23
    assert services.search(since="2999-01-01").total == 0
    assert services.search(until="2000-01-01").total == 0
    assert services.search(since="2000-01-01", status="labelled").total == 23


def test_model_filters_and_the_uncertainty_order(trained):
    services = trained
    all_hits = every_hit(services, status="unlabelled")
    assert all(h.predicted is not None and 0 <= h.confidence <= 1 for h in all_hits)
    sports = every_hit(services, status="unlabelled", predicted="beta")
    assert sports and {h.predicted for h in sports} == {"beta"}
    assert len(sports) == sum(h.predicted == "beta" for h in all_hits)
    sure = every_hit(services, min_confidence=0.5, max_confidence=0.9)
    assert all(0.5 <= h.confidence <= 0.9 for h in sure)
    order = every_hit(services, status="unlabelled", sort="uncertainty")
    scores = [h.score for h in order]
    assert scores == sorted(scores, reverse=True) and len(order) == len(all_hits)
    queue_first = services.ranked_pool(n=1)[0].example_id
    assert order[0].example_id == queue_first  # the queue's first item is the most uncertain one


def test_model_filters_see_labelled_texts_too(trained):
    services = trained
    everything = every_hit(services)
    labelled = [h for h in everything if h.label is not None]
    assert labelled and all(h.predicted is not None for h in labelled), "labelled texts have a guess on the page"
    for name in services.label_set.names:  # each text is found under the label the model predicts for it
        found = {h.example_id for h in every_hit(services, predicted=name)}
        assert found == {h.example_id for h in everything if h.predicted == name}
    by_uncertainty = every_hit(services, sort="uncertainty")
    assert {h.example_id for h in by_uncertainty} == {h.example_id for h in everything}
    assert all(h.score is not None for h in by_uncertainty)


def test_confidence_bounds_of_0_and_1_are_no_filter(trained):
    request = trained.search(min_confidence=0, max_confidence="1").request
    assert request["min_confidence"] is None and request["max_confidence"] is None
    assert trained.search(min_confidence=0, max_confidence=1).total == trained.search().total


def test_model_filters_before_v1_say_a_model_is_needed(services):
    with pytest.raises(InvalidInputError, match="need a model; train v1 first"):
        services.search(predicted="beta")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "done"}, "Status must be one of any, unlabelled, labelled"),
        ({"label": "Cooking"}, "Label:"),
        ({"min_confidence": "high"}, "min_confidence must be a number from 0 to 1"),
        ({"min_confidence": 0.9, "max_confidence": 0.1}, "swap them"),
        ({"since": "yesterday"}, "since must be a date"),
        ({"page": 0}, "Page must be a whole number from 1"),
        ({"per_page": 10_000}, "per_page must be a whole number from 1 to 200"),
        ({"query": "x" * 501}, "at most 500 characters"),
        ({"query": " ".join(["w"] * 17)}, "at most 16 words"),
        ({"status": "unlabelled", "label": "alpha"}, "Unlabelled texts have no label"),
        ({"colour": "red"}, "Unknown search field"),
        ({"query": "\ud800"}, "invalid character"),
    ],
)
def test_bad_searches_say_what_was_wrong(services, fields, message):
    with pytest.raises(InvalidInputError, match=message):
        services.search(**fields)


def test_relevance_puts_the_text_that_holds_the_words_most_first(services, tmp_path, monkeypatch):
    services.ensure_store()
    path = tmp_path / "zebras.csv"
    rows = ["zebra zebra zebra zebra", "zebra giraffe lion tiger", "a zebra among lions and tigers and giraffes"]
    path.write_text("text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    services.import_texts(path)
    by_relevance = [h.text for h in services.search(query="zebra").hits]
    assert by_relevance == rows  # bm25: the most zebras in the fewest words first
    assert [h.text for h in services.search(query="zebra", sort="newest").hits] == rows[::-1]
    monkeypatch.setattr("hloop.services.search.RANKED", 2)  # only the newest two matches are ranked
    assert [h.text for h in services.search(query="zebra").hits] == [rows[1], rows[2], rows[0]]


def test_an_import_returns_with_its_texts_indexed(services, tmp_path):
    services.ensure_store()
    path = tmp_path / "new.csv"
    path.write_text("text\nzebras cross the savanna\nzebra crossing downtown\n", encoding="utf-8")
    services.import_texts(path)
    assert services.index_lag() == 0  # indexed before the import returned, not at the next search
    assert services.search(query="zebras").total == 1 and services.search(query="zebra*").total == 2


def test_held_out_pool_texts_are_never_found(tmp_path):
    corpus = corpus_of(30)
    unlabelled = type(corpus)(
        corpus.train_texts, np.full(len(corpus.train_texts), -1), (), np.empty(0, np.int64), corpus.label_set,
        "unlabelled", eval_origin="human",
    )  # fmt: skip
    services = Services(settings_in(tmp_path, seed_size=0), corpus=unlabelled)
    services.ensure_store()
    found = every_hit(services)
    held = [t for t in corpus.train_texts if services.project.is_held_out(t)]
    assert held and found
    assert not {h.text for h in found} & set(held)
    assert len(found) == len(corpus.train_texts) - len(held)


def test_hits_say_who_holds_a_claim(services):
    services.ensure_store()
    first = services.search(per_page=1).hits[0].example_id
    with services.project.session() as session:
        claims.claim_first("ana", [first], 5.0, session=session)
    assert services.search(per_page=1).hits[0].claimed_by == "ana"


def test_search_by_words_off_says_so(tmp_path):
    services = Services(settings_in(tmp_path, search_index=False), corpus=corpus_of(15))
    services.ensure_store()
    assert services.search(status="unlabelled").total > 0  # filters still work
    with pytest.raises(InvalidInputError, match="HLOOP_SEARCH_INDEX=false"):
        services.search(query="goal")
