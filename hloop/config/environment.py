"""What the app reads from the environment besides its ``HLOOP_`` settings: the debug switch, a Hugging Face
Space's persistent storage, Gradio's server address, the logs' options and the metrics token. Read here, so no
other module reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

from hloop.core.errors import InvalidInputError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860  # locally the app stays on this machine


def debug_tracebacks() -> bool:
    """Whether ``HLOOP_DEBUG`` asks for the traceback of an unexpected error (read even when other settings are
    invalid, so it is not a ``Settings`` field)."""
    return os.environ.get("HLOOP_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def space_storage() -> dict:
    """On a Hugging Face Space with persistent storage (``SPACE_ID`` set, ``/data`` writable), keep the store and
    the models in ``/data`` unless ``HLOOP_DATABASE_URL`` / ``HLOOP_MODELS_DIR`` say otherwise."""
    overrides: dict = {}
    if os.environ.get("SPACE_ID") and os.access("/data", os.W_OK):
        if "HLOOP_DATABASE_URL" not in os.environ:
            overrides["database_url"] = "sqlite:////data/hloop.db"
        if "HLOOP_MODELS_DIR" not in os.environ:
            overrides["models_dir"] = Path("/data/models")
    return overrides


def server_address() -> tuple[str, int]:
    """(host, port) from ``GRADIO_SERVER_NAME`` and ``GRADIO_SERVER_PORT`` (a Space sets 0.0.0.0)."""
    host = os.environ.get("GRADIO_SERVER_NAME", "").strip() or DEFAULT_HOST
    raw = os.environ.get("GRADIO_SERVER_PORT", "").strip() or str(DEFAULT_PORT)
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise InvalidInputError(f"GRADIO_SERVER_PORT must be a port number from 1 to 65535; got {raw!r}.")
    return host, int(raw)


LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _switch(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def log_options() -> tuple[str, str, bool]:
    """(format, level, texts) of the logs from ``HLOOP_LOG_FORMAT`` (json or text; default text),
    ``HLOOP_LOG_LEVEL`` (default INFO) and ``HLOOP_LOG_TEXTS`` (1: log texts, not only their hash and length).
    Read apart from ``Settings``, so a start-up that fails on a bad setting is still logged as asked."""
    shape = os.environ.get("HLOOP_LOG_FORMAT", "").strip().lower() or "text"
    if shape not in LOG_FORMATS:
        raise InvalidInputError(f"HLOOP_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}; got {shape!r}.")
    level = os.environ.get("HLOOP_LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise InvalidInputError(f"HLOOP_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}; got {level!r}.")
    return shape, level, _switch("HLOOP_LOG_TEXTS")


def metrics_token() -> str | None:
    """``HLOOP_METRICS_TOKEN``: a bearer token that lets a scraper read ``/metrics`` without a login (None: only
    the login guards it, when ``HLOOP_AUTH`` is set)."""
    return os.environ.get("HLOOP_METRICS_TOKEN", "").strip() or None
