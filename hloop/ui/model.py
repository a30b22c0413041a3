"""Model tab: retrain, the versions table, one version's metrics and plots, rollback, and the simulation panel."""

from __future__ import annotations

import gradio as gr

from hloop import plots
from hloop.core.cards import ModelCard
from hloop.ui import simulation
from hloop.ui.common import UI, Refresh, progress_callback, user_errors
from hloop.ui.downloads import version_download

COLUMNS = [
    "version",
    "model",
    "created (UTC)",
    "parent",
    "seed labels",
    "human labels",
    "feedback weight",
    "accuracy",
    "macro-F1",
    "status",
    "current",
]


def current_mark(card: ModelCard, serving: int) -> str:
    """The "current" cell: the pointer's version, and, while its files are damaged, the version serving instead."""
    marks = {"current": "✓", "damaged": f"✓ damaged (v{serving} serves)", "stand-in": "serves instead", "": ""}
    return marks[card.serving_role(serving)]


def version_row(card: ModelCard, serving: int = 0) -> list:
    """The versions table's row of one version (blank cells for what an old card did not record); ``serving`` is
    the version that answers (0: the current one, or none)."""
    t, m = card.training, card.metrics
    return [
        f"v{card.version}",
        card.model_family,
        (card.created_at or "").replace("T", " ")[:19],
        "" if card.parent is None else f"v{card.parent}",
        *(("", "", "") if t is None else (t.seed_labels, t.human_labels, t.feedback_weight)),
        round(m.accuracy, 3) if m else "too few eval labels",
        round(m.f1_macro, 3) if m else "",
        card.promotion_status,
        current_mark(card, serving),
    ]


def version_rows(cards: list[ModelCard], serving: int = 0) -> list[list]:
    """One table row per version, newest first."""
    return [version_row(card, serving) for card in reversed(cards)]


def _interval(pair: tuple[float, float] | None) -> str:
    return "" if pair is None else "[{:.3f}–{:.3f}]".format(*pair)


def metrics_text(card: ModelCard | None) -> str:
    """The version's headline scores (with 95% intervals) and its per-label table, as Markdown."""
    if card is None:
        return "No model yet: press **Retrain** to train v1 from the labels there are."
    m, t, e = card.metrics, card.training, card.evaluation
    where = {"human": "held-out human labels", "carved": "texts carved from train"}.get(e and e.origin, "eval texts")
    trained = (
        ""
        if t is None
        else (
            f" · trained on {t.rows:,} texts ({t.seed_labels:,} seed, {t.human_labels:,} human, weight "
            f"{t.feedback_weight}) in {card.training_seconds or 0:.2f} s"
        )
    )
    lines = [
        f"**v{card.version}**{' (current)' if card.is_current else ''} · parent "
        f"{'none' if card.parent is None else 'v' + str(card.parent)}{trained}",
        "",
    ]
    lines += [card.model_line, ""]
    if card.candidates:
        lines += [
            "Families compared by cross-validation on the training labels (never eval): "
            + " · ".join(
                f"{family} {score:.3f}" + ("" if error is None else f" (calibration error {error:.3f})")
                for family, score, error in card.candidates
            ),
            "",
        ]
    lines += gate_lines(card)
    if m is None:
        n_eval, min_eval = (0, 30) if e is None else (e.n_eval, e.min_eval)
        lines.append(
            f"Not enough {where} for metrics yet: {n_eval} of the {min_eval} needed. "
            "Keep labelling: a share of the human labels is held out to measure the model."
        )
        return "\n".join(lines)
    lines += [
        f"Accuracy **{m.accuracy:.4f}** {_interval(m.accuracy_ci95)} · macro-F1 **{m.f1_macro:.4f}** "
        f"{_interval(m.f1_macro_ci95)} · weighted F1 {m.f1_weighted:.4f} on **{m.n_eval:,}** {where} "
        "(95% intervals: the fewer texts, the wider)",
        "",
        "| label | precision | recall | F1 | support |",
        "| --- | --- | --- | --- | --- |",
    ]
    order = list(m.confusion_matrix.labels)  # the confusion matrix's order (the label set's), then any others
    for name in order + [n for n in m.per_class if n not in order]:
        if (c := m.per_class.get(name)) is not None:
            lines.append(f"| {name} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {c.support} |")
    return "\n".join(lines)


