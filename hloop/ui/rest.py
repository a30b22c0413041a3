"""The plain REST API beside the UI: JSON in and out over ``Services``; HLoopError becomes a JSON error.

Every error body is ``{"error": <kind>, "detail": <message>}`` with a status that says whose fault it is
(422 bad input, 404 unknown version or route, 405 wrong method, 409 conflict, 413 body too large, 503 no model
yet or store busy). With login on (HLOOP_AUTH) the ``/api`` routes take the same users over HTTP Basic, checked
by ``hloop.ui.edge.ApiLoginGate`` before the body is read, and the user is the annotator; without login an
absent annotator is ``API_ANNOTATOR``. Non-finite numbers (a NaN in a card) are sent as ``null``.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from hloop.core import events
from hloop.core.errors import (
    ClaimError,
    HLoopError,
    InvalidInputError,
    NoModelError,
    NotFoundError,
    NothingToTrainError,
    StoreBrokenError,
    StoreBusyError,
)
from hloop.ui.auth import Login, LoginRefused, too_many
from hloop.ui.downloads import model_zip_response
from hloop.ui.json_response import SafeJSONResponse
from hloop.ui.rest_health import health_router
from hloop.ui.rest_monitor import add_monitor_routes
from hloop.ui.rest_search import add_search_routes

log = logging.getLogger("hloop.rest")
STATUS = {
    InvalidInputError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    NoModelError: status.HTTP_503_SERVICE_UNAVAILABLE,
    StoreBusyError: status.HTTP_503_SERVICE_UNAVAILABLE,
    StoreBrokenError: status.HTTP_503_SERVICE_UNAVAILABLE,
    ClaimError: status.HTTP_409_CONFLICT,
    NothingToTrainError: status.HTTP_409_CONFLICT,
}
BASIC = HTTPBasic(auto_error=False, description="The users of HLOOP_AUTH; not needed when login is off.")
API_ANNOTATOR = "api"  # the annotator of feedback sent without one while login is off
ANNOTATOR_HELP = f"ignored with login on (the user is the annotator); absent: {API_ANNOTATOR!r}"
USER_STATE = "hloop_user"  # where ApiLoginGate leaves the logged-in user in the request state


def status_of(exc: HLoopError) -> int:
    """The HTTP status of a services error; 400 for the kinds without their own."""
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST)


def error_body(kind: str, message: str) -> dict:
    """The JSON of every error this API returns, with the request's id (``X-Request-ID``; in the logs too)."""
    rid = events.request_id()
    return {"error": kind, "detail": message, **({"request_id": rid} if rid else {})}


def _answered(exc: Exception, code: int, body: dict, headers: dict | None = None) -> JSONResponse:
    """The error response, after an ``error`` event with the exception's class, status and path (never a text)."""
    events.emit("error", error_class=type(exc).__name__, status=code, error=body["error"])
    return SafeJSONResponse(body, status_code=code, headers=headers)


def error_response(exc: Exception) -> JSONResponse:
    """An HTTP error (HTTPException or any exception with ``status_code``) as this API's JSON error."""
    code = getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST)
    body = error_body(HTTPStatus(code).phrase, str(getattr(exc, "detail", exc)))
    return _answered(exc, code, body, getattr(exc, "headers", None))


async def _services_error(_request: Request, exc: Exception) -> JSONResponse:
    return _answered(exc, status_of(exc), error_body(type(exc).__name__, str(exc)))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("REST call failed unexpectedly: %s: %s", type(exc).__name__, exc, exc_info=exc)
    message = "Unexpected server error; nothing may have been saved. See the server log (its request_id)."
    return _answered(exc, status.HTTP_500_INTERNAL_SERVER_ERROR, error_body("InternalError", message))


async def _bad_request(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors) or str(exc)
    return _answered(exc, status.HTTP_422_UNPROCESSABLE_CONTENT, error_body("InvalidInputError", message))


async def authenticated_user(login: Login, request: Request) -> str:
    """The user of the request's HTTP Basic credentials, from its headers alone; HTTPException 401 without or
    with wrong credentials, 429 while the login brake refuses them."""
    credentials = await BASIC(request)
    if credentials is None:
        raise _unauthorized("Log in: this server needs a user name and password (HTTP Basic).")
    address = request.client.host if request.client else "unknown"
    try:
        if login.verify(credentials.username, credentials.password, address):
            return credentials.username
    except LoginRefused as exc:
        raise too_many(exc) from exc
    raise _unauthorized("Wrong user name or password.")


def current_user(login: Login | None):
    """A dependency giving the logged-in user ("" with login off), checked by ApiLoginGate before the body was
    read; 401 when the gate did not run (fail closed). ``BASIC`` is here for the OpenAPI docs' login button."""

    def user(request: Request, _credentials: Annotated[HTTPBasicCredentials | None, Depends(BASIC)]) -> str:
        if login is None:
            return ""
        checked = getattr(request.state, USER_STATE, None)
        if not checked:
            raise _unauthorized("Log in: this server needs a user name and password (HTTP Basic).")
        return checked

    return user


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Basic"})


