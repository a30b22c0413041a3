"""HumanLoopML's app. ``python app.py`` trains v1 first when there is no model, then serves the UI at ``/`` and
the REST API under ``/api`` (docs at ``/docs``) on GRADIO_SERVER_PORT (default 7860); ``gradio app.py`` reloads
the Blocks named ``demo`` (the UI alone) while you edit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import gradio as gr
import uvicorn
from fastapi import FastAPI

from hloop.config import Settings
from hloop.services import Services
from hloop.ui import api, correct, data, model, predict, queue, rest
from hloop.ui.auth import ClientAddressMiddleware, Login, LoginBrake
from hloop.ui.serving import Served, serve_on_free_port

TITLE = "HumanLoopML"
CONCURRENCY = 8  # events served at once; services are thread-safe and the database arbitrates claims
CSS = """
#queue-text textarea { font-size: 1.1rem; line-height: 1.5; }
#queue-shortcuts, #queue-counters { opacity: 0.9; }
"""
INTRO = (
    "Topic classifier for news (World, Sports, Business, Sci/Tech) that learns from you: correct its "
    "predictions, label the items it is least sure about, retrain, and compare versions."
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
            shown = user.strip() or "(empty user name)"
            raise SystemExit(
                f"HLOOP_AUTH entry {shown!r} is not user:password; write HLOOP_AUTH as "
                "user:password,user2:password2 (no empty user name or password)."
            )
        pairs.append((user.strip(), password))
    return pairs or None


def app_login(settings: Settings, brake: LoginBrake | None = None) -> Login | None:
    """The users of HLOOP_AUTH behind a login brake (one for the UI and the REST API); None when login is off."""
    users = auth_pairs(settings.auth)
    if users is None:
        return None
    return Login(users, brake or LoginBrake(settings.login_max_failures, settings.login_lockout_seconds))


def launch_options(login: Login | None) -> dict:
    """The UI's options when mounted: theme, CSS and login (the same for the app, the tests and the benchmark)."""
    return {
        "theme": gr.themes.Soft(),
        "css": CSS,
        "auth": login.gradio_auth if login else None,
        "auth_message": "Log in; your user name is recorded with every label you give.",
        "ssr_mode": False,
    }


def web_app(
    demo: gr.Blocks, settings: Settings, services: Services | None = None, brake: LoginBrake | None = None
) -> FastAPI:
    """One ASGI app: ``/health`` and the REST API under ``/api`` (given ``services``), ``/docs``, the UI at ``/``."""
    login = app_login(settings, brake)
    combined = FastAPI(title=f"{TITLE} REST API", description=INTRO, docs_url="/docs", redoc_url=None)
    combined.add_middleware(ClientAddressMiddleware)
    if services is not None:
        rest.add_routes(combined, services, login)
    return gr.mount_gradio_app(combined, demo, path="/", **launch_options(login))


def serve_in_background(
    demo: gr.Blocks, settings: Settings, services: Services | None = None, brake: LoginBrake | None = None
) -> Served:
    """Serve ``web_app`` on a free 127.0.0.1 port in a thread (tests, benchmarks): ``.url``, then ``.close()``."""
    return serve_on_free_port(web_app(demo, settings, services, brake), demo)


def build_demo(services: Services) -> gr.Blocks:
    """The whole app over ``services``: five tabs and the API for scripts."""
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
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
        demo.load(None, js=queue.SHORTCUTS_JS)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def logged_in_annotator(request: gr.Request):
    """With login on, the annotator is the logged-in user and cannot be changed on the page."""
    if request is not None and request.username:
        return gr.Textbox(value=request.username, interactive=False)
    return gr.skip()


def ensure_model(services: Services) -> None:
    """Train v1 when there is no model yet (progress in the terminal); check the label store otherwise."""
    if services.registry.current_version() is not None:
        services.ensure_store()
        return
    print("No model yet: training v1 (first start only).", file=sys.stderr, flush=True)

    def report(fraction: float, desc: str) -> None:
        print(f"  [{fraction:4.0%}] {desc}", file=sys.stderr, flush=True)

    card = services.train(progress=report)
    print(f"v{card['version']} ready: accuracy {card['metrics']['accuracy']:.4f}", file=sys.stderr, flush=True)


settings = app_settings()
services = Services(settings)
demo = build_demo(services)

if __name__ == "__main__":
    ensure_model(services)
    # Spaces sets GRADIO_SERVER_NAME=0.0.0.0; locally the app stays on this machine
    uvicorn.run(
        web_app(demo, settings, services),
        host=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    )
