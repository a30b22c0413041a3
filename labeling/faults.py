"""What a database error means: a transient one (locked, timed out, unreachable) passes by retrying; a permanent
one (read-only, disk full, not a database, a missing column, no privilege) needs someone to fix the store."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from hloop.core.errors import HLoopError, StoreBrokenError, StoreBusyError

FIX_SCHEMA = (
    "restore a backup into a new store (`python -m hloop restore`), or point HLOOP_DATABASE_URL at a new store "
    "(this one was made or changed by another program or release)"
)
# (what the driver says or the SQLSTATE class, what is wrong, what to do); first match wins
_PERMANENT = (
    (
        ("readonly", "read-only", "read only", "25006"),
        "is read-only",
        "give the app write access to the database (and, for SQLite, its file and folder), or point "
        "HLOOP_DATABASE_URL at a writable store",
    ),
    (
        ("disk is full", "disk full", "no space left", "53100"),
        "has no disk space left",
        "free disk space where the store lives, then carry on: nothing else was lost",
    ),
    (
        ("file is not a database", "not a database", "malformed", "file is encrypted"),
        "is not a SQLite database or is damaged",
        "point HLOOP_DATABASE_URL at a HumanLoopML store, or restore a backup into a new one",
    ),
    (
        ("no such column", "no such table", "has no column", "42703", "42p01"),
        "lacks a table or column this release needs",
        FIX_SCHEMA,
    ),
    (
        ("permission denied", "insufficient privilege", "42501", "access denied", "authentication failed", "28"),
        "refuses this database user",
        "grant the user HLOOP_DATABASE_URL names the rights it needs, or use another",
    ),
    (
        ("unable to open database", "cannot open", "is a directory"),
        "cannot be opened",
        "check that HLOOP_DATABASE_URL names a database file in a folder the app can write",
    ),
)


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "").lower()


def _driver_text(exc: DBAPIError) -> str:
    return " ".join(str(exc.orig).split())[:200]


def permanent_problem(exc: DBAPIError) -> tuple[str, str] | None:
    """(what is wrong, what to do) for an error that retrying will not fix; None for a transient one."""
    said, state = _driver_text(exc).lower(), _sqlstate(exc)
    for needles, wrong, fix in _PERMANENT:
        for needle in needles:
            if needle.isalnum() and not needle.isalpha():  # a SQLSTATE code or class
                if state and state.startswith(needle):
                    return wrong, fix
            elif needle in said:
                return wrong, fix
    if isinstance(exc, OperationalError):
        return None  # locked, timed out, connection refused or lost: busy, retrying helps
    return (
        "refused the request",
        "this will not pass by retrying; check the store (see the message) or restore a backup",
    )


def store_error(exc: DBAPIError, where: str, action: str = "nothing was saved") -> HLoopError:
    """The HLoopError for a database error: StoreBrokenError (permanent: what is wrong, what to do) or
    StoreBusyError (transient: try again)."""
    problem = permanent_problem(exc)
    if problem is None:
        return StoreBusyError(
            f"The label store is busy or unreachable ({_driver_text(exc)[:120]}); {action}. Try again."
        )
    wrong, fix = problem
    return StoreBrokenError(f"The label store at {where} {wrong} ({_driver_text(exc)[:160]}); {action}. To fix: {fix}.")
