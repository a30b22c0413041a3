"""Embeddings from a terminal: embed the stored texts now, and find the texts most like one (with the filters)."""

from __future__ import annotations

from hloop.cli.output import print_json, progress_bar
from hloop.cli.parsing import EXAMPLE_ID, add_json, command
from hloop.cli.search import add_filters, filters_of
from hloop.services.similar import AMONG


def _embedded_line(status: dict) -> str:
    return f"{status['stored']:,} of {status['total']:,} texts embedded so far"


@command("embed", "Embed every stored text that has no stored embedding yet (the app does it in the background).")
def embed(args, services) -> int:
    with progress_bar() as progress:
        added = services.embed_texts(progress=progress)
    status = services.embedding_status()
    if args.json:
        print_json({"added": added, **status})
        return 0
    print(f"{added:,} texts embedded; {_embedded_line(status)} ({status['embedder']['name']}, {status['folder']})")
    return 0


STATUS_OF = {"pool": "unlabelled", "labelled": "labelled", "all": None}  # --among as a search status


@command("similar", "The pool or labelled texts most like a text (or a stored example): by embedding, else by words.")
def similar(args, services) -> int:
    filters = {**filters_of(args), "status": args.status or STATUS_OF[args.among]}
    hits = services.more_like_this(text=args.text, example_id=args.id, k=args.k, **filters)
    status = services.embedding_status() if services.settings.embeddings != "none" else None
    if args.json:
        embedded = {} if status is None else {"embedded": status["stored"], "texts": status["total"]}
        print_json({"results": [h.to_dict() for h in hits], **embedded})
        return 0
    for hit in hits:
        shown = hit.text if len(hit.text) <= 80 else hit.text[:77] + "..."
        label = hit.label or "-"
        print(f"{hit.example_id:>7}  {hit.score:.3f}  {hit.origin:<6}  {label[:16]:<16}  {shown}")
    if status is not None and status["missing"]:
        print(f"({_embedded_line(status)}; `python -m hloop embed` embeds the rest)")
    return 0


def add_arguments(p: dict) -> None:
    """The arguments of this module's commands (``p``: command name -> its subparser)."""
    p["similar"].add_argument("text", nargs="?", help="the text to find similar texts for (or give --id)")
    p["similar"].add_argument("--id", type=EXAMPLE_ID, help="a stored example's id instead of a text")
    p["similar"].add_argument("--k", type=int, default=10, help="how many texts (1-1000, default 10)")
    p["similar"].add_argument("--among", choices=AMONG, default="all", help="pool, labelled or all (default)")
    add_filters(p["similar"])
    for name in ("embed", "similar"):
        add_json(p[name])