def add_routes(app: FastAPI, services, login: Login | None) -> None:
    """Add ``/health`` and the ``/api`` routes over ``services`` to ``app``, with JSON errors."""
    app.add_exception_handler(HLoopError, _services_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    routers = {"": health_router(services), "/api": api_router(services, current_user(login))}
    for prefix, router in routers.items():
        app.include_router(router, prefix=prefix)
    known = [(compile_path(prefix + r.path)[0], r.methods) for prefix, ro in routers.items() for r in ro.routes]
    for path in ("/api", "/api/{rest:path}", "/health"):  # after every route, before the UI mounted at /
        app.add_route(path, NoSuchRoute(known), methods=None, include_in_schema=False)


def api_router(services, user) -> APIRouter:
    """The ``/api`` routes behind the ``user`` dependency; plain functions, so they run in FastAPI's thread pool."""
    router = APIRouter(tags=["api"], dependencies=[Depends(user)], default_response_class=SafeJSONResponse)

    @router.post("/predict")
    def predict(
        text: Annotated[str | None, Body(description="one text")] = None,
        texts: Annotated[list[str] | None, Body(description="or a list of texts (at most 1,000)")] = None,
    ) -> dict:
        """The model's topic for ``text``, its confidence, every topic's confidence and the model version; for a
        list of ``texts``, ``predictions`` (one per text, in order) by one ``model_version``."""
        if (text is None) == (texts is None):
            raise InvalidInputError('Send {"text": "..."} or {"texts": ["...", ...]}, one of the two.')
        if texts is not None:
            batch = services.predict_texts(texts)
            return {
                "model_version": batch["model_version"],
                "predictions": [
                    {"prediction": p["label"], "confidence": p["confidence"], "confidences": p["confidences"]}
                    for p in batch["predictions"]
                ],
            }
        result = services.predict(text)
        return {
            "prediction": result["label"],
            "confidence": result["confidence"],
            "confidences": result["confidences"],
            "model_version": result["model_version"],
        }

    @router.post("/feedback")
    def feedback(
        text: Annotated[str, Body()],
        human_label: Annotated[str, Body()],
        model_prediction: Annotated[str | None, Body(description="informational: what the caller was shown")] = None,
        annotator: Annotated[str | None, Body(description=ANNOTATOR_HELP)] = None,
        who: str = Depends(user),  # not Annotated: ``user`` is local, annotations are strings
    ) -> dict:
        """Store ``human_label`` as the right topic of ``text``; the stored model prediction is the server's own."""
        name = who or (API_ANNOTATOR if annotator is None else annotator)
        return {**services.feedback(text, human_label, name).to_dict(), "reported_model_prediction": model_prediction}

    @router.get("/metrics")
    def metrics(version: Annotated[int | None, Query(ge=0, description="0 or absent: the current version")] = None):
        """The card (held-out metrics, training facts, parent) of a model version."""
        return services.card(version or None).to_dict()

    @router.get("/model/version")
    def model_version() -> dict:
        """The current version, every version number and the human-label counters."""
        return {
            "version": services.serving_version() or None,  # the version that answers predictions
            "versions": services.version_numbers(),
            **services.counters(),
            **({"notice": services.model_notice} if services.model_notice else {}),
        }

    @router.get("/model/export", response_class=FileResponse)
    def model_export(version: Annotated[int | None, Query(ge=0, description="0 or absent: the current one")] = None):
        """A version as a zip of a folder that predicts without HumanLoopML: the skops file, its card, the trusted
        types, requirements.txt and predict.py (``python predict.py "some text"``)."""
        return model_zip_response(services, version or None)

    @router.post("/similar")
    def similar(
        text: Annotated[str | None, Body(description="the text to find similar texts for")] = None,
        example_id: Annotated[int | None, Body(description="or a stored example's id")] = None,
        k: Annotated[int, Body(ge=1, le=1000)] = 10,
        among: Annotated[str, Body(description="pool, labelled or all")] = "all",
    ) -> dict:
        """The ``k`` pool or labelled texts nearest by embedding, best first, and how many texts are embedded."""
        hits = services.similar(text=text, example_id=example_id, k=k, among=among)
        status = services.embedding_status()
        return {"results": hits, "embedded": status["stored"], "texts": status["total"]}

    add_search_routes(router, services, user, API_ANNOTATOR)
    add_monitor_routes(router, services)
    return router


class NoSuchRoute:
    """An ASGI endpoint for API paths no route takes: 405 with ``Allow`` when the path exists for other methods,
    404 otherwise, both in this API's error shape (rather than the UI's, which is mounted at /)."""

    def __init__(self, routes: list[tuple[re.Pattern, set[str]]]) -> None:
        self.routes = routes  # (path pattern, methods) of the API's routes

    async def __call__(self, scope, receive, send) -> None:
        """Answer without reading the request body."""
        path, method = scope["path"], scope["method"]
        allowed = sorted({m for pattern, methods in self.routes if pattern.match(path) for m in methods})
        if allowed:
            detail = f"{method} is not allowed on {path}; use {' or '.join(allowed)}."
            exc = HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, detail, headers={"Allow": ", ".join(allowed)})
        else:
            exc = HTTPException(status.HTTP_404_NOT_FOUND, f"No route {path}; the API's routes are listed at /docs.")
        await error_response(exc)(scope, receive, send)
