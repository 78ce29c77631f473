"""The options of ``feedforward train`` (and of the subcommands that share them).

Each option is declared once, in :data:`OPTIONS`, and from that one declaration comes its
command-line flag, its ``--help`` line, its key in a TOML config file and the check of its value.
Precedence: built-in defaults < ``--config FILE.toml`` < the command line.

A config file holds the same names with underscores (``batch_size = 128``) or dashes
(``batch-size = 128``), as TOML values or as the strings the command line takes::

    data = "fashion-mnist"
    data_dir = "../shared/datasets"
    hidden = [256, 128]
    lr = 1e-3
    batchnorm = true
"""

from __future__ import annotations

import argparse
import math
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedforward.cli.errors import CLIError

__all__ = [
    "Option",
    "OPTIONS",
    "ACTIVATIONS",
    "LOSSES",
    "add_options",
    "resolve",
    "read_toml",
    "write_toml",
]

ACTIVATIONS = (
    "relu",
    "leaky-relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "tanh",
    "sigmoid",
    "softplus",
)
INITS = ("kaiming", "xavier", "default")
# loss name -> the task it is for
LOSSES = {
    "cross-entropy": "classification",
    "mse": "regression",
    "l1": "regression",
    "huber": "regression",
    "smooth-l1": "regression",
}
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = ("none", "onecycle", "cosine", "step")
TASKS = ("auto", "classification", "regression")
DATA_NAMES = ("digits", "mnist", "fashion-mnist")


# -- value parsers: text (command line, or a TOML string) -> value ------------------------------
# They raise argparse.ArgumentTypeError so that argparse shows their message as it is.


