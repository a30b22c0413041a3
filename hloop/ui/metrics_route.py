"""``/metrics`` for Prometheus: the route (behind the login when ``HLOOP_AUTH`` is set, or a bearer token,
``HLOOP_METRICS_TOKEN``), and the middleware that times every HTTP request by its route template."""

from __future__ import annotations

import hmac
import re
import time

from fastapi import FastAPI, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.routing import compile_path

from hloop.config import metrics_token
from hloop.services.metrics import CONTENT_TYPE, Metrics
from hloop.ui import rest
from hloop.ui.auth import Login
from hloop.ui.edge import is_api

PATH = "/metrics"
BEARER = {"WWW-Authenticate": "Bearer"}


class RouteTemplates:
    """The REST API's path templates, read from the app's OpenAPI schema at the first request (every route is
    added by then). The matched route in the scope does not give them: FastAPI keeps an included router's route
    with its path inside the router (``/predict``, not ``/api/predict``)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._compiled: list[tuple[re.Pattern, str]] | None = None

    def template(self, path: str) -> str | None:
        """The template ``path`` matches (``/api/bulk-label/{batch_id}/undo``), None for no API route."""
        if self._compiled is None:
            paths = self.app.openapi().get("paths", {})
            self._compiled = [(compile_path(p)[0], p) for p in paths if is_api(p)]
        return next((template for regex, template in self._compiled if regex.match(path)), None)


STREAM = re.compile(r"/gradio_api/(queue/data|heartbeat/|stream/)")  # the UI's long-lived responses


def route_name(path: str, routes: RouteTemplates) -> str:
    """The label of a request: the REST API's path template (never the raw path), else ``metrics``, ``ui_stream``
    (the UI's event streams and heartbeats, open as long as a page is), ``ui`` (the page, its assets and its
    calls) or ``other`` (an API path no route serves)."""
    if path == PATH:
        return "metrics"
    if is_api(path):
        return routes.template(path) or "other"
    return "ui_stream" if STREAM.search(path) else "ui"


class RequestTimer:
    """ASGI middleware: the latency of every HTTP request, from its start to its last byte, by ``route_name``."""

    def __init__(self, app, metrics: Metrics, routes: RouteTemplates) -> None:
        self.app, self.metrics, self.routes = app, metrics, routes

    async def __call__(self, scope, receive, send) -> None:
        """Serve the request, then observe its duration (a failed one too)."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.metrics.observe_request(route_name(scope["path"], self.routes), time.perf_counter() - started)


async def check_scraper(request: Request, login: Login | None, token: str | None) -> None:
    """Let the request read the metrics: the bearer ``token``, or the login's HTTP Basic credentials; open
    when neither is configured. HTTPException 401 otherwise."""
    given = request.headers.get("authorization", "")
    scheme, _, credential = given.partition(" ")
    if token and scheme.lower() == "bearer":
        if hmac.compare_digest(credential.strip().encode(), token.encode()):
            return
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong metrics token.", headers=BEARER)
    if login is not None:
        await rest.authenticated_user(login, request)
        return
    if token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "This server's metrics need its token: Authorization: Bearer <HLOOP_METRICS_TOKEN>.",
            headers=BEARER,
        )


def add(app: FastAPI, services, login: Login | None, metrics: Metrics | None = None) -> Metrics:
    """Serve ``/metrics`` on ``app`` and time its requests; the app's ``Metrics`` is returned and kept as
    ``app.state.metrics``. It stops following the events when the app is dropped (or on ``Metrics.close()``)."""
    metrics = metrics or Metrics(services)
    token = metrics_token()

    async def scrape(request: Request) -> Response:
        try:
            await check_scraper(request, login, token)
        except HTTPException as exc:
            return rest.error_response(exc)
        body = await run_in_threadpool(metrics.render)  # the gauges read the store: not on the event loop
        return Response(body, media_type=CONTENT_TYPE)

    app.add_api_route(PATH, scrape, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestTimer, metrics=metrics, routes=RouteTemplates(app))  # before start: fine on FastAPI
    app.state.metrics = metrics  # the app keeps it; it follows the events only by a weak reference
    return metrics
