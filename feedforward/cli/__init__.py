"""The ``feedforward`` command: train an MLP, find a learning rate, evaluate, predict, inspect.

    feedforward train                      # scikit-learn's 8x8 digits, offline, in seconds
    feedforward train --data fashion-mnist --data-dir DIR --hidden 256,128 --epochs 5
    feedforward train --data csv:houses.csv --target price --out runs/houses
    feedforward lr-find --data digits
    feedforward evaluate runs/houses
    feedforward predict runs/houses new.csv --out preds.csv
    feedforward info runs/houses
    feedforward doctor --activation sigmoid --hidden 64,64,64,64,64,64,64,64

Bad input (a missing file, a malformed CSV, an unknown option value, ...) ends the command with
one line, ``feedforward: error: ...``, on stderr and exit status 1 (2 for command-line syntax);
``--traceback`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from feedforward.cli import doctor, evaluate, info, lr_find, predict, train
from feedforward.cli.errors import CLIError

__all__ = ["main", "build_parser", "CLIError"]

PROG = "feedforward"
# The errors bad input raises, from this package and the library (which uses torch's exception
# types). Anything else is a bug and keeps its traceback.
_EXPECTED = (
    CLIError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    RuntimeError,
    ImportError,
    MemoryError,
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``feedforward: error: ... (see 'PROG --help')``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _report(f"{message} (see '{self.prog} --help')")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The ``feedforward`` parser, one subparser per command."""
    parser = _Parser(
        prog=PROG,
        description="Train and use feed-forward networks (MLPs) built with feedforward.",
        epilog="Run 'feedforward COMMAND --help' for the options of a command.",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="on an error, show the full Python traceback, not one line",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (train, lr_find, evaluate, predict, info, doctor):
        sub = module.add_parser(commands)
        sub.set_defaults(parser=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # let the command's own parser say so, pointing at its --help
        (args.parser if args.command else parser).error(
            f"unrecognized arguments: {' '.join(extra)}"
        )
    if args.command is None:
        parser.print_help()
        return 2
    warnings.showwarning = _show_warning
    # NumPy's floating-point warnings while a run diverges: TerminateOnNaN reports it, once
    warnings.filterwarnings(
        "ignore", r"(overflow|invalid value|divide by zero) encountered", RuntimeWarning
    )
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        _report("interrupted")
        return 130
    except BrokenPipeError:  # e.g. `feedforward predict ... | head`
        sys.stderr.close()
        return 141
    except _EXPECTED as e:
        if args.traceback:
            raise
        _report(_message(e))
        return 1


def _message(error: BaseException) -> str:
    """A one-line description of an error."""
    if isinstance(error, KeyError) and len(error.args) == 1 and isinstance(error.args[0], str):
        text = error.args[0]  # str(KeyError) would add quotes
    elif isinstance(error, OSError) and error.strerror and error.filename:
        text = f"{error.strerror}: {error.filename}"
    else:
        text = str(error) or type(error).__name__
    if not isinstance(error, CLIError | OSError | KeyError | ValueError | ImportError):
        text = f"{type(error).__name__}: {text}"
    return text


def _report(message: str) -> None:
    one_line = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line, without the source line Python shows by default."""
    one_line = " ".join(str(message).split())
    print(f"{PROG}: warning: {one_line}", file=sys.stderr if file is None else file)
