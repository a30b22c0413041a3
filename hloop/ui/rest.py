"""The plain REST API beside the UI: JSON in and out over ``Services``; HLoopError becomes a JSON error.

Every error body is ``{"error": <kind>, "detail": <message>}`` with a status that says whose fault it is
(422 bad input, 404 unknown version or route, 405 wrong method, 409 conflict, 413 body too large, 503 no model
yet or store busy). With login on (HLOOP_AUTH) the ``/api`` routes take the same users over HTTP Basic, checked
by ``hloop.ui.edge.ApiLoginGate`` before the body is read, and the user is the annotator; without login an
absent annotator is ``API_ANNOTATOR``. Non-finite numbers (a NaN in a card) are sent as ``null``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

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


class SafeJSONResponse(JSONResponse):
    """JSON that every client can parse: NaN and infinities (say, in a model card) become ``null``."""

    def render(self, content: Any) -> bytes:
        """Standard JSON bytes, never the non-standard ``NaN`` or ``Infinity``."""
        return json.dumps(
            _finite(content), ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def status_of(exc: HLoopError) -> int:
    """The HTTP status of a services error; 400 for the kinds without their own."""
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST)


def error_body(kind: str, message: str) -> dict:
    """The JSON of every error this API returns."""
    return {"error": kind, "detail": message}


def error_response(exc: Exception) -> JSONResponse:
    """An HTTP error (HTTPException or any exception with ``status_code``) as this API's JSON error."""
    code = getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST)
    body = error_body(HTTPStatus(code).phrase, str(getattr(exc, "detail", exc)))
    return SafeJSONResponse(body, status_code=code, headers=getattr(exc, "headers", None))


async def _services_error(_request: Request, exc: Exception) -> JSONResponse:
    return SafeJSONResponse(error_body(type(exc).__name__, str(exc)), status_code=status_of(exc))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    return error_response(exc)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("REST call failed unexpectedly: %s: %s", type(exc).__name__, exc)
    message = "Unexpected server error; nothing may have been saved. See the server log."
    return SafeJSONResponse(error_body("InternalError", message), status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


async def _bad_request(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors) or str(exc)
    return SafeJSONResponse(error_body("InvalidInputError", message), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


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
    return router


def health_router(services) -> APIRouter:
    """``GET /health``: 200 with the current version when a model exists and the store answers (200 with status
    ``cold_start`` before v1 when there are no seed labels: the app serves labelling), else 503."""
    router = APIRouter(tags=["health"], default_response_class=SafeJSONResponse)

    @router.get("/health")
    def health() -> JSONResponse:
        """Whether the app can serve: a current model and a label store that answers and takes writes."""
        version = services.serving_version()  # a damaged current version is served around: report who serves
        cold = not version and not services.model_notice and not services.has_seed_labels()
        if not version and not cold:
            return _unavailable(
                services.model_notice
                or "No model yet: the app trains v1 when it starts (or run `python -m hloop train`)."
            )
        if problem := services.store_problem():  # a permanent store error (read-only, disk full…) seen lately
            return _unavailable(problem)
        try:
            counters = services.counters()
        except HLoopError as exc:  # the store's own message: busy, or what is wrong with it
            log.warning("health check: label store unusable: %s", exc)
            return _unavailable(str(exc)[:400])
        except Exception as exc:  # noqa: BLE001 - any failure to reach the store makes the app unhealthy
            log.warning("health check: label store unreachable: %s", exc)
            return _unavailable(f"The label store is unreachable: {str(exc)[:200]}")
        if cold:  # a cold start serves: annotators label, and v1 trains by itself once there are enough labels
            return SafeJSONResponse({"status": "cold_start", "model_version": None, **counters,
                                     "detail": services.readiness()})  # fmt: skip
        notice = {"notice": services.model_notice} if services.model_notice else {}
        return SafeJSONResponse({"status": "ok", "model_version": version, **counters, **notice})

    # probes and load balancers may ask with HEAD: the same answer, without a body (not a second operation)
    router.add_api_route("/health", health, methods=["HEAD"], include_in_schema=False)
    return router


def _unavailable(reason: str) -> JSONResponse:
    body = {"status": "unavailable", "detail": reason}
    return SafeJSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


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
