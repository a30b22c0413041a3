"""The one line an edge (the CLI, ``python app.py``) prints for a failure (a bad setting among them), and its exit
status."""

from __future__ import annotations

from pydantic import ValidationError

from hloop.config.environment import debug_tracebacks
from hloop.core.errors import HLoopError, storage_error, unexpected


def failure_line(exc: Exception, what: str) -> tuple[str, int]:
    """(message, exit status) for ``exc`` raised while ``what``: 2 for a failure the user can fix (a project
    error, a bad setting, a disk or path problem), 1 for a bug; with ``HLOOP_DEBUG`` a bug is raised again."""
    if isinstance(exc, HLoopError):
        return str(exc), 2
    if isinstance(exc, ValidationError):
        return f"invalid setting: {settings_problems(exc)}", 2
    if isinstance(exc, OSError):  # full, read-only, a file where a folder belongs
        return str(storage_error(exc, what)), 2
    if debug_tracebacks():
        raise exc
    return unexpected(exc), 1


def settings_problems(error: ValidationError) -> str:
    """A pydantic ValidationError of Settings as one line naming each HLOOP_ variable and what is wrong."""
    parts = []
    for e in error.errors():
        message = str(e["msg"]).removeprefix("Value error, ")
        where = "_".join(map(str, e["loc"])).upper()  # empty for a check of several settings together
        parts.append(f"HLOOP_{where}: {message}" if where else message)
    return "; ".join(parts)
