"""Every HTTP request gets an id: the caller's ``X-Request-ID`` when it is a short safe token, else a new one. The
request is served inside ``hloop.core.events.request_scope`` (its events and the API's error bodies carry the id)
and the response says it in ``X-Request-ID``."""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders

from hloop.core import events

HEADER = "X-Request-ID"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # anything else (long, spaces, quotes) is replaced, never echoed


def request_id_of(given: str | None) -> str:
    """``given`` when it is a safe token of at most 64 characters, else a fresh id."""
    return given if given is not None and SAFE_ID.fullmatch(given) else events.new_request_id()


class RequestIdMiddleware:
    """ASGI middleware: the request's id in the events' context and in the response's ``X-Request-ID``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Serve an HTTP request inside its request scope; other scopes (lifespan, websockets) pass as they are."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = request_id_of(Headers(scope=scope).get(HEADER))

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        with events.request_scope(rid):
            await self.app(scope, receive, send_with_id)
