"""The one exception tree of HumanLoopML; the UI turns these into ``gr.Error``, the CLI into exit status 2."""

from __future__ import annotations

from hloop.core.records import ImportReport


class HLoopError(Exception):
    """Base class: something the user can fix; the message says what and how."""


class InvalidInputError(HLoopError, ValueError):
    """Input was empty, too long, malformed or named an unknown label or strategy."""


class NotFoundError(HLoopError, LookupError):
    """An example, label or model version that does not exist."""


class NoModelError(HLoopError):
    """No model has been trained yet."""


class ModelIntegrityError(HLoopError):
    """A model artifact failed its sha256 check or could not be read."""


class DatasetUnavailableError(HLoopError):
    """The dataset could not be loaded (hub unreachable, folder missing, wrong schema)."""


class MultiLabelDatasetError(DatasetUnavailableError):
    """The label column holds sets of labels: a multi-label dataset, which single-label loading refuses."""


class ProjectFileError(HLoopError):
    """The project file (hloop.toml or HLOOP_CONFIG's) is missing, unreadable, not TOML, or names an unknown
    setting or a bad value."""


class StoreMismatchError(HLoopError):
    """The label store was built from another dataset, seed or split size."""


class EmbedderUnavailableError(InvalidInputError):
    """The embedder a setting names cannot be used: its package is not installed, or its model not found."""


class EmbeddingMismatchError(StoreMismatchError):
    """The stored embeddings were made by another embedder (name, dimension or weights differ)."""


class StoreFillError(HLoopError):
    """The dataset's rows could not be written to an empty label store (a constraint failed); nothing was stored."""


class ClaimError(HLoopError):
    """A queue claim expired or is held by another annotator."""


class NothingToTrainError(HLoopError):
    """Retraining was asked for without new human labels."""


class StoreBusyError(HLoopError):
    """The database is locked or unreachable; nothing was written."""


class ComputeUnavailableError(HLoopError):
    """Remote compute (Modal) has no credentials, cannot be reached or is not deployed; nothing was changed."""


class StoreBrokenError(HLoopError):
    """The label store cannot be used as it is (read-only, not a database, a column missing, disk full); retrying
    will not help until someone fixes what the message names."""


class StorageError(HLoopError):
    """A file or folder could not be written (disk full, read-only, a file where a folder belongs); nothing
    half-written was kept."""


def storage_error(exc: OSError, what: str) -> StorageError:
    """A StorageError for an OSError while ``what`` (e.g. "saving model v3 under models"): what the system said,
    where, and what to do about it."""
    import errno

    where = f" ({exc.filename})" if exc.filename else ""
    fixes = {
        errno.ENOSPC: "free disk space there and do it again",
        errno.EDQUOT: "free disk space (or raise the quota) and do it again",
        errno.EROFS: "the disk is mounted read-only; choose a writable folder",
        errno.EACCES: "give the app write access there, or choose another folder",
        errno.EPERM: "give the app write access there, or choose another folder",
        errno.ENOTDIR: "a file stands where a folder belongs; move it, or point the setting at a folder",
        errno.EEXIST: "a file stands where a folder belongs; move it, or point the setting at a folder",
        errno.EISDIR: "a folder stands where a file belongs; move it, or choose another path",
    }
    fix = fixes.get(exc.errno or 0, "check the disk and the path")
    return StorageError(f"{what} failed: {exc.strerror or exc}{where}; nothing half-written was kept. To fix: {fix}.")


def unexpected(exc: BaseException) -> str:
    """One line for an error the project does not know: its class, its message, and that it is a bug."""
    message = " ".join(str(exc).split())[:300]
    return (
        f"unexpected {type(exc).__name__}: {message} - this is a bug in HumanLoopML; please report it "
        "(set HLOOP_DEBUG=1 for the traceback)."
    )


class ImportStoppedError(HLoopError):
    """An import stopped part-way; the message (and ``report``) say exactly what was added before it stopped."""

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report
