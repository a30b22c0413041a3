"""The kept tokens: read back by id range, merged past MAX_SEGMENTS, never read for another store or reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from training.pipeline import make_pipeline
from training.token_counts import reading, tokenize
from training.token_store import MANIFEST, MAX_SEGMENTS, TokenStore, keep_new, kept_inputs, read_range, tokens_folder

VECTORIZER = TfidfVectorizer(ngram_range=(1, 2)).fit(["oil prices rise", "stocks fall on oil"])
READING = reading(VECTORIZER)
TEXTS = {i: f"text number {i} about oil and stocks {'x' * (i % 3)}" for i in range(1, 40)}


def _rows(store_folder: Path, first: int, last: int, owner: str = "A") -> dict[int, list[int]]:
    ids, tokens = read_range(store_folder, READING, owner, first, last)
    return {int(i): tokens.hashes[tokens.offsets[k] : tokens.offsets[k + 1]].tolist() for k, i in enumerate(ids)}


def _expected(ids) -> dict[int, list[int]]:
    tokens = tokenize([TEXTS[i] for i in ids], VECTORIZER)
    return {i: tokens.hashes[tokens.offsets[k] : tokens.offsets[k + 1]].tolist() for k, i in enumerate(ids)}


def test_the_folder_sits_beside_the_embeddings_folder():
    assert tokens_folder("data/hloop.embeddings") == Path("data/hloop.tokens")


def test_rows_come_back_by_id_range_across_segments_and_after_merging(tmp_path):
    folder = tmp_path / "t"
    store = TokenStore(folder, READING, "A")
    batches = [list(range(k, 40, MAX_SEGMENTS + 2)) for k in range(1, MAX_SEGMENTS + 3)]  # interleaved ids
    for n, batch in enumerate(batches, start=1):
        store.add(np.array(batch), tokenize([TEXTS[i] for i in batch], VECTORIZER))
        assert len(store.segments()) == (n if n <= MAX_SEGMENTS else n - MAX_SEGMENTS)
        assert _rows(folder, 1, 39) == _expected(sorted(i for b in batches[:n] for i in b))
    assert _rows(folder, 5, 12) == _expected(range(5, 13))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            MANIFEST,
            *(f"{k}-{n}.npy" for n in TokenStore(folder, READING, "A")._segments for k in ("ids", "offsets", "hashes")),
        ]
    ), "no file a manifest does not name"


def test_another_store_or_reading_reads_nothing_and_the_next_writer_empties_it(tmp_path):
    folder = tmp_path / "t"
    TokenStore(folder, READING, "A").add(np.array([1, 2]), tokenize([TEXTS[1], TEXTS[2]], VECTORIZER))
    assert len(_rows(folder, 1, 2)) == 2
    assert _rows(folder, 1, 2, owner="B") == {}, "a restored store's ids name other texts"
    other = {**READING, "lowercase": not READING["lowercase"]}
    assert read_range(folder, other, "A", 1, 2)[0].size == 0
    TokenStore(folder, READING, "B")
    assert _rows(folder, 1, 2, owner="B") == {} and _rows(folder, 1, 2) == {}


def test_a_damaged_manifest_is_rebuilt_and_a_missing_folder_reads_nothing(tmp_path):
    assert _rows(tmp_path / "none", 1, 9) == {}
    folder = tmp_path / "t"
    TokenStore(folder, READING, "A").add(np.array([3]), tokenize([TEXTS[3]], VECTORIZER))
    (folder / MANIFEST).write_text("{not json")
    assert _rows(folder, 1, 9) == {}
    assert TokenStore(folder, READING, "A").segments() == []


def test_kept_inputs_read_kept_tokens_and_tokenize_only_the_rest(tmp_path):
    folder = tmp_path / "t"
    texts = list(TEXTS.values())
    model = make_pipeline().fit(texts, [i % 2 for i in range(len(texts))])
    ids = np.array(list(TEXTS))
    own = model.predict_proba(texts)
    inputs, new = kept_inputs(model, texts, ids, folder, "A")
    assert new is not None and new.ids.tolist() == ids.tolist(), "nothing kept yet: every text tokenized"
    assert keep_new(folder, "A", [new]) == len(texts)
    np.testing.assert_array_equal(model.predict_proba(inputs), own)
    more = {100: "new text about oil", 101: "stocks again"}
    ids2 = np.array([2, 5, 100, 101])
    texts2 = [TEXTS[2], TEXTS[5], *more.values()]
    inputs2, new2 = kept_inputs(model, texts2, ids2, folder, "A")
    assert new2 is not None and new2.ids.tolist() == [100, 101], "only the texts without kept tokens"
    np.testing.assert_array_equal(model.predict_proba(inputs2), model.predict_proba(texts2))  # plain: tokenized


def test_the_keeper_writes_every_flush_rows_texts_and_a_failure_costs_only_the_cache(tmp_path, monkeypatch, capsys):
    from training import token_store

    monkeypatch.setattr(token_store, "FLUSH_ROWS", 3)
    folder = tmp_path / "t"

    def made(ids):
        return token_store.NewTokens(READING, np.array(ids), tokenize([TEXTS[i] for i in ids], VECTORIZER))

    keeper = token_store.TokenKeeper(folder, "A")
    keeper.add(made([1, 2]))
    assert _rows(folder, 1, 39) == {}, "held until FLUSH_ROWS texts"
    keeper.add(made([3, 4]))
    assert sorted(_rows(folder, 1, 39)) == [1, 2, 3, 4]
    keeper.add(made([7]))
    keeper.flush()
    assert _rows(folder, 1, 39) == _expected([1, 2, 3, 4, 7]) and keeper.kept == 5
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    broken = token_store.TokenKeeper(blocked, "A")
    broken.add(made([1]))
    broken.flush()
    broken.add(made([2]))
    broken.flush()
    assert broken.failed and broken.kept == 0
    assert capsys.readouterr().err.count("pool tokens not kept") == 1, "logged once"
