"""Predict tab: the label of a text, the confidence of every label, the words behind it, and corrections."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import gradio as gr

from hloop.ui.common import UI, annotator_name, label_picker, progress_callback, user_errors
from hloop.ui.data import UPLOAD_TYPES, export_dir, prune_exports


def scaled_spans(spans: list) -> list[tuple[str, float | None]]:
    """Highlight spans with weights scaled into [-1, 1], the range gr.HighlightedText colours by."""
    largest = max((abs(score) for _, score in spans if score is not None), default=0.0) or 1.0
    return [(token, None if score is None else score / largest) for token, score in spans]


def predict_text(services, text: str, who: str = ""):
    """Label confidences, the model version line and the highlighted words for ``text``.

    The prediction is logged (with ``who``) so the Correct tab can list it for a later correction.
    Before the first model, the message says how many labels it still waits for.
    """
    if services.current_version() is None:
        return {}, user_errors(services.readiness), []
    result = user_errors(services.predict, text, record_for=who)
    explanation = user_errors(services.explain, text)
    version = f"Model **v{result['model_version']}** predicts **{result['label']}** ({result['confidence']:.0%})."
    return result["confidences"], version + why_text(explanation), scaled_spans(explanation["highlights"])


def model_line(services) -> str:
    """What the Predict tab says before anything is pressed: which version answers or, in a cold start, how many
    labels v1 still waits for."""
    version = services.current_version()
    if version is None:
        return user_errors(services.readiness)
    return f"Model **v{version}** answers: paste a text and press **Predict**."


def why_text(explanation: dict) -> str:
    """What else explains the prediction: the share the highlighted words carry when embeddings decide too, and
    the most similar labelled texts."""
    parts = []
    share = explanation["words_share"]
    if explanation["contributions"] and share < 1:
        parts.append(f"The highlighted words carry {share:.0%} of the decision; the text's embedding the rest.")
    elif not explanation["contributions"]:
        parts.append(f"This {explanation['family']} model decides by the text's embedding, not by single words.")
    if explanation["neighbours"]:
        parts.append(
            "Most similar labelled texts:\n"
            + "\n".join(
                f"- **{n['label']}** ({n['similarity']:.2f}): {n['text'][:160]}" for n in explanation["neighbours"]
            )
        )
    return "".join(f"\n\n{part}" for part in parts)


def save_correction(services, text: str, label: str | None, typed_name: str, request: gr.Request):
    """Store the right label for ``text`` with the model's guess; returns a status line."""
    if not label:
        raise gr.Error("Pick the right label first, then save the correction.")
    saved = user_errors(services.feedback, text, label, annotator_name(typed_name, request))
    said = saved.event.model_prediction
    guess = f"the model said {said}" if said else "no model yet to compare with"
    trained = f" Enough labels: **v{saved.trained_version}** was trained." if saved.trained_version else ""
    return (
        f"Saved **{saved.event.label}** (label #{saved.event.label_id}; {guess}). "
        f"{saved.labels_since_retrain} human labels since the last retrain.{trained}"
    )


def predict_upload(services, path: str | None, text_column: str, progress) -> tuple[str | None, str]:
    """Predict every row of an uploaded CSV/JSONL file into a new file of the same kind in the export folder:
    (its path for download, or None; a report line)."""
    if not path:
        raise gr.Error("Choose a CSV or JSONL file of texts first.")
    suffix = Path(path).suffix.lower()
    kind = suffix if suffix in (".csv", ".tsv") else ".jsonl"
    out = export_dir() / f"hloop-predictions-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}{kind}"
    column = text_column.strip() or None
    report = user_errors(services.predict_file, path, out, column, progress=progress_callback(progress))
    prune_exports(export_dir())
    line = (
        f"**{report.rows:,} rows** predicted by **v{report.model_version}** "
        f"({report.rows_per_second:,.0f} rows/s): {report.predicted:,} with a label"
    )
    if report.errors:
        shown = "; ".join(f"row {r.row}: {r.reason}" for r in report.rejections[:3])
        line += f", **{report.errors:,} without a usable text** (their error is in `prediction_error`; {shown})"
    return str(out), line + "."


def build(services, annotator: gr.Textbox) -> None:
    """Render the Predict tab inside the current Blocks context."""
    names = services.label_set.to_list()
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(
                label="Text",
                lines=5,
                max_lines=12,
                placeholder="Paste a text to classify",
                elem_id="predict-text",
            )
            predict_button = gr.Button("Predict", variant="primary", elem_id="predict-button")
            gr.Examples([[t] for t in services.example_texts()], inputs=text, label="Examples from the data")
        with gr.Column():
            confidences = gr.Label(
                num_top_classes=min(len(names), 10), label="Predicted label", elem_id="predict-label"
            )
            version = gr.Markdown(value=lambda: model_line(services), elem_id="predict-version")
            words = gr.HighlightedText(
                label="Words that drove it (red: towards the label, blue: away)", elem_id="predict-words"
            )
    with gr.Group():
        gr.Markdown("**Wrong? Pick the right label** and save it as a correction for the next retrain.")
        with gr.Row():
            topic = label_picker(names, "Right label", "predict-topic", scale=3)
            save = gr.Button("Save correction", elem_id="predict-save", scale=1)
        status = gr.Markdown(elem_id="predict-status")

    with gr.Accordion("Predict a file", open=False, elem_id="predict-file-panel"):
        gr.Markdown(
            "A CSV or JSONL file of texts: every row comes back with every column it had, plus the predicted "
            "label, its confidence, each label's probability and the model version. Nothing is stored."
        )
        with gr.Row():
            upload = gr.File(label="Texts", file_types=UPLOAD_TYPES, type="filepath", elem_id="predict-file", scale=3)
            with gr.Column(scale=1):
                column = gr.Textbox(
                    value=services.settings.text_column, label="Text column", elem_id="predict-file-column"
                )
                run_file = gr.Button("Predict file", elem_id="predict-file-button")
        file_report = gr.Markdown(elem_id="predict-file-report")
        predictions = gr.File(label="Predictions", interactive=False, visible=False, elem_id="predict-file-download")

    def on_predict_file(path: str | None, text_column: str, progress=gr.Progress()):  # noqa: B008 (Gradio's tracker)
        out, line = predict_upload(services, path, text_column, progress)
        return gr.File(out, visible=True), line

    run_file.click(
        on_predict_file,
        inputs=[upload, column],
        outputs=[predictions, file_report],
        api_name="ui_predict_file",  # scripts call /predict_file (hloop.ui.api), which returns the file alone
        concurrency_limit=1,
        **UI,
    )

    def on_predict(text: str, typed_name: str, request: gr.Request):
        return predict_text(services, text, annotator_name(typed_name, request))

    def on_save(text: str, topic: str | None, typed_name: str, request: gr.Request):
        return save_correction(services, text, topic, typed_name, request)

    gr.on(
        [predict_button.click, text.submit],
        on_predict,
        inputs=[text, annotator],
        outputs=[confidences, version, words],
        api_name="ui_predict",
        **UI,
    )
    save.click(on_save, inputs=[text, topic, annotator], outputs=status, api_name="ui_feedback", **UI)
