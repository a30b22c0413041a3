"""Model versions from a terminal: train, retrain, status, promote, metrics, rollback, predict, trust-legacy."""

from __future__ import annotations

import sys
from pathlib import Path

from hloop.cli.output import (
    dataset_line,
    print_before_after,
    print_card,
    print_gate,
    print_json,
    progress_bar,
)
from hloop.cli.parsing import VERSION, WEIGHT, add_json, command
from hloop.core.errors import InvalidInputError


@command("train", "Load the dataset, split it, fill the label store and train a model version (v1 at first).")
def train(args, services) -> int:
    if not args.json:
        s = services.project_summary()
        print(dataset_line(s))
        for line in s["hygiene_lines"]:  # what was dropped, merged or cleaned, and why
            print(f"  data: {line}")
    with progress_bar() as progress:
        card = services.train(args.feedback_weight, progress=progress)
    print_json(card.to_dict()) if args.json else print_card(card)
    return 0


@command("retrain", "Train a new version on seed + human labels (weighted) and print old vs new metrics.")
def retrain(args, services) -> int:
    old = services.card() if services.current_version() else None
    with progress_bar() as progress:
        card = services.retrain(args.feedback_weight, force=args.force, progress=progress)
    if args.json:
        print_json(card.to_dict())
        return 0
    print_before_after(old, card)
    print_gate(card)
    return 0


CURRENT_MARKS = {"current": "*", "damaged": "* damaged", "stand-in": "serves", "": ""}  # by ModelCard.serving_role


@command("status", "The table of model versions: created, labels used, accuracy, macro-F1, current.")
def status(args, services) -> int:
    cards = services.versions()
    if args.json:
        print_json([card.to_dict() for card in cards])
        return 0
    if not cards:
        print(services.readiness() or "No model yet: run `python -m hloop train`.")
        return 0
    print(
        f"{'version':<8} {'model':<14} {'created (UTC)':<26} {'seed':>6} {'human':>6} {'weight':>6} "
        f"{'accuracy':>9} {'macro-F1':>9}  {'status':<10} current"
    )
    serving = services.serving_version()  # not the current one while its files are damaged (model_notice)
    for c in cards:
        t, m = c.training, c.metrics
        scores = f"{m.accuracy:>9.4f} {m.f1_macro:>9.4f}" if m else f"{'-':>9} {'-':>9}"
        used = (
            f"{'-':>6} {'-':>6} {'-':>6}"
            if t is None
            else f"{t.seed_labels:>6} {t.human_labels:>6} {t.feedback_weight:>6}"
        )
        print(
            f"v{c.version:<7} {c.model_family:<14} {c.created_at or '-':<26} {used} {scores}  {c.promotion_status:<10} "
            f"{CURRENT_MARKS[c.serving_role(serving)]}"
        )
    for c in cards:
        if c.held_back and not c.is_current:
            reason = "no gate recorded" if c.gate is None else c.gate.reason
            print(f"v{c.version} held back: {reason} (`python -m hloop promote {c.version}`)")
    return 0


@command("promote", "Make a version the promotion gate held back current anyway (recorded as a manual override).")
def promote(args, services) -> int:
    card = services.promote(args.version)
    reason = "no gate recorded" if card.gate is None else card.gate.reason
    print(f"v{card.version} is current (manual override of the gate: {reason}).")
    return 0


@command("metrics", "The full metrics card of one version (default: the current one).")
def metrics(args, services) -> int:
    card = services.card(args.version)
    print_json(card.to_dict()) if args.json else print_card(card)
    if args.plot is not None:
        for path in save_trend_plots(services.versions(), args.plot):
            print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def save_trend_plots(cards, target: Path) -> list[Path]:
    """The Model tab's two trend figures (by version, by human labels; 95% bands) as ``target`` and
    ``<target stem>-by-labels<suffix>``; the format follows the suffix (png, svg, pdf)."""
    from hloop import plots

    by_labels = target.with_name(f"{target.stem}-by-labels{target.suffix}")
    written = []
    for figure, path in ((plots.scores_by_version(cards), target), (plots.scores_by_human_labels(cards), by_labels)):
        try:
            figure.savefig(path, dpi=120)
        except (OSError, ValueError) as exc:
            message = f"Cannot write the plot {path}: {exc}. Give a writable .png, .svg or .pdf path."
            raise InvalidInputError(message) from exc
        written.append(path)
    return written


@command("rollback", "Make an earlier (or any) version current again.")
def rollback(args, services) -> int:
    card = services.rollback(args.version)
    print(f"v{card.version} is current again.")
    return 0


