"""Similar texts at the edges: ``api_name="similar"`` and ``POST /api/similar``, with one-line errors."""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import corpus_of, settings_in
from tests.services.test_embeddings import other_spec, spec  # noqa: F401 (fixtures)

SPORTS = "match goal team season"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, spec):  # noqa: F811
    """One app over an embedded tiny store for the whole module."""
    import app
    from hloop.services import Services

    folder = tmp_path_factory.mktemp("similar-api")
    services = Services(settings_in(folder, embeddings=spec, scoring_processes=0), corpus=corpus_of(12))
    services.train()
    services.embed_texts()
    served = app.serve_in_background(app.build_demo(services), services.settings, services)
    yield served.url
    served.close()


def test_the_gradio_api_finds_similar_texts(app_url):
    client = Client(app_url, verbose=False)
    found = client.predict(SPORTS, None, 3, "all", api_name="/similar")
    assert len(found["results"]) == 3 and found["embedded"] == found["texts"] > 0
    assert all(hit["origin"] not in ("eval", "dev") for hit in found["results"])
    with pytest.raises(AppError, match="Give a text or an example id"):
        client.predict(None, None, 3, "all", api_name="/similar")
    with pytest.raises(AppError, match="Limit must be a whole number from 1 to 1000"):
        client.predict(SPORTS, None, 0, "all", api_name="/similar")


def test_the_rest_route_finds_similar_texts(app_url):
    with httpx.Client(base_url=app_url, timeout=30) as http:
        found = http.post("/api/similar", json={"text": SPORTS, "k": 4})
        assert found.status_code == 200 and len(found.json()["results"]) == 4
        first = found.json()["results"][0]["example_id"]
        by_id = http.post("/api/similar", json={"example_id": first, "among": "labelled", "k": 5}).json()["results"]
        assert by_id and first not in {h["example_id"] for h in by_id} and all(h["label"] for h in by_id)
        for body, message in (
            ({}, "Give a text or an example id"),
            ({"text": SPORTS, "among": "eval"}, "among must be one of"),
            ({"example_id": 10**9}, "No example with id"),
        ):
            refused = http.post("/api/similar", json=body)
            assert refused.status_code == 422 and message in refused.json()["detail"]
        assert http.post("/api/similar", json={"text": SPORTS, "k": 0}).status_code == 422
