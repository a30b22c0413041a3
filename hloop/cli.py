"""``python -m hloop``: the loop from a terminal, a thin layer over ``hloop.services``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from pydantic import ValidationError

from hloop.config import debug_tracebacks
from hloop.core import values
from hloop.core.errors import HLoopError, storage_error, unexpected
from hloop.core.strategies import DEFAULT_STRATEGY, STRATEGIES

COMMANDS: dict[str, Callable] = {}


def command(name: str, help: str):
    """Register a subcommand handler (args, services) -> exit code."""

    def wrap(fn: Callable) -> Callable:
        fn.cli_help = help
        COMMANDS[name] = fn
        return fn

    return wrap


@contextmanager
def _progress_bar():
    """A tqdm bar on stderr (only on a terminal) fed by services' progress(fraction, description)."""
    from tqdm import tqdm

    bar = tqdm(total=100, file=sys.stderr, leave=False, disable=None, bar_format="{percentage:3.0f}%|{bar:30}| {desc}")

    def update(fraction: float, desc: str) -> None:
        bar.set_description_str(desc)
        bar.update(max(0, round(fraction * 100) - bar.n))

    try:
        yield update
    finally:
        bar.close()


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, default=str))


def _metrics_row(card: dict) -> str:
    m = card["metrics"]
    if m is None:
        return f"v{card['version']:<4} {_not_enough(card)}"
    low, high = m.get("accuracy_ci95", (None, None))
    interval = f" [{low:.3f}-{high:.3f}]" if low is not None else ""
    scores = (
        f"accuracy {m['accuracy']:.4f}{interval}  macro-F1 {m['f1_macro']:.4f}  weighted-F1 {m['f1_weighted']:.4f}"
        f"  on {m['n_eval']:,} eval texts"
    )
    return f"v{card['version']:<4} {scores}"


def _not_enough(card: dict) -> str:
    e = card.get("evaluation", {})
    return f"not enough held-out labels yet for metrics ({e.get('n_eval', 0)} of {e.get('min_eval', '?')})"


def _print_card(card: dict) -> None:
    t = card["training"]
    print(_metrics_row(card))
    print(
        f"      trained on {t['rows']:,} rows ({t['seed_labels']:,} seed + {t['human_labels']:,} human, "
        f"feedback weight {t['feedback_weight']}) in {card['training_seconds']:.2f} s"
    )
    for name, pc in (card["metrics"] or {}).get("per_class", {}).items():
        print(
            f"      {name[:20]:<20} precision {pc['precision']:.3f}  recall {pc['recall']:.3f}  "
            f"f1 {pc['f1']:.3f}  n={pc['support']}"
        )


def _before_after(old: dict | None, new: dict) -> None:
    if old is None or old["metrics"] is None or new["metrics"] is None:
        _print_card(new)
        return
    print(f"{'metric':<23} {'v' + str(old['version']):>10} {'v' + str(new['version']):>10} {'change':>9}")
    keys = [("accuracy", "accuracy"), ("macro-F1", "f1_macro"), ("weighted-F1", "f1_weighted")]
    rows = [(label, old["metrics"][k], new["metrics"][k]) for label, k in keys]
    rows += [
        (f"F1 {n[:20]}", old["metrics"]["per_class"][n]["f1"], new["metrics"]["per_class"][n]["f1"])
        for n in new["metrics"]["per_class"]
        if n in old["metrics"]["per_class"]
    ]
    for label, a, b in rows:
        print(f"{label:<23} {a:>10.4f} {b:>10.4f} {b - a:>+9.4f}")
    t = new["training"]
    print(
        f"v{new['version']}: {t['seed_labels']:,} seed + {t['human_labels']:,} human labels "
        f"(weight {t['feedback_weight']}), {new['training_seconds']:.2f} s"
    )


_EVAL_ORIGIN = {
    "split": "the dataset's eval split ({n:,} texts)",
    "carved": "{n:,} labelled texts carved from train (HLOOP_EVAL_SHARE)",
    "human": "held-out human labels (no gold labels; HLOOP_EVAL_SHARE of them)",
}


