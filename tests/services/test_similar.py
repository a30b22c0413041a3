"""Similar texts: nearest stored pool or labelled texts by embedding; never an eval, dev or held-out text, never
the query itself."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import select

from hloop.core.errors import InvalidInputError
from labeling.tables import Example
from tests.services.test_embeddings import other_spec, services_with, spec  # noqa: F401 (fixtures)

SPORTS = "match goal team season coach league"


@pytest.fixture
def embedded(tmp_path, spec):  # noqa: F811
    services = services_with(tmp_path, spec)
    services.embed_texts()
    return services


def origins_of(services) -> dict[int, str]:
    with services.project.session() as session:
        return {e.id: e.origin for e in session.exec(select(Example))}


def test_hits_are_near_best_first_and_never_eval_or_dev(embedded):
    origins = origins_of(embedded)
    query = embedded.embeddings.embedder().embed([SPORTS])[0]
    index = embedded.embeddings.index()
    nearest = index.stored.ids[np.argsort(-index.stored.similarities(query))[:20]]
    assert {origins[int(i)] for i in nearest} & {"eval", "dev"}  # held-out texts are among the nearest...
    hits = embedded.similar(text=SPORTS, k=20)
    assert len(hits) == 20 and {h["origin"] for h in hits}.isdisjoint({"eval", "dev"})  # ...and never shown
    assert all(origins[h["example_id"]] not in ("eval", "dev") for h in hits)
    sims = [h["similarity"] for h in hits]
    assert sims == sorted(sims, reverse=True)
    assert sum(("match" in h["text"]) or ("goal" in h["text"]) or ("team" in h["text"]) for h in hits[:5]) >= 4
    assert set(hits[0]) == {"example_id", "text", "similarity", "origin", "label"}


def test_the_query_itself_is_never_a_hit(embedded):
    pool_id = next(i for i, o in origins_of(embedded).items() if o == "pool")
    hits = embedded.similar(example_id=pool_id, k=1000)
    assert pool_id not in {h["example_id"] for h in hits} and hits
    with embedded.project.session() as session:
        text = session.get(Example, pool_id).text
    assert pool_id not in {h["example_id"] for h in embedded.similar(text=text, k=1000)}


def test_among_pool_labelled_and_all(embedded):
    pool = embedded.similar(text=SPORTS, k=1000, among="pool")
    labelled = embedded.similar(text=SPORTS, k=1000, among="labelled")
    every = embedded.similar(text=SPORTS, k=1000, among="all")
    assert pool and labelled and all(h["label"] is None and h["origin"] in ("pool", "import") for h in pool)
    assert all(h["label"] in embedded.label_set.to_list() for h in labelled)
    assert {h["example_id"] for h in every} == {h["example_id"] for h in pool} | {h["example_id"] for h in labelled}
    assert len(embedded.similar(text=SPORTS, k=3)) == 3


def test_held_out_texts_are_never_shown(embedded, monkeypatch):
    monkeypatch.setattr(embedded.project, "is_held_out", lambda text: "goal" in text)
    hits = embedded.similar(text=SPORTS, k=1000)
    assert hits and not any("goal" in h["text"] for h in hits)


def test_texts_not_embedded_yet_are_not_found_yet(tmp_path, spec):  # noqa: F811
    services = services_with(tmp_path, spec)
    services.ensure_store()
    assert services.similar(text=SPORTS) == []
    assert services.embedding_status()["stored"] == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Give a text or an example id"),
        ({"text": "x", "example_id": 1}, "one of them, not both"),
        ({"example_id": 10**9}, "No example with id"),
        ({"text": SPORTS, "k": 0}, "k must be a whole number from 1 to 1000"),
        ({"text": SPORTS, "k": 1001}, "from 1 to 1000"),
        ({"text": SPORTS, "k": True}, "from 1 to 1000"),
        ({"text": SPORTS, "among": "eval"}, "among must be one of pool, labelled, all"),
        ({"text": "   "}, "empty"),
    ],
)
def test_bad_requests_are_one_line_errors(embedded, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        embedded.similar(**kwargs)


def test_an_eval_item_is_not_a_query(embedded):
    eval_id = next(i for i, o in origins_of(embedded).items() if o == "eval")
    with pytest.raises(InvalidInputError, match="held out"):
        embedded.similar(example_id=eval_id)


def test_without_embeddings_similar_says_how_to_turn_them_on(tmp_path):
    services = services_with(tmp_path, "none")
    with pytest.raises(InvalidInputError, match="set HLOOP_EMBEDDINGS=wordllama"):
        services.similar(text=SPORTS)