@command("predict", "Predict the label of a text (with the words that drove it), or of every row of a file (--file).")
def predict(args, services) -> int:
    if (args.text is None) == (args.file is None):
        raise InvalidInputError("Give a text, or --file FILE --out FILE (not both).")
    if args.file is not None:
        return predict_file(args, services)
    result = services.predict(args.text)
    if args.json:
        why = services.explain(args.text)
        print_json(
            {
                **result,
                "explanation": why["contributions"],
                "words_share": why["words_share"],
                "neighbours": why["neighbours"],
            }
        )
        return 0
    print(f"{result['label']} ({result['confidence']:.2f}) by v{result['model_version']}")
    why = services.explain(args.text)
    if why["contributions"] and why["words_share"] < 1:
        print(f"  words (they carry {why['words_share']:.0%} of the decision; the rest is the embeddings):")
    for c in why["contributions"]:
        print(f"  {c['weight']:+.3f}  {c['feature']}")
    for n in why["neighbours"]:
        print(f"  similar labelled text ({n['similarity']:.2f}, {n['label']}): {n['text'][:100]}")
    return 0


def predict_file(args, services) -> int:
    """``hloop predict --file``: every row of the file predicted into ``--out``, with a progress bar."""
    if args.out is None:
        raise InvalidInputError("--file needs --out FILE (.csv or .jsonl) for the predictions.")
    with progress_bar() as bar:
        report = services.predict_file(args.file, args.out, args.text_column, progress=bar)
    if args.json:
        print_json(report.to_dict())
        return 0
    print(
        f"{report.rows:,} rows by v{report.model_version} into {report.out}: {report.predicted:,} predicted, "
        f"{report.errors:,} without a usable text ({report.rows_per_second:,.0f} rows/s)"
    )
    for r in report.rejections[:10]:
        print(f"  row {r.row}: {r.reason}")
    return 0


@command("export-model", "Write a version as a folder that predicts without HumanLoopML (python predict.py TEXT).")
def export_model(args, services) -> int:
    report = services.export_model(args.version or None, args.folder)
    if args.json:
        print_json(report)
        return 0
    print(f"v{report['version']} ({report['family']}) exported to {report['folder']}:")
    print(f"  pip install -r {report['folder']}/requirements.txt   # {', '.join(report['requirements'])}")
    print(f'  python {report["folder"]}/predict.py "some text"')
    return 0


@command(
    "trust-legacy",
    "Convert model versions saved as pickles by an older release to the safe format (you vouch for those files).",
)
def trust_legacy(args, services) -> int:
    if bool(args.all) == bool(args.versions):
        raise InvalidInputError("Name the versions to trust (e.g. `python -m hloop trust-legacy 3`) or pass --all.")
    versions = services.legacy_versions() if args.all else args.versions
    if not versions:
        print("No version is in the old pickle format; nothing to convert.")
    for version in versions:
        card = services.trust_legacy(version)
        print(f"v{version}: {card.format} artifact, sha256 {(card.artifact_sha256 or '')[:12]}; the pickle is removed.")
    return 0


def add_arguments(p: dict) -> None:
    """The arguments of this module's commands (``p``: command name -> its subparser)."""
    for name in ("train", "retrain"):
        p[name].add_argument(
            "--feedback-weight",
            type=WEIGHT,
            default=None,
            help="weight of each human label relative to a seed label (default: HLOOP_FEEDBACK_WEIGHT)",
        )
    p["retrain"].add_argument("--force", action="store_true", help="retrain even without new human labels")
    p["metrics"].add_argument("--version", type=VERSION, default=None, help="version number (default: current)")
    p["metrics"].add_argument(
        "--plot", type=Path, default=None, metavar="FILE", help="also write the trend plots (95%% bands) to FILE"
    )
    p["rollback"].add_argument("version", type=VERSION)
    p["promote"].add_argument("version", type=VERSION)
    p["predict"].add_argument("text", nargs="?", default=None, help="one text (or --file)")
    p["predict"].add_argument("--file", type=Path, default=None, help="a CSV or JSONL file of texts to predict")
    p["predict"].add_argument("--out", type=Path, default=None, help="where the predictions go (.csv or .jsonl)")
    p["predict"].add_argument(
        "--text-column", default=None, help="the file's text column (default: the project's, HLOOP_TEXT_COLUMN)"
    )
    p["export-model"].add_argument("version", type=VERSION, help="version number (0: the current one)")
    p["export-model"].add_argument("folder", type=Path, help="a new (or empty) folder to write")
    add_json(p["export-model"])
    p["trust-legacy"].add_argument("versions", type=VERSION, nargs="*", help="version numbers to convert")
    p["trust-legacy"].add_argument("--all", action="store_true", help="every version still in the pickle format")
    for name in ("train", "retrain", "status", "metrics", "predict"):
        add_json(p[name])
