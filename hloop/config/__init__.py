"""Settings, read from the environment (prefix ``HLOOP_``) and the project file (``hloop.toml``), built once at
the edge: explicit values win over the environment, the environment over the project file, the file over the
defaults. This package is the only reader of the environment.

- ``settings``: ``Settings``, every setting with its default and its check;
- ``checks``: the checks its validators share (a range, lists of origins and proxies);
- ``project_file``: where the project file is, how it is checked, and settings built without it;
- ``environment``: the other variables read here (the Space storage, Gradio's address, HLOOP_DEBUG, the
  logs' options, the metrics token);
- ``failures``: the one line an edge prints for a failure, a bad setting among them.
"""

from hloop.config.environment import debug_tracebacks, log_options, metrics_token, server_address, space_storage
from hloop.config.failures import failure_line, settings_problems
from hloop.config.project_file import (
    PROJECT_FILE,
    environment_overrides,
    project_file_path,
    settings_without_project_file,
)
from hloop.config.settings import (
    GIB,
    HUB_DATASET,
    KIB,
    MAX_CLAIM_MINUTES,
    MAX_COUNT,
    MAX_DB_TIMEOUT,
    MAX_LOCKOUT_SECONDS,
    MAX_LOGIN_FAILURES,
    MAX_PREDICTION_LOG,
    MAX_RANDOM_SEED,
    MAX_SEED_SIZE,
    MIB,
    MIN_CLAIM_MINUTES,
    MIN_DB_TIMEOUT,
    Settings,
)

__all__ = [
    "GIB",
    "HUB_DATASET",
    "KIB",
    "MAX_CLAIM_MINUTES",
    "MAX_COUNT",
    "MAX_DB_TIMEOUT",
    "MAX_LOCKOUT_SECONDS",
    "MAX_LOGIN_FAILURES",
    "MAX_PREDICTION_LOG",
    "MAX_RANDOM_SEED",
    "MAX_SEED_SIZE",
    "MIB",
    "MIN_CLAIM_MINUTES",
    "MIN_DB_TIMEOUT",
    "PROJECT_FILE",
    "Settings",
    "debug_tracebacks",
    "log_options",
    "metrics_token",
    "environment_overrides",
    "failure_line",
    "project_file_path",
    "server_address",
    "settings_problems",
    "space_storage",
    "settings_without_project_file",
]