def _fail(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


def _choice(name: str, choices: Iterable[str]) -> Callable[[str], str]:
    choices = tuple(choices)

    def parse(text: str) -> str:
        value = text.strip().lower().replace("_", "-")
        if value not in choices:
            raise _fail(f"unknown {name} {text!r}; choose from {', '.join(choices)}")
        return value

    parse.__name__ = name
    return parse


def _number(
    kind: type,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise _fail(
                f"{name} must be {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        if kind is float and not math.isfinite(value):
            raise _fail(f"{name} must be finite, got {text!r}")
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or (high is not None and value > high):
            lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
            hi = "" if high is None else f"<= {high}"
            raise _fail(f"{name} must be {' and '.join(p for p in (lo, hi) if p)}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


def parse_data(text: str) -> str:
    """``digits``, ``mnist``, ``fashion-mnist``, ``csv:PATH`` or ``npz:PATH``."""
    value = text.strip()
    name = value.lower().replace("_", "-")
    if name in DATA_NAMES:
        return name
    kind, sep, path = value.partition(":")
    if sep and kind.lower() in ("csv", "npz") and path:
        return f"{kind.lower()}:{path}"
    if value.lower().endswith((".csv", ".npz")):  # a bare path: its suffix says the kind
        return f"{value.lower()[-3:]}:{value}"
    raise _fail(f"unknown data {text!r}; use digits, mnist, fashion-mnist, csv:PATH or npz:PATH")


def parse_hidden(text: str) -> list[int]:
    """``"256,128"`` -> ``[256, 128]``; ``""`` or ``"none"``: no hidden layer."""
    if text.strip().lower() in ("", "none"):
        return []
    sizes = []
    for part in text.split(","):
        try:
            size = int(part)
        except ValueError:
            message = f"hidden sizes must be integers separated by commas, got {text!r}"
            raise _fail(message) from None
        if size < 1:
            raise _fail(f"hidden sizes must be >= 1, got {size} in {text!r}")
        sizes.append(size)
    return sizes


def parse_lr(text: str) -> float | str:
    """A positive number, or ``auto`` (run the learning-rate finder first)."""
    if text.strip().lower() == "auto":
        return "auto"
    return _number(float, "lr", low=0.0, low_open=True)(text)


def parse_split(text: str) -> list[float]:
    """``"0.8,0.1,0.1"`` (train, valid, test) or ``"0.9,0.1"`` (train, valid)."""
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise _fail(f"split must be 2 or 3 fractions separated by commas, got {text!r}") from None
    if len(parts) not in (2, 3) or any(not 0 <= p <= 1 for p in parts):
        raise _fail(f"split must be 2 or 3 fractions between 0 and 1, got {text!r}")
    if not math.isclose(sum(parts), 1.0, abs_tol=1e-6):
        raise _fail(f"split fractions must sum to 1, got {text!r} (sum {sum(parts):g})")
    if parts[0] == 0:
        raise _fail(f"split needs a training fraction above 0, got {text!r}")
    return parts


def _optional_int(name: str, low: int) -> Callable[[str], int | None]:
    number = _number(int, name, low=low)

    def parse(text: str) -> int | None:
        return None if text.strip().lower() in ("", "none", "off") else number(text)

    parse.__name__ = name
    return parse


def _text(text: str) -> str:
    return text


# -- the options --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option: ``--name-with-dashes`` on the command line, ``name`` in a TOML file.

    Attributes:
        name: the Python/TOML name (underscores).
        parse: text -> value; raises ``argparse.ArgumentTypeError`` with a message.
        default: the built-in default (``None``: not set).
        help: one line for ``--help``.
        metavar: the value's placeholder in ``--help``; ``None`` for flags.
        group: ``data``, ``model``, ``training`` or ``output``, for ``--help``'s sections.
    """

    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str
    metavar: str | None = None
    group: str = "training"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def is_switch(self) -> bool:
        return self.metavar is None


def _switch(name: str, help: str, group: str) -> Option:
    return Option(name, _text, False, help, None, group)


OPTIONS: dict[str, Option] = {
    o.name: o
    for o in [
        # data
        Option(
            "data",
            parse_data,
            "digits",
            "data set: digits (scikit-learn's 8x8 digits, offline), mnist, fashion-mnist, "
            "csv:PATH or npz:PATH",
            "DATA",
            "data",
        ),
        Option(
            "data_dir",
            _text,
            None,
            "folder holding mnist/ and fashion-mnist/ (default: $FEEDFORWARD_DATA or "
            "~/.cache/feedforward)",
            "DIR",
            "data",
        ),
        Option(
            "target",
            _text,
            None,
            "target column of csv:/npz: data (required for them)",
            "COLUMN",
            "data",
        ),
        Option(
            "task",
            _choice("task", TASKS),
            "auto",
            "classification or regression; auto: classification for text targets and for "
            "integer targets with at most 100 distinct values, else regression",
            "TASK",
            "data",
        ),
        _switch(
            "download",
            "download mnist/fashion-mnist into --data-dir if missing (md5-checked)",
            "data",
        ),
        Option(
            "split",
            parse_split,
            [0.8, 0.1, 0.1],
            "train,valid,test fractions, a seeded shuffle; for data with its own test split "
            "(mnist, fashion-mnist) the training set is cut train:valid in the first two "
            "fractions' ratio",
            "FRACTIONS",
            "data",
        ),
        Option(
            "limit",
            _optional_int("limit", 1),
            None,
            "use at most N examples of each split (a seeded subset), for quick trials",
            "N",
            "data",
        ),
        # model
        Option(
            "hidden",
            parse_hidden,
            [256, 128],
            "hidden layer sizes, comma-separated",
            "SIZES",
            "model",
        ),
        Option(
            "activation",
            _choice("activation", ACTIVATIONS),
            "relu",
            f"activation after each hidden layer: {', '.join(ACTIVATIONS)}",
            "NAME",
            "model",
        ),
        Option(
            "dropout",
            _number(float, "dropout", 0.0, 1.0),
            0.0,
            "dropout probability after each hidden activation (0: none)",
            "P",
            "model",
        ),
        _switch("batchnorm", "batch normalisation before each hidden activation", "model"),
        Option(
            "init",
            _choice("init", INITS),
            "kaiming",
            "weight initialisation: kaiming, xavier (both with zero biases) or default "
            "(torch's nn.Linear default)",
            "NAME",
            "model",
        ),
        # training
        Option(
            "loss",
            _choice("loss", LOSSES),
            None,
            "loss: cross-entropy (classification), mse, l1, huber, smooth-l1 (regression); "
            "default: cross-entropy or mse by task",
            "NAME",
        ),
        Option(
            "optimizer",
            _choice("optimizer", OPTIMIZERS),
            "adam",
            f"optimizer: {', '.join(OPTIMIZERS)}",
            "NAME",
        ),
        Option(
            "lr",
            parse_lr,
            1e-3,
            "learning rate (the peak one with onecycle), or auto: run the learning-rate finder "
            "first and use its suggestion",
            "LR",
        ),
        Option("momentum", _number(float, "momentum", 0.0, 1.0), 0.9, "momentum of sgd", "M"),
        Option(
            "weight_decay",
            _number(float, "weight_decay", 0.0),
            None,
            "weight decay (default: the optimizer's own, 0, or 0.01 for adamw)",
            "WD",
        ),
        Option(
            "schedule",
            _choice("schedule", SCHEDULES),
            "none",
            "learning-rate schedule: none, onecycle, cosine (to 0 over the run), step "
            "(x0.1 every third of the epochs)",
            "NAME",
        ),
        Option("epochs", _number(int, "epochs", 1), 10, "number of epochs", "N"),
        Option("batch_size", _number(int, "batch_size", 1), 64, "mini-batch size", "N"),
        Option(
            "early_stopping",
            _optional_int("early_stopping", 1),
            None,
            "stop after PATIENCE epochs without a better validation loss, keeping the best weights",
            "PATIENCE",
        ),
        Option(
            "seed",
            _number(int, "seed", 0),
            0,
            "random seed (splits, initialisation, shuffling, dropout)",
            "N",
        ),
        # output
        Option(
            "out",
            _text,
            None,
            "run directory to write (default: runs/<timestamp>)",
            "DIR",
            "output",
        ),
        _switch("quiet", "print only the final test metrics", "output"),
    ]
}

GROUP_TITLES = {"data": "data", "model": "model", "training": "training", "output": "output"}


def default_for_help(option: Option) -> str:
    value = option.default
    if value is None:
        return ""
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return ""
    return f" (default: {value})"


def add_options(parser: argparse.ArgumentParser, names: Iterable[str]) -> None:
    """Add the options ``names`` to ``parser``, in sections; every default is ``None`` so that
    :func:`resolve` can tell what the command line set."""
    names = list(names)
    groups: dict[str, argparse._ArgumentGroup] = {}
    for name in names:
        option = OPTIONS[name]
        if option.group not in groups:
            groups[option.group] = parser.add_argument_group(f"{option.group} options")
        group = groups[option.group]
        if option.is_switch:
            group.add_argument(
                option.flag,
                dest=name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=option.help,
            )
        else:
            group.add_argument(
                option.flag,
                dest=name,
                type=option.parse,
                default=None,
                metavar=option.metavar,
                help=option.help + default_for_help(option),
            )


# -- TOML ---------------------------------------------------------------------------------------


def read_toml(path: str | Path, names: Iterable[str] | None = None) -> dict[str, Any]:
    """Read a config file into checked option values.

    Args:
        path: the TOML file.
        names: the options allowed (default: all of :data:`OPTIONS`).

    Raises:
        CLIError: the file is missing or not TOML, a key is unknown, or a value is invalid.
    """
    path = Path(path)
    allowed = set(OPTIONS if names is None else names)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise CLIError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise CLIError(f"config file {path} is a directory") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CLIError(f"{path} is not valid TOML: {e}") from None
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        if name not in allowed:
            raise CLIError(
                f"{path}: unknown option {key!r}; the options are {', '.join(sorted(allowed))}"
            )
        values[name] = _from_toml(OPTIONS[name], value, path, key)
    return values


def _from_toml(option: Option, value: Any, path: Path, key: str) -> Any:
    """Check a TOML value by turning it into the command line's text and parsing that."""
    if option.is_switch:
        if not isinstance(value, bool):
            raise CLIError(f"{path}: {key} must be true or false, got {value!r}")
        return value
    if isinstance(value, list):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, bool) or isinstance(value, dict):
        raise CLIError(f"{path}: {key} can't be {value!r}")
    else:
        text = str(value)
    try:
        return option.parse(text)
    except argparse.ArgumentTypeError as e:
        raise CLIError(f"{path}: {key}: {e}") from None


def resolve(
    args: argparse.Namespace, names: Iterable[str], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The options' values: defaults, then ``base`` (e.g. a run's config), then the file of
    ``--config``, then what the command line set."""
    names = list(names)
    values = {name: OPTIONS[name].default for name in names}
    values.update({k: v for k, v in (base or {}).items() if k in values})
    config_file = getattr(args, "config", None)
    if config_file is not None:  # a train config may hold options this command ignores
        values.update({k: v for k, v in read_toml(config_file).items() if k in values})
    values.update({n: getattr(args, n) for n in names if getattr(args, n, None) is not None})
    return values


def write_toml(values: dict[str, Any], path: str | Path, header: str = "") -> None:
    """Write flat option values as TOML (``None`` values are left out: TOML has no null)."""
    lines = [f"# {line}" for line in header.splitlines()]
    for key, value in values.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"write_toml: can't write {type(value).__name__} {value!r}")


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
