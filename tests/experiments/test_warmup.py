"""The warm-up sweep (decided on dev) runs with any model, and says which families its versions trained."""

from __future__ import annotations

from hloop.experiments.warmup import sweep


def test_the_sweep_simulates_the_model_it_is_given(tiny_corpus):
    kwargs = {"repeats": 1, "annotator": "oracle", "crowd_file": None, "seed_size": 12}
    centroid = sweep(tiny_corpus, [0, 5], model="embed-centroid", **kwargs)
    tfidf = sweep(tiny_corpus, [0, 5], **kwargs)
    assert [r["strategy"] for r in centroid] == ["random", "warm-up 0", "warm-up 5"]
    assert all(r["families"] == ["embed-centroid"] for r in centroid)
    assert all(r["families"] == ["tfidf-lr"] for r in tfidf)
    assert [r["dev_auc"] for r in centroid] != [r["dev_auc"] for r in tfidf]
    assert all(0.0 <= r["dev_auc"] <= 1.0 and r["dev_auc_spread"] == 0.0 for r in centroid), "one repeat: no spread"
