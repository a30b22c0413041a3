"""A version's export as a zip: through REST, gradio_client and the Model tab's button; its predict.py runs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import httpx
import pytest

from hloop.ui.downloads import model_zip_file
from tests.services.test_model_export import TEXTS, check_same, run_predict, without_the_project


def test_rest_sends_a_zip_whose_folder_predicts_as_the_app(url, trained, tmp_path):
    with httpx.Client(base_url=url, timeout=60) as http:
        response = http.get("/api/model/export")
        missing = http.get("/api/model/export", params={"version": 9})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert 'filename="hloop-model-v1.zip"' in response.headers["content-disposition"]
    assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
    archive = tmp_path / "model.zip"
    archive.write_bytes(response.content)
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "out")
    python, env = without_the_project()
    check_same(trained, run_predict(python, tmp_path / "out" / "hloop-model-v1", TEXTS, env=env))


def test_gradio_client_gets_the_zip(client):
    path = client.predict(0, api_name="/export_model")
    with zipfile.ZipFile(path) as z:
        assert "hloop-model-v1/predict.py" in z.namelist() and "hloop-model-v1/model.skops" in z.namelist()


def test_the_model_tab_download_is_a_zip_in_the_export_folder(trained):
    path = Path(model_zip_file(trained, 1))
    assert path.suffix == ".zip" and path.name.startswith("hloop-model-") and zipfile.is_zipfile(path)
    with pytest.raises(Exception, match="No model version 7|version 7"):
        model_zip_file(trained, 7)
