"""``GET /health`` (and ``HEAD``): whether the app can serve, for probes and load balancers."""

from __future__ import annotations

import logging

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from hloop.core import events
from hloop.core.errors import HLoopError
from hloop.ui.json_response import SafeJSONResponse

log = logging.getLogger("hloop.rest")


def health_router(services) -> APIRouter:
    """``GET /health``: 200 with the current version when a model exists and the store answers (200 with status
    ``cold_start`` before v1 when there are no seed labels: the app serves labelling; ``degraded`` with its
    ``reasons`` when the Monitor flags live traffic), else 503."""
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
        if flags := services.monitor_flags():  # live traffic drifted: serving, but a person should look
            reasons = [f["reason"] for f in flags]
            return SafeJSONResponse({"status": "degraded", "model_version": version, **counters, **notice,
                                     "reasons": reasons, "detail": "; ".join(f["message"] for f in flags)})  # fmt: skip
        return SafeJSONResponse({"status": "ok", "model_version": version, **counters, **notice})

    # probes and load balancers may ask with HEAD: the same answer, without a body (not a second operation)
    router.add_api_route("/health", health, methods=["HEAD"], include_in_schema=False)
    return router


def _unavailable(reason: str) -> JSONResponse:
    rid = events.request_id()
    body = {"status": "unavailable", "detail": reason, **({"request_id": rid} if rid else {})}
    return SafeJSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
