"""HumanLoopML's app. ``python app.py`` trains v1 first when there is no model, then serves the UI at ``/`` and
the REST API under ``/api`` (docs at ``/docs``) on GRADIO_SERVER_PORT (default 7860); ``gradio app.py`` reloads
the Blocks named ``demo`` (the UI alone) while you edit. The app itself is ``hloop.ui.web``."""

from __future__ import annotations

import sys

from hloop.services import Services
from hloop.ui.web import (  # noqa: F401  (scripts, tests and benchmarks use them as app.NAME)
    CONCURRENCY,
    app_login,
    app_settings,
    auth_pairs,
    build_demo,
    ensure_model,
    launch_options,
    main,
    prepare,
    serve_in_background,
    web_app,
)


def __getattr__(name: str):
    """``demo`` for ``gradio app.py``, built on first use, so importing this module loads no dataset."""
    if name == "demo":
        global demo
        demo = build_demo(Services(app_settings()))
        return demo
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
