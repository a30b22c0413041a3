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
]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_a_bad_setting_refuses_to_start_with_one_line(monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: invalid setting:") and f"{name}:" in err


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
