"""Launch the app on a free port over tmp-path services; stop every server a test started."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def launch():
    """``launch(services, brake=None) -> url``: serve the app (UI and REST) over ``services``; closed after the test."""
    import app

    served = []

    def _launch(services, brake=None) -> str:
        served.append(app.serve_in_background(app.build_demo(services), services.settings, services, brake))
        return served[-1].url

    yield _launch
    for server in served:
        server.close()


@pytest.fixture
def url(launch, trained) -> str:
    """The app over the tiny corpus with v1 trained."""
    return launch(trained)


@pytest.fixture
def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


@pytest.fixture
def browser_page(tmp_path):
    """A headless Chromium page (Debian's /usr/bin/chromium); skips when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (bash .ci/setup does) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(20_000)
        yield page
        browser.close()
