"""``hloop simulate``: the loop with a simulated annotator, strategies x repeats, written as results and curves."""

from __future__ import annotations

from hloop.cli.output import progress_bar
from hloop.cli.parsing import COUNT, FRACTION, SEED, WEIGHT, command
from hloop.core.models import MODEL_CHOICES


@command("simulate", "Simulate the loop (strategies x repeats, a simulated annotator); write results, curves, table.")
def simulate(args, services) -> int:
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
        model=args.model or services.settings.model,
        embeddings=args.embeddings or services.settings.embeddings,
    )
    with progress_bar() as progress:
        run = run_simulation(
            services,
            config,
            out_dir=args.out,
            target=args.target,
            relative_target=args.relative_target,
            progress=progress,
        )
    print(run["table"])
    print(f"\nmodel {config.model}, embeddings {config.embeddings}:\n{run['families']}")
    reference = run["results"]["reference_accuracy"]
    how = "given" if args.target is not None else f"{args.relative_target:g} x the reference"
    print(f"\ntarget accuracy {run['target']:.4f} ({how}); reference (all train rows, gold labels): {reference:.4f}")
    print(
        f"{len(run['results']['checkpoints'])} checkpoints in {run['results']['wall_seconds']:.1f} s; "
        f"default = {run['results']['default_strategy']}; results.json, curves.png, table.md in {run['out_dir']}"
    )
    return 0


def add_arguments(p: dict) -> None:
    """The arguments of ``simulate`` (``p``: command name -> its subparser)."""
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
    sim.add_argument(
        "--model",
        default=None,
        type=str.lower,
        choices=MODEL_CHOICES,
        help="the model family of every version, or auto: chosen by cross-validation on the training labels, "
        "again when they grew 1.5x, as the app does (default: HLOOP_MODEL)",
    )
    sim.add_argument(
        "--embeddings",
        default=None,
        help="embeddings for the embedding families: wordllama, model2vec:<id>, sentence-transformers:<id> or "
        "none (default: HLOOP_EMBEDDINGS)",
    )
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
