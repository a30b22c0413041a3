"""``SafeJSONResponse``: the JSON every REST answer is sent as."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi.responses import JSONResponse


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
