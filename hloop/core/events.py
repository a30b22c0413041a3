"""Events: one structured record per thing that happened (a label saved, a retrain with its verdict, a login
refused…), emitted by the services and the edges and read by whoever subscribed (the logs, the metrics).

Pure and in-process: ``emit`` builds an ``Event`` and hands it to each subscriber in turn; a subscriber that
fails is reported once on stderr (its events are lost) and never fails the action that emitted. The request id
of the request being served travels in a context variable (``request_scope``), so every event of one request
carries it without being passed down. An event keeps the texts it concerns apart (``texts``); a sink decides
whether to show them (by default the logs give their hash and length only).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MethodType
from typing import Any

Subscriber = Callable[["Event"], None]

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("hloop_request_id", default=None)
_USER: contextvars.ContextVar[str | None] = contextvars.ContextVar("hloop_event_user", default=None)
_subscribers: list[Subscriber] = []
_lock = threading.Lock()
_reported: weakref.WeakSet = weakref.WeakSet()  # subscribers whose failure was already reported


@dataclass(frozen=True)
class Event:
    """What happened (``name``, dotted: ``label.saved``, ``retrain.finished``…), when (UTC), by whom, on which
    model version and ids, how long it took, in which request; ``fields`` holds the rest (small values: counts,
    a verdict, a source, an error's class); ``texts`` the texts concerned, never shown by default."""

    name: str
    at: datetime
    user: str | None = None
    model_version: int | None = None
    ids: tuple[int, ...] = ()
    duration_seconds: float | None = None
    request_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    texts: tuple[str, ...] = ()
    payload: Any = None  # in-process data for a subscriber (a prediction's probabilities); never in to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The event as plain values, the texts left out (a sink adds their hash, or them, as it is told)."""
        return {
            "time": self.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "event": self.name,
            "user": self.user,
            "model_version": self.model_version,
            "ids": list(self.ids),
            "duration_seconds": None if self.duration_seconds is None else round(self.duration_seconds, 6),
            "request_id": self.request_id,
            **dict(self.fields),
        }


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Call ``subscriber`` with every event emitted from now on; returns the function that stops it."""
    with _lock:
        _subscribers.append(subscriber)

    def unsubscribe() -> None:
        with _lock:
            if subscriber in _subscribers:
                _subscribers.remove(subscriber)

    return unsubscribe


def subscribe_while_alive(method: MethodType) -> Callable[[], None]:
    """Subscribe a bound ``method`` without keeping its object alive: once the object is collected, the method is
    unsubscribed (and it is never called after). Returns the function that stops it sooner."""
    target = weakref.WeakMethod(method)

    def listen(event: Event) -> None:
        bound = target()
        if bound is not None:
            bound(event)

    stop = subscribe(listen)
    weakref.finalize(method.__self__, stop)
    return stop


def emit(
    name: str,
    *,
    user: str | None = None,
    model_version: int | None = None,
    ids: tuple[int, ...] | list[int] = (),
    duration_seconds: float | None = None,
    texts: tuple[str, ...] | list[str] = (),
    payload: Any = None,
    **fields: Any,
) -> Event:
    """Build the event ``name`` and give it to every subscriber; returns it. Never raises for a subscriber. Without
    ``user``, the user of the enclosing ``user_scope`` (the logged-in user of the request), if any."""
    event = Event(
        name=name,
        at=datetime.now(UTC),
        user=user if user is not None else _USER.get(),
        model_version=model_version,
        ids=tuple(int(i) for i in ids),
        duration_seconds=duration_seconds,
        request_id=_REQUEST_ID.get(),
        fields=fields,
        texts=tuple(texts),
        payload=payload,
    )
    with _lock:
        listening = list(_subscribers)
    for subscriber in listening:
        try:
            subscriber(event)
        except Exception as exc:  # a broken sink must not fail a label being saved
            if subscriber not in _reported:
                _reported.add(subscriber)
                print(
                    f"hloop: an event subscriber failed ({type(exc).__name__}: {exc}); it is skipped", file=sys.stderr
                )
    return event


def request_id() -> str | None:
    """The id of the request being served, or None outside one."""
    return _REQUEST_ID.get()


def new_request_id() -> str:
    """A fresh request id: 16 hex characters."""
    return uuid.uuid4().hex[:16]


@contextlib.contextmanager
def request_scope(given: str | None = None) -> Iterator[str]:
    """Within the block, events carry the request id ``given`` (or a fresh one), which it yields."""
    rid = given or new_request_id()
    token = _REQUEST_ID.set(rid)
    try:
        yield rid
    finally:
        _REQUEST_ID.reset(token)


@contextlib.contextmanager
def user_scope(user: str | None) -> Iterator[None]:
    """Within the block, events that name no user carry ``user`` (the request's logged-in user)."""
    token = _USER.set(user or None)
    try:
        yield
    finally:
        _USER.reset(token)


class Timer:
    """Seconds since it was made: ``Timer().seconds`` for an event's ``duration_seconds``."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start
