"""HumanLoopML's Gradio app. ``python app.py`` trains v1 first when there is no model, then serves the app
on GRADIO_SERVER_PORT (default 7860); ``gradio app.py`` reloads the Blocks named ``demo`` while you edit."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import gradio as gr

from hloop.config import Settings
from hloop.services import Services
from hloop.ui import api, correct, data, model, predict, queue

CONCURRENCY = 8  # events served at once; services are thread-safe and the database arbitrates claims
CSS = """
#queue-text textarea { font-size: 1.1rem; line-height: 1.5; }
#queue-shortcuts, #queue-counters { opacity: 0.9; }
"""
INTRO = (
    "A text classifier ({labels}) that learns from you: correct its predictions, label the items it is least "
    "sure about, retrain, and compare versions."
)


def app_settings() -> Settings:
    """Settings from the environment; on a Hugging Face Space with persistent storage, keep data in /data."""
    overrides: dict = {}
    if os.environ.get("SPACE_ID") and os.access("/data", os.W_OK):
        if "HLOOP_DATABASE_URL" not in os.environ:
            overrides["database_url"] = "sqlite:////data/hloop.db"
        if "HLOOP_MODELS_DIR" not in os.environ:
            overrides["models_dir"] = Path("/data/models")
    return Settings(**overrides)


def auth_pairs(spec: str) -> list[tuple[str, str]] | None:
    """``user:password,user2:password2`` as (user, password) pairs; None when login is off."""
    pairs = []
    for entry in filter(None, (part.strip() for part in (spec or "").split(","))):
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise SystemExit(f"HLOOP_AUTH entry {user.strip() or entry!r} is not user:password; fix HLOOP_AUTH.")
        pairs.append((user.strip(), password))
    return pairs or None


def launch_options(settings: Settings) -> dict:
    """The keyword arguments of ``demo.launch`` shared by the app, the tests and the benchmark."""
    return {
        "theme": gr.themes.Soft(),
        "css": CSS,
        "auth": auth_pairs(settings.auth),
        "auth_message": "Log in; your user name is recorded with every label you give.",
    }


def serve_in_background(demo: gr.Blocks, settings: Settings) -> str:
    """Serve ``demo`` on a free local port without blocking (tests, benchmarks); returns its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _, url, _ = demo.launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_options(settings)
    )
    return url


def build_demo(services: Services) -> gr.Blocks:
    """The whole app over ``services``: five tabs and the API for scripts."""
    names = services.label_set.names
    shown = ", ".join(names[:12]) + (f", … ({len(names)} labels)" if len(names) > 12 else "")
    with gr.Blocks(title=services.settings.title) as demo:
        gr.Markdown(f"# {services.settings.title}\n{INTRO.format(labels=shown)}")
        annotator = gr.Textbox(
            label="Annotator (your name, saved with every label)",
            max_length=100,
            placeholder="e.g. ana",
            elem_id="annotator",
        )
        with gr.Tabs():
            with gr.Tab("Predict", id="predict"):
                predict.build(services, annotator)
            with gr.Tab("Correct", id="correct") as correct_tab:
                refreshes = [(correct_tab, "correct", correct.build(services, annotator))]
            with gr.Tab("Label queue", id="queue") as queue_tab:
                refreshes.append((queue_tab, "queue", queue.build(services, annotator)))
            with gr.Tab("Model", id="model") as model_tab:
                refreshes.append((model_tab, "model", model.build(services)))
            with gr.Tab("Data", id="data"):
                data.build(services)
        api.build(services)

        for tab, name, refresh in refreshes:
            tab.select(
                refresh.fn,
                inputs=refresh.inputs,
                outputs=refresh.outputs,
                api_name=f"ui_show_{name}",
                api_visibility="undocumented",
            )
        demo.load(logged_in_annotator, outputs=annotator, api_name="ui_whoami", api_visibility="undocumented")
        demo.load(None, js=queue.shortcuts_js(len(names)))
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def logged_in_annotator(request: gr.Request):
    """With login on, the annotator is the logged-in user and cannot be changed on the page."""
    if request is not None and request.username:
        return gr.Textbox(value=request.username, interactive=False)
    return gr.skip()


def ensure_model(services: Services) -> None:
    """Train v1 when there is no model yet and there are labels to train on (progress in the terminal); in a
    cold start (no seed labels) say what v1 waits for; check the label store otherwise."""
    services.ensure_store()
    if services.registry.current_version() is not None:
        return
    if not services.has_seed_labels() and any(services.labels_needed().values()):
        print(services.readiness(), file=sys.stderr, flush=True)
        return
    print("No model yet: training v1 (first start only).", file=sys.stderr, flush=True)

    def report(fraction: float, desc: str) -> None:
        print(f"  [{fraction:4.0%}] {desc}", file=sys.stderr, flush=True)

    card = services.train(progress=report)
    scores = f"accuracy {card['metrics']['accuracy']:.4f}" if card["metrics"] else "not enough eval labels yet"
    print(f"v{card['version']} ready: {scores}", file=sys.stderr, flush=True)


def __getattr__(name: str):
    """``demo`` for ``gradio app.py``, built on first use, so importing this module loads no dataset."""
    if name == "demo":
        global demo
        demo = build_demo(Services(app_settings()))
        return demo
    raise AttributeError(name)


if __name__ == "__main__":
    settings = app_settings()
    services = Services(settings)
    ensure_model(services)
    build_demo(services).launch(**launch_options(settings))
