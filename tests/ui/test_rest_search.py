"""The REST routes of search, more like this and bulk labelling: JSON in and out, errors as 422 with the reason."""

from __future__ import annotations

import httpx


def test_search_bulk_and_undo_over_rest(url, trained):
    with httpx.Client(base_url=url, timeout=30) as http:
        found = http.get("/api/search", params={"query": "goal", "status": "unlabelled", "per_page": 5})
        assert found.status_code == 200
        page = found.json()
        assert page["total"] > 0 and len(page["hits"]) == min(5, page["total"])
        assert all("goal" in h["text"] and h["predicted"] for h in page["hits"])
        chosen = [h["example_id"] for h in page["hits"][:3]]

        body = {"label": "beta", "ids": chosen, "annotator": "ana"}
        preview = http.post("/api/bulk-label/preview", json=body)
        assert preview.status_code == 200 and preview.json()["size"] == 3 and preview.json()["batch_id"] is None
        stale = http.post("/api/bulk-label", json={**body, "expected": 2})
        assert stale.status_code == 422 and "Preview again" in stale.json()["detail"]
        batch = http.post("/api/bulk-label", json={**body, "expected": 3}).json()
        assert batch["size"] == 3 and batch["annotator"] == "ana"
        mine = http.get("/api/search", params={"source": "bulk", "labelled_by": "ana"}).json()
        assert sorted(h["example_id"] for h in mine["hits"]) == sorted(chosen)
        assert http.get("/api/bulk-label").json()[0]["batch_id"] == batch["batch_id"]

        undone = http.post(f"/api/bulk-label/{batch['batch_id']}/undo")
        assert undone.status_code == 200 and undone.json()["undone_at"]
        assert http.get("/api/search", params={"source": "bulk"}).json()["total"] == 0
        again = http.post(f"/api/bulk-label/{batch['batch_id']}/undo")
        assert again.status_code == 422 and "undone already" in again.json()["detail"]

        like = http.post("/api/more-like-this", json={"text": "a late goal won the match", "k": 2})
        assert like.status_code == 200 and len(like.json()["results"]) == 2

        bad = http.get("/api/search", params={"status": "maybe"})
        assert bad.status_code == 422 and "Status must be one of" in bad.json()["detail"]
        missing = http.post("/api/bulk-label/99/undo")
        assert missing.status_code == 404 and "No bulk batch 99" in missing.json()["detail"]
