"""The project file: ``hloop.toml`` in the working directory (or the file ``HLOOP_CONFIG`` names) holds the
settings of one project, so no command repeats five HLOOP_ variables. Keys are the setting names without the
prefix, in lower case; the environment wins over them. Every key and value is checked: a typo is an error."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, TomlConfigSettingsSource

from hloop.config.settings import Settings
from hloop.core.errors import ProjectFileError

PROJECT_FILE = "hloop.toml"  # in the working directory; HLOOP_CONFIG names another file


def project_file_path() -> Path:
    """Where the project file is (or would be): the file ``HLOOP_CONFIG`` names, else ``hloop.toml`` here."""
    named = os.environ.get("HLOOP_CONFIG", "").strip()
    return Path(named).expanduser() if named else Path(PROJECT_FILE)


def project_file_source(settings_cls: type[BaseSettings]) -> tuple[PydanticBaseSettingsSource, ...]:
    """The project file's source, after checking every key and value in it; none when there is no file."""
    path = project_file_path()
    if not path.exists():
        if os.environ.get("HLOOP_CONFIG", "").strip():
            raise ProjectFileError(
                f"HLOOP_CONFIG names {path}, which does not exist; write it with `python -m hloop init --dataset "
                "...`, or point HLOOP_CONFIG at an existing file."
            )
        return ()
    if not path.is_file():
        raise ProjectFileError(f"The project file {path} is not a file; move it away, or set HLOOP_CONFIG to a file.")
    try:
        source = TomlConfigSettingsSource(settings_cls, toml_file=path)
    except OSError as exc:
        raise ProjectFileError(
            f"The project file {path} cannot be read ({exc.strerror or exc}); make it readable."
        ) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError, or bytes that are not UTF-8
        raise ProjectFileError(
            f"The project file {path} is not valid TOML: {' '.join(str(exc).split())}. Fix that line, or write the "
            "file again with `python -m hloop init --force`."
        ) from None
    _check_project_values(path, source.toml_data)
    return (source,)


def _check_project_values(path: Path, values: dict) -> None:
    """Every key of the project file is a setting, and every value is valid for it, or one ProjectFileError."""
    unknown = [key for key in values if key not in Settings.model_fields]
    if unknown:
        raise ProjectFileError(
            f"The project file {path} has unknown keys: {', '.join(_suggestion(key) for key in unknown)}. Keys are "
            "the setting names without HLOOP_, in lower case (e.g. dataset, label_column)."
        )
    try:
        _ProjectFileValues(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {str(e['msg']).removeprefix('Value error, ')}"
            + ("" if e["type"] == "value_error" else f" (got {e['input']!r:.80})")
            for e in exc.errors()
        )
        raise ProjectFileError(f"The project file {path} has a bad value: {problems}.") from None


def _suggestion(key: str) -> str:
    """An unknown key, with the setting it most resembles."""
    close = difflib.get_close_matches(key.lower().removeprefix("hloop_"), list(Settings.model_fields), n=1)
    return f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key)


class _ProjectFileValues(Settings):
    """Only the values given, checked by every validator of Settings: a project file's values on their own."""

    SOURCES = ("init",)


class _WithoutProjectFile(Settings):
    """Explicit values and the environment, no project file."""

    SOURCES = ("init", "environment")


def settings_without_project_file(**values) -> Settings:
    """Settings from ``values`` and the environment, ignoring any project file: what ``hloop init`` checks
    before it writes (or replaces) one."""
    return _WithoutProjectFile(**values)


def environment_overrides(keys) -> list[str]:
    """The HLOOP_ variables set in the environment that override these settings of the project file."""
    return [f"HLOOP_{key.upper()}" for key in keys if f"HLOOP_{key.upper()}" in os.environ]
