"""``Settings``: every setting with its default and its check, and the order of the places they are read from."""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hloop.config import checks
from hloop.config.checks import EmbeddingsSetting, ModelSetting, entries, needs_embeddings, origin, proxy, within
from hloop.core.models import AUTO, DEFAULT_EMBEDDINGS
from hloop.core.values import MAX_WEIGHT, MIN_WEIGHT

HUB_DATASET = "fancyzhx/ag_news"
MAX_CLAIM_MINUTES = 24 * 60  # a claim longer than a day only hides an item from everyone else
MIN_CLAIM_MINUTES = 0.05  # 3 s: a shorter claim expires before anyone can read the text
MAX_DB_TIMEOUT = 3600.0
MIN_DB_TIMEOUT = 0.01  # 10 ms: shorter waits turn every ordinary write contention into "busy"
MAX_LOGIN_FAILURES = 1000  # more failures before a lockout is no brake at all
MAX_LOCKOUT_SECONDS = 3600.0  # the login brake never locks out for longer (hloop.ui.auth)
MAX_SEED_SIZE = 10**9  # more rows than any dataset holds; "all" takes every row
MAX_COUNT, MAX_PREDICTION_LOG = 10**7, 10**9
MAX_RANDOM_SEED = 2**31 - 1  # scikit-learn and numpy seeds, with room for one seed per simulation repeat
KIB, MIB, GIB = 2**10, 2**20, 2**30


