"""File formats (CSV/TSV or JSONL, by extension) and writing exports: label exports, predictions, spreadsheet-safe
cells. Reading them is ``hloop.data.table_files``."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable
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
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def file_format(path: str | Path) -> str:
    """``csv`` or ``jsonl`` from the file's extension (``.json``/``.ndjson`` count as JSONL)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv"):
        return "csv"
    raise InvalidInputError(f"Unsupported file type {Path(path).name!r}; use a .csv or .jsonl file.")


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
