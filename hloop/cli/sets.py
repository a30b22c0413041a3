"""The commands of a multi-label project (``HLOOP_MULTI_LABEL``, or a label column of lists): the same names and
arguments as the single-label ones, over ``hloop.services.set_project.SetProject``. A command this project kind
does not have yet says so, and which it has."""

from __future__ import annotations

from hloop.cli.output import print_json
from hloop.core.errors import InvalidInputError
from hloop.core.multilabel_strategies import DEFAULT_SET_STRATEGY
from hloop.core.set_cards import SetCard


def _scores(m: dict | None) -> str:
    if not m:
        return "-"
    low, high = m["f1_micro_ci95"]
    return f"micro-F1 {m['f1_micro']:.4f} [{low:.3f}, {high:.3f}], macro-F1 {m['f1_macro']:.4f}"


def _print_card(card: SetCard) -> None:
    t, gate = card.training, card.gate
    serving = "current" if card.current else "held back"
    used = f"{t.seed_labels} seed + {t.human_labels} human"
    print(f"v{card.version} ({card.model_family}, {serving}): {used} label sets, thresholds tuned on {t.dev_texts} dev "
          "texts")  # fmt: skip
    m = card.metrics
    if m:
        print(
            f"  eval: {_scores(m)}; exact set {m['exact_set_accuracy']:.4f}, Hamming loss {m['hamming_loss']:.4f}, "
            f"labels per text {m['cardinality_predicted']:.2f} predicted, {m['cardinality_true']:.2f} true"
        )
        for name, row in m["per_label"].items():
            print(
                f"    {name[:24]:<24} P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}  "
                f"support {row['support']:>5}  threshold {card.thresholds[name]:.3f}"
            )
    print(f"  dev: {_scores(card.dev_metrics)}")
    print(f"  gate ({gate['test']}): {'promoted' if gate['promote'] else 'held back'}: {gate['reason']}")
    choice = card.choice
    tried = ", ".join(f"{f} {c['dev_f1_micro_cross_fitted']:.4f}" for f, c in choice["candidates"].items())
    print(f"  family: {choice['family']} ({choice['why']}; dev cross-fitted micro-F1: {tried})")


def train(args, project) -> int:
    card = project.train()
    print_json(card.to_dict()) if args.json else _print_card(card)
    return 0


def retrain(args, project) -> int:
    card = project.retrain(force=args.force)
    print_json(card.to_dict()) if args.json else _print_card(card)
    return 0


def status(args, project) -> int:
    cards = project.versions()
    if args.json:
        print_json([c.to_dict() for c in cards])
        return 0
    if not cards:
        print("No multi-label model yet: run `python -m hloop train`.")
    for c in cards:
        t = c.training
        print(
            f"v{c.version:<4} {c.model_family:<10} {c.created_at:<26} seed {t.seed_labels:>6} "
            f"human {t.human_labels:>6}  {_scores(c.metrics)}  {'current' if c.current else ''}"
        )
    return 0


def metrics(args, project) -> int:
    card = project.card(args.version)
    print_json(card.to_dict()) if args.json else _print_card(card)
    return 0


def promote(args, project) -> int:
    card = project.promote(args.version)
    print(f"v{card.version} is current")
    return 0


def queue(args, project) -> int:
    strategy = DEFAULT_SET_STRATEGY if args.strategy == "default" else args.strategy
    items = project.ranked_pool(strategy, n=args.n)
    if args.json:
        print_json(items)
        return 0
    if items and items[0]["score"] is None:
        print("No model yet: the pool in random order (run `python -m hloop train`).")
    for i in items:
        text = i["text"].replace("\n", " ")
        text = text if len(text) <= 70 else text[:67] + "..."
        score = "  -  " if i["score"] is None else f"{i['score']:.3f}"
        print(f"{i['example_id']:>7}  {score}  {','.join(i['suggested'])[:30]:<30}  {text}")
    return 0


def label(args, project) -> int:
    event = project.label(args.example, args.label, args.annotator, source="cli")
    print_json(event) if args.json else print(
        f"example {event['example_id']} -> {', '.join(event['labels']) or '(no label)'} by {event['annotator']} "
        f"(label {event['label_id']})"
    )
    return 0


def undo(args, project) -> int:
    event = project.undo(args.annotator)
    print(
        f"undone: example {event['example_id']} -> {', '.join(event['labels']) or '(no label)'} "
        f"(label {event['label_id']})"
    )
    return 0


def export(args, project) -> int:
    if args.history:
        raise InvalidInputError("--history is not yet available for multi-label projects; export without it.")
    result = project.export(args.file)
    print(f"{result['labels']} label sets written to {result['path']}")
    return 0


HANDLERS = {
    "train": train,
    "retrain": retrain,
    "status": status,
    "metrics": metrics,
    "promote": promote,
    "queue": queue,
    "label": label,
    "undo": undo,
    "export": export,
}


def run(args, settings) -> int:
    """Run ``args.command`` for the multi-label project of ``settings``."""
    from hloop.services.set_project import SetProject

    handler = HANDLERS.get(args.command)
    if handler is None:
        raise InvalidInputError(
            f"`hloop {args.command}` is not yet available for multi-label projects; they have: {', '.join(HANDLERS)}."
        )
    return handler(args, SetProject(settings))
