"""Store functions: examples, label history, latest label, validation that stores nothing on error."""

import pytest
from sqlmodel import func, select

from hloop.core.errors import InvalidInputError, NotFoundError
from labeling import store
from labeling.tables import Label


def _ids(session):
    return {text: i for i, text in store.examples_by_origin(("seed", "pool", "eval"), session=session)}


def _label_count(session):
    return session.exec(select(func.count()).select_from(Label)).one()


def test_latest_label_counts_and_history_is_kept(session):
    pool = _ids(session)["pool text two"]
    store.add_label(pool, 0, "ana", "queue", session=session)
    store.add_label(pool, 2, "bob", "correction", session=session)
    session.commit()
    latest = {r.example_id: r for r in store.latest_labels(session=session)}
    assert latest[pool].label == 2 and latest[pool].human
    assert len(store.label_history(session=session)) == 2  # both events kept
    assert store.human_labelled_ids(session=session) == {pool}


def test_seed_labels_are_not_human(session):
    latest = store.latest_labels(session=session)
    assert [(r.text, r.label, r.human) for r in latest] == [("seed text one", 2, False)]
    assert store.count_human_labels(session=session) == 0


def test_eval_examples_never_appear_in_training_rows(session):
    ev = _ids(session)["eval text four"]
    store.add_label(ev, 0, "ana", "cli", session=session)
    session.commit()
    assert ev not in {r.example_id for r in store.latest_labels(session=session)}
    assert ev not in {r.example_id for r in store.latest_labels(session=session, origins=("eval", "pool"))}


def test_undo_marks_the_label_and_the_previous_one_counts_again(session):
    pool = _ids(session)["pool text three"]
    store.add_label(pool, 1, "ana", "queue", session=session)
    store.add_label(pool, 0, "ana", "correction", session=session)
    undone = store.undo_last("ana", session=session)
    session.commit()
    assert undone.undone_at is not None and undone.label == 0
    latest = {r.example_id: r.label for r in store.latest_labels(session=session)}
    assert latest[pool] == 1
    assert _label_count(session) == 3  # seed + two human events, nothing deleted


def test_undo_with_nothing_to_undo(session):
    with pytest.raises(NotFoundError, match="no label to undo"):
        store.undo_last("nobody", session=session)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"label": "alpha"}, InvalidInputError),
        ({"label": -1}, InvalidInputError),
        ({"annotator": "  "}, InvalidInputError),
        ({"source": "magic"}, InvalidInputError),
        ({"example_id": 999}, NotFoundError),
    ],
)
def test_bad_labels_store_nothing(session, kwargs, error):
    before = _label_count(session)
    args = {"example_id": _ids(session)["pool text two"], "label": 0, "annotator": "ana", "source": "queue"}
    args.update(kwargs)
    with pytest.raises(error):
        store.add_label(
            args.pop("example_id"), args.pop("label"), args.pop("annotator"), args.pop("source"), session=session
        )
    session.rollback()
    assert _label_count(session) == before


def test_add_example_dedupes_exact_text(session):
    first, new1 = store.add_example("  A fresh headline ", "user", session=session)
    again, new2 = store.add_example("A fresh headline", "import", session=session)
    assert new1 and not new2 and first.id == again.id and again.origin == "user"
    with pytest.raises(InvalidInputError):
        store.add_example("   ", "user", session=session)
    with pytest.raises(InvalidInputError):
        store.add_example("text", "elsewhere", session=session)


def test_counters_after_an_id(session):
    pool = _ids(session)["pool text two"]
    first = store.add_label(pool, 0, "ana", "queue", session=session)
    store.add_label(pool, 1, "ana", "correction", session=session)
    session.commit()
    assert store.count_human_labels(session=session) == 2
    assert store.count_human_labels(session=session, after_id=first.id) == 1
    assert store.last_label_id(session=session) > first.id


def test_texts_in_an_id_range_are_those_of_the_origins_by_id(session):
    for i, origin in enumerate(["pool", "eval", "import", "seed", "pool", "dev"]):
        store.add_example(f"range text {i}", origin, session=session)
    session.commit()
    rows = store.texts_in_id_range(("pool", "import"), 0, 2**31 - 1, session=session)
    origins = dict(store.examples_by_origin(("pool", "import"), session=session))
    assert [i for i, _ in rows] == sorted(origins) and all(isinstance(t, str) for _, t in rows)
    assert {t for _, t in rows} >= {"range text 0", "range text 2", "range text 4"}
    assert not {"range text 1", "range text 3", "range text 5"} & {t for _, t in rows}
    ids = [i for i, _ in rows]
    assert store.texts_in_id_range(("pool", "import"), ids[1], ids[-2], session=session) == rows[1:-1]
