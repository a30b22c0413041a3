"""The one line an edge (the CLI, ``python app.py``) prints for a failure, and its exit status."""

from __future__ import annotations

from pydantic import ValidationError

from hloop.config.environment import debug_tracebacks
from hloop.config.settings import settings_problems
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
