"""``hloop init``: a project file (``hloop.toml``) for a dataset, written once it is known to load."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from hloop.cli.output import dataset_line
from hloop.cli.parsing import command
from hloop.config import environment_overrides, project_file_path, settings_without_project_file
from hloop.core.errors import DatasetUnavailableError, InvalidInputError

OPTIONS = ("dataset", "text_column", "label_column", "labels", "database_url", "models_dir")  # what init writes


@command(
    "init",
    "Write a project file (hloop.toml) for a dataset, once it loads, so other commands need no HLOOP_ variables.",
    own_settings=True,
)
def init(args, _services) -> int:
    from hloop.services import Services

    path = project_file_path()
    if path.exists() and not args.force:
        raise _refusal(path)
    values = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    services = Services(_settings(values))
    try:
        corpus = services.corpus()
    except DatasetUnavailableError as exc:
        raise DatasetUnavailableError(f"{exc}{_as_options(str(exc))} Nothing was written.") from exc
    print(
        dataset_line(
            {
                "dataset": corpus.source,
                "train_texts": len(corpus.train_texts),
                "labels": corpus.label_set.to_list(),
                "eval_origin": corpus.eval_origin,
                "eval_texts": len(corpus.eval_texts),
            }
        )
    )
    for line in services.hygiene().lines():
        print(f"  data: {line}")
    if not corpus.labelled:
        print("  no labels in the data: the loop starts from zero labels (cold start)")
    _write(path, project_file_text(values), replace=args.force)
    print(f"wrote {path} ({', '.join(values)}); next: python -m hloop train")
    for name in environment_overrides(values):
        print(f"note: {name} is set in this environment and overrides the file's value")
    return 0


def _as_options(message: str) -> str:
    """How to give the settings a loading error names, as this command's options."""
    named = [name for name in ("text_column", "label_column", "labels") if f"HLOOP_{name.upper()}" in message]
    options = ", ".join(f"HLOOP_{name.upper()} as --{name.replace('_', '-')}" for name in named)
    return f" (`hloop init` takes {options}.)" if named else ""


def _settings(values: dict):
    """The settings init loads the dataset with; a bad option is named as the option."""
    try:
        return settings_without_project_file(**values)
    except ValidationError as exc:
        bad = [e for e in exc.errors() if e["loc"] and e["loc"][0] in values]
        if not bad:
            raise  # a bad HLOOP_ variable in the environment: reported as such by main
        problems = "; ".join(
            f"--{str(e['loc'][0]).replace('_', '-')}: {str(e['msg']).removeprefix('Value error, ')}" for e in bad
        )
        raise InvalidInputError(f"{problems}; nothing was written.") from None


def project_file_text(values: dict[str, str]) -> str:
    """The TOML of a project file holding ``values`` (setting name -> value), with a header saying what it is."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("HumanLoopML project, written by `python -m hloop init`. Keys are the settings without"))
    doc.add(tomlkit.comment("HLOOP_, in lower case; an HLOOP_ variable in the environment wins over a key here."))
    doc.add(tomlkit.nl())
    for name, value in values.items():
        doc.add(name, value)
    return tomlkit.dumps(doc)


def _write(path: Path, text: str, *, replace: bool) -> None:
    """Write ``path`` whole or not at all (a temporary file renamed); without ``replace``, never over a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # atomic, and fails if a file appeared there meanwhile
        except FileExistsError:
            raise _refusal(path) from None
        except OSError:  # a file system without hard links: check, then rename
            if path.exists():
                raise _refusal(path) from None
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _refusal(path: Path) -> InvalidInputError:
    return InvalidInputError(f"{path} exists already; pass --force to replace it (it was left as it is).")


def add_arguments(p: dict) -> None:
    """The arguments of ``init`` (``p``: command name -> its subparser)."""
    init_ = p["init"]
    init_.add_argument("--dataset", required=True, help="a hub id, a local folder (parquet, CSV, JSONL) or one file")
    init_.add_argument("--text-column", default=None, help="the column that holds the texts (default: text)")
    init_.add_argument("--label-column", default=None, help="the column that holds the labels (default: label)")
    init_.add_argument("--labels", default=None, help='label names in order, e.g. "spam,ham" (default: from the data)')
    init_.add_argument("--database-url", default=None, help="the label store (default: sqlite:///data/hloop.db)")
    init_.add_argument("--models-dir", default=None, help="where model versions live (default: models)")
    init_.add_argument("--force", action="store_true", help="replace an existing project file")
