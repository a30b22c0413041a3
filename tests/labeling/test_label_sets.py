"""Label sets in the store (issue 21, part 1): canonical encoding, the latest live set counts, undo brings the
previous one back, bad sets are refused with what to do, and a single-label store is never read as sets."""

import pytest
from sqlalchemy import select
from sqlmodel import Session

from hloop.core.errors import InvalidInputError
from labeling import store
from labeling.db import make_engine
from labeling.label_sets import (
    EMPTY_SET,
    add_label_set,
    decode_label_set,
    encode_label_set,
    latest_label_sets,
)
from labeling.tables import Label


@pytest.fixture
def sets_session():
    with Session(make_engine("sqlite://")) as session:
        rows = [("seed one", "seed", 0), ("pool two", "pool", 1), ("pool three", "pool", 2), ("eval four", "eval", 0)]
        store.bulk_add_examples(rows, session=session)
        add_label_set(1, [2, 0], "seed", "seed", session=session, n_labels=4)
        session.commit()
        yield session


def test_a_set_is_stored_sorted_without_repeats_and_read_back():
    assert encode_label_set([3, 1, 3], 4) == "[1,3]"
    assert encode_label_set([1, 3], 4) == encode_label_set((3, 1), 4)
    assert decode_label_set("[1,3]") == (1, 3)
    assert decode_label_set(encode_label_set([], 4, allow_empty=True)) == ()


@pytest.mark.parametrize("bad", [[4], [-1], [1, "2"], [True], [1.0]])
def test_an_index_outside_the_label_set_is_refused_with_what_to_do(bad):
    with pytest.raises(InvalidInputError, match="label indices 0 to 3.*label names the project knows"):
        encode_label_set(bad, 4)


def test_an_empty_set_is_refused_unless_the_project_allows_it(sets_session):
    with pytest.raises(InvalidInputError, match="at least one label.*HLOOP_ALLOW_EMPTY"):
        add_label_set(2, [], "ana", "queue", session=sets_session, n_labels=4)
    row = add_label_set(2, [], "ana", "queue", session=sets_session, n_labels=4, allow_empty=True)
    assert (row.label, row.labels) == (EMPTY_SET, "[]")


def test_the_latest_live_set_counts_and_undo_brings_the_previous_one_back(sets_session):
    add_label_set(2, [1], "ana", "queue", session=sets_session, n_labels=4)
    add_label_set(2, [1, 3], "ana", "correction", session=sets_session, n_labels=4)
    add_label_set(4, [0], "ana", "cli", session=sets_session, n_labels=4)  # eval: stored, never a training set
    got = {s.example_id: (s.labels, s.human) for s in latest_label_sets(session=sets_session)}
    assert got == {1: ((0, 2), False), 2: ((1, 3), True)}
    store.undo_last("ana", session=sets_session)  # the eval one
    store.undo_last("ana", session=sets_session)  # the correction
    assert {s.example_id: s.labels for s in latest_label_sets(session=sets_session)} == {1: (0, 2), 2: (1,)}
    first = sets_session.exec(select(Label).where(Label.example_id == 2).order_by(Label.id)).scalars().first()
    assert first.label == 1  # the set's first index, for what reads single labels


def test_a_store_of_single_labels_is_not_read_as_sets(session):
    with pytest.raises(InvalidInputError, match="single label, not a set.*new store"):
        latest_label_sets(session=session)


def test_an_unknown_source_or_example_is_refused(sets_session):
    with pytest.raises(InvalidInputError, match="Unknown label source"):
        add_label_set(2, [1], "ana", "telepathy", session=sets_session, n_labels=4)
    with pytest.raises(Exception, match="999"):
        add_label_set(999, [1], "ana", "queue", session=sets_session, n_labels=4)
