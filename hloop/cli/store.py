"""The label store and the models folder as one archive: backup and restore."""

from __future__ import annotations

from hloop.cli.output import print_json
from hloop.cli.parsing import add_json, command


def _rows_line(report) -> str:
    rows = ", ".join(f"{n:,} {table}" for table, n in sorted(report.rows.items()))
    return f"{rows}; {report.model_files} model files; schema revision {report.schema_revision}"


@command("backup", "Write the label store (every table) and the models folder to one archive with sha256s.")
def backup(args, services) -> int:
    report = services.backup(args.file)
    print_json(report.to_dict()) if args.json else print(f"backup written to {report.path}: {_rows_line(report)}")
    return 0


@command("restore", "Fill an empty label store and models folder from a backup (SQLite or PostgreSQL).")
def restore(args, services) -> int:
    report = services.restore(args.file, embed_after=False)  # the app, or `hloop embed`, embeds the texts again
    print_json(report.to_dict()) if args.json else print(f"restored from {report.path}: {_rows_line(report)}")
    return 0


def add_arguments(p: dict) -> None:
    """The arguments of this module's commands (``p``: command name -> its subparser)."""
    p["backup"].add_argument("file", help="the archive to write, e.g. hloop-backup.zip")
    p["restore"].add_argument("file", help="an archive written by `python -m hloop backup`")
    for name in ("backup", "restore"):
        add_json(p[name])
