"""``simulate --model``: any family over texts embedded once per run, and ``auto`` choosing as the product does."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from hloop.cli import build_parser
from hloop.cli import simulate as simulate_command
from hloop.core.errors import InvalidInputError
from hloop.core.strategies import get_strategy
from hloop.experiments import SimulationConfig, format_families, simulate
from hloop.experiments import models as sim_models
from hloop.experiments.annotators import make_annotator, parse_annotator
from hloop.experiments.loop import run_loop, split_rows
from hloop.experiments.models import family_texts
from training.choice import FamilyChoice, needs_new_choice
from training.families import fit_family

RUN = {"seed_size": 12, "batch": 10, "budget": 40}


def run(corpus, features, model, texts=None, strategy="margin", seed=0):
    seed_rows, pool_rows = split_rows(corpus, features.usable, RUN["seed_size"], seed)
    gold = np.asarray(corpus.train_labels)
    who = make_annotator(parse_annotator("oracle"), gold, seed, len(corpus.label_set))
    return run_loop(
        features, seed_rows, gold[seed_rows], pool_rows, who, get_strategy(strategy), batch=RUN["batch"],
        budget=RUN["budget"], feedback_weight=2.0, seed=seed, label_set=corpus.label_set, model=model, texts=texts,
    )  # fmt: skip


@pytest.fixture
def tiny_texts_embedded(tiny_corpus):
    return family_texts(tiny_corpus, "wordllama")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [(["--model", "embed-lr"], "embed-lr"), (["--model", "AUTO"], "auto"), ([], "embed-centroid")],
)
def test_the_model_option_reaches_the_config_and_defaults_to_the_setting(monkeypatch, argv, expected):
    seen = {}

    def fake_run(services, config, **_kw):
        seen["config"] = config
        return {"table": "", "families": "", "target": 0.5, "out_dir": "x", "results": {"reference_accuracy": 0.5,
                "checkpoints": [], "wall_seconds": 0.0, "default_strategy": "warmup_margin"}}  # fmt: skip

    monkeypatch.setattr("hloop.experiments.run_simulation", fake_run)
    settings = SimpleNamespace(
        feedback_weight=1.0, random_seed=0, compute="local", model="embed-centroid", embeddings="model2vec:x/y"
    )
    args = build_parser().parse_args(["simulate", *argv])
    assert simulate_command.simulate(args, SimpleNamespace(settings=settings)) == 0
    assert seen["config"].model == expected
    assert seen["config"].embeddings == "model2vec:x/y", "--embeddings defaults to HLOOP_EMBEDDINGS"


def test_an_unknown_model_is_refused_with_the_valid_names(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--model", "psychic"])
    assert "embed-centroid" in capsys.readouterr().err
    with pytest.raises(InvalidInputError, match="valid: auto, tfidf-lr"):
        SimulationConfig(model="psychic").validated()
    with pytest.raises(InvalidInputError, match="needs embeddings"):
        SimulationConfig(model="embed-lr", embeddings="none").validated()


def test_the_services_cross_check_refuses_other_families_for_now():
    with pytest.raises(InvalidInputError, match="--model tfidf-lr"):
        SimulationConfig(model="auto", engine="services").validated()
    SimulationConfig(model="tfidf-lr", engine="services").validated()


def test_texts_are_embedded_once_per_process_and_dataset(tiny_corpus):
    assert family_texts(tiny_corpus, "wordllama") is family_texts(tiny_corpus, "wordllama")
    plain = family_texts(tiny_corpus, "none")
    assert isinstance(plain.train, list) and len(plain.train) == len(tiny_corpus.train_texts)


@pytest.mark.parametrize("family", ["embed-centroid", "embed-lr"])
def test_an_embedding_family_runs_and_differs_from_tfidf_lr(tiny_corpus, tiny_features, tiny_texts_embedded, family):
    ours = run(tiny_corpus, tiny_features, family, tiny_texts_embedded)
    theirs = run(tiny_corpus, tiny_features, "tfidf-lr")
    assert [c.human_labels for c in ours.checkpoints] == [0, 10, 20, 30, 40]
    assert {c.family for c in ours.checkpoints} == {family} and not any(c.chose_family for c in ours.checkpoints)
    assert {c.family for c in theirs.checkpoints} == {"tfidf-lr"}
    assert (ours.asked.tolist(), [c.accuracy for c in ours.checkpoints]) != (
        theirs.asked.tolist(),
        [c.accuracy for c in theirs.checkpoints],
    )


def test_stored_embeddings_give_the_products_probabilities(tiny_corpus, tiny_texts_embedded):
    """A version fitted on the run's stored vectors predicts as one fitted on the raw texts (embedded anew)."""
    rows, y = np.arange(40), np.asarray(tiny_corpus.train_labels)[:40]
    stored = fit_family("embed-lr", tiny_texts_embedded.rows(rows), y, random_state=0)
    fresh = fit_family("embed-lr", [tiny_texts_embedded.train[i] for i in rows], y, random_state=0)
    np.testing.assert_allclose(
        stored.predict_proba(tiny_texts_embedded.eval), fresh.predict_proba(list(tiny_texts_embedded.eval)), atol=1e-5
    )


