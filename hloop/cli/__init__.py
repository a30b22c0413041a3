"""``python -m hloop``: the loop from a terminal, a thin layer over ``hloop.services``.

One module per group of commands (``project``, ``models``, ``labels``, ``store``, ``simulate``, ``similar``,
``search``), what
they print in ``output``, how arguments are read in ``parsing``; this module assembles the parser and runs one
command."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from hloop.cli import labels, models, monitor, project, search, sets, similar, simulate, store
from hloop.cli.parsing import OneLineParser, undecodable_argument
from hloop.config import failure_line

_HANDLERS = (
    project.init,
    models.train,
    models.retrain,
    labels.queue,
    labels.label,
    labels.import_texts,
    models.status,
    models.promote,
    models.metrics,
    models.rollback,
    labels.export,
    models.predict,
    models.export_model,
    labels.undo,
    simulate.simulate,
    store.backup,
    store.restore,
    models.trust_legacy,
    labels.suspects,
    labels.agreement,
    similar.embed,
    similar.similar,
    search.search,
    search.bulk_label,
    search.undo_bulk,
    search.bulk_batches,
    monitor.monitor,
)
COMMANDS: dict[str, Callable] = {fn.cli_name: fn for fn in _HANDLERS}  # in the order `hloop --help` lists them
_GROUPS = (project, models, labels, store, simulate, similar, search, monitor)
_NO_MODEL_CHECK = ("trust-legacy", "restore", "backup")  # they work on damaged or absent versions


def build_parser() -> OneLineParser:
    """The argument parser with every subcommand."""
    parser = OneLineParser(prog="hloop", description="HumanLoopML: human-in-the-loop text classification.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = {name: sub.add_parser(name, help=fn.cli_help, description=fn.cli_help) for name, fn in COMMANDS.items()}
    for group in _GROUPS:
        group.add_arguments(p)
    return parser


def _services(command: str, settings):
    """The Services of the settings (environment, project file), with a warning when the current version is damaged."""
    from hloop.services import Services

    services = Services(settings)
    if command not in _NO_MODEL_CHECK:
        notice = services.check_current()  # a damaged current version: say so, serve the newest intact one
        if notice:
            print(f"warning: {notice}", file=sys.stderr)
    return services


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; an HLoopError, a bad argument or a bad setting prints one line and returns 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if (problem := undecodable_argument(argv)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    try:
        handler = COMMANDS[args.command]
        if handler.own_settings:
            return handler(args, None)
        return _run(handler, args)
    except KeyboardInterrupt:
        print("error: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 2
    except Exception as exc:  # one line; a bug's traceback only with HLOOP_DEBUG
        message, status = failure_line(exc, f"python -m hloop {args.command}")
        print(f"error: {message}", file=sys.stderr)
        return status


def _run(handler: Callable, args) -> int:
    """The command over a single-label project, or over a multi-label one (``hloop.cli.sets``; see
    ``is_multi_label``)."""
    from hloop.config import Settings
    from hloop.services.project_kind import is_multi_label

    settings = Settings(fit_in_worker=False)  # no requests to keep responsive here: fit in-process
    if is_multi_label(settings):
        return sets.run(args, settings)
    return handler(args, _services(args.command, settings))


def main_exit() -> None:
    """Console-script entry point (``hloop``)."""
    sys.exit(main())


__all__ = ["COMMANDS", "build_parser", "main", "main_exit"]
