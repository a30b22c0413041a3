"""The one exception tree of HumanLoopML; the UI turns these into ``gr.Error``, the CLI into exit status 2."""


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


class StoreMismatchError(HLoopError):
    """The label store was built from another dataset, seed or split size."""


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
