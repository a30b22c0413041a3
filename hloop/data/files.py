"""Reading uploaded texts (CSV or JSONL with a ``text`` column) and writing label exports (CSV or JSONL)."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from hloop.core.errors import InvalidInputError

FORMATS = ("csv", "jsonl")
# Spreadsheet formula injection (OWASP "CSV Injection"): what may start a formula, and what may hide it.
# Classes, not lists: any character whose compatibility form (NFKC) or Unicode name is = + - @ or a dash starts
# a formula; any control, format, space, separator, combining or blank character (and quotes) may hide one.
_FORMULA_STARTS = frozenset("=+-@")
_FORMULA_NAMES = ("EQUALS SIGN", "PLUS SIGN", "MINUS SIGN", "HYPHEN-MINUS", "COMMERCIAL AT")
_HIDING = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_QUOTES = frozenset("\"'")
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as ``surrogateescape`` keeps them
MAX_LINE_CHARS = 1 << 20  # a JSONL line longer than this cannot hold a text within MAX_TEXT_CHARS
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def file_format(path: str | Path) -> str:
    """``csv`` or ``jsonl`` from the file's extension (``.json``/``.ndjson`` count as JSONL)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv"):
        return "csv"
    raise InvalidInputError(f"Unsupported file type {Path(path).name!r}; use a .csv or .jsonl file.")


def read_texts(path: str | Path) -> list[tuple[int, object]]:
    """(row number, value of ``text``) of every row; malformed rows carry an error message instead."""
    return [row for row, _fraction in iter_texts(path)]


def iter_texts(path: str | Path) -> Iterator[tuple[tuple[int, object], float]]:
    """Stream ((row number, value of ``text``), share of the file read so far) row by row: memory stays flat
    whatever the file's size. A bad row (bytes that are not UTF-8, an oversized field, more or fewer fields
    than the header, JSON that is invalid or nested too deeply) carries an error instead of a value, and the
    rows after it are read on. A file that cannot be read at all (missing, a header that is not UTF-8, no
    ``text`` column) raises InvalidInputError before the first row."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}.")
    fmt, size = file_format(path), max(path.stat().st_size, 1)
    # surrogateescape: a bad byte becomes a lone surrogate in its row, so only that row is refused
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        lines = _CountingLines(fh)
        rows = _iter_jsonl(lines) if fmt == "jsonl" else _iter_csv(lines, path)
        for row in rows:
            yield row, min(lines.chars / size, 1.0)


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


def _iter_csv(lines: _CountingLines, path: Path) -> Iterator[tuple[int, object]]:
    reader = csv.reader(lines, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise InvalidInputError(f"Malformed CSV header in {path.name}: {exc}.") from exc
    if (bad := _not_utf8(",".join(header))) is not None:
        raise InvalidInputError(f"The header row of {path.name} is {bad}.")
    if "text" not in header:
        raise InvalidInputError(
            f"The CSV has no 'text' column (columns: {header or 'none'}); add a header row with 'text'."
        )
    column, number = header.index("text"), 1
    while True:
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field above the size limit: refuse this row, read on
            yield number, InvalidInputError(f"malformed CSV ({exc})")
            continue
        if not fields:  # a blank line
            number -= 1
            continue
        if len(fields) != len(header):
            yield (
                number,
                InvalidInputError(
                    f"has {len(fields)} fields and the header has {len(header)}; quote a text that holds "
                    f"{'commas' if len(fields) > len(header) else 'line breaks'} or the delimiter"
                ),
            )
            continue
        bad = next((e for e in map(_not_utf8, fields) if e is not None), None)
        yield number, bad if bad is not None else fields[column]


def _iter_jsonl(lines: _CountingLines) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield (
                number,
                InvalidInputError(f"the line is {len(line):,} characters long; the limit is {MAX_LINE_CHARS:,}"),
            )
            continue
        if (bad := _not_utf8(line)) is not None:
            yield number, bad
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, InvalidInputError(f"not valid JSON ({exc.msg})")
            continue
        except RecursionError:
            yield number, InvalidInputError("JSON nested too deeply; a record is one flat object with a 'text' field")
            continue
        if not isinstance(record, dict) or "text" not in record:
            yield number, InvalidInputError("no 'text' field")
            continue
        yield number, record["text"]


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that a spreadsheet will not run: text that could start a formula gets a leading ``'`` (OWASP).

    Triggers are ``= + - @``, any compatibility or look-alike form of them (full-width, small, superscript, the
    minus sign, any dash) as the first visible character (after whitespace, invisible characters such as a
    zero-width space, BOM or NUL, and quotes), and a leading tab or carriage return. Numbers, and text that is
    exactly a plain number such as ``-12.5``, are unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "\t\r" or _starts_formula(value):
        return value if _PLAIN_NUMBER.fullmatch(value) else "'" + value
    return value


def _starts_formula(value: str) -> bool:
    """Whether the first visible character of ``value`` could make a spreadsheet read it as a formula."""
    for ch in value:
        visible = unicodedata.normalize("NFKC", ch)[:1] or ch
        if _hides(ch) or visible in _QUOTES or (visible != ch and _hides(visible)):
            continue
        name = unicodedata.name(ch, "")
        return visible in _FORMULA_STARTS or unicodedata.category(ch) == "Pd" or any(n in name for n in _FORMULA_NAMES)
    return False


def _hides(ch: str) -> bool:
    """A character a reader does not see before a formula: control, format, space, combining, blank, filler."""
    if ch.isspace() or unicodedata.category(ch) in _HIDING:
        return True
    name = unicodedata.name(ch, "")
    return "FILLER" in name or "BLANK" in name


def write_records(path: str | Path, records: Iterable[dict], columns: list[str]) -> int:
    """Write dict records as CSV (text cells made spreadsheet-safe) or JSONL (exact) by extension, atomically.

    Returns the count; on any failure the target is untouched and no temporary file is left.
    """
    path = Path(path)
    fmt = file_format(path)
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            if fmt == "csv":
                delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
                writer = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter)
                writer.writeheader()
                for record in records:
                    writer.writerow({key: spreadsheet_safe(value) for key, value in record.items()})
                    count += 1
            else:
                for record in records:
                    fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                    count += 1
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
