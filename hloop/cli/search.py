"""Search from a terminal: find texts with filters, texts like one, and label search results in bulk (and undo)."""

from __future__ import annotations

from hloop.cli.output import print_json
from hloop.cli.parsing import ANNOTATOR, EXAMPLE_ID, add_json, command
from hloop.core.search import FILTERS, SORTS, SOURCES, STATUSES


def filters_of(args) -> dict:
    """The search filters given on the command line (those left out are not sent)."""
    return {name: getattr(args, name) for name in FILTERS if getattr(args, name, None) is not None}


def _shown(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def print_hits(hits) -> None:
    """One line per hit: id, label (or -), the model's guess and confidence, where it came from, the text."""
    for hit in hits:
        guess = "-" if hit.predicted is None else f"{hit.predicted[:12]} {hit.confidence:.2f}"
        held = f" [claimed by {hit.claimed_by}]" if hit.claimed_by else ""
        label = (hit.label or "-")[:14]
        print(f"{hit.example_id:>8}  {label:<14}  {guess:<17}  {hit.origin:<6}  {_shown(hit.text)}{held}")


@command("search", "Find pool and labelled texts by words and filters (never eval or held-out texts).")
def search(args, services) -> int:
    page = services.search(query=args.query, sort=args.sort, page=args.page, per_page=args.per_page, **filters_of(args))
    if args.json:
        print_json(page.to_dict())
        return 0
    print_hits(page.hits)
    more = "+" if page.total_is_lower_bound else ""
    print(f"{page.total:,}{more} texts found; page {page.page} of {page.pages} (by {page.order})")
    for note in page.notes:
        print(note)
    return 0


@command("bulk-label", "Give one label to every result of a search (or to --ids), after a preview; undone as one.")
def bulk_label(args, services) -> int:
    selection = {"query": args.query, "ids": args.ids, "relabel": args.relabel, **filters_of(args)}
    preview = services.bulk_preview(args.new_label, args.annotator, **selection)
    if not args.yes:
        print(f"Would label {preview.size:,} texts as {preview.label}{_skipped(preview.skipped)}. For example:")
        print_hits(preview.sample)
        print("Nothing was stored; run again with --yes to label them.")
        return 0
    batch = services.bulk_label(args.new_label, args.annotator, expected=preview.size, **selection)
    if args.json:
        print_json(batch.to_dict())
        return 0
    print(f"Batch {batch.batch_id}: {batch.size:,} texts labelled {batch.label}{_skipped(batch.skipped)}.")
    print(f"Undo it with `python -m hloop undo-bulk {batch.batch_id}`.")
    return 0


def _skipped(skipped: dict) -> str:
    return "" if not skipped else "; skipped " + ", ".join(f"{n:,} {why}" for why, n in skipped.items())


@command("undo-bulk", "Undo a bulk batch: every text it labelled gets back the label it had before.")
def undo_bulk(args, services) -> int:
    batch = services.undo_bulk(args.batch)
    if args.json:
        print_json(batch.to_dict())
        return 0
    print(f"Batch {batch.batch_id} undone: {batch.size:,} texts no longer labelled {batch.label} by it.")
    return 0


@command("bulk-batches", "The newest bulk batches: label, annotator, size, query, and whether undone.")
def bulk_batches(args, services) -> int:
    batches = services.bulk_batches(args.limit)
    if args.json:
        print_json([b.to_dict() for b in batches])
        return 0
    for b in batches:
        state = f"undone {b.undone_at}" if b.undone_at else "live"
        print(f"{b.batch_id:>6}  {b.created_at}  {b.label[:14]:<14}  {b.size:>6}  {b.annotator[:16]:<16}  {state}")
    return 0


def add_filters(parser) -> None:
    """The search filters, the same for ``search``, ``similar`` and ``bulk-label``."""
    parser.add_argument("--status", choices=STATUSES, help="labelled, unlabelled or any (default)")
    parser.add_argument("--label", dest="label", help="the counting label (name or index)")
    parser.add_argument("--predicted", help="the current model's predicted label")
    parser.add_argument("--min-confidence", dest="min_confidence", help="the model's confidence at least (0-1)")
    parser.add_argument("--max-confidence", dest="max_confidence", help="the model's confidence at most (0-1)")
    parser.add_argument("--labelled-by", dest="labelled_by", help="the annotator of the counting label")
    parser.add_argument("--source", choices=SOURCES, help="where the text came from, or how its label was given")
    parser.add_argument("--since", help="labelled (or stored) on or after this date or ISO time (UTC)")
    parser.add_argument("--until", help="labelled (or stored) on or before this date or ISO time (UTC)")


def add_arguments(p: dict) -> None:
    """The arguments of this module's commands (``p``: command name -> its subparser)."""
    s = p["search"]
    s.add_argument("query", nargs="?", default="", help='words (all of them), "a phrase", prefix*; empty: all texts')
    s.add_argument("--sort", choices=SORTS, default="", help="relevance (with words), uncertainty, newest, oldest")
    s.add_argument("--page", type=int, default=1, help="the page (from 1)")
    s.add_argument("--per-page", dest="per_page", type=int, default=20, help="hits per page (1-200)")
    b = p["bulk-label"]
    b.add_argument("new_label", metavar="LABEL", help="the label to give (name or index)")
    b.add_argument("query", nargs="?", default="", help="the search whose results to label")
    b.add_argument("--ids", type=EXAMPLE_ID, nargs="+", help="label these results only (example ids)")
    b.add_argument("--annotator", type=ANNOTATOR, default="cli", help="who gives the labels (default: cli)")
    b.add_argument("--relabel", action="store_true", help="also relabel texts that have a label")
    b.add_argument("--yes", action="store_true", help="label them (without it: a preview only)")
    p["undo-bulk"].add_argument("batch", type=EXAMPLE_ID, help="the batch id (`hloop bulk-batches` lists them)")
    p["bulk-batches"].add_argument("--limit", type=int, default=50, help="how many batches (newest first)")
    for name in ("search", "bulk-label"):
        add_filters(p[name])
    for name in ("search", "bulk-label", "undo-bulk", "bulk-batches"):
        add_json(p[name])
