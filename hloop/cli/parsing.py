"""How the command line is read: commands declared with their help, one-line argument errors, typed values."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from hloop.core import values
from hloop.core.errors import HLoopError


def command(name: str, help: str, *, own_settings: bool = False):
    """Declare a subcommand handler (args, services) -> exit code; ``hloop.cli`` lists the handlers in order.

    ``own_settings``: the handler builds its settings from its own arguments and receives no ``Services``."""

    def wrap(fn: Callable) -> Callable:
        fn.cli_name = name
        fn.cli_help = help
        fn.own_settings = own_settings
        return fn

    return wrap


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit status 2), like every other CLI error."""

    def error(self, message: str):
        """Print ``message`` on one line with where to find help, and exit 2."""
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _typed(parse: Callable[[str], object], name: str) -> Callable[[str], object]:
    """An argparse ``type=`` from a ``hloop.core.values`` parser: its one-line message on bad input."""

    def convert(raw: str) -> object:
        try:
            return parse(raw)
        except HLoopError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert


EXAMPLE_ID = _typed(values.parse_example_id, "example id")
VERSION = _typed(values.parse_version, "version")
WEIGHT = _typed(values.parse_weight, "weight")
COUNT = _typed(values.parse_count, "count")
SEED = _typed(values.parse_seed, "seed")
FRACTION = _typed(values.parse_fraction, "fraction")
ANNOTATOR = _typed(values.parse_annotator, "annotator")


def add_json(parser: argparse.ArgumentParser) -> None:
    """The ``--json`` switch of a command that can print JSON for scripts."""
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def undecodable_argument(argv: Sequence[str]) -> str | None:
    """The message for the first argument that was not UTF-8 (Python keeps its bytes as surrogates), if any."""
    for position, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            raw = os.fsencode(arg[exc.start])
            return (
                f"argument {position} is not valid UTF-8 (byte 0x{raw.hex()} at position {exc.start}); "
                "pass UTF-8 text (rename a file whose name is not UTF-8)."
            )
    return None