@command("train", "Load the dataset, split it, fill the label store and train a model version (v1 at first).")
def _train(args, services) -> int:
    if not args.json:
        s = services.project_summary()
        print(
            f"dataset {s['dataset']}: {s['train_texts']:,} train texts, {len(s['labels'])} labels "
            f"({', '.join(s['labels'][:10])}{' …' if len(s['labels']) > 10 else ''}); eval: "
            f"{_EVAL_ORIGIN[s['eval_origin']].format(n=s['eval_texts'])}"
        )
        for line in s["hygiene_lines"]:  # what was dropped, merged or cleaned, and why
            print(f"  data: {line}")
    with _progress_bar() as progress:
        card = services.train(args.feedback_weight, progress=progress)
    _print_json(card) if args.json else _print_card(card)
    return 0


@command("retrain", "Train a new version on seed + human labels (weighted) and print old vs new metrics.")
def _retrain(args, services) -> int:
    old = services.card() if services.registry.current_version() else None
    with _progress_bar() as progress:
        card = services.retrain(args.feedback_weight, force=args.force, progress=progress)
    if args.json:
        _print_json(card)
        return 0
    _before_after(old, card)
    _print_gate(card)
    return 0


def _print_gate(card: dict) -> None:
    """The promotion gate's verdict on a new version, and what to do when it was held back."""
    gate = card.get("gate") or {}
    status = card.get("status", "promoted")
    print(f"v{card['version']} {status}: {gate.get('reason', 'no gate recorded')}")
    if status == "held back":
        print(f"      the current version keeps serving; `python -m hloop promote {card['version']}` overrides")


@command("queue", "Show the pool items the current model is least sure about, most uncertain first.")
def _queue(args, services) -> int:
    items = services.ranked_pool(args.strategy, n=args.n)
    if args.json:
        _print_json([{k: i[k] for k in ("example_id", "text", "score", "prediction", "confidence")} for i in items])
        return 0
    if items and items[0]["prediction"] is None:
        print(services.readiness())
    for i in items:
        text = i["text"] if len(i["text"]) <= 90 else i["text"][:87] + "..."
        score = "  -  " if i["score"] is None else f"{i['score']:.3f}"
        guess = "-" if i["prediction"] is None else f"{i['prediction'][:16]} {i['confidence']:.2f}"
        print(f"{i['example_id']:>7}  {score}  {guess:<21}  {text}")
    return 0


@command("label", "Label one stored example (by id); the label history is kept.")
def _label(args, services) -> int:
    result = services.label(args.example, args.label, args.annotator, source="cli")
    _print_json(result) if args.json else print(
        f"example {result['example_id']} -> {result['label']} by {result['annotator']} "
        f"(label {result['label_id']}; {result['labels_since_retrain']} human labels since the last retrain)"
    )
    if result.get("trained_version"):
        print(f"enough labels for a first model: v{result['trained_version']} trained")
    return 0


@command("import", "Add unlabelled texts (CSV or JSONL with a 'text' column) to the pool.")
def _import(args, services) -> int:
    with _progress_bar() as progress:
        report = services.import_texts(args.file, progress=progress)
    if args.json:
        _print_json(report)
        return 0
    print(f"{report['added']} added, {report['duplicates']} duplicates skipped, {report['rejected']} rejected")
    for r in report["rejections"][:20]:
        print(f"  row {r['row']}: {r['reason']}")
    return 0


@command("status", "The table of model versions: created, labels used, accuracy, macro-F1, current.")
def _status(args, services) -> int:
    cards = services.versions()
    if args.json:
        _print_json(cards)
        return 0
    if not cards:
        print(services.readiness() or "No model yet: run `python -m hloop train`.")
        return 0
    print(
        f"{'version':<8} {'created (UTC)':<26} {'seed':>6} {'human':>6} {'weight':>6} "
        f"{'accuracy':>9} {'macro-F1':>9}  {'status':<10} current"
    )
    for c in cards:
        t, m = c["training"], c["metrics"]
        scores = f"{m['accuracy']:>9.4f} {m['f1_macro']:>9.4f}" if m else f"{'-':>9} {'-':>9}"
        print(
            f"v{c['version']:<7} {c['created_at']:<26} {t['seed_labels']:>6} {t['human_labels']:>6} "
            f"{t['feedback_weight']:>6} {scores}  {c.get('status', 'promoted'):<10} {'*' if c['current'] else ''}"
        )
    for c in cards:
        if c.get("status") == "held back" and not c["current"]:
            print(f"v{c['version']} held back: {c['gate']['reason']} (`python -m hloop promote {c['version']}`)")
    return 0


