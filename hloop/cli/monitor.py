"""The Monitor from a terminal: this process's live window is empty, so ``hloop monitor`` reports what a fresh
process sees (the reference, the dev calibration and its error); the served app's window is at ``GET /api/monitor``."""

from __future__ import annotations

from hloop.cli.output import print_json
from hloop.cli.parsing import add_json, command


@command("monitor", "Label mix, text drift and estimated accuracy of live traffic (the app's: GET /api/monitor).")
def monitor(args, services) -> int:
    report = services.monitor(hours=args.hours)
    if args.json:
        print_json(report.to_dict())
        return 0
    print(f"{report.n_live:,} live predictions in the last {args.hours:g} h (v{report.model_version})")
    for part in (report.label_mix, report.text_drift, report.estimate):
        print(f"  {type(part).__name__}: {part.message}")
    if report.calibration is not None:
        cal = report.calibration
        ece = f"ECE {cal['ece_raw']:.3f} raw, {cal['ece_calibrated']:.3f} calibrated"
        print(f"  calibration: {cal['n_dev']:,} dev texts, {ece}")
    for flag in report.flags:
        print(f"FLAG {flag['reason']}: {flag['message']}")
    if not report.flags:
        print("no flag raised")
    return 0


def add_arguments(p: dict) -> None:
    """The arguments of this module's commands (``p``: command name -> its subparser)."""
    p["monitor"].add_argument("--hours", type=float, default=24.0, help="hours of live traffic (default 24)")
    add_json(p["monitor"])
