"""The HTTP edge in front of the UI and the REST API: request-body caps, login on ``/api`` before any body is
read, CORS for the API's own routes, and X-Forwarded-For believed only from trusted proxies.

All of it is plain ASGI middleware around the one app (the mounted Gradio UI included), installed by
``install``; refusals are JSON in the REST API's error shape.
"""

from __future__ import annotations

from fastapi import FastAPI, status
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hloop.config import Settings
from hloop.core.labels import MAX_TEXT_CHARS
from hloop.ui import rest
from hloop.ui.auth import ClientAddressMiddleware, Login

UPLOAD_PATHS = frozenset({"/gradio_api/upload"})  # where the UI's file inputs (the Data tab's imports) send files


def is_api(path: str) -> bool:
    """Whether ``path`` is the REST API's (``/api/...`` or ``/health``) rather than the UI's."""
    return path in ("/api", "/health") or path.startswith("/api/")


class BodyTooLarge(HTTPException):
    """A request body beyond its cap; raised from ``receive`` so the app answers 413 in its own shape."""

    def __init__(self, cap: int, setting: str) -> None:
        upload = setting == "HLOOP_MAX_UPLOAD_BYTES"
        hint = "split the file" if upload else f"a text is at most {MAX_TEXT_CHARS:,} characters"
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"The request body is larger than {cap:,} bytes ({setting}); send less ({hint}) or raise {setting}.",
        )


class BodyLimitMiddleware:
    """Refuse a body whose Content-Length is over the cap before reading any of it, and stop reading a streamed
    (chunked) body as soon as it passes the cap. Uploads to ``UPLOAD_PATHS`` have their own, larger cap."""

    def __init__(self, app, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app, self.max_body_bytes, self.max_upload_bytes = app, max_body_bytes, max_upload_bytes

    async def __call__(self, scope, receive, send) -> None:
        """Pass the request on with a counting ``receive``; answer 413 when the body is too large."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload = scope["path"] in UPLOAD_PATHS
        cap = self.max_upload_bytes if upload else self.max_body_bytes
        too_large = BodyTooLarge(cap, "HLOOP_MAX_UPLOAD_BYTES" if upload else "HLOOP_MAX_BODY_BYTES")
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            return await _refuse(too_large, scope, receive, send)
        received, started = 0, False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise too_large
            return message

        async def watched_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(too_large, scope, receive, send)


class ApiLoginGate:
    """With login on, an ``/api`` request is answered 401/429 from its headers alone, before its body is read;
    the logged-in user is passed to the routes in the request state."""

    def __init__(self, app, login: Login) -> None:
        self.app, self.login = app, login

    async def __call__(self, scope, receive, send) -> None:
        """Check the HTTP Basic credentials of API requests (``/health`` stays open), then pass the request on."""
        if scope["type"] != "http" or not is_api(scope["path"]) or scope["path"] == "/health":
            return await self.app(scope, receive, send)
        try:
            user = await rest.authenticated_user(self.login, Request(scope))
        except HTTPException as exc:
            return await _refuse(exc, scope, receive, send)
        scope.setdefault("state", {})[rest.USER_STATE] = user
        await self.app(scope, receive, send)


class ApiCorsMiddleware:
    """CORS for the REST API only: pages from ``origins`` may call ``/api`` and ``/health``; the UI is untouched."""

    def __init__(self, app, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
            max_age=600,
        )

    async def __call__(self, scope, receive, send) -> None:
        """Answer preflights and add the CORS headers on API paths; pass everything else on as it is."""
        chosen = self.cors if scope["type"] == "http" and is_api(scope["path"]) else self.app
        await chosen(scope, receive, send)


async def _refuse(exc: HTTPException, scope, receive, send) -> None:
    response = rest.error_response(exc)
    await response(scope, receive, send)


def install(app: FastAPI, settings: Settings, login: Login | None) -> None:
    """Add the edge's middleware to ``app``, outermost first: trusted proxies, client address, CORS, body caps,
    the API's login gate (``add_middleware`` puts each one outside the ones added before it)."""
    if login is not None:
        app.add_middleware(ApiLoginGate, login=login)
    app.add_middleware(
        BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes
    )
    if settings.cors_origin_list():
        app.add_middleware(ApiCorsMiddleware, origins=settings.cors_origin_list())
    app.add_middleware(ClientAddressMiddleware)
    if settings.trusted_proxy_list():
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list())


def server_options(access_log: bool = False) -> dict:
    """uvicorn's options for this app: never believe forwarded headers itself (``install`` does, when told). The
    access log only with ``access_log``, through ``hloop.services.logs`` (its filter drops the page's polling and
    assets: unfiltered, a session printed about 1,400 request lines that drowned start-up, warnings and errors);
    then uvicorn's own logging setup is skipped, so its records reach the app's one log handler."""
    if access_log:
        return {"proxy_headers": False, "forwarded_allow_ips": "", "access_log": True, "log_config": None}
    return {"proxy_headers": False, "forwarded_allow_ips": "", "access_log": False}
