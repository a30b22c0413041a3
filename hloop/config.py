"""Settings, read from the environment (prefix ``HLOOP_``) and built once at the edge."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

HUB_DATASET = "fancyzhx/ag_news"


class Settings(BaseSettings):
    """Where the data, the label store and the models live, and how the loop is seeded."""

    model_config = SettingsConfigDict(env_prefix="HLOOP_", extra="ignore")

    dataset: str = HUB_DATASET
    database_url: str = "sqlite:///data/hloop.db"
    models_dir: Path = Path("models")
    seed_size: int | str = 1000
    random_seed: int = 0
    feedback_weight: float = 1.0
    claim_minutes: float = 5.0
    db_timeout: float = 30.0
    human_labels_file: Path = Path("../shared/data/noisy_ag_news/human_labels.parquet")
    runs_dir: Path | None = None  # simulation results; None = ``runs/`` next to the models dir
    auth: str = ""
    # Modal compute (issue 9): where retraining and pool rescoring run, and texts per remote scoring call
    compute: str = "local"
    compute_chunk: int = 20_000

    @field_validator("seed_size")
    @classmethod
    def _seed_size(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            if value.strip().lower() == "all":
                return "all"
            if not value.strip().isdigit():
                raise ValueError("HLOOP_SEED_SIZE must be a positive integer or 'all'")
            value = int(value)
        if value < 1:
            raise ValueError("HLOOP_SEED_SIZE must be a positive integer or 'all'")
        return value

    @field_validator("feedback_weight")
    @classmethod
    def _feedback_weight(cls, value: float) -> float:
        if not 0 < value <= 100:
            raise ValueError("HLOOP_FEEDBACK_WEIGHT must be in (0, 100]")
        return value

    @model_validator(mode="after")
    def _runs_dir(self) -> Settings:
        if self.runs_dir is None:
            self.runs_dir = Path(self.models_dir).parent / "runs"
        return self

    @field_validator("compute")
    @classmethod
    def _compute(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("local", "modal"):
            raise ValueError("HLOOP_COMPUTE must be 'local' or 'modal'")
        return value

    @field_validator("compute_chunk")
    @classmethod
    def _compute_chunk(cls, value: int) -> int:
        if value < 1:
            raise ValueError("HLOOP_COMPUTE_CHUNK must be a positive number of texts")
        return value
