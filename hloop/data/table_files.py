"""Reading a file of records (CSV or JSONL) with every column kept, row by row: what batch prediction reads.

The same rules as the import's reader (``hloop.data.files``): UTF-8 (a bad byte refuses only its row), a row with
more or fewer fields than the header, invalid JSON or a record that is not an object is one row's error and the
rows after it are read on; a file that cannot be read at all raises InvalidInputError before the first row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hloop.core.errors import InvalidInputError
from hloop.data.files import MAX_LINE_CHARS, _CountingLines, _not_utf8, file_format


@dataclass(frozen=True)
class Row:
    """One row of the file: its number (the header is row 1 of a CSV), its fields, and its text or the error
    that made it unreadable (then ``fields`` holds what could be read, maybe nothing)."""

    number: int
    fields: dict
    text: object  # the text column's value (any JSON value in JSONL), or an InvalidInputError
    fraction: float  # share of the file read so far


def columns_of(path: str | Path, text_column: str) -> list[str]:
    """The file's columns: a CSV's header (InvalidInputError without ``text_column``, or with a column named twice),
    or every key of a JSONL file's records in the order first seen (one pass, memory for the keys only)."""
    path = _existing(path)
    if file_format(path) == "csv":
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            return _csv_header(csv.reader(fh, delimiter=_delimiter(path)), path, text_column)
    seen: dict[str, None] = {}
    for row in iter_rows(path, text_column):
        seen.update(dict.fromkeys(row.fields))
    return list(seen) or [text_column]


def iter_rows(path: str | Path, text_column: str) -> Iterator[Row]:
    """Every row of the file, streamed (memory stays flat whatever its size)."""
    path = _existing(path)
    size = max(path.stat().st_size, 1)
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        lines = _CountingLines(fh)
        if file_format(path) == "csv":
            reader = csv.reader(lines, delimiter=_delimiter(path))
            header = _csv_header(reader, path, text_column)
            rows = _csv_rows(reader, header, text_column)
        else:
            rows = _jsonl_rows(lines, text_column)
        for number, fields, text in rows:
            yield Row(number, fields, text, min(lines.chars / size, 1.0))


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}.")
    return path


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _csv_header(reader, path: Path, text_column: str) -> list[str]:
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise InvalidInputError(f"Malformed CSV header in {path.name}: {exc}.") from exc
    if (bad := _not_utf8(",".join(header))) is not None:
        raise InvalidInputError(f"The header row of {path.name} is {bad}.")
    if text_column not in header:
        raise InvalidInputError(
            f"{path.name} has no {text_column!r} column (columns: {', '.join(header) or 'none'}); "
            f"name the text column (--text-column) or add a header row."
        )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise InvalidInputError(f"{path.name} names the column(s) {', '.join(map(repr, twice))} twice; rename them.")
    return header


def _csv_rows(reader, header: list[str], text_column: str) -> Iterator[tuple[int, dict, object]]:
    number = 1
    while True:
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field above the size limit: this row's error, read on
            yield number, {}, InvalidInputError(f"malformed CSV ({exc})")
            continue
        if not fields:  # a blank line
            number -= 1
            continue
        if len(fields) != len(header):
            what = "commas" if len(fields) > len(header) else "line breaks"
            error = InvalidInputError(
                f"has {len(fields)} fields and the header has {len(header)}; quote a text that holds {what}"
            )
            yield number, {}, error
            continue
        bad = next((e for e in map(_not_utf8, fields) if e is not None), None)
        record = dict(zip(header, fields, strict=True))
        yield number, ({} if bad else record), bad if bad is not None else record[text_column]


def _jsonl_rows(lines: _CountingLines, text_column: str) -> Iterator[tuple[int, dict, object]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            too_long = f"the line is {len(line):,} characters; the limit is {MAX_LINE_CHARS:,}"
            yield number, {}, InvalidInputError(too_long)
            continue
        if (bad := _not_utf8(line)) is not None:
            yield number, {}, bad
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {}, InvalidInputError(f"not valid JSON ({exc.msg})")
            continue
        except RecursionError:
            yield number, {}, InvalidInputError("JSON nested too deeply; a record is one object")
            continue
        if not isinstance(record, dict):
            yield number, {}, InvalidInputError("not a JSON object; each line is one record")
            continue
        if text_column not in record:
            yield number, record, InvalidInputError(f"no {text_column!r} field")
            continue
        yield number, record, record[text_column]
