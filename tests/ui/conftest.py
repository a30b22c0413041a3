"""Launch the app on a free port over tmp-path services; stop every server a test started."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest

from hloop.config import Settings
from hloop.dataset import Corpus
from tests.conftest import tiny_texts

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def corpus_of(n_per_class: int) -> Corpus:
    """A tiny learnable corpus with ``n_per_class`` train texts per topic (10 test texts per topic)."""
    train_texts, train_labels = tiny_texts(n_per_class, seed=1)
    test_texts, test_labels = tiny_texts(10, seed=2)
    return Corpus(tuple(train_texts), np.array(train_labels), tuple(test_texts), np.array(test_labels), "tiny")


def settings_in(folder: Path, **overrides) -> Settings:
    return Settings(
        dataset="tiny",
        database_url=f"sqlite:///{folder / 'hloop.db'}",
        models_dir=folder / "models",
        seed_size=20,
        random_seed=0,
        **overrides,
    )


@pytest.fixture
def launch():
    """``launch(services) -> url``: serve the app over ``services``; every server is closed after the test."""
    import app

    demos = []

    def _launch(services) -> str:
        demo = app.build_demo(services)
        demos.append(demo)
        _, url, _ = demo.launch(
            prevent_thread_lock=True,
            server_name="127.0.0.1",
            server_port=free_port(),
            quiet=True,
            **app.launch_options(services.settings),
        )
        return url

    yield _launch
    for demo in demos:
        demo.close()


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
