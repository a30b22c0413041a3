"""app.py: trains v1 on first start, keeps a Space's data in /data, and every event is named."""

from __future__ import annotations

import logging
import os

import app


def test_first_start_trains_v1_and_a_second_start_does_not(services, caplog):
    caplog.set_level(logging.INFO, logger="hloop.app")
    app.ensure_model(services)
    assert services.project.registry.versions() == [1]
    assert "training v1" in caplog.text and "v1 ready" in caplog.text
    app.ensure_model(services)
    assert services.project.registry.versions() == [1]


def test_space_with_persistent_storage_keeps_labels_and_models_in_data(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "someone/hloop")
    monkeypatch.delenv("HLOOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("HLOOP_MODELS_DIR", raising=False)
    monkeypatch.setattr(os, "access", lambda path, mode: path == "/data")
    settings = app.app_settings()
    assert settings.database_url == "sqlite:////data/hloop.db" and str(settings.models_dir) == "/data/models"
    monkeypatch.setenv("HLOOP_DATABASE_URL", "postgresql://db/hloop")
    assert app.app_settings().database_url == "postgresql://db/hloop"


def test_every_event_with_a_function_has_an_api_name(trained):
    demo = app.build_demo(trained)
    named = [fn.api_name for fn in demo.fns.values() if fn.fn is not None]
    assert all(named) and len(named) == len(set(named))
    api = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert {
        "predict",
        "feedback",
        "next_item",
        "submit_label",
        "skip",
        "undo",
        "retrain",
        "metrics",
        "versions",
        "model_version",
        "export",
        "predict_texts",
        "predict_file",
        "export_model",
    } <= api