class Settings(BaseSettings):
    """Where the data, the label store and the models live, and how the loop is seeded."""

    model_config = SettingsConfigDict(env_prefix="HLOOP_", extra="ignore")

    # where values come from, first wins: explicit values, the environment, the project file (hloop.toml); a
    # subclass names fewer (hloop/config/project_file.py checks a file's values alone, or ignores the file)
    SOURCES: ClassVar[tuple[str, ...]] = ("init", "environment", "project file")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The sources ``SOURCES`` names, in its order, then the defaults."""
        from hloop.config.project_file import project_file_source

        sources = {
            "init": (init_settings,),
            "environment": (env_settings, dotenv_settings, file_secret_settings),
            "project file": tuple(project_file_source(settings_cls)) if "project file" in cls.SOURCES else (),
        }
        return tuple(source for name in cls.SOURCES for source in sources[name])

    dataset: str = HUB_DATASET
    text_column: str = "text"
    label_column: str = "label"  # a dataset without this column is unlabelled
    labels: str = ""  # comma-separated label names, in order; empty: from the dataset
    multi_label: checks.MultiLabel = "auto"  # sets of labels per text: 1, 0, or auto (lists or a separator say so)
    label_separator: str = ""  # in a CSV of a multi-label project, between the names of a cell (e.g. |)
    allow_empty: bool = False  # in a multi-label project, a text may have no label
    train_split: str = "train"
    eval_split: str = "test"  # when the dataset has no such split, an eval split is carved from train
    eval_share: float = 0.2  # share carved for eval, or of human labels held out when there are no gold labels
    min_per_label: int = 3  # cold start: human labels per label before v1 trains by itself
    title: str = "HumanLoopML"
    label_descriptions: Path | None = None  # JSON or YAML: label -> sentence, or {description, examples}
    guidelines: Path | None = None  # Markdown shown on the Label queue tab (key H)
    session_goal: checks.SessionGoal = 0  # labels an annotator aims for in a session (0: no goal)
    database_url: str = "sqlite:///data/hloop.db"
    models_dir: Path = Path("models")
    seed_size: int | str = 1000
    random_seed: int = 0
    feedback_weight: float = 1.0
    bulk_weight: float = 0.5  # training weight of labels given in bulk (a search's results, one label for all)
    search_index: bool = True  # the full-text index of the texts (search by words; off for no index upkeep)
    bulk_max: checks.BulkMax = 5000  # the most texts one bulk labelling may label
    claim_minutes: float = 5.0
    db_timeout: float = 30.0
    human_labels_file: Path = Path("../shared/data/noisy_ag_news/human_labels.parquet")
    runs_dir: Path | None = None  # simulation results; None = ``runs/`` next to the models dir
    auth: str = ""
    prediction_log_limit: int = 10_000  # the Predict tab's log of shown predictions keeps only the newest rows
    login_max_failures: int = 5  # login brake (UI and REST): failures per user and address, then a lockout
    login_lockout_seconds: float = 30.0
    compute: str = "local"  # Modal compute: where retraining and pool rescoring run...
    compute_chunk: int = 20_000  # ...and texts per remote scoring call
    # the model: a family, or auto (chosen by cross-validation on the training labels at each retrain), and the
    # embeddings its embedding families use (computed once per text and kept beside the store)
    model: ModelSetting = AUTO
    embeddings: EmbeddingsSetting = DEFAULT_EMBEDDINGS
    overlap: float = 0.0  # share of queue items also offered to a second annotator, to measure agreement
    review_folds: int = 5  # cross-validation folds for the suspect-label ranking
    # trust: a dev split for every choice, the promotion gate, automatic retraining
    dev_share: float = 0.1  # share of the labelled train rows (or of held-out human labels) set aside as dev
    dev_max: int = 2000  # at most this many dev texts from a labelled dataset
    gate_margin: float = 0.005  # a candidate is held back only if its dev accuracy drops by more than this...
    gate_alpha: float = 0.05  # ...and McNemar's one-sided p-value is below this
    auto_retrain_every: int = 0  # start a background retrain after this many new human labels; 0 = off
    # scaling: imports written in short chunks; a new version's pool scores computed in the background
    import_chunk_rows: int = 5000  # rows per import transaction (one bulk insert each)
    scoring_chunk_rows: int = 20_000  # pool texts scored per chunk (a remote backend can take one chunk each)
    inline_scoring_rows: int = 5000  # new pool rows up to this many are scored in the request (milliseconds)
    scoring_processes: int = 1  # worker processes for background scoring; 0 = a thread of the app's process
    fit_in_worker: bool = True  # fit new versions in a lower-priority worker process, kept for the next retrain
    # the HTTP edge: request-body caps, browser origins allowed to call the API, trusted proxies
    max_body_bytes: int = MIB  # any request body; a 20,000-character text is at most ~120 KB of JSON
    max_upload_bytes: int = GIB  # a file sent to the UI's upload route (the Data tab's imports)
    cors_origins: str = ""  # comma-separated origins (https://host[:port]) whose pages may call /api; empty: none
    trusted_proxies: str = ""  # comma-separated addresses/networks whose X-Forwarded-For is believed; empty: none
    restore_max_bytes: int = 10 * 2**30  # the most a restore writes (model files and rows, as its manifest counts)
    monitor_window: int = 5000  # the Monitor keeps this many recent live predictions per process (in memory)

    @field_validator("seed_size")
    @classmethod
    def _seed_size(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            if value.strip().lower() == "all":
                return "all"
            if not value.strip().isdigit():
                raise ValueError("HLOOP_SEED_SIZE must be 0 (cold start), a positive integer or 'all'")
            value = int(value)
        if not 0 <= value <= MAX_SEED_SIZE:
            raise ValueError(
                f"HLOOP_SEED_SIZE must be 0 (cold start), a positive integer up to {MAX_SEED_SIZE:,} or 'all'"
            )
        return value

    @field_validator("eval_share")
    @classmethod
    def _eval_share(cls, value: float) -> float:
        if not (math.isfinite(value) and 0.001 <= value <= 0.9):
            raise ValueError(f"HLOOP_EVAL_SHARE must be between 0.001 and 0.9, e.g. 0.2; got {value!r}")
        return value

    @field_validator("min_per_label")
    @classmethod
    def _min_per_label(cls, value: int) -> int:
        if not 1 <= value <= 1000:
            raise ValueError("HLOOP_MIN_PER_LABEL must be between 1 and 1000")
        return value

    @field_validator("dataset", "database_url", "text_column", "label_column", "train_split", "eval_split", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("feedback_weight", "bulk_weight")
    @classmethod
    def _feedback_weight(cls, value: float, info) -> float:
        if not (math.isfinite(value) and MIN_WEIGHT <= value <= MAX_WEIGHT):
            name = f"HLOOP_{info.field_name.upper()}"
            raise ValueError(f"{name} must be between {MIN_WEIGHT:g} and {MAX_WEIGHT:g}; got {value!r}")
        return value

    @model_validator(mode="after")
    def _runs_dir(self) -> Settings:
        needs_embeddings(self.model, self.embeddings)
        if self.runs_dir is None:
            self.runs_dir = Path(self.models_dir).parent / "runs"
        return self

    # every setting is checked at start, so a bad one refuses to start with one line
    @field_validator("claim_minutes")
    @classmethod
    def _claim_minutes(cls, value: float) -> float:
        return within(value, MIN_CLAIM_MINUTES, MAX_CLAIM_MINUTES, "minutes")

    @field_validator("db_timeout")
    @classmethod
    def _db_timeout(cls, value: float) -> float:
        return within(value, MIN_DB_TIMEOUT, MAX_DB_TIMEOUT, "seconds")

    @field_validator("random_seed")
    @classmethod
    def _random_seed(cls, value: int) -> int:
        return within(value, 0, MAX_RANDOM_SEED, "a whole number")

    @field_validator("prediction_log_limit")
    @classmethod
    def _prediction_log_limit(cls, value: int) -> int:
        return within(value, 1, MAX_PREDICTION_LOG, "rows")

    @field_validator("*")
    @classmethod
    def _utf8(cls, value: object) -> object:
        if isinstance(value, str | Path):
            try:
                str(value).encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"is not valid UTF-8 text ({str(value)!r}); set it again as UTF-8") from None
        return value

    @field_validator("*")
    @classmethod
    def _finite(cls, value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number; got {value!r}")
        return value

    @field_validator("login_max_failures")
    @classmethod
    def _login_max_failures(cls, value: int) -> int:
        return within(value, 1, MAX_LOGIN_FAILURES, "failed logins before a lockout")

    @field_validator("login_lockout_seconds")
    @classmethod
    def _login_lockout_seconds(cls, value: float) -> float:
        return within(value, 1, MAX_LOCKOUT_SECONDS, "seconds of the first lockout")

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
        return within(value, 1, MAX_COUNT, "texts per remote call")

    @field_validator("overlap")
    @classmethod
    def _overlap(cls, value: float) -> float:
        return within(value, 0, 1, "a share of queue items")

    @field_validator("review_folds")
    @classmethod
    def _review_folds(cls, value: int) -> int:
        return within(value, 2, 20, "folds")

    @field_validator("dev_share")
    @classmethod
    def _dev_share(cls, value: float) -> float:
        return within(value, 0, 0.5, "a share; 0 = no dev split")

    @field_validator("dev_max", "auto_retrain_every")
    @classmethod
    def _count(cls, value: int) -> int:
        return within(value, 0, MAX_COUNT, "a whole number")

    @field_validator("gate_margin")
    @classmethod
    def _gate_margin(cls, value: float) -> float:
        return within(value, 0, 0.99, "a share of accuracy")

    @field_validator("gate_alpha")
    @classmethod
    def _gate_alpha(cls, value: float) -> float:
        return within(value, 1e-6, 0.99, "a p-value")

    @field_validator("import_chunk_rows", "scoring_chunk_rows", "monitor_window")
    @classmethod
    def _chunk_rows(cls, value: int) -> int:
        return within(value, 1, 1_000_000, "rows")

    @field_validator("inline_scoring_rows", "scoring_processes")
    @classmethod
    def _inline_scoring_rows(cls, value: int) -> int:
        return within(value, 0, 1_000_000, "rows")

    @field_validator("max_body_bytes")
    @classmethod
    def _max_body_bytes(cls, value: int) -> int:
        return within(value, 64 * KIB, GIB, "bytes")

    @field_validator("max_upload_bytes")
    @classmethod
    def _max_upload_bytes(cls, value: int) -> int:
        return within(value, MIB, 1024 * GIB, "bytes")

    @field_validator("cors_origins")
    @classmethod
    def _cors_origins(cls, value: str) -> str:
        return ",".join(origin(entry) for entry in entries(value))

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        return ",".join(proxy(entry) for entry in entries(value))

    def cors_origin_list(self) -> list[str]:
        """HLOOP_CORS_ORIGINS as a list (empty: no other origin may call the API from a browser)."""
        return entries(self.cors_origins)

    def trusted_proxy_list(self) -> list[str]:
        """HLOOP_TRUSTED_PROXIES as a list (empty: X-Forwarded-For is never believed)."""
        return entries(self.trusted_proxies)

    @field_validator("restore_max_bytes")
    @classmethod
    def _restore_max_bytes(cls, value: int) -> int:
        return within(value, 2**20, 2**40, "bytes, 1 MiB to 1 TiB")
