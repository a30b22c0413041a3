"""Reading uploaded files of records (CSV/TSV or JSONL) row by row, every column kept: what the import reads (its
``text`` column) and what batch prediction reads (every column).

UTF-8 (a bad byte refuses only its row); a row with more or fewer fields than the header, an oversized field,
invalid JSON or JSON nested too deeply is one row's error and the rows after it are read on; a file that cannot be
read at all (missing, a header that is not UTF-8, no text column) raises InvalidInputError before the first row.
Memory stays flat whatever the file's size.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hloop.core.errors import InvalidInputError
from hloop.data.files import file_format

_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as ``surrogateescape`` keeps them
MAX_LINE_CHARS = 1 << 20  # a JSONL line longer than this cannot hold a text within MAX_TEXT_CHARS


@dataclass(frozen=True)
class Row:
    """One row of the file: its number (the header is row 1 of a CSV), its fields, and its text or the error
    that made it unreadable (then ``fields`` holds what could be read, maybe nothing)."""

    number: int
    fields: dict
    text: object  # the text column's value (any JSON value in JSONL), or an InvalidInputError
    fraction: float  # share of the file read so far


def read_texts(path: str | Path) -> list[tuple[int, object]]:
    """(row number, value of ``text``) of every row; malformed rows carry an error message instead."""
    return [row for row, _fraction in iter_texts(path)]


def iter_texts(path: str | Path) -> Iterator[tuple[tuple[int, object], float]]:
    """Stream ((row number, value of ``text`` or the row's error), share of the file read so far): the import's
    view of ``iter_rows``."""
    for row in iter_rows(path, "text"):
        yield (row.number, row.text), row.fraction


def columns_of(path: str | Path, text_column: str, hint: str = "") -> list[str]:
    """The file's columns: a CSV's header (InvalidInputError without ``text_column``, or with a column named twice),
    or every key of a JSONL file's records in the order first seen (one pass, memory for the keys only)."""
    path = _existing(path)
    if file_format(path) == "csv":
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
            header = _csv_header(csv.reader(fh, delimiter=_delimiter(path)), path, text_column, hint)
        twice = sorted({name for name in header if header.count(name) > 1})
        if twice:
            named = ", ".join(map(repr, twice))
            raise InvalidInputError(f"{path.name} names the column(s) {named} twice; rename them.")
        return header
    seen: dict[str, None] = {}
    for row in iter_rows(path, text_column):
        seen.update(dict.fromkeys(row.fields))
    return list(seen) or [text_column]


def iter_rows(path: str | Path, text_column: str, hint: str = "") -> Iterator[Row]:
    """Every row of the file, streamed; ``hint`` ends the message for a CSV without ``text_column``."""
    path = _existing(path)
    size = max(path.stat().st_size, 1)
    # surrogateescape: a bad byte becomes a lone surrogate in its row, so only that row is refused
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        lines = _CountingLines(fh)
        if file_format(path) == "csv":
            reader = csv.reader(lines, delimiter=_delimiter(path))
            header = _csv_header(reader, path, text_column, hint)
            rows = _csv_rows(reader, header, text_column)
        else:
            rows = _jsonl_rows(lines, text_column)
        for number, fields, text in rows:
            yield Row(number, fields, text, min(lines.chars / size, 1.0))


class _CountingLines:
    """The file's lines, counting the characters handed out (for progress)."""

    def __init__(self, fh) -> None:
        self.fh, self.chars = fh, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.fh)
        self.chars += len(line)
        return line


def _not_utf8(value: str) -> InvalidInputError | None:
    """The error for text read from bytes that are not UTF-8 (kept as lone surrogates), else None."""
    match = _ESCAPED.search(value)
    if match is None:
        return None
    byte = ord(match.group()) - 0xDC00
    return InvalidInputError(
        f"not UTF-8 text (byte 0x{byte:02x} at character {match.start() + 1}); save the file as UTF-8"
    )


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}.")
    return path


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _csv_header(reader, path: Path, text_column: str, hint: str) -> list[str]:
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise InvalidInputError(f"Malformed CSV header in {path.name}: {exc}.") from exc
    if (bad := _not_utf8(",".join(header))) is not None:
        raise InvalidInputError(f"The header row of {path.name} is {bad}.")
    if text_column not in header:
        raise InvalidInputError(
            f"The CSV has no {text_column!r} column (columns: {header or 'none'}); "
            f"add a header row with {text_column!r}{hint}."
        )
    return header


def _csv_rows(reader, header: list[str], text_column: str) -> Iterator[tuple[int, dict, object]]:
    column, number = header.index(text_column), 1
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
                f"has {len(fields)} fields and the header has {len(header)}; quote a text that holds {what} "
                "or the delimiter"
            )
            yield number, {}, error
            continue
        bad = next((e for e in map(_not_utf8, fields) if e is not None), None)
        if bad is not None:
            yield number, {}, bad
            continue
        yield number, dict(zip(header, fields, strict=True)), fields[column]


def _jsonl_rows(lines: _CountingLines, text_column: str) -> Iterator[tuple[int, dict, object]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            too_long = f"the line is {len(line):,} characters long; the limit is {MAX_LINE_CHARS:,}"
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
            deep = f"JSON nested too deeply; a record is one flat object with a {text_column!r} field"
            yield number, {}, InvalidInputError(deep)
            continue
        if not isinstance(record, dict) or text_column not in record:
            yield number, record if isinstance(record, dict) else {}, InvalidInputError(f"no {text_column!r} field")
            continue
        yield number, record, record[text_column]