def gate_lines(card: ModelCard) -> list[str]:
    """The promotion gate's verdict on the card (dev split), and how to override a held-back version."""
    gate, status = card.gate, card.promotion_status
    if gate is None:
        return ["Gate: none recorded (made before the promotion gate).", ""]
    lines = [f"Gate on dev ({gate.decision.n_dev:,} texts): **{status}** · {gate.reason}"]
    if card.held_back and not card.is_current:
        lines.append(
            f"v{card.version} is held back; the current version keeps serving. **Promote anyway** (beside the "
            "version list above) makes it current, recorded as a manual override."
        )
    if card.overridden:
        lines.append(f"Made current by a manual override at {card.override_at or '?'}.")
    return [*lines, ""]


def auto_retrain_text(services) -> str:
    """One line on automatic retraining: off, labels counted toward the next one, or a running one's progress."""
    s = user_errors(services.auto_retrain_status)
    if not s["every"]:
        return "Auto-retrain: off (set HLOOP_AUTO_RETRAIN_EVERY to retrain by itself)."
    if s["running"]:
        return f"Auto-retrain: training v{s['version']} ({s['fraction']:.0%}, {s['step']})."
    last = s["last"]
    done = f" Last: v{last['version']} {last['status']}." if "version" in last else ""
    done = f" Last attempt: {last['error']}" if "error" in last else done
    return f"Auto-retrain: {min(s['labels_since'], s['every'])} of {s['every']} labels.{done}"


def promote(services, version: str | None) -> str:
    """Promote a held-back version anyway (a recorded manual override); returns a status line."""
    if not version:
        raise gr.Error("Pick a held-back version in the Version list first.")
    card = user_errors(services.card, int(version.lstrip("v")))
    if not card.held_back or card.is_current:
        raise gr.Error(
            f"v{card.version} is not held back (status: {card.promotion_status}), so there is nothing to promote. "
            "Pick a held-back version in the Version list; to serve an earlier version again, use "
            "Make this version current."
        )
    card = user_errors(services.promote, card.version)
    return f"**v{card.version}** is current: a manual override of the gate is recorded on its card."


def promotable(card: ModelCard | None) -> dict:
    """The Promote anyway button: enabled only for a held-back version that is not current."""
    return gr.update(interactive=card is not None and card.held_back and not card.is_current)


def version_view(services, version: str | None):
    """Metrics, confusion matrix, per-label F1 against the parent, and the Promote button, of ``version`` (None =
    current)."""
    notice = f"**Warning:** {services.model_notice}\n\n" if services.model_notice else ""
    if not services.version_numbers() or services.current_version() is None and not version:
        empty = (plots.confusion_heatmap(None), plots.per_class_f1(None, None), promotable(None))
        return notice + (services.readiness() or metrics_text(None)), *empty
    card = user_errors(services.card, int(version.lstrip("v")) if version else None)
    parent = None
    if card.parent is not None and card.parent in services.version_numbers():
        parent = user_errors(services.card, card.parent)
    heatmap, per_class = plots.confusion_heatmap(card), plots.per_class_f1(card, parent)
    return notice + metrics_text(card), heatmap, per_class, promotable(card)


def overview(services, version: str | None = None, newest: bool = False):
    """The versions table, the version picker, the two trend plots and the picked version's view; the picker
    keeps ``version`` when it exists, else shows the newest version (``newest``: after a retrain, so a held-back
    one can be promoted at once) or the current one."""
    cards = user_errors(services.versions)
    names = [f"v{card.version}" for card in cards]
    current = next((f"v{card.version}" for card in cards if card.is_current), None)
    latest = f"v{max(card.version for card in cards)}" if cards else None
    picked = version if version in names else (latest if newest else current)
    return (
        version_rows(cards, services.serving_version()),
        gr.Dropdown(choices=names, value=picked),
        plots.scores_by_version(cards),
        plots.scores_by_human_labels(cards),
        *version_view(services, picked),
    )


def retrain(services, weight: float, progress: gr.Progress) -> str:
    """Train a new version from seed + human labels; returns a status line."""
    card = user_errors(services.retrain, weight, progress=progress_callback(progress))
    m, human = card.metrics, 0 if card.training is None else card.training.human_labels
    scores = f"accuracy {m.accuracy:.4f}, macro-F1 {m.f1_macro:.4f}" if m else "too few eval labels for scores"
    reason = "no gate recorded" if card.gate is None else card.gate.reason
    return f"Trained **v{card.version}** on {human:,} human labels: {scores}. **{card.promotion_status}**: {reason}."


