"""The prediction log stays bounded, and listing recent predictions scales past SQLite's bound-variable limit."""

import sqlite3

from sqlalchemy import insert
from sqlmodel import col, select

from labeling import store
from labeling.tables import Label, Prediction, utcnow


def _log(session, n, keep, start=0):
    for i in range(start, start + n):
        store.add_prediction(f"text {i}", 0, 0.5, 1, session=session, keep=keep)
    session.commit()


def test_the_log_keeps_only_the_newest_rows(session):
    _log(session, 25, keep=10)
    assert store.count_predictions(session=session) == 10
    texts = [p.text for p in session.exec(select(Prediction).order_by(col(Prediction.id)))]
    assert texts == [f"text {i}" for i in range(15, 25)]


def test_without_a_limit_nothing_is_pruned(session):
    _log(session, 12, keep=None)
    assert store.count_predictions(session=session) == 12


def test_a_lower_limit_prunes_at_once_and_gaps_never_exceed_it(session):
    _log(session, 30, keep=100)
    session.delete(session.exec(select(Prediction).order_by(col(Prediction.id).desc())).first())
    session.commit()  # a gap at the top of the id range (SQLite reuses it, PostgreSQL would not)
    _log(session, 1, keep=5, start=30)
    assert store.count_predictions(session=session) <= 5
    _log(session, 20, keep=5, start=31)
    assert store.count_predictions(session=session) == 5


def test_recent_predictions_with_more_labelled_examples_than_sqlite_binds(session):
    # SQLite's default limit is 32,766 bound variables per statement (some builds raise it: set it back)
    session.connection().connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
    n = 40_000
    store.bulk_add_examples(((f"labelled {i}", "pool", 10 + i) for i in range(n)), session=session)
    ids = [i for i, t in store.examples_by_origin(["pool"], session=session) if t.startswith("labelled ")]
    now = utcnow()
    session.execute(
        insert(Label),
        [{"example_id": i, "label": 1, "annotator": "ana", "source": "queue", "created_at": now} for i in ids],
    )
    session.commit()
    assert len(store.human_labelled_ids(session=session)) == n
    store.add_prediction("labelled 7", 1, 0.9, 1, session=session)
    store.add_prediction("not labelled yet", 2, 0.6, 1, session=session)
    store.add_prediction("labelled 39999", 1, 0.9, 1, session=session)
    session.commit()
    assert [p.text for p in store.recent_predictions(10, session=session)] == ["not labelled yet"]
