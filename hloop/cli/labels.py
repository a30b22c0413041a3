"""Labels from a terminal: queue, label, undo, import, export, suspects, agreement."""

from __future__ import annotations

from hloop.cli.output import print_json, progress_bar
from hloop.cli.parsing import ANNOTATOR, COUNT, EXAMPLE_ID, add_json, command
from hloop.core.multilabel_strategies import DEFAULT_SET_STRATEGY, SET_STRATEGIES
from hloop.core.search import LABEL_SOURCES
from hloop.core.strategies import DEFAULT_STRATEGY, STRATEGIES


@command("queue", "Show the pool items the current model is least sure about, most uncertain first.")
def queue(args, services) -> int:
    items = services.ranked_pool(args.strategy, n=args.n)
    if args.json:
        keys = ("example_id", "text", "score", "prediction", "confidence")
        print_json([{k: getattr(i, k) for k in keys} for i in items])
        return 0
    if items and items[0].prediction is None:
        print(services.readiness())
    for i in items:
        text = i.text if len(i.text) <= 90 else i.text[:87] + "..."
        score = "  -  " if i.score is None else f"{i.score:.3f}"
        guess = "-" if i.prediction is None else f"{i.prediction[:16]} {i.confidence:.2f}"
        print(f"{i.example_id:>7}  {score}  {guess:<21}  {text}")
    return 0


@command("label", "Label one stored example (by id); the label history is kept.")
def label(args, services) -> int:
    result = services.label(args.example, args.label, args.annotator, source="cli")
    event = result.event
    print_json(result.to_dict()) if args.json else print(
        f"example {event.example_id} -> {event.label} by {event.annotator} "
        f"(label {event.label_id}; {result.labels_since_retrain} human labels since the last retrain)"
    )
    if result.trained_version:
        print(f"enough labels for a first model: v{result.trained_version} trained")
    return 0


@command("import", "Add unlabelled texts (CSV or JSONL with a 'text' column) to the pool.")
def import_texts(args, services) -> int:
    with progress_bar() as progress:
        # the process ends at once: the texts are embedded by the app (in the background) or `hloop embed`
        report = services.import_texts(args.file, progress=progress, embed_after=False)
    if args.json:
        print_json(report.to_dict())
        return 0
    print(f"{report.added} added, {report.duplicates} duplicates skipped, {report.rejected} rejected")
    for r in report.rejections[:20]:
        print(f"  row {r.row}: {r.reason}")
    return 0


@command("export", "Write all human labels to a file (CSV or JSONL, by the file's extension).")
def export(args, services) -> int:
    result = services.export(args.file, history=args.history)
    print(f"{result['labels']} labels written to {result['path']}")
    return 0


@command("undo", "Undo an annotator's latest label (kept in the history as undone).")
def undo(args, services) -> int:
    undone = services.undo(args.annotator).event
    print(f"undone: example {undone.example_id} -> {undone.label} (label {undone.label_id})")
    return 0


@command("suspects", "Labels most likely wrong (cross-validated, confident learning), for a person to review.")
def suspects(args, services) -> int:
    items = services.suspects(n=args.n, source=args.source)
    if args.json:
        keys = ("example_id", "text", "label", "annotator", "suggestion", "score", "reason")
        print_json([{k: i[k] for k in keys} for i in items])
        return 0
    for i in items:
        text = i["text"] if len(i["text"]) <= 70 else i["text"][:67] + "..."
        print(f"{i['example_id']:>7}  {i['score']:.3f}  {i['label'][:14]:<14} -> {i['suggestion'][:14]:<14}  {text}")
    return 0


@command("agreement", "Cohen's kappa per pair of annotators and each one's agreement with the consensus.")
def agreement(args, services) -> int:
    result = {**services.agreement(), "live_quality": services.live_quality()}
    if args.json:
        print_json(result)
        return 0
    print(f"{result['items']} items labelled by two or more people")
    for p in result["pairs"]:
        kappa = "-" if p["kappa"] is None else f"{p['kappa']:.3f}"
        print(f"  {p['annotators']:<40} items {p['items']:>5}  agreement {p['agreement']:.3f}  kappa {kappa}")
    for a in result["annotators"]:
        share = a["agreement_with_consensus"]
        print(f"  {a['annotator']:<40} items {a['items']:>5}  agreement with consensus {share:.3f}")
    return 0


def add_arguments(p: dict) -> None:
    """The arguments of this module's commands (``p``: command name -> its subparser)."""
    p["queue"].add_argument("--n", type=COUNT, default=10, help="how many items (default 10)")
    p["queue"].add_argument(
        "--strategy",
        default="default",
        choices=[*STRATEGIES, *SET_STRATEGIES, "default"],
        help=f"query strategy (default: {DEFAULT_STRATEGY}; multi-label projects: {DEFAULT_SET_STRATEGY})",
    )
    p["label"].add_argument("--example", type=EXAMPLE_ID, required=True, help="example id (from `queue`)")
    p["label"].add_argument(
        "--label", required=True, help="a label name (case-insensitive) or number; multi-label: names joined by commas"
    )
    p["label"].add_argument("--annotator", type=ANNOTATOR, default="cli", help="who gives the label (default: cli)")
    p["import"].add_argument("file", help="a .csv or .jsonl file with a 'text' column")
    p["export"].add_argument("file", help="labels.csv or labels.jsonl")
    p["export"].add_argument("--history", action="store_true", help="every label event, undone ones included")
    p["undo"].add_argument("--annotator", type=ANNOTATOR, default="cli")
    p["suspects"].add_argument("--n", type=COUNT, default=20, help="how many suspects (default 20)")
    p["suspects"].add_argument("--source", choices=LABEL_SOURCES, help="only labels given so (bulk: of bulk batches)")
    for name in ("queue", "label", "import", "suspects", "agreement"):
        add_json(p[name])
