"""Before v1 in a cold start (no seed labels): /health says the app serves labelling, the Model tab says what v1
waits for, a correction does not claim a model said anything."""

from __future__ import annotations

import httpx

from hloop.ui import model, predict
from tests.services.test_cold_start import tickets  # noqa: F401 (the fixture)


def test_health_and_the_model_tab_before_v1_in_a_cold_start(tickets, launch):  # noqa: F811
    services, _answers = tickets
    health = httpx.get(f"{launch(services).rstrip('/')}/health", timeout=10)
    body = health.json()
    assert health.status_code == 200 and body["status"] == "cold_start" and body["model_version"] is None
    assert "still needed" in body["detail"]
    assert model.version_view(services, None)[0].startswith("No model yet: v1 trains by itself")
    assert predict.model_line(services) == services.readiness(), "Predict says what v1 waits for before a press"
    assert "still needed" in predict.model_line(services)
    saved = predict.save_correction(services, "refund my card please", "billing", "ana", None)
    assert "no model yet to compare with" in saved and "no model)" not in saved
