"""Every setting is checked at start: a bad one refuses to start with one line naming it."""

import pytest
from pydantic import ValidationError

from hloop.cli import main
from hloop.config import Settings

BAD = [
    ("HLOOP_CLAIM_MINUTES", "0"),
    ("HLOOP_CLAIM_MINUTES", "-5"),
    ("HLOOP_CLAIM_MINUTES", "nan"),
    ("HLOOP_CLAIM_MINUTES", "1441"),
    ("HLOOP_CLAIM_MINUTES", "soon"),
    ("HLOOP_DB_TIMEOUT", "0"),
    ("HLOOP_DB_TIMEOUT", "inf"),
    ("HLOOP_RANDOM_SEED", "-1"),
    ("HLOOP_RANDOM_SEED", "4294967296"),
    ("HLOOP_RANDOM_SEED", "1.5"),
    ("HLOOP_PREDICTION_LOG_LIMIT", "0"),
    ("HLOOP_PREDICTION_LOG_LIMIT", "lots"),
    ("HLOOP_FEEDBACK_WEIGHT", "0"),
    ("HLOOP_FEEDBACK_WEIGHT", "nan"),
    ("HLOOP_SEED_SIZE", "-3"),
    ("HLOOP_DATASET", "  "),
    ("HLOOP_DATABASE_URL", ""),
    ("HLOOP_DATASET", "data\udcff"),
    ("HLOOP_MODELS_DIR", "models\udcff"),
    ("HLOOP_AUTH", "ana:pw\udcff"),
    ("HLOOP_MODEL", "bert"),
    ("HLOOP_MODEL", ""),
    ("HLOOP_EMBEDDINGS", "glove"),
    ("HLOOP_EMBEDDINGS", "model2vec:"),
    ("HLOOP_EMBEDDINGS", "wordllama:big"),
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_setting_refuses_to_start_with_one_line(monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: invalid setting:") and f"{name}:" in err


def test_a_family_that_needs_embeddings_without_them_refuses_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("HLOOP_MODEL", "hybrid")
    monkeypatch.setenv("HLOOP_EMBEDDINGS", "none")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: invalid setting: HLOOP_MODEL=hybrid needs embeddings" in err


CANONICAL = [
    ("HLOOP_MODEL", " Hybrid ", "hybrid"),
    ("HLOOP_MODEL", "AUTO", "auto"),
    ("HLOOP_EMBEDDINGS", "Model2Vec: ./m", "model2vec:./m"),
    ("HLOOP_EMBEDDINGS", "NONE", "none"),
]


@pytest.mark.parametrize(("name", "value", "read"), CANONICAL)
def test_model_settings_are_read_in_their_canonical_form(monkeypatch, name, value, read):
    monkeypatch.setenv(name, value)
    assert getattr(Settings(), name.removeprefix("HLOOP_").lower()) == read


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HLOOP_CLAIM_MINUTES", "0.5"),
        ("HLOOP_DB_TIMEOUT", "2"),
        ("HLOOP_RANDOM_SEED", "0"),
        ("HLOOP_PREDICTION_LOG_LIMIT", "1"),
    ],
)
def test_good_settings_are_accepted(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert str(getattr(Settings(), name.removeprefix("HLOOP_").lower())) in (value, f"{float(value)}")


def test_the_prediction_log_limit_defaults_to_ten_thousand(monkeypatch):
    monkeypatch.delenv("HLOOP_PREDICTION_LOG_LIMIT", raising=False)
    assert Settings().prediction_log_limit == 10_000


def _numeric_fields() -> list[str]:
    return [
        name
        for name, field in Settings.model_fields.items()
        if field.annotation in (int, float, int | str) and name != "seed_size"
    ] + ["seed_size"]


@pytest.mark.parametrize("field", _numeric_fields())
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "1e300", str(10**30)])
def test_every_numeric_setting_has_a_finite_range(monkeypatch, field, value):
    monkeypatch.setenv(f"HLOOP_{field.upper()}", value)
    with pytest.raises(ValidationError, match=field):
        Settings()


DURATIONS_AND_RATES = ["claim_minutes", "db_timeout", "login_lockout_seconds", "feedback_weight", "gate_alpha"]


@pytest.mark.parametrize("field", DURATIONS_AND_RATES)
def test_a_vanishing_duration_or_rate_is_refused(monkeypatch, field):
    monkeypatch.setenv(f"HLOOP_{field.upper()}", "1e-300")
    with pytest.raises(ValidationError, match=field):
        Settings()


@pytest.mark.parametrize(("field", "value"), [("login_lockout_seconds", "nan"), ("login_max_failures", "1000001")])
def test_the_login_brake_cannot_be_switched_off(monkeypatch, capsys, field, value):
    monkeypatch.setenv(f"HLOOP_{field.upper()}", value)
    assert main(["status"]) == 2
    assert f"HLOOP_{field.upper()}:" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1", "7860.5"])
def test_a_bad_gradio_server_port_is_one_clear_error(monkeypatch, port):
    from hloop.config import server_address
    from hloop.core.errors import InvalidInputError

    monkeypatch.setenv("GRADIO_SERVER_PORT", port)
    with pytest.raises(InvalidInputError, match="GRADIO_SERVER_PORT must be a port number"):
        server_address()


def test_the_server_address_defaults_to_this_machine(monkeypatch):
    from hloop.config import server_address

    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    assert server_address() == ("127.0.0.1", 7860)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "8080")
    assert server_address() == ("0.0.0.0", 8080)
