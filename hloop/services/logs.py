"""The logs: one line per record on stderr (``HLOOP_LOG_FORMAT``: ``json``, one JSON object a line, or ``text``,
``time level event key=value …``), the events of ``hloop.core.events`` and every other record (hloop's, uvicorn's,
gradio's, Python warnings) alike.

An event's texts are never written by default: each one as ``text_sha256`` (its first 16 hex digits) and
``text_chars``; with ``HLOOP_LOG_TEXTS`` the texts too. uvicorn's access log keeps API calls and page loads, one
line each without their query string (a search's words are texts), and drops the UI's assets, files, heartbeats
and queue streams (``QUIET_PATHS``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from hloop.core import events

EVENTS_LOGGER = "hloop.events"
HANDLER_NAME = "hloop-logs"
CHATTY_LOGGERS = ("alembic", "httpx", "httpcore", "urllib3")
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
QUIET_PATHS = (  # the UI's own requests and the probes' /health: a line each would drown what matters
    "/health",
    "/assets/",
    "/static/",
    "/svelte/",
    "/file=",
    "/gradio_api/file=",
    "/gradio_api/heartbeat/",
    "/gradio_api/queue/data",
    "/gradio_api/upload_progress",
    "/favicon.ico",
    "/theme.css",
    "/manifest.json",
    "/robots.txt",
)
LEVELS = {"error": logging.ERROR, "app.failed": logging.ERROR, "login.refused": logging.WARNING,
          "login.locked_out": logging.WARNING, "monitor.flag": logging.WARNING}  # fmt: skip
_PLAIN = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}
_state: dict[str, Callable[[], None] | None] = {"unsubscribe": None}


def text_fields(texts: Sequence[str], include: bool) -> dict[str, Any]:
    """What a log line says of an event's texts: their sha256 (16 hex digits) and length, and with ``include`` the
    texts themselves; one value for one text, lists for several, nothing for none."""
    if not texts:
        return {}
    shown: dict[str, list] = {
        "text_sha256": [hashlib.sha256(t.encode("utf-8")).hexdigest()[:16] for t in texts],
        "text_chars": [len(t) for t in texts],
    }
    if include:
        shown["text"] = list(texts)
    return {key: values[0] if len(texts) == 1 else values for key, values in shown.items()}


def _utc(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """A record as the log line's keys: time (UTC), level, logger, event, message, then its fields (an event's, or
    the ``extra`` of an ordinary record) and, for an exception, its class and traceback."""
    event = getattr(record, "hloop_event", None)
    message = record.getMessage()
    out: dict[str, Any] = {"time": _utc(record.created), "level": record.levelname, "logger": record.name}
    if event is not None:
        out["message"] = message
        out.update(event)  # an event's own time (UTC) replaces the record's; its own message replaces its name
    else:
        named = message.startswith("event=")  # the older ``event=name key=value`` messages of hloop's loggers
        out.update(event=message.split()[0].removeprefix("event=") if named else "log", message=message)
        out.update({k: v for k, v in vars(record).items() if k not in _PLAIN and k not in out and k[0] != "_"})
    if record.exc_info and record.exc_info[0] is not None:
        out.setdefault("error_class", record.exc_info[0].__name__)
        out["traceback"] = logging.Formatter().formatException(record.exc_info)
    return out


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        return json.dumps(fields, ensure_ascii=False, default=str, separators=(",", ":"))


class TextLines(logging.Formatter):
    """A readable line per record: ``time level event key=value …`` (empty fields left out)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        head = [fields.pop("time"), fields.pop("level"), fields.pop("event")]
        message, logger = fields.pop("message"), fields.pop("logger")
        if head[2] == "log":  # an ordinary record: its logger and message; an event says it all in its fields
            head.append(f"{logger}: {message}")
        trace = fields.pop("traceback", None)
        rest = [f"{k}={v if isinstance(v, int | float) else json.dumps(v, default=str, ensure_ascii=False)}"
                for k, v in fields.items() if v not in (None, [], "")]  # fmt: skip
        line = " ".join([*head, *rest])
        return f"{line}\n{trace}" if trace else line


class QuietAccess(logging.Filter):
    """uvicorn's access log without the UI's asset, file and polling requests, and without query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        client, method, full_path, version, status = args
        path = str(full_path).split("?", 1)[0]
        if any(path.startswith(quiet) or f"/{quiet.strip('/')}" == path for quiet in QUIET_PATHS):
            return False
        record.args = (client, method, path, version, status)
        record.hloop_event = {"event": "http.request", "method": method, "path": path, "status": status}
        return True


def _event_sink(texts: bool) -> Callable[[events.Event], None]:
    logger = logging.getLogger(EVENTS_LOGGER)

    def log(event: events.Event) -> None:
        level = LEVELS.get(event.name, logging.INFO)
        if event.name == "error" and int(event.fields.get("status") or 500) < 500:
            level = logging.WARNING  # a refused request (4xx) is the caller's mistake, not the server's
        if logger.isEnabledFor(level):
            fields = {**event.to_dict(), **text_fields(event.texts, texts)}
            logger.log(level, event.name, extra={"hloop_event": fields})

    return log


def configure_logging(shape: str, level: str, texts: bool, stream: IO[str] | None = None) -> None:
    """Write every log record, and every event, to ``stream`` (stderr, where the app always wrote) in ``shape``
    (json or text) from ``level`` up; texts as hashes unless ``texts``. Called again, it replaces what it set
    (one handler only)."""
    reset_logging()
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.name = HANDLER_NAME
    handler.setFormatter(JsonLines() if shape == "json" else TextLines())
    root = logging.getLogger()
    for other in [h for h in root.handlers if type(h) is logging.StreamHandler]:  # a library's basicConfig
        root.removeHandler(other)
    root.addHandler(handler)
    root.setLevel(level)
    for name in SERVER_LOGGERS:  # through the one handler, never uvicorn's own formats
        server = logging.getLogger(name)
        server.handlers.clear()
        server.propagate = True
        server.setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").addFilter(QuietAccess())
    for name in CHATTY_LOGGERS:  # a library's own progress (a migration context, its HTTP calls): warnings only
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.captureWarnings(True)
    _state["unsubscribe"] = events.subscribe(_event_sink(texts))


def reset_logging() -> None:
    """Undo ``configure_logging``: its handler, filter and event sink removed, warnings no longer logged."""
    stop = _state["unsubscribe"]
    if stop is not None:
        stop()
        _state["unsubscribe"] = None
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
        root.removeHandler(handler)
    access = logging.getLogger("uvicorn.access")
    for quiet in [f for f in access.filters if isinstance(f, QuietAccess)]:
        access.removeFilter(quiet)
    logging.captureWarnings(False)
