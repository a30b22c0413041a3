"""Reading uploaded texts (CSV or JSONL with a ``text`` column) and writing label exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from hloop.core.errors import InvalidInputError

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
FORMATS = ("csv", "jsonl")


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
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"No such file: {path}.")
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise InvalidInputError(f"{path.name} is over {MAX_UPLOAD_BYTES // 2**20} MiB; split it into smaller files.")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{path.name} is not UTF-8 text ({exc.reason}); save it as UTF-8.") from exc
    return _read_jsonl(content) if file_format(path) == "jsonl" else _read_csv(content, path.suffix.lower())


def _read_csv(content: str, suffix: str) -> list[tuple[int, object]]:
    reader = csv.DictReader(io.StringIO(content), delimiter="\t" if suffix == ".tsv" else ",")
    try:
        fields = reader.fieldnames or []
        if "text" not in fields:
            raise InvalidInputError(
                f"The CSV has no 'text' column (columns: {fields or 'none'}); add a header row with 'text'."
            )
        return [(i, row.get("text")) for i, row in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise InvalidInputError(f"Malformed CSV at line {reader.line_num}: {exc}.") from exc


def _read_jsonl(content: str) -> list[tuple[int, object]]:
    rows: list[tuple[int, object]] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, InvalidInputError(f"not valid JSON ({exc.msg})")))
            continue
        if not isinstance(record, dict) or "text" not in record:
            rows.append((number, InvalidInputError("no 'text' field")))
            continue
        rows.append((number, record["text"]))
    return rows


def write_records(path: str | Path, records: Iterable[dict], columns: list[str]) -> int:
    """Write dict records as CSV or JSONL by extension, atomically; returns the count."""
    path = Path(path)
    fmt = file_format(path)
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for record in records:
                writer.writerow(record)
                count += 1
        else:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                count += 1
    tmp.replace(path)
    return count
