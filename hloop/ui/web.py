"""The whole web app: the Gradio UI over one ``Services``, mounted with the REST API on one ASGI app, and what
``python app.py`` does before and while serving (``app.py`` is the entry point that calls it)."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable

import gradio as gr
import uvicorn
from fastapi import FastAPI

from hloop.config import Settings, failure_line, log_options, server_address, space_storage
from hloop.core import events
from hloop.core.errors import HLoopError, InvalidInputError
from hloop.core.values import MAX_NAME_CHARS, parse_annotator
from hloop.services import Services
from hloop.services.logs import configure_logging
from hloop.ui import api, browse, correct, data, edge, model, monitor, predict, queue, queue_keys, rest, review, seeding
from hloop.ui import stream_nudge as nudge
from hloop.ui.auth import Login, LoginBrake
from hloop.ui.metrics_route import add as add_metrics
from hloop.ui.request_ids import RequestIdMiddleware
from hloop.ui.serving import Served, serve_on_free_port

log = logging.getLogger("hloop.app")

# Calls of one event served at once. Predict, next_item, submit and the other light events are thread-safe and
# short (the database arbitrates claims; heavy scoring runs in the background), so they run side by side; each
# event has its own slots, so a burst of one never queues another. Retrain runs one at a time ("training"),
# imports two at a time ("import"; each writes short transactions outside every lock), simulations one at a time.
CONCURRENCY = 16
CSS = """
#queue-text textarea { font-size: 1.1rem; line-height: 1.5; }
#queue-shortcuts, #queue-counters { opacity: 0.9; }
#queue-item-id { display: none !important; }
.hloop-guidelines { display: none !important; }
#annotator textarea:disabled, #annotator input:disabled { background: var(--background-fill-secondary);
  color: var(--body-text-color-subdued); cursor: not-allowed; box-shadow: none; }
.hloop-guidelines.open { display: flex !important; max-height: 60vh; overflow-y: auto; border: 1px solid #ccc;
  border-radius: 8px; padding: 0.5rem 1rem; }