@command("promote", "Make a version the promotion gate held back current anyway (recorded as a manual override).")
def _promote(args, services) -> int:
    card = services.promote(args.version)
    print(f"v{card['version']} is current (manual override of the gate: {card['gate']['reason']}).")
    return 0


@command("metrics", "The full metrics card of one version (default: the current one).")
def _metrics(args, services) -> int:
    card = services.card(args.version)
    _print_json(card) if args.json else _print_card(card)
    return 0


@command("rollback", "Make an earlier (or any) version current again.")
def _rollback(args, services) -> int:
    card = services.rollback(args.version)
    print(f"v{card['version']} is current again.")
    return 0


@command("export", "Write all human labels to a file (CSV or JSONL, by the file's extension).")
def _export(args, services) -> int:
    result = services.export(args.file, history=args.history)
    print(f"{result['labels']} labels written to {result['path']}")
    return 0


@command("predict", "Predict the label of a text, with the words that drove the prediction.")
def _predict(args, services) -> int:
    result = services.predict(args.text)
    if args.json:
        _print_json({**result, "explanation": services.explain(args.text)["contributions"]})
        return 0
    print(f"{result['label']} ({result['confidence']:.2f}) by v{result['model_version']}")
    for c in services.explain(args.text)["contributions"]:
        print(f"  {c['weight']:+.3f}  {c['feature']}")
    return 0


@command("undo", "Undo an annotator's latest label (kept in the history as undone).")
def _undo(args, services) -> int:
    result = services.undo(args.annotator)
    print(f"undone: example {result['example_id']} -> {result['label']} (label {result['label_id']})")
    return 0


