"""``feedforward lr-find``: sweep the learning rate over a short run and suggest one.

The sweep (Leslie Smith's range test, as in fastai) raises the learning rate exponentially from
``--start-lr`` to ``--end-lr`` over ``--num-it`` mini-batches, records the smoothed loss, and stops
once the loss diverges. It prints the suggestions of the usual rules (steepest descent, valley,
minimum / 10) and how well they agree, and plots loss against learning rate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from feedforward.cli.config import OPTIONS, _number, add_options, resolve
from feedforward.cli.errors import CLIError
from feedforward.cli.train import make_learner, prepare

__all__ = ["add_parser", "run"]

# the train options that matter to the sweep
NAMES = [n for n in OPTIONS if n not in ("lr", "schedule", "epochs", "early_stopping", "out")]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "lr-find",
        help="suggest a learning rate with a range test",
        description=__doc__.split("\n\n")[0].strip() + "\n\n" + __doc__.split("\n\n")[1].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="FILE.toml",
        help="read options from a TOML file (the command line wins)",
    )
    add_options(parser, NAMES)
    group = parser.add_argument_group("range test")
    group.add_argument(
        "--start-lr",
        type=_number(float, "--start-lr", low=0, low_open=True),
        default=1e-7,
        metavar="LR",
        help="first learning rate (default: 1e-7)",
    )
    group.add_argument(
        "--end-lr",
        type=_number(float, "--end-lr", low=0, low_open=True),
        default=10.0,
        metavar="LR",
        help="last learning rate (default: 10)",
    )
    group.add_argument(
        "--num-it",
        type=_number(int, "--num-it", low=2),
        default=100,
        metavar="N",
        help="number of mini-batches (default: 100)",
    )
    group.add_argument(
        "--plot",
        default="lr_find.png",
        metavar="PATH",
        help="where to write the plot of loss against learning rate (default: lr_find.png)",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.end_lr <= args.start_lr:
        raise CLIError(f"--end-lr ({args.end_lr:g}) must be above --start-lr ({args.start_lr:g})")
    options = resolve(args, NAMES)
    say = (lambda *a: None) if options["quiet"] else print
    job = prepare(options, say)
    learn = make_learner(job, args.start_lr)
    result = learn.lr_find(start_lr=args.start_lr, end_lr=args.end_lr, num_it=args.num_it)
    for name, value in result.suggestions.items():
        say(f"{name:>12}: {value:.3g}")
    print(f"suggested lr: {result.suggested:.3g}  ({result.agreement})")
    plot = Path(args.plot)
    try:
        result.plot(plot)
    except ImportError as e:  # matplotlib missing (plots.PlotUnavailable or the finder's own)
        print(f"feedforward: warning: {e}; no plot written", file=sys.stderr)
    else:
        say(f"wrote {plot}")
    return 0
