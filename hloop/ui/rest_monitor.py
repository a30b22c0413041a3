"""REST route of the Monitor: ``GET /api/monitor`` (this process's live window; several processes each answer
for their own traffic)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hloop.ui.json_response import SafeJSONResponse


def add_monitor_routes(router: APIRouter, services) -> None:
    """Add ``GET /monitor`` to the ``/api`` router (a plain function: it runs in FastAPI's thread pool)."""

    @router.get("/monitor", response_class=SafeJSONResponse)
    def monitor(hours: Annotated[float, Query(gt=0, description="hours of live traffic")] = 24.0) -> SafeJSONResponse:
        """Live traffic of the last ``hours``: predictions per hour, confidence per version, the label mix and text
        drift against training, the estimated beside the realised accuracy, and the flags raised."""
        return SafeJSONResponse(services.monitor(hours=hours).to_dict())  # strict JSON: no NaN, no numpy value
