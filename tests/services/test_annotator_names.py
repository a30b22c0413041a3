"""Annotator names follow one rule (hloop.core.values.parse_annotator) at every edge: stripped, 1-100
characters; a longer name is refused with one line and nothing is stored, never cut to fit."""

from __future__ import annotations

import gradio as gr
import pytest

from hloop.core.errors import InvalidInputError
from labeling import store

LONG = "x" * 101
TOO_LONG = "Annotator name must be at most 100 characters; got 101"


def _calls(services):
    """Every services call that takes an annotator, as (name, call(annotator))."""
    with services.project.session() as session:
        pool_id = store.examples_by_origin(store.QUEUE_ORIGINS, session=session)[0][0]
        seed_id = store.examples_by_origin(["seed"], session=session)[0][0]
    return [
        ("feedback", lambda who: services.feedback("a brand new text", "alpha", who)),
        ("label", lambda who: services.label(pool_id, "alpha", who)),
        ("next_item", lambda who: services.next_item(who)),
        ("submit_label", lambda who: services.submit_label(pool_id, "alpha", who)),
        ("skip", lambda who: services.skip(pool_id, who)),
        ("undo", lambda who: services.undo(who)),
        ("relabel", lambda who: services.relabel(pool_id, "alpha", who)),
        ("keep_label", lambda who: services.keep_label(seed_id, who)),
        ("predict", lambda who: services.predict("a shown text", record_for=who)),
    ]


def _stored_names(services) -> set[str | None]:
    with services.project.session() as session:
        labels = {row.annotator for row in services.history(1000) if row.source != "seed"}
        predictions = {p.annotator for p in store.recent_predictions(1000, session=session)}
    return labels | predictions


def test_a_name_over_100_characters_is_refused_by_every_services_call(trained):
    for _name, call in _calls(trained):
        with pytest.raises(InvalidInputError, match=TOO_LONG):
            call(LONG)
        with pytest.raises(InvalidInputError, match=TOO_LONG):
            call(" " + LONG + " ")
    assert trained.counters()["labels_total"] == 0
    assert trained.next_item("ana") is not None, "no claim was left by the refused calls"
    assert _stored_names(trained) == set(), "nothing was stored, under the full name or a cut one"


def test_names_are_stored_stripped_and_whole(trained):
    full = "y" * 100
    assert trained.feedback("a brand new text", "alpha", f"  {full} ").event.annotator == full
    trained.predict("a shown text", record_for=" ana ")
    trained.predict("another shown text", record_for="  ")
    assert _stored_names(trained) == {full, "ana", None}


def test_a_padded_name_is_the_same_annotator_at_every_step(trained):
    item = trained.next_item(" ana")
    trained.label(item.example_id, "beta", "ana  ")  # ana's own claim: not refused as someone else's
    assert trained.undo("  ana  ").event.annotator == "ana"


def test_the_store_refuses_an_over_long_name_instead_of_cutting_it(trained):
    with trained.project.session() as session:
        with pytest.raises(InvalidInputError, match=TOO_LONG):
            store.add_prediction("a shown text", 0, 0.5, 1, session=session, annotator=LONG)
        example_id = store.examples_by_origin(store.QUEUE_ORIGINS, session=session)[0][0]
        with pytest.raises(InvalidInputError, match=TOO_LONG):
            store.add_label(example_id, 0, LONG, "cli", session=session)
        session.rollback()
    assert _stored_names(trained) == set()


def test_the_predict_tab_refuses_an_over_long_name(trained):
    from hloop.ui.predict import predict_text

    with pytest.raises(gr.Error, match=TOO_LONG):
        predict_text(trained, "a shown text", LONG)
    assert _stored_names(trained) == set()


def test_a_login_user_name_over_100_characters_stops_the_start():
    from hloop.ui.web import auth_pairs

    with pytest.raises(SystemExit, match=TOO_LONG):
        auth_pairs(f"ana:pw,{LONG}:pw2")
