"""Batch prediction: a CSV or JSONL file of texts in, the same rows out with the model's label, its confidence,
every label's probability and the model version.

The file is streamed in chunks of ``CHUNK_ROWS`` rows and the output written as it goes, to a temporary file that
replaces the target only once every row is written (a run that fails leaves no half-written file); memory stays
flat whatever the file's size. One model version predicts the whole file, even if another becomes current
meanwhile. Nothing is stored: predicting a file is not labelling it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hloop.core import events
from hloop.core.errors import InvalidInputError
from hloop.core.labels import clean_text
from hloop.core.records import BatchReport, Rejection
from hloop.data.files import file_format, write_records
from hloop.data.table_files import Row, columns_of, iter_rows
from hloop.services.models import Models
from hloop.services.predictions import label_answer
from hloop.services.project import Progress, Project, no_progress
from training.pipeline import full_probabilities

CHUNK_ROWS = 2_000  # rows predicted per model call
MAX_REJECTIONS_LISTED = 100
MAX_TEXTS = 1_000  # texts in one predict_texts call (the REST list); files have no limit
PREDICTED, CONFIDENCE, VERSION, ERROR = "predicted_label", "confidence", "model_version", "prediction_error"
PROBABILITY = "p_{}"  # one column per label: p_<label name>


class BatchPredictions:
    """Predicting files of texts with the model that serves."""

    def __init__(self, project: Project, models: Models) -> None:
        self.project = project
        self.models = models

    def prediction_columns(self) -> list[str]:
        """The columns a batch prediction adds to every row, in order."""
        names = self.project.label_set.names
        return [PREDICTED, CONFIDENCE, *(PROBABILITY.format(n) for n in names), VERSION, ERROR]

    def predict_texts(self, texts: list) -> dict:
        """Every text's label, confidence and per-label confidences, by one model version (at most
        ``MAX_TEXTS`` texts a call). InvalidInputError naming the first text that is not usable; nothing is stored."""
        timer = events.Timer()
        if not isinstance(texts, list) or not texts:
            raise InvalidInputError("Give a non-empty list of texts.")
        if len(texts) > MAX_TEXTS:
            raise InvalidInputError(f"{len(texts):,} texts in one call; the limit is {MAX_TEXTS:,}: send them in parts")
        cleaned = []
        for i, text in enumerate(texts):
            try:
                cleaned.append(clean_text(text))
            except InvalidInputError as exc:
                raise InvalidInputError(f"Text {i} (counting from 0): {exc}") from exc
        version, model = self.models.current_model()
        names = self.project.label_set.names
        probs = full_probabilities(model, cleaned, len(names))
        answers = [label_answer(names, row) for row in probs]
        events.emit("predict.batch", model_version=version, duration_seconds=timer.seconds, count=len(cleaned),
                    kind="texts", payload={"texts": cleaned, "probabilities": probs})  # fmt: skip
        return {"model_version": version, "predictions": answers}

    def predict_file(
        self,
        source: str | Path,
        target: str | Path,
        text_column: str | None = None,
        progress: Progress = no_progress,
    ) -> BatchReport:
        """Predict every row of ``source`` (CSV/JSONL; the text in ``text_column``, default the project's) into
        ``target`` (CSV/JSONL by its extension): every input column kept, plus ``prediction_columns()``. A row
        without a usable text is kept with its error in ``prediction_error``. InvalidInputError, before anything is
        written, for a file that cannot be read, a target that is the source, or input columns the predictions
        would overwrite; NoModelError before v1."""
        source, target = Path(source), Path(target)
        column = text_column or self.project.settings.text_column
        target_format = file_format(target)  # an unknown extension is refused before the file is read
        if target.resolve() == source.resolve():
            raise InvalidInputError(f"The output {target} is the input file; give another path for the predictions.")
        added = self.prediction_columns()
        columns = columns_of(source, column, hint=", or name the column that holds the texts (--text-column)")
        taken = [c for c in added if c in columns]
        if taken:
            raise InvalidInputError(
                f"{source.name} already has the column(s) {', '.join(map(repr, taken))} that the predictions "
                f"write; rename them (is this a file of predictions already?)."
            )
        version, model = self.models.current_model()  # one version for the whole file
        started = time.perf_counter()
        counts = {"rows": 0, "predicted": 0, "errors": 0}
        rejections: list[Rejection] = []

        def records() -> Iterator[dict]:
            chunk: list[Row] = []
            for row in iter_rows(source, column):
                chunk.append(row)
                if len(chunk) == CHUNK_ROWS:
                    yield from self._predicted(chunk, model, version, counts, rejections, target_format)
                    progress(row.fraction, f"{counts['rows']:,} rows predicted by v{version}")
                    chunk = []
            yield from self._predicted(chunk, model, version, counts, rejections, target_format)

        write_records(target, records(), [*columns, *added])
        progress(1.0, f"{counts['rows']:,} rows predicted by v{version}")
        seconds = time.perf_counter() - started
        events.emit("predict.batch", model_version=version, duration_seconds=seconds, count=counts["predicted"],
                    kind="file", rows=counts["rows"], errors=counts["errors"])  # fmt: skip
        return BatchReport(**counts, model_version=version, out=str(target), seconds=seconds,
                           rejections=tuple(rejections))  # fmt: skip

    def _predicted(self, chunk: list[Row], model, version: int, counts: dict, rejections: list, fmt: str):
        """The output records of ``chunk``, in file order."""
        texts, errors = zip(*(_text_or_error(row.text) for row in chunk), strict=True) if chunk else ((), ())
        usable = [t for t in texts if t is not None]
        probs = full_probabilities(model, usable, len(self.project.label_set)) if usable else np.zeros((0, 0))
        names, at = self.project.label_set.names, 0
        for row, text, error in zip(chunk, texts, errors, strict=True):
            record = row.fields if fmt == "jsonl" else {k: _cell(v) for k, v in row.fields.items()}
            counts["rows"] += 1
            if text is None:
                counts["errors"] += 1
                if len(rejections) < MAX_REJECTIONS_LISTED:
                    rejections.append(Rejection(row.number, str(error)))
                why = f"row {row.number}: {error}"
                yield {**record, PREDICTED: None, CONFIDENCE: None, VERSION: version, ERROR: why}
                continue
            p = probs[at]
            at += 1
            best = int(np.argmax(p))
            counts["predicted"] += 1
            chances = {PROBABILITY.format(n): round(float(v), 6) for n, v in zip(names, p, strict=True)}
            yield {**record, PREDICTED: names[best], CONFIDENCE: round(float(p[best]), 6), **chances,
                   VERSION: version, ERROR: None}  # fmt: skip


def _text_or_error(value: object) -> tuple[str | None, str | None]:
    """(the clean text, None), or (None, why the row has no usable text)."""
    try:
        if isinstance(value, InvalidInputError):  # the reader's error for this row
            raise value
        return clean_text(value), None
    except InvalidInputError as exc:
        return None, str(exc)


def _cell(value: object) -> object:
    """A JSON value as a CSV cell: text and numbers as they are, lists and objects as JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
