"""The API for scripts: plain typed endpoints, independent of the page layout, returning JSON-able values.

Call them with gradio_client, e.g. ``Client(url).predict("text", api_name="/predict")``. With login on
(HLOOP_AUTH) the logged-in user is the annotator, whatever name the call passes.
"""

from __future__ import annotations

import gradio as gr

from hloop.core import values
from hloop.core.strategies import DEFAULT_STRATEGY
from hloop.ui import browse_api
from hloop.ui.common import annotator_name, user_errors
from hloop.ui.data import export_file
from hloop.ui.downloads import model_zip_file
from hloop.ui.predict import predict_upload


def build(services) -> None:
    """Register the API endpoints inside the current Blocks context.

    Every argument arrives as raw JSON and goes through a ``hloop.core.values`` parser inside ``user_errors``,
    so a wrong type or range is a one-line error, never a truncated id or a stored surrogate.
    """

    def who(annotator: object, request: gr.Request | None) -> str:
        return annotator_name(values.parse_annotator(annotator, optional=True), request)

    def predict(text: str) -> dict:
        """The label of ``text``, the confidence of every label and the model version."""
        return user_errors(lambda: services.predict(values.parse_text(text)))

    def predict_texts(texts: list[str]) -> dict:
        """Every text's label and confidences by one model version (at most 1,000 texts a call)."""
        return user_errors(lambda: services.predict_texts(texts))

    def explain(text: str) -> dict:
        """The words that drove the prediction for ``text`` (signed weights and highlight spans)."""
        return user_errors(lambda: services.explain(values.parse_text(text)))

    def feedback(text: str, label: str, annotator: str = "", request: gr.Request = None) -> dict:
        """Save the right label for ``text`` as a correction (with the model's prediction and confidence)."""
        return user_errors(
            lambda: services.feedback(values.parse_text(text), values.parse_label(label), who(annotator, request))
        ).to_dict()

    def next_item(annotator: str, strategy: str = DEFAULT_STRATEGY, request: gr.Request = None) -> dict | None:
        """Claim the next queue item for ``annotator``; null when the queue is empty."""
        item = user_errors(lambda: services.next_item(who(annotator, request), values.parse_name(strategy, "Strategy")))
        return None if item is None else item.to_dict()

    def submit_label(example_id: int, label: str, annotator: str, request: gr.Request = None) -> dict:
        """Label a queue item you hold; returns label_id, labels_total and labels_since_retrain."""
        return user_errors(
            lambda: services.submit_label(
                values.parse_example_id(example_id), values.parse_label(label), who(annotator, request)
            )
        ).to_dict()

    def skip(example_id: int, annotator: str, request: gr.Request = None) -> dict:
        """Give a queue item you hold back; you will not be offered it again."""
        return user_errors(lambda: services.skip(values.parse_example_id(example_id), who(annotator, request)))

    def undo(annotator: str, request: gr.Request = None) -> dict:
        """Undo the annotator's latest label (kept in the history as undone)."""
        return user_errors(lambda: services.undo(who(annotator, request))).to_dict()

    def label(example_id: int, label: str, annotator: str, request: gr.Request = None) -> dict:
        """Relabel any stored example (not only queue items); the history is kept."""
        return user_errors(
            lambda: services.label(
                values.parse_example_id(example_id),
                values.parse_label(label),
                who(annotator, request),
                "correction",
            )
        ).to_dict()

    def history(limit: int = 50) -> list[dict]:
        """The newest label events (1 to 1000 of them), undone ones included."""
        return [event.to_dict() for event in user_errors(lambda: services.history(values.parse_limit(limit)))]

    def counters() -> dict:
        """Human labels in total and since the last retrain."""
        return user_errors(services.counters)

    def retrain(feedback_weight: float = services.settings.feedback_weight) -> dict:
        """Train a new version from seed + human labels; returns its card. Fails when no label is new."""
        return user_errors(lambda: services.retrain(values.parse_weight(feedback_weight)).to_dict())

    def metrics(version: int = 0) -> dict:
        """The card (metrics, training, parent) of ``version``; 0 means the current version."""
        return user_errors(lambda: services.card(values.parse_version(version) or None).to_dict())

    def versions() -> list[dict]:
        """Every version's card, oldest first."""
        return [card.to_dict() for card in user_errors(services.versions)]

    def model_version() -> dict:
        """The current version, every version number and the label counters."""
        return {
            "version": user_errors(services.serving_version) or None,  # the version that answers predictions
            "versions": services.version_numbers(),
            **user_errors(services.counters),
            **({"notice": services.model_notice} if services.model_notice else {}),
        }

    def rollback(version: int) -> dict:
        """Make ``version`` current again; returns its card."""
        return user_errors(lambda: services.rollback(values.parse_version(version)).to_dict())

    def similar(text: str | None = None, example_id: int | None = None, k: int = 10, among: str = "all") -> dict:
        """The ``k`` (1-1000) pool or labelled texts nearest to ``text``, or to the stored example ``example_id``,
        by embedding (``among``: pool, labelled or all), best first; with how many texts are embedded so far."""

        def run() -> dict:
            hits = services.similar(
                text=None if text is None else values.parse_text(text),
                example_id=None if example_id is None else values.parse_example_id(example_id),
                k=values.parse_limit(k),
                among=values.parse_name(among, "among"),
            )
            status = services.embedding_status()
            return {"results": hits, "embedded": status["stored"], "texts": status["total"]}

        return user_errors(run)

    for fn in (
        predict,
        predict_texts,
        explain,
        feedback,
        next_item,
        submit_label,
        skip,
        undo,
        label,
        history,
        counters,
        metrics,
        versions,
        model_version,
        rollback,
        similar,
    ):
        gr.api(fn, api_name=fn.__name__)
    gr.api(retrain, api_name="retrain", concurrency_id="training", concurrency_limit=1)
    browse_api.register(services, who)  # search, more_like_this, bulk_preview, bulk_label, undo_bulk, bulk_batches

    # A file result needs a File component to travel to the client, so export is an event on hidden components.
    with gr.Column(visible=False):
        fmt = gr.Textbox(value="csv", label="format")
        full_history = gr.Checkbox(value=False, label="history")
        exported = gr.File(label="labels")
        trigger = gr.Button("export")

    def export(format: str = "csv", history: bool = False) -> str:  # noqa: A002 (the API's argument name)
        """Write the human labels as CSV or JSONL; the client receives the file."""
        fmt, full = user_errors(lambda: (values.parse_name(format, "Format"), values.parse_flag(history, "History")))
        return export_file(services, fmt, full)

    trigger.click(export, inputs=[fmt, full_history], outputs=exported, api_name="export")

    with gr.Column(visible=False):
        texts_file = gr.File(label="texts", type="filepath")
        text_column = gr.Textbox(value="", label="text column")
        predicted = gr.File(label="predictions")
        predict_trigger = gr.Button("predict file")

    def predict_file(file: str, text_column: str = "", progress=gr.Progress()) -> str:  # noqa: B008 (Gradio's)
        """Predict every row of a CSV or JSONL file (``text_column``: empty for the project's); the client receives
        a file of the same kind with every input column plus the predicted label, its confidence, each label's
        probability, the model version and, for a row without a usable text, its error."""
        column = user_errors(lambda: values.parse_name(text_column, "Text column"))
        return predict_upload(services, file, column, progress)[0]

    predict_trigger.click(
        predict_file, inputs=[texts_file, text_column], outputs=predicted, api_name="predict_file", concurrency_limit=1
    )

    with gr.Column(visible=False):
        export_version = gr.Number(value=0, precision=0, label="version")
        exported_model = gr.File(label="model")
        export_model_trigger = gr.Button("export model")

    def export_model(version: int = 0) -> str:
        """A version (0: the current one) as a zip of a folder that predicts without HumanLoopML: the skops file,
        its card, the trusted types, requirements.txt and predict.py."""
        number = user_errors(lambda: values.parse_version(version))
        return model_zip_file(services, number or None)

    export_model_trigger.click(export_model, inputs=export_version, outputs=exported_model, api_name="export_model")
