"""The plain REST API beside the UI: JSON in and out over ``Services``; HLoopError becomes a JSON error.

Every error body is ``{"error": <kind>, "detail": <message>}`` with a status that says whose fault it is
(422 bad input, 404 unknown version, 409 conflict, 503 no model yet or store busy). With login on
(HLOOP_AUTH) the ``/api`` routes take the same users over HTTP Basic, and the user is the annotator.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def status_of(exc: HLoopError) -> int:
    """The HTTP status of a services error; 400 for the kinds without their own."""
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST)


def error_body(kind: str, message: str) -> dict:
    """The JSON of every error this API returns."""
    return {"error": kind, "detail": message}


async def _services_error(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(error_body(type(exc).__name__, str(exc)), status_code=status_of(exc))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    code = getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST)
    body = error_body(HTTPStatus(code).phrase, str(getattr(exc, "detail", exc)))
    return JSONResponse(body, status_code=code, headers=getattr(exc, "headers", None))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.error("REST call failed unexpectedly: %s: %s", type(exc).__name__, exc)
    message = "Unexpected server error; nothing may have been saved. See the server log."
    return JSONResponse(error_body("InternalError", message), status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


async def _bad_request(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    message = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors) or str(exc)
    return JSONResponse(error_body("InvalidInputError", message), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def current_user(login: Login | None):
    """A dependency giving the logged-in user ("" with login off); 401 without or with wrong credentials."""

    def user(request: Request, credentials: Annotated[HTTPBasicCredentials | None, Depends(BASIC)]) -> str:
        if login is None:
            return ""
        if credentials is None:
            raise _unauthorized("Log in: this server needs a user name and password (HTTP Basic).")
        address = request.client.host if request.client else "unknown"
        try:
            if login.verify(credentials.username, credentials.password, address):
                return credentials.username
        except LoginRefused as exc:
            raise too_many(exc) from exc
        raise _unauthorized("Wrong user name or password.")

    return user


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Basic"})


def add_routes(app: FastAPI, services, login: Login | None) -> None:
    """Add ``/health`` and the ``/api`` routes over ``services`` to ``app``, with JSON errors."""
    app.add_exception_handler(HLoopError, _services_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.include_router(health_router(services))
    app.include_router(api_router(services, current_user(login)), prefix="/api")


def api_router(services, user) -> APIRouter:
    """The ``/api`` routes behind the ``user`` dependency; plain functions, so they run in FastAPI's thread pool."""
    router = APIRouter(tags=["api"], dependencies=[Depends(user)])

    @router.post("/predict")
    def predict(text: Annotated[str, Body(embed=True)]) -> dict:
        """The model's topic for ``text``, its confidence, every topic's confidence and the model version."""
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
        annotator: Annotated[str, Body(description="ignored with login on: the user is the annotator")] = "",
        who: str = Depends(user),  # not Annotated: ``user`` is local, annotations are strings
    ) -> dict:
        """Store ``human_label`` as the right topic of ``text``; the stored model prediction is the server's own."""
        return {**services.feedback(text, human_label, who or annotator), "reported_model_prediction": model_prediction}

    @router.get("/metrics")
    def metrics(version: Annotated[int | None, Query(ge=0, description="0 or absent: the current version")] = None):
        """The card (held-out metrics, training facts, parent) of a model version."""
        return services.card(version or None)

    @router.get("/model/version")
    def model_version() -> dict:
        """The current version, every version number and the human-label counters."""
        return {
            "version": services.registry.current_version(),
            "versions": services.registry.versions(),
            **services.counters(),
        }

    return router


def health_router(services) -> APIRouter:
    """``GET /health``: 200 with the current version when a model exists and the store answers, else 503."""
    router = APIRouter(tags=["health"])

    @router.get("/health")
    def health() -> JSONResponse:
        """Whether the app can serve: a current model and a label store that answers and takes writes."""
        version = services.registry.current_version()
        if version is None:
            return _unavailable("No model yet: the app trains v1 when it starts (or run `python -m hloop train`).")
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
        return JSONResponse({"status": "ok", "model_version": version, **counters})

    return router


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "detail": reason}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