"""
INTRO = (
    "A text classifier ({labels}) that learns from you: correct its predictions, label the items it is least "
    "sure about, retrain, and compare versions."
)


def app_settings() -> Settings:
    """Settings from the environment; on a Hugging Face Space with persistent storage, keep data in /data."""
    return Settings(**space_storage())


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
        try:  # the user is the annotator: the name rule of every label applies
            parse_annotator(user)
        except HLoopError as exc:
            raise SystemExit(f"HLOOP_AUTH user {user.strip()[:20]!r}...: {exc}") from None
        pairs.append((user.strip(), password))
    return pairs or None


def app_login(settings: Settings, brake: LoginBrake | None = None) -> Login | None:
    """The users of HLOOP_AUTH behind a login brake (one for the UI and the REST API); None when login is off."""
    users = auth_pairs(settings.auth)
    if users is None:
        return None
    return Login(users, brake or LoginBrake(settings.login_max_failures, settings.login_lockout_seconds))


def launch_options(login: Login | None, settings: Settings | None = None) -> dict:
    """The UI's options when mounted: theme, CSS, login and the upload cap (the same for the app, the tests and
    the benchmark)."""
    return {
        "max_file_size": settings.max_upload_bytes if settings else None,
        "theme": gr.themes.Soft(),
        "css": CSS + nudge.CSS,
        "auth": login.gradio_auth if login else None,
        "auth_message": f"{settings.title if settings else 'HumanLoopML'}: log in. Your user name is recorded with "
        "every label you give.",
        "ssr_mode": False,
    }


def web_app(
    demo: gr.Blocks,
    settings: Settings,
    services: Services | None = None,
    brake: LoginBrake | None = None,
    observe: bool = True,
) -> FastAPI:
    """One ASGI app: ``/health`` and the REST API under ``/api`` (given ``services``), ``/docs``, the UI at ``/``;
    with ``observe``, ``/metrics`` and a request id on every request (off: the benchmark's baseline)."""
    login = app_login(settings, brake)
    combined = FastAPI(
        title=f"{settings.title} REST API",
        description="Predict, send feedback, read metrics and the model version; the app is at /.",
        docs_url="/docs",
        redoc_url=None,
    )
    if services is not None:
        rest.add_routes(combined, services, login)
    edge.install(combined, settings, login)
    if services is not None and observe:  # after the edge: its timer is outside it, so refusals are timed too
        add_metrics(combined, services, login)
    if observe:
        combined.add_middleware(RequestIdMiddleware)  # outermost: every request and its refusals carry the id
    return gr.mount_gradio_app(combined, demo, path="/", **launch_options(login, settings))


def serve_in_background(
    demo: gr.Blocks, settings: Settings, services: Services | None = None, brake: LoginBrake | None = None
) -> Served:
    """Serve ``web_app`` on a free 127.0.0.1 port in a thread (tests, benchmarks): ``.url``, then ``.close()``."""
    return serve_on_free_port(web_app(demo, settings, services, brake), demo)


def build_demo(services: Services) -> gr.Blocks:
    """The whole app over ``services``: the tabs and the API for scripts."""
    names = services.label_set.names
    shown = ", ".join(names[:12]) + (f", … ({len(names)} labels)" if len(names) > 12 else "")
    with gr.Blocks(title=services.settings.title) as demo:
        gr.Markdown(f"# {services.settings.title}\n{INTRO.format(labels=shown)}")
        with gr.Row(equal_height=True):
            annotator = gr.Textbox(
                label="Annotator (your name, saved with every label)",
                max_length=MAX_NAME_CHARS,
                placeholder="e.g. ana",
                elem_id="annotator",
            )
            logout = gr.Button("Log out", link="logout", visible=False, scale=0, min_width=120, elem_id="logout")
        offers = {}  # before v1: the labels lacking examples, and a search for each in Browse
        with gr.Tabs() as tabs:
            with gr.Tab("Predict", id="predict") as predict_tab:
                offers["predict"] = seeding.offer("predict")
                predict.build(services, annotator)
            with gr.Tab("Correct", id="correct") as correct_tab:
                refreshes = [(correct_tab, "correct", correct.build(services, annotator))]
            with gr.Tab("Label queue", id="queue") as queue_tab:
                offers["queue"] = seeding.offer("queue")
                refreshes.append((queue_tab, "queue", queue.build(services, annotator)))
            with gr.Tab("Browse", id="browse") as browse_tab:
                browse_refresh, seed_search = browse.build(services, annotator)
                refreshes.append((browse_tab, "browse", browse_refresh))
            with gr.Tab("Model", id="model") as model_tab:
                refreshes.append((model_tab, "model", model.build(services)))
            with gr.Tab("Monitor", id="monitor") as monitor_tab:
                refreshes.append((monitor_tab, "monitor", monitor.build(services)))
            with gr.Tab("Review", id="review") as review_tab:
                refreshes.append((review_tab, "review", review.build(services, annotator)))
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
        seeding.wire(offers, tabs, "browse", seed_search)
        for tab, name in ((None, "load"), (predict_tab, "predict"), (queue_tab, "queue")):
            (demo.load if tab is None else tab.select)(
                lambda: seeding.refresh(services, len(offers)),
                outputs=seeding.outputs(offers),
                api_name=f"ui_seed_{name}",
                api_visibility="undocumented",
            )
        demo.load(logged_in_annotator, outputs=[annotator, logout], api_name="ui_whoami", api_visibility="undocumented")
        demo.load(None, js=queue_keys.shortcuts_js(len(names)))
        nudge.build(demo)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def logged_in_annotator(request: gr.Request):
    """With login on, the annotator is the logged-in user and cannot be changed on the page (it says so, and a
    Log out button shows)."""
    if request is not None and request.username:
        label = f"Annotator: logged in as {request.username} (log out to label as someone else)"
        return gr.Textbox(value=request.username, label=label, interactive=False), gr.Button(visible=True)
    return gr.skip(), gr.skip()


def ensure_model(services: Services) -> None:
    """Train v1 when there is no model yet and there are labels to train on (progress in the log); in a cold
    start (no seed labels) say what v1 waits for; check the label store otherwise."""
    services.ensure_store()
    for line in services.hygiene().lines():  # what loading dropped, merged or cleaned, one line each
        log.info("data: %s", line)
    if services.current_version() is not None:
        return
    if not services.has_seed_labels() and any(services.labels_needed().values()):
        log.info("%s", services.readiness())
        return
    log.info("No model yet: training v1 (first start only).")

    def report(fraction: float, desc: str) -> None:
        log.info("  [%4.0f%%] %s", 100 * fraction, desc)

    card = services.train(progress=report)
    scores = f"accuracy {card.metrics.accuracy:.4f}" if card.metrics else "not enough eval labels yet"
    log.info("v%s ready: %s", card.version, scores)


def prepare() -> tuple[Settings, Services, FastAPI]:
    """Everything ``python app.py`` does before serving: settings, the store, v1 if needed, the ASGI app."""
    settings = app_settings()
    auth_pairs(settings.auth)  # a malformed HLOOP_AUTH stops the start before any work
    services = Services(settings)
    services.guidance()  # a bad descriptions or guidelines file stops the start before v1 trains
    notice = services.check_current()  # a damaged current version: say so, serve the newest intact one
    if notice:
        log.warning("%s", notice)
    ensure_model(services)
    threading.Thread(target=services.warm_queue, daemon=True, name="hloop-warm-queue").start()
    return settings, services, web_app(build_demo(services), settings, services)


def _ending_workers(run: Callable[[], int]) -> Callable[[], int]:
    """``run``, after which (however it ends) this process's worker processes end: a retrain or scoring still
    running in one is not waited for. (A process killed, or stopped by SIGTERM's default, loses them anyway.)"""

    @functools.wraps(run)
    def ending() -> int:
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            return run()
        except KeyboardInterrupt:  # Ctrl-C: while starting, or after uvicorn's graceful shutdown raised it again
            return 130
        except Stopped:  # SIGTERM: while starting, or raised again by uvicorn after its graceful shutdown
            return 128 + signal.SIGTERM
        finally:
            Services.end_workers()
            signal.signal(signal.SIGTERM, previous)

    return ending


class Stopped(BaseException):
    """SIGTERM arrived. Without a handler of ours, the signal uvicorn raises again after its graceful shutdown
    killed the process at once: no clean-up ran, and the resource tracker reported the worker pools' semaphores
    as leaked ("There appear to be 5 leaked semaphore objects")."""


def _stop(signum: int, frame: object) -> None:
    raise Stopped


@_ending_workers
def main() -> int:
    """Start the app; a start-up failure the project knows (bad settings, a missing dataset, a store made for
    other settings, an unreachable store, a damaged model) prints one line and returns 2."""
    try:
        shape, level, texts = log_options()
        configure_logging(shape, level, texts)  # first: what follows is logged as asked
    except InvalidInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        host, port = server_address()
        _settings, services, asgi = prepare()
    except SystemExit as exc:  # a malformed HLOOP_AUTH says what to fix
        return _failed_start(exc, str(exc), 2, shape)
    except Exception as exc:  # one line; a bug's traceback only with HLOOP_DEBUG
        return _failed_start(exc, *failure_line(exc, "Starting the app"), shape)
    events.emit("app.started", model_version=services.serving_version(), host=host, port=port, pid=os.getpid())
    try:  # a Space sets GRADIO_SERVER_NAME=0.0.0.0
        uvicorn.run(asgi, host=host, port=port, **edge.server_options(access_log=True))
    finally:
        events.emit("app.stopped", model_version=services.serving_version(), pid=os.getpid())
    return 0


def _failed_start(exc: BaseException, message: str, status: int, shape: str) -> int:
    """One line on stderr: the ``app.failed`` event in JSON logs (every line parses), else ``error: message`` (as
    every command)."""
    if shape == "json":
        events.emit("app.failed", error_class=type(exc).__name__, message=message, pid=os.getpid())
    else:
        print(f"error: {message}", file=sys.stderr)
    return status
