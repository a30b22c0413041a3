"""Serve an ASGI app with uvicorn in a background thread (tests, benchmarks) and stop it cleanly."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

import gradio as gr
import uvicorn
from fastapi import FastAPI
from starlette.routing import Mount

from hloop.ui.edge import server_options

START_SECONDS = 20.0


@dataclass(frozen=True)
class Served:
    """An app served in a background thread on 127.0.0.1; ``close()`` stops it."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop
    app: FastAPI
    demo: gr.Blocks

    def close(self) -> None:
        """End the UI's open streams (heartbeats) and its queue, stop the server and wait for its thread."""
        for route in self.app.routes:
            stop = getattr(route.app, "stop_event", None) if isinstance(route, Mount) else None
            if stop is not None:  # the mounted Gradio app ends its heartbeat streams on this event
                self.loop.call_soon_threadsafe(stop.set)
        self.demo.close(verbose=False)
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve_on_free_port(app: FastAPI, demo: gr.Blocks, access_log: bool = False) -> Served:
    """Serve ``app`` (with ``demo`` mounted in it) on a free 127.0.0.1 port without blocking; with ``access_log``,
    uvicorn's request lines go to the app's log handler as ``python app.py`` sends them (else warnings only)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    level = None if access_log else "warning"  # None: uvicorn leaves the levels ``configure_logging`` set
    config = uvicorn.Config(app, log_level=level, timeout_graceful_shutdown=2, **server_options(access_log))
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=_run, args=(loop, server, sock), daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("The app's server did not start; see the log above.")
        time.sleep(0.01)
    return Served(f"http://127.0.0.1:{sock.getsockname()[1]}/", server, thread, loop, app, demo)


def _run(loop: asyncio.AbstractEventLoop, server: uvicorn.Server, sock: socket.socket) -> None:
    # the Runner cancels what is left on the loop (the UI queue's tasks) before closing it
    with asyncio.Runner(loop_factory=lambda: loop) as runner:
        runner.run(server.serve(sockets=[sock]))