@command("simulate", "Simulate the loop (strategies x repeats, a simulated annotator); write results, curves, table.")
def _simulate(args, services) -> int:
    from hloop.experiments import SimulationConfig, run_simulation

    config = SimulationConfig(
        strategies=tuple(s.strip() for s in args.strategies.split(",") if s.strip()),
        repeats=args.repeats,
        seed_size=args.seed_size,
        batch=args.batch,
        budget=args.budget,
        annotator=args.annotator,
        feedback_weight=services.settings.feedback_weight if args.feedback_weight is None else args.feedback_weight,
        random_seed=services.settings.random_seed if args.seed is None else args.seed,
        workers=args.workers,
        engine=args.engine,
        compute=args.compute or services.settings.compute,
    )
    with _progress_bar() as progress:
        run = run_simulation(
            services,
            config,
            out_dir=args.out,
            target=args.target,
            relative_target=args.relative_target,
            progress=progress,
        )
    print(run["table"])
    reference = run["results"]["reference_accuracy"]
    how = "given" if args.target is not None else f"{args.relative_target:g} x the reference"
    print(f"\ntarget accuracy {run['target']:.4f} ({how}); reference (all train rows, gold labels): {reference:.4f}")
    print(
        f"{len(run['results']['checkpoints'])} checkpoints in {run['results']['wall_seconds']:.1f} s; "
        f"default = {run['results']['default_strategy']}; results.json, curves.png, table.md in {run['out_dir']}"
    )
    return 0


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit status 2), like every other CLI error."""

    def error(self, message: str):
        """Print ``message`` on one line with where to find help, and exit 2."""
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _typed(parse: Callable[[str], object], name: str) -> Callable[[str], object]:
    """An argparse ``type=`` from a ``hloop.core.values`` parser: its one-line message on bad input."""

    def convert(raw: str) -> object:
        try:
            return parse(raw)
        except HLoopError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert


EXAMPLE_ID = _typed(values.parse_example_id, "example id")
VERSION = _typed(values.parse_version, "version")
WEIGHT = _typed(values.parse_weight, "weight")
COUNT = _typed(values.parse_count, "count")
SEED = _typed(values.parse_seed, "seed")
FRACTION = _typed(values.parse_fraction, "fraction")
ANNOTATOR = _typed(values.parse_annotator, "annotator")


def undecodable_argument(argv: Sequence[str]) -> str | None:
    """The message for the first argument that was not UTF-8 (Python keeps its bytes as surrogates), if any."""
    for position, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            raw = os.fsencode(arg[exc.start])
            return (
                f"argument {position} is not valid UTF-8 (byte 0x{raw.hex()} at position {exc.start}); "
                "pass UTF-8 text (rename a file whose name is not UTF-8)."
            )
    return None


def _rows_line(report) -> str:
    rows = ", ".join(f"{n:,} {table}" for table, n in sorted(report.rows.items()))
    return f"{rows}; {report.model_files} model files; schema revision {report.schema_revision}"


@command("backup", "Write the label store (every table) and the models folder to one archive with sha256s.")
def _backup(args, services) -> int:
    report = services.backup(args.file)
    _print_json(report.to_dict()) if args.json else print(f"backup written to {report.path}: {_rows_line(report)}")
    return 0


@command("restore", "Fill an empty label store and models folder from a backup (SQLite or PostgreSQL).")
def _restore(args, services) -> int:
    report = services.restore(args.file)
    _print_json(report.to_dict()) if args.json else print(f"restored from {report.path}: {_rows_line(report)}")
    return 0


@command(
    "trust-legacy",
    "Convert model versions saved as pickles by an older release to the safe format (you vouch for those files).",
)
def _trust_legacy(args, services) -> int:
    from hloop.core.errors import InvalidInputError

    if bool(args.all) == bool(args.versions):
        raise InvalidInputError("Name the versions to trust (e.g. `python -m hloop trust-legacy 3`) or pass --all.")
    registry = services.registry
    versions = registry.legacy_versions() if args.all else args.versions
    if not versions:
        print("No version is in the old pickle format; nothing to convert.")
    for version in versions:
        card = registry.trust_legacy(version)
        print(f"v{version}: {card['format']} artifact, sha256 {card['artifact_sha256'][:12]}; the pickle is removed.")
    return 0


@command("suspects", "Labels most likely wrong (cross-validated, confident learning), for a person to review.")
def _suspects(args, services) -> int:
    items = services.suspects(n=args.n)
    if args.json:
        keys = ("example_id", "text", "label", "annotator", "suggestion", "score", "reason")
        _print_json([{k: i[k] for k in keys} for i in items])
        return 0
    for i in items:
        text = i["text"] if len(i["text"]) <= 70 else i["text"][:67] + "..."
        print(f"{i['example_id']:>7}  {i['score']:.3f}  {i['label'][:14]:<14} -> {i['suggestion'][:14]:<14}  {text}")
    return 0


@command("agreement", "Cohen's kappa per pair of annotators and each one's agreement with the consensus.")
def _agreement(args, services) -> int:
    result = {**services.agreement(), "live_quality": services.live_quality()}
    if args.json:
        _print_json(result)
        return 0
    print(f"{result['items']} items labelled by two or more people")
    for p in result["pairs"]:
        kappa = "-" if p["kappa"] is None else f"{p['kappa']:.3f}"
        print(f"  {p['annotators']:<40} items {p['items']:>5}  agreement {p['agreement']:.3f}  kappa {kappa}")
    for a in result["annotators"]:
        share = a["agreement_with_consensus"]
        print(f"  {a['annotator']:<40} items {a['items']:>5}  agreement with consensus {share:.3f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = _OneLineParser(prog="hloop", description="HumanLoopML: human-in-the-loop text classification.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = {name: sub.add_parser(name, help=fn.cli_help, description=fn.cli_help) for name, fn in COMMANDS.items()}
    for name in ("train", "retrain"):
        p[name].add_argument(
            "--feedback-weight",
            type=WEIGHT,
            default=None,
            help="weight of each human label relative to a seed label (default: HLOOP_FEEDBACK_WEIGHT)",
        )
    p["retrain"].add_argument("--force", action="store_true", help="retrain even without new human labels")
    p["queue"].add_argument("--n", type=COUNT, default=10, help="how many items (default 10)")
    p["queue"].add_argument(
        "--strategy",
        default="default",
        choices=[*STRATEGIES, "default"],
        help=f"query strategy (default: {DEFAULT_STRATEGY})",
    )
    p["label"].add_argument("--example", type=EXAMPLE_ID, required=True, help="example id (from `queue`)")
    p["label"].add_argument("--label", required=True, help="a label name (case-insensitive) or number")
    p["label"].add_argument("--annotator", type=ANNOTATOR, default="cli", help="who gives the label (default: cli)")
    p["import"].add_argument("file", help="a .csv or .jsonl file with a 'text' column")
    p["metrics"].add_argument("--version", type=VERSION, default=None, help="version number (default: current)")
    p["rollback"].add_argument("version", type=VERSION)
    p["promote"].add_argument("version", type=VERSION)
    p["export"].add_argument("file", help="labels.csv or labels.jsonl")
    p["export"].add_argument("--history", action="store_true", help="every label event, undone ones included")
    p["predict"].add_argument("text")
    p["undo"].add_argument("--annotator", type=ANNOTATOR, default="cli")
    p["trust-legacy"].add_argument("versions", type=VERSION, nargs="*", help="version numbers to convert")
    p["trust-legacy"].add_argument("--all", action="store_true", help="every version still in the pickle format")
    sim = p["simulate"]
    sim.add_argument(
        "--strategies",
        default="random,least_confidence,margin,entropy,default",
        help="comma-separated strategies; 'default' is the default strategy (default: all of them)",
    )
    sim.add_argument("--repeats", type=COUNT, default=3, help="runs per strategy, each with its own seed (default 3)")
    sim.add_argument("--seed-size", type=COUNT, default=100, help="labelled rows to start from (default 100)")
    sim.add_argument("--batch", type=COUNT, default=50, help="items labelled between retrains (default 50)")
    sim.add_argument("--budget", type=COUNT, default=2000, help="human labels per run (default 2000)")
    sim.add_argument("--annotator", default="oracle", help="oracle, human (crowd labels) or noisy:P (default oracle)")
    sim.add_argument("--out", default=None, help="output folder (default: a new folder under HLOOP_RUNS_DIR)")
    sim.add_argument(
        "--target",
        type=FRACTION,
        default=None,
        help="accuracy for 'labels to target' (default: --relative-target x the accuracy of a model trained on "
        "the whole train split, printed with the results)",
    )
    sim.add_argument(
        "--relative-target",
        type=FRACTION,
        default=0.97,
        help="the default target as a share of the whole-train-split model's accuracy (default 0.97)",
    )
    sim.add_argument("--feedback-weight", type=WEIGHT, default=None, help="weight of a human label (default: setting)")
    sim.add_argument("--seed", type=SEED, default=None, help="first repeat's seed (default: HLOOP_RANDOM_SEED)")
    sim.add_argument("--workers", type=COUNT, default=2, help="processes running repeats in parallel (default 2)")
    sim.add_argument(
        "--compute",
        default=None,
        choices=["local", "modal"],
        help="local: processes on this machine; modal: one call per strategy x repeat on the deployed "
        "hloop-simulation app (default: HLOOP_COMPUTE)",
    )
    sim.add_argument(
        "--engine",
        default="cached",
        choices=["cached", "services"],
        help="cached: texts tokenized once, the product's TF-IDF and classifier rebuilt each step (fast, "
        "default); services: the app's own Services on a throw-away store and registry (slow)",
    )
    p["backup"].add_argument("file", help="the archive to write, e.g. hloop-backup.zip")
    p["restore"].add_argument("file", help="an archive written by `python -m hloop backup`")
    p["suspects"].add_argument("--n", type=COUNT, default=20, help="how many suspects (default 20)")
    for name in ("train", "retrain", "queue", "label", "import", "status", "metrics", "predict", "backup", "restore"):
        p[name].add_argument("--json", action="store_true", help="print JSON for scripts")
    for name in ("suspects", "agreement"):
        p[name].add_argument("--json", action="store_true", help="print JSON for scripts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; an HLoopError, a bad argument or a bad setting prints one line and returns 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if (problem := undecodable_argument(argv)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    try:
        from hloop.config import Settings
        from hloop.services import Services

        services = Services(Settings(fit_in_worker=False))  # no requests to keep responsive here: fit in-process
        if args.command not in ("trust-legacy", "restore", "backup"):
            notice = services.check_current()  # a damaged current version: say so, serve the newest intact one
            if notice:
                print(f"warning: {notice}", file=sys.stderr)
        return COMMANDS[args.command](args, services)
    except HLoopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        from hloop.config import settings_problems

        print(f"error: invalid setting: {settings_problems(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 2
    except OSError as exc:  # a disk or a path the user can fix: full, read-only, a file where a folder belongs
        print(f"error: {storage_error(exc, f'python -m hloop {args.command}')}", file=sys.stderr)
        return 2
    except Exception as exc:  # an unexpected bug: still one line, the trace only on request
        if debug_tracebacks():
            raise
        print(f"error: {unexpected(exc)}", file=sys.stderr)
        return 1


def main_exit() -> None:
    """Console-script entry point (``hloop``)."""
    sys.exit(main())
