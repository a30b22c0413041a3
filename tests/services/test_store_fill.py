"""Filling the label store: a retry only when another process really filled it meanwhile, and at most one."""

from __future__ import annotations

import pytest

from hloop.core.errors import StoreFillError
from hloop.services import Services
from labeling import store
from tests.conftest import settings_in


def test_a_store_filled_by_another_process_meanwhile_is_used(tmp_path, tiny_corpus, monkeypatch):
    Services(settings_in(tmp_path), corpus=tiny_corpus).ensure_store()  # the other process
    real, calls = store.get_info, []

    def first_sees_nothing(*, session):
        calls.append(1)
        return {} if len(calls) == 1 else real(session=session)

    monkeypatch.setattr(store, "get_info", first_sees_nothing)
    info = Services(settings_in(tmp_path), corpus=tiny_corpus).ensure_store()
    assert info["data_fingerprint"] == tiny_corpus.fingerprint and len(calls) == 3  # saw it on the one retry


def test_a_constraint_our_own_rows_break_is_a_clear_error_not_a_retry(tmp_path, tiny_corpus):
    services = Services(settings_in(tmp_path), corpus=tiny_corpus)
    with services.project.session() as session:  # a stray row, and no record of the store being filled
        store.add_example(tiny_corpus.eval_texts[0], "user", session=session)
        session.commit()
    with pytest.raises(StoreFillError, match="could not be filled: .*UNIQUE.*Nothing was stored; point HLOOP_DATABASE"):
        services.ensure_store()
    with services.project.session() as session:
        assert [t for _i, t in store.examples_by_origin(["user"], session=session)] == [tiny_corpus.eval_texts[0]]


def test_the_retry_is_bounded(tmp_path, tiny_corpus, monkeypatch):
    Services(settings_in(tmp_path), corpus=tiny_corpus).ensure_store()
    real, calls = store.get_info, []

    def never_seen_at_the_start(*, session):  # filled when checked after a conflict, empty when looked at first
        calls.append(1)
        return real(session=session) if len(calls) % 2 == 0 else {}

    monkeypatch.setattr(store, "get_info", never_seen_at_the_start)
    with pytest.raises(StoreFillError):
        Services(settings_in(tmp_path), corpus=tiny_corpus).ensure_store()
    assert len(calls) == 3  # the first look, the check after the conflict, the one retry's look: no second retry


def test_repeated_eval_texts_in_a_corpus_made_in_code_are_stored_once(tmp_path, tiny_corpus):
    from dataclasses import replace

    import numpy as np

    twice = replace(
        tiny_corpus,
        eval_texts=tiny_corpus.eval_texts + tiny_corpus.eval_texts[:2],
        eval_labels=np.concatenate([tiny_corpus.eval_labels, tiny_corpus.eval_labels[:2]]),
    )
    services = Services(settings_in(tmp_path), corpus=twice)
    services.ensure_store()
    with services.project.session() as session:
        assert len(store.examples_by_origin(["eval"], session=session)) == len(tiny_corpus.eval_texts)