def test_auto_trains_each_choice_and_chooses_again_only_when_needs_new_choice_says(
    tiny_corpus, tiny_features, tiny_texts_embedded, monkeypatch
):
    picks = iter(["embed-centroid", "tfidf-lr", "embed-lr", "hybrid"])
    calls = []

    def fake_choose(texts, labels, **kw):
        calls.append(len(texts))
        return FamilyChoice(next(picks), {}, "test", 2, len(texts), training_rows=len(texts), labels=4)

    monkeypatch.setattr(sim_models, "choose_family", fake_choose)
    monkeypatch.setattr(sim_models, "_CHOICES", {})
    result = run(tiny_corpus, tiny_features, "auto", tiny_texts_embedded)
    rows = [c.labels for c in result.checkpoints]
    assert rows == [12, 22, 32, 42, 52]
    # 12: none yet; 22 >= 1.5 x 12; 32 < 1.5 x 22; 42 >= 1.5 x 22; 52 < 1.5 x 42
    assert [c.chose_family for c in result.checkpoints] == [True, True, False, True, False]
    assert calls == [12, 22, 42]
    assert [c.family for c in result.checkpoints] == ["embed-centroid", "tfidf-lr", "tfidf-lr", "embed-lr", "embed-lr"]
    previous = None
    for c, choice in zip(result.checkpoints, [0, 1, 1, 2, 2], strict=True):
        assert c.chose_family == needs_new_choice(previous, c.labels, 4)
        previous = result.choices[choice]


def test_auto_in_a_simulation_records_its_real_choices(tiny_corpus):
    config = SimulationConfig(
        strategies=("random",), repeats=1, seed_size=12, batch=10, budget=20, workers=1, model="auto"
    )
    results = simulate(tiny_corpus, config)
    assert results["config"]["model"] == "auto"
    checkpoints = results["checkpoints"]
    assert [c["chose_family"] for c in checkpoints] == [True, True, False]
    assert all(c["family"] in sim_models.MODEL_CHOICES[1:] for c in checkpoints)
    table = format_families(results)
    assert "| random | " in table and checkpoints[0]["family"] in table and "| 2 |" in table


def test_runs_sharing_their_first_versions_share_auto_s_choices(tiny_corpus, tiny_features, tiny_texts_embedded,
                                                                 monkeypatch):  # fmt: skip
    calls = []
    real = sim_models.choose_family
    monkeypatch.setattr(sim_models, "choose_family", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    monkeypatch.setattr(sim_models, "_CHOICES", {})
    first = run(tiny_corpus, tiny_features, "auto", tiny_texts_embedded, strategy="random")
    assert len(calls) == 3
    again = run(tiny_corpus, tiny_features, "auto", tiny_texts_embedded, strategy="random")
    assert len(calls) == 3, "the same training rows and labels: the kept choice"
    assert [c.accuracy for c in again.checkpoints] == [c.accuracy for c in first.checkpoints]
    run(tiny_corpus, tiny_features, "auto", tiny_texts_embedded, strategy="random", seed=1)
    assert len(calls) == 6, "another seed: other rows, chosen anew"
