"""``feedforward doctor``: probe the MLP ``feedforward train`` would build, before training it.

Builds the model, the data and the optimizer exactly as ``train`` does (same options), then runs
:func:`feedforward.diagnostics.doctor`: the model at initialisation and over a short training
run on a copy. Prints the findings as a table (``--json``: as JSON) and exits with status 1 when
there is an error finding, so it can gate a script or CI job.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from feedforward.cli.config import OPTIONS, _number, add_options, resolve
from feedforward.cli.errors import CLIError
from feedforward.cli.train import optimizer_factory, prepare

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Probe the MLP 'feedforward train' would build, with the same options: the model at
initialisation and over a short training run (--steps) on a copy. Reports bad initial loss,
saturated or dead units, activation scale drift, vanishing or exploding gradients, a learning
rate far too high or too low, non-finite values (naming the first module), and more; each
finding comes with the figure measured, the threshold it crossed and a fix.

Prints a table (--json: JSON) and exits with status 1 when there is an error finding."""

# the train options that make the model, the data and the optimizer
NAMES = [n for n in OPTIONS if n not in ("schedule", "epochs", "early_stopping", "out")]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "doctor",
        help="probe the model for init, gradient and learning-rate problems",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="FILE.toml",
        help="read options from a TOML file, e.g. a run's config.toml (the command line wins)",
    )
    add_options(parser, NAMES)
    group = parser.add_argument_group("doctor")
    group.add_argument(
        "--steps",
        type=_number(int, "--steps", low=0),
        default=50,
        metavar="N",
        help="optimizer steps of the short training run (default: 50; 0: init only)",
    )
    group.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from feedforward.diagnostics import doctor

    options = resolve(args, NAMES)
    if options["lr"] == "auto":
        raise CLIError("doctor: --lr auto is not supported; give a number (see 'lr-find')")
    # with --json, stdout holds the JSON only: the progress lines go to stderr
    out = sys.stderr if args.json else sys.stdout
    say = (lambda *a: None) if options["quiet"] else (lambda *a: print(*a, file=out))
    job = prepare(options, say)
    optimizer = optimizer_factory(options)(job.model.parameters(), lr=options["lr"])
    say(f"doctor: {args.steps} steps of {type(optimizer).__name__}, lr {options['lr']:g}")
    report = doctor(
        job.model, job.train, job.loss_fn, optimizer, steps=args.steps, seed=options["seed"]
    )
    print(report.to_json() if args.json else report.to_table())
    return 1 if report.has_errors else 0
