"""Bulk labelling: preview, then one batch with its query; undone as one; it never labels an eval, dev, held-out
or claimed text, and its undo restores exactly the labels that counted before; bulk labels train with their own
weight."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hloop.core.errors import InvalidInputError, NotFoundError
from hloop.services import Services
from labeling import claims, store
from tests.conftest import corpus_of, settings_in


def counting(services) -> dict[int, tuple[int, bool]]:
    """example id -> (counting label, given by a person) of every labelled example, eval and dev included."""
    with services.project.session() as session:
        rows = store.latest_labels(session=session, origins=("seed", "pool", "user", "import", "dev"))
    return {r.example_id: (r.label, r.human) for r in rows}


def test_preview_then_label_then_undo(services):
    services.ensure_store()
    before = counting(services)
    preview = services.bulk_preview("beta", "ana", query="goal")
    found = services.search(query="goal", status="unlabelled", per_page=200)
    assert preview.size == found.total > 0 and preview.batch_id is None
    assert sum(preview.skipped.values()) == services.search(query="goal", status="labelled").total > 0
    assert counting(services) == before  # a preview stores nothing
    batch = services.bulk_label("beta", "ana", expected=preview.size, query="goal")
    assert batch.batch_id and batch.size == preview.size and batch.created_at
    after = counting(services)
    labelled = {h.example_id for h in found.hits}
    assert {i for i in after if i not in before} == labelled and all(after[i] == (1, True) for i in labelled)
    assert {h.source for h in services.search(query="goal", source="bulk", per_page=200).hits} == {"bulk"}
    listed = services.bulk_batches()[0]
    assert listed.batch_id == batch.batch_id and listed.request["query"] == "goal" and listed.undone_at is None
    assert json.dumps(listed.to_dict())  # JSON values throughout
    undone = services.undo_bulk(batch.batch_id)
    assert undone.undone_at is not None and counting(services) == before
    with pytest.raises(InvalidInputError, match="undone already"):
        services.undo_bulk(batch.batch_id)
    with pytest.raises(NotFoundError, match="No bulk batch 999"):
        services.undo_bulk(999)


def test_a_selection_that_changed_since_the_preview_stores_nothing(services):
    services.ensure_store()
    preview = services.bulk_preview("beta", "ana", query="goal")
    first = services.search(query="goal").hits[0].example_id
    services.label(first, "alpha", "bo")  # someone labels one meanwhile
    before = counting(services)
    with pytest.raises(InvalidInputError, match=f"now holds {preview.size - 1} texts, not {preview.size}"):
        services.bulk_label("beta", "ana", expected=preview.size, query="goal")
    assert counting(services) == before and services.bulk_batches() == []


def test_claimed_labelled_and_chosen_texts(services):
    services.ensure_store()
    hits = services.search(query="goal", status="unlabelled").hits
    chosen = [h.example_id for h in hits[:4]]
    with services.project.session() as session:
        claims.claim_first("bo", [chosen[0]], 5.0, session=session)
        claims.claim_first("ana", [chosen[1]], 5.0, session=session)
    services.label(chosen[2], "alpha", "cy")
    batch = services.bulk_label("beta", "ana", ids=chosen)
    assert batch.size == 2 and batch.skipped == {
        "claimed by another annotator": 1,
        "already labelled (ask to relabel)": 1,
    }
    relabelled = services.bulk_label("beta", "ana", ids=chosen, relabel=True)
    assert relabelled.size == 1 and relabelled.skipped["already labelled so"] == 2
    services.undo_bulk(relabelled.batch_id)
    assert counting(services)[chosen[2]] == (0, True)  # cy's label counts again


def test_single_undo_leaves_a_batch_alone(services):
    services.ensure_store()
    batch = services.bulk_label("beta", "ana", query="goal")
    with pytest.raises(NotFoundError, match="no label to undo"):
        services.undo("ana")
    assert services.search(source="bulk").total == batch.size


def test_bulk_labels_train_with_their_weight(tmp_path):
    services = Services(settings_in(tmp_path, bulk_weight=0.25, model="tfidf-lr"), corpus=corpus_of(30))
    services.ensure_store()
    batch = services.bulk_label("beta", "ana", query="goal", status="unlabelled")
    card = services.train()
    assert card.hyperparameters["bulk_labels"] == batch.size and card.hyperparameters["bulk_weight"] == 0.25


def test_bulk_limits_and_bad_requests(tmp_path):
    services = Services(settings_in(tmp_path, bulk_max=3), corpus=corpus_of(30))
    services.ensure_store()
    with pytest.raises(InvalidInputError, match="more than 3 texts .HLOOP_BULK_MAX"):
        services.bulk_preview("beta", "ana", query="goal")
    with pytest.raises(InvalidInputError, match="Unknown label 'Cooking'"):
        services.bulk_preview("Cooking", "ana", query="goal")
    with pytest.raises(InvalidInputError, match="ids must be a non-empty list"):
        services.bulk_preview("beta", "ana", ids=[])
    with pytest.raises(InvalidInputError, match="Annotator name must be 1-100"):
        services.bulk_preview("beta", " ", query="goal")
    with pytest.raises(InvalidInputError, match="Nothing to label: 1 not stored"):
        services.bulk_label("beta", "ana", ids=[10**9])


@pytest.fixture(scope="module")
def unlabelled_project(tmp_path_factory):
    """A project without gold labels (held-out human labels are its eval and dev), a seed of 0."""
    corpus = corpus_of(25)
    bare = type(corpus)(
        corpus.train_texts, np.full(len(corpus.train_texts), -1), (), np.empty(0, np.int64), corpus.label_set,
        "unlabelled", eval_origin="human",
    )  # fmt: skip
    return bare


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    gold=st.booleans(),
    labelled=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 3)), max_size=12),
    claimed=st.lists(st.integers(0, 99), max_size=6),
    query=st.sampled_from(["", "goal", "team", "market", "the", "software chip"]),
    relabel=st.booleans(),
)
def test_a_batch_never_labels_held_out_or_claimed_texts_and_undo_restores_exactly(
    tmp_path_factory, unlabelled_project, data, gold, labelled, claimed, query, relabel
):
    folder = tmp_path_factory.mktemp("bulk")
    corpus = corpus_of(25) if gold else unlabelled_project
    services = Services(settings_in(folder, seed_size=10 if gold else 0), corpus=corpus)
    services.ensure_store()
    with services.project.session() as session:
        every = store.example_ids(("seed", "pool", "eval", "dev"), session=session)
        hidden = set(store.example_ids(("eval", "dev"), session=session))
        texts = dict(store.examples_by_origin(("seed", "pool"), session=session))
    held = {i for i, t in texts.items() if services.project.is_held_out(t)} | hidden
    open_ids = [i for i in every if i not in hidden]
    for position, label in labelled:
        services.label(open_ids[position % len(open_ids)], label, "cy")
    with services.project.session() as session:
        for example_id in {every[p % len(every)] for p in claimed} - hidden:
            claims.claim_first("bo", [example_id], 5.0, session=session)  # no claim on a text a person labelled
        taken = set(claims.holders(every, session=session))
    before = counting(services)
    chosen = data.draw(st.none() | st.lists(st.sampled_from(every), min_size=1, max_size=30, unique=True))
    try:
        batch = services.bulk_label(2, "ana", ids=chosen, relabel=relabel, query=query if chosen is None else "")
    except InvalidInputError as exc:
        assert "Nothing to label" in str(exc)
        assert counting(services) == before
        return
    after = counting(services)
    changed = {i for i in after if after[i] != before.get(i)}
    assert changed and len(changed) == batch.size
    assert not changed & held, "a bulk batch labelled an eval, dev or held-out text"
    assert not changed & taken, "a bulk batch labelled a text another annotator holds"
    if not relabel:
        assert not changed & set(before), "a bulk batch relabelled a labelled text without being asked"
    services.undo_bulk(batch.batch_id)
    assert counting(services) == before


def test_the_request_of_a_batch_is_the_same_when_given_and_when_listed(services):
    services.ensure_store()
    chosen = [h.example_id for h in services.search(query="goal", status="unlabelled").hits[:3]]
    given = services.bulk_label("beta", "ana", ids=[str(i) for i in chosen], relabel=False)
    listed = services.bulk_batches()[0]
    assert given.request == listed.request and listed.request["ids"] == chosen and listed.request["relabel"] is False
    with pytest.raises(InvalidInputError, match="Batch id must be a whole number"):
        services.undo_bulk("first")
    with pytest.raises(InvalidInputError, match="expected"):
        services.bulk_label("beta", "ana", expected="many", query="goal")


def test_review_singles_out_bulk_labels(services):
    services.ensure_store()
    services.train()
    batch = services.bulk_label("alpha", "ana", query="goal", status="unlabelled")  # goal texts are beta: wrong
    bulk_ids = {h.example_id for h in services.search(source="bulk", per_page=200).hits}
    assert len(bulk_ids) == batch.size
    suspects = services.suspects(n=500, source="bulk")
    assert suspects and {s["example_id"] for s in suspects} <= bulk_ids
    assert all(s["source"] == "bulk" for s in suspects)
    with pytest.raises(InvalidInputError, match="Source must be one of"):
        services.suspects(source="pool")


def test_the_label_sources_are_the_stores():
    from hloop.core.search import LABEL_SOURCES
    from labeling.tables import SOURCES

    assert set(LABEL_SOURCES) == set(SOURCES)
