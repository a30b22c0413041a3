"""Modal compute, offline: the Modal-wrapped functions equal local training and scoring; without credentials
(or network, or a deployment) nothing is attempted or written and the message says what to do."""

import modal
import numpy as np
import pytest
from modal import exception as modal_errors
from pydantic import ValidationError

from hloop.config import Settings
from hloop.core.errors import ComputeUnavailableError, InvalidInputError, ModelIntegrityError
from tests.conftest import TINY_LABELS, tiny_texts
from training import modal_app
from training.artifact import from_bytes
from training.compute import FitOutput, LocalCompute, ModalCompute, compute_backend
from training.pipeline import HYPERPARAMETERS
from training.registry import Registry
from training.remote import fit_artifact
from training.trainer import train_artifact, train_version

TEXTS, LABELS = tiny_texts(12, seed=4)
HUMAN = [i % 3 == 0 for i in range(len(TEXTS))]
EVAL_TEXTS, EVAL_LABELS = tiny_texts(8, seed=5)  # 32 texts: enough for metrics
TRAIN = {
    "feedback_weight": 3.0,
    "eval_texts": EVAL_TEXTS,
    "eval_labels": EVAL_LABELS,
    "label_set": TINY_LABELS,
    "parent": None,
    "data_fingerprint": "tiny",
    "random_state": 7,
}


class DeployedHere:
    """A stand-in for a deployed Modal function: its calls run the app's function through ``.local()``."""

    def __init__(self, app_name: str, name: str) -> None:
        assert app_name == "hloop"
        self.function = getattr(modal_app, name)

    def remote(self, *args, **kwargs):
        return self.function.local(*args, **kwargs)

    def starmap(self, calls):
        return [self.function.local(*args) for args in calls]


@pytest.fixture
def modal_here(monkeypatch):
    """Modal credentials present, and the deployed functions replaced by the app's own run here."""
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-test")
    monkeypatch.setattr(modal.Function, "from_name", DeployedHere)


@pytest.fixture
def no_modal_credentials(monkeypatch):
    """No Modal token in the environment (an empty variable also hides ~/.modal.toml); any Modal call fails."""
    for name in ("MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET", "MODAL_OAUTH_REFRESH_TOKEN"):
        monkeypatch.setenv(name, "")

    def no_network(*_args, **_kwargs):
        raise AssertionError("a Modal function was looked up without credentials")

    monkeypatch.setattr(modal.Function, "from_name", no_network)


def test_modal_functions_train_exactly_like_local_training(modal_here):
    local_model, local_card = train_version(TEXTS, LABELS, HUMAN, **TRAIN)
    artifact, card = train_artifact(TEXTS, LABELS, HUMAN, compute=compute_backend("modal"), **TRAIN)
    assert np.array_equal(artifact.pipeline.predict_proba(EVAL_TEXTS), local_model.predict_proba(EVAL_TEXTS))
    assert card.metrics == local_card.metrics
    assert (card.compute, local_card.compute) == ("modal", "local")


def test_a_remote_version_is_saved_like_a_local_one(tmp_path):
    out = modal_app.fit.local(TEXTS, LABELS, None, HYPERPARAMETERS, 0)
    saved = Registry(tmp_path).save_bytes(out["artifact"], out["sha256"], {"compute": "modal"})
    assert (saved.compute, saved.format, saved.artifact_sha256) == ("modal", "skops", out["sha256"])
    expected = from_bytes(out["artifact"], out["sha256"]).pipeline.predict_proba(EVAL_TEXTS)
    assert np.array_equal(Registry(tmp_path).load(1).predict_proba(EVAL_TEXTS), expected)


@pytest.mark.parametrize("chunk_size", [1, 5, 7, 1000])
def test_chunked_scoring_equals_whole_pool_scoring(modal_here, chunk_size):
    out = fit_artifact(TEXTS, LABELS, None, HYPERPARAMETERS)
    whole = from_bytes(out["artifact"], out["sha256"]).pipeline.predict_proba(EVAL_TEXTS)
    for backend in (LocalCompute(), ModalCompute()):
        assert np.array_equal(backend.score(out["artifact"], EVAL_TEXTS, chunk_size), whole)
        assert backend.score(out["artifact"], [], chunk_size).shape == (0, 4)


