"""The Monitor tab: live traffic of this process against what the model was trained and calibrated on — the flags
on top, predictions per hour, confidence per version, the label mix with its test, text drift with the words that
separate it, the estimated accuracy (CBPE) beside the realised one (the live-quality panel)."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from hloop.core.errors import NoModelError
from hloop.ui import review
from hloop.ui.common import UI, Refresh, user_errors

HOURS = 24.0


def flags_text(report: dict) -> str:
    """The flags raised, one line each, or a line saying none is."""
    if not report["flags"]:
        return f"**No flag raised** over {report['n_live']:,} live predictions of the last {report['hours']:g} h."
    return "\n".join(f"- ⚠ **{f['reason']}**: {f['message']}" for f in report["flags"])


def figures_text(report: dict) -> str:
    """Each test with its figure and its interval or threshold (or why there is none yet)."""
    mix, drift, est, cal = report["label_mix"], report["text_drift"], report["estimate"], report["calibration"]
    lines = [
        f"**Label mix** vs training (flag: p < {mix['alpha']} and PSI > {mix['psi_threshold']}): {mix['message']}",
        f"**Text drift** (domain classifier, flag: AUC lower bound > {drift['threshold']}): {drift['message']}",
    ]
    if drift["enough"]:
        lines.append(f"  words of live texts: {', '.join(drift['live_words'])}; of training texts: "
                     f"{', '.join(drift['reference_words'])}")  # fmt: skip
    of = f" of v{report['model_version']}'s predictions" if report["model_version"] else ""
    lines.append(f"**Estimated accuracy**{of} (CBPE, flag: upper bound < dev − {est['margin']}): {est['message']}")
    if cal is not None:
        lines.append(f"  calibrated on {cal['n_dev']:,} dev texts: ECE {cal['ece_raw']:.3f} raw, "
                     f"{cal['ece_calibrated']:.3f} after calibration (cross-fitted)")  # fmt: skip
    return "\n\n".join(lines)


def tables(report: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Predictions per hour, confidence per version (bins, for the plot), its summary, and the label mix."""
    per_hour = pd.DataFrame(report["per_hour"], columns=["hour", "count"])
    bins = [
        {"version": f"v{c['version']}", "confidence": f"{i / 10:.1f}–{(i + 1) / 10:.1f}", "count": n}
        for c in report["confidence"]
        for i, n in enumerate(c["histogram"])
    ]
    summary = pd.DataFrame(
        [[f"v{c['version']}", c["n"], round(c["mean"], 3),
          "— (one text)" if c["low"] is None else f"[{c['low']:.3f}, {c['high']:.3f}]"] for c in report["confidence"]],
        columns=["version", "predictions", "mean confidence", "95% interval"],
    )  # fmt: skip
    mix = report["label_mix"]
    total = max(sum(mix["live_counts"]), 1)
    labels = pd.DataFrame(
        [[name, n, round(n / total, 3), share]
         for name, n, share in zip(report["label_names"], mix["live_counts"], mix["train_share"], strict=True)],
        columns=["label", "live predictions", "live share", "training share"],
    )  # fmt: skip
    return per_hour, pd.DataFrame(bins, columns=["version", "confidence", "count"]), summary, labels


def show(services, hours: float, progress: gr.Progress | None = None) -> tuple:
    """The tab's outputs for the last ``hours``: flags, figures, per-hour plot, confidence plot and tables."""
    if progress is not None:
        progress(0.1, desc="Testing live texts against training texts (domain classifier)…")
    try:
        report = services.monitor(hours=float(hours or HOURS)).to_dict()
    except NoModelError as exc:  # before v1 the tab says why it is empty instead of failing
        empty = pd.DataFrame()
        return str(exc), "", empty, empty, empty, empty
    per_hour, bins, summary, labels = tables(report)
    return flags_text(report), figures_text(report), per_hour, bins, summary, labels


def _drawn(shown: tuple) -> tuple:
    """``show``'s outputs with the hourly plot's axis from 0 (a single hour's bar is drawn, not an axis at it)."""
    per_hour = shown[2]
    if per_hour.empty:
        return shown
    top = float(per_hour["count"].max()) * 1.1
    return (*shown[:2], gr.BarPlot(value=per_hour, y_lim=[0, top]), *shown[3:])


def build(services) -> Refresh:
    """The Monitor tab; returns what it re-reads when selected."""
    flags = gr.Markdown(elem_id="monitor-flags")
    with gr.Row():
        hours = gr.Number(value=HOURS, minimum=0.1, label="Hours of live traffic", elem_id="monitor-hours")
        check = gr.Button("Check now", elem_id="monitor-check")
    figures = gr.Markdown(elem_id="monitor-figures")
    with gr.Row():
        per_hour = gr.BarPlot(x="hour", y="count", title="Predictions per hour (UTC)", elem_id="monitor-per-hour")
        confidence = gr.BarPlot(x="confidence", y="count", color="version", title="Confidence per version",
                                elem_id="monitor-confidence")  # fmt: skip
    with gr.Row():
        summary = gr.Dataframe(interactive=False, label="Confidence per version (mean and 95% interval)")
        labels = gr.Dataframe(interactive=False, label="Label mix: live predictions vs training")
    review.live_quality_panel(services)  # moved from the Model tab: the realised accuracy beside the estimate
    outputs = [flags, figures, per_hour, confidence, summary, labels]

    def on_check(window: float, progress=gr.Progress()):  # noqa: B008 (Gradio injects the tracker)
        return _drawn(show(services, window, progress))

    def monitor(hours: float = HOURS) -> dict:
        """The Monitor's report of the last ``hours`` of live traffic (this process's window) as JSON."""
        return user_errors(services.monitor, hours=float(hours)).to_dict()

    check.click(on_check, inputs=hours, outputs=outputs, api_name="ui_monitor_check", **UI)
    gr.api(monitor, api_name="monitor")
    return Refresh(lambda window: _drawn(show(services, window)), [hours], outputs)