def rollback(services, version: str | None) -> str:
    """Make the picked version current again; returns a status line."""
    if not version:
        raise gr.Error("Pick a version first.")
    card = user_errors(services.rollback, int(version.lstrip("v")))
    return f"**v{card.version}** is the current model again."


def build(services) -> Refresh:
    """Render the Model tab; returns what the app re-reads when the tab is shown."""
    with gr.Row():
        weight = gr.Slider(
            0.1,
            10.0,
            value=services.settings.feedback_weight,
            step=0.1,
            scale=3,
            label="Feedback weight (a human label counts this many seed labels)",
            elem_id="model-weight",
        )
        retrain_button = gr.Button("Retrain", variant="primary", scale=1, elem_id="model-retrain")
    status = gr.Markdown(elem_id="model-status")
    table = gr.Dataframe(headers=COLUMNS, label="Versions", interactive=False, elem_id="model-versions")
    with gr.Row():
        by_version = gr.Plot(label="By version", show_label=False, elem_id="model-plot-version")
        by_labels = gr.Plot(label="By human labels", show_label=False, elem_id="model-plot-labels")
    with gr.Row(equal_height=True):
        picked = gr.Dropdown(label="Version", choices=[], scale=3, elem_id="model-picked")
        rollback_button = gr.Button("Make this version current (rollback)", scale=1, elem_id="model-rollback")
        promote_button = gr.Button("Promote anyway", scale=1, elem_id="model-promote", interactive=False)
    version_download(services, picked)
    auto = gr.Markdown(elem_id="model-auto-retrain")
    metrics = gr.Markdown(elem_id="model-metrics")
    with gr.Row():
        confusion = gr.Plot(label="Confusion matrix", show_label=False, elem_id="model-confusion")
        per_class = gr.Plot(label="Per-label F1 vs parent", show_label=False, elem_id="model-per-class")
    with gr.Accordion("Simulation", open=False):
        simulation.build(services)

    def on_overview(version: str | None):
        return (*overview(services, version), auto_retrain_text(services))

    def on_retrained():
        return (*overview(services, None, newest=True), auto_retrain_text(services))

    def on_pick(version: str | None):
        return version_view(services, version)

    def on_retrain(feedback_weight: float, progress=gr.Progress()):  # noqa: B008 (Gradio injects the tracker)
        return retrain(services, feedback_weight, progress)

    def on_rollback(version: str | None):
        return rollback(services, version)

    def on_promote(version: str | None):
        return promote(services, version)

    def on_auto():
        services.maybe_auto_retrain()  # a retrain due before a restart starts here
        return auto_retrain_text(services)

    shown = [table, picked, by_version, by_labels, metrics, confusion, per_class, promote_button, auto]
    in_place = {"show_progress": "minimal"}  # panels keep their content while they update (no blanking)
    retrain_button.click(
        on_retrain,
        inputs=weight,
        outputs=status,
        api_name="ui_retrain",
        concurrency_id="training",
        concurrency_limit=1,
        **UI,
    ).success(on_retrained, outputs=shown, api_name="ui_versions_after_retrain", **in_place, **UI)
    picked.input(
        on_pick,
        inputs=picked,
        outputs=[metrics, confusion, per_class, promote_button],
        api_name="ui_pick_version",
        **in_place,
        **UI,
    )
    rollback_button.click(on_rollback, inputs=picked, outputs=status, api_name="ui_rollback", **UI).success(
        on_overview, inputs=picked, outputs=shown, api_name="ui_versions_after_rollback", **in_place, **UI
    )
    promote_button.click(on_promote, inputs=picked, outputs=status, api_name="promote", **UI).success(
        on_overview, inputs=picked, outputs=shown, api_name="ui_versions_after_promote", **in_place, **UI
    )
    ticker = gr.Timer(3.0, active=bool(services.settings.auto_retrain_every))
    ticker.tick(on_auto, outputs=auto, api_name="ui_auto_retrain", show_progress="hidden", **UI)
    return Refresh(on_overview, [picked], shown)