def test_without_credentials_modal_changes_nothing(tmp_path, no_modal_credentials):
    registry = Registry(tmp_path)
    registry.save(train_version(TEXTS, LABELS, HUMAN, **TRAIN)[0], {})
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ComputeUnavailableError, match=r"`modal token new`.*MODAL_TOKEN_ID") as raised:
        train_artifact(TEXTS, LABELS, HUMAN, compute=compute_backend("modal"), **TRAIN)
    assert "\n" not in str(raised.value)
    with pytest.raises(ComputeUnavailableError, match="modal token new"):
        ModalCompute().score(registry.artifact(1).data, EVAL_TEXTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (Registry(tmp_path).versions(), Registry(tmp_path).current_version()) == ([1], 1)


@pytest.mark.parametrize(
    ("failure", "advice"),
    [
        (modal_errors.NotFoundError("App 'hloop' not found"), "modal deploy training/modal_app.py"),
        (modal_errors.ConnectionError("unreachable"), "could not be reached"),
        (modal_errors.AuthError("bad token"), "modal token new"),
    ],
)
def test_modal_failures_become_one_clear_error(monkeypatch, failure, advice):
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-test")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-test")

    class Unreachable:
        def remote(self, *_args, **_kwargs):
            raise failure

    monkeypatch.setattr(modal.Function, "from_name", lambda *_args, **_kwargs: Unreachable())
    with pytest.raises(ComputeUnavailableError, match=advice):
        ModalCompute().fit(TEXTS, LABELS, None)


def test_a_stale_deployment_refuses_other_hyperparameters():
    with pytest.raises(InvalidInputError, match="redeploy"):
        fit_artifact(TEXTS, LABELS, None, {**HYPERPARAMETERS, "clf__C": 1.0})


def test_compute_setting_is_validated():
    assert Settings(compute=" Modal ").compute == "modal"
    with pytest.raises(ValidationError, match="HLOOP_COMPUTE must be 'local' or 'modal'"):
        Settings(compute="cloud")
    with pytest.raises(InvalidInputError, match="local, modal"):
        compute_backend("cloud")


def test_bytes_damaged_on_the_way_back_are_refused():
    out = modal_app.fit.local(TEXTS, LABELS, None, HYPERPARAMETERS, 0)
    data = out["artifact"]
    flipped = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
    damaged = FitOutput(**{**out, "artifact": flipped}, compute="modal")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        damaged.verified()


@pytest.mark.parametrize("family", ["hybrid", "auto"])
def test_modal_trains_a_family_like_local_training_with_the_stored_vectors(modal_here, family, tmp_path):
    from training.embeddings import shared_embedder
    from training.families import EmbeddedTexts

    embedder = shared_embedder("wordllama")
    embedded = EmbeddedTexts(TEXTS, embedder.embed(TEXTS).astype(np.float16), embedder.identity)
    options = {**TRAIN, "family": family}
    local_artifact, local_card = train_artifact(embedded, LABELS, HUMAN, **options)
    artifact, card = train_artifact(embedded, LABELS, HUMAN, compute=compute_backend("modal"), **options)
    assert card.family == local_card.family != "auto" and card.choice == local_card.choice
    assert (family == "auto") == (card.choice is not None)
    assert np.array_equal(
        artifact.pipeline.predict_proba(EVAL_TEXTS), local_artifact.pipeline.predict_proba(EVAL_TEXTS)
    )
    saved = Registry(tmp_path).save_artifact(artifact, card)
    uses_embeddings = card.family not in ("tfidf-lr", "tfidf-cnb")  # auto may pick a TF-IDF family on 48 texts
    assert saved.family == card.family
    assert saved.embedder == (dict(embedder.identity.to_dict()) if uses_embeddings else None)


def test_a_worker_with_other_family_settings_refuses_to_train():
    from training.family_settings import family_hyperparameters

    stale = {**family_hyperparameters("hybrid"), "hybrid_embed_weight": 1.0}
    with pytest.raises(InvalidInputError, match="redeploy"):
        modal_app.fit.local(TEXTS, LABELS, None, stale, 0, family="hybrid")


def test_bulk_rows_are_fitted_with_the_bulk_weight_and_other_human_rows_with_the_feedback_weight():
    seen = []

    class Recording(LocalCompute):
        def fit(self, texts, labels, weights, random_state=0, **kwargs):
            seen.append(list(weights))
            return super().fit(texts, labels, weights, random_state, **kwargs)

    bulk = [i % 6 == 0 for i in range(len(TEXTS))]  # half of the human rows (every third) came in bulk
    _model, card = train_version(TEXTS, LABELS, HUMAN, bulk=bulk, bulk_weight=0.5, compute=Recording(), **TRAIN)
    expected = [0.5 if b else 3.0 if h else 1.0 for h, b in zip(HUMAN, bulk, strict=True)]
    assert seen == [expected]
    assert card.hyperparameters["bulk_labels"] == sum(bulk) and card.hyperparameters["bulk_weight"] == 0.5
    train_version(TEXTS, LABELS, HUMAN, compute=Recording(), **TRAIN)
    assert seen[-1] == [3.0 if h else 1.0 for h in HUMAN], "no bulk rows: the weights as before"
