"""``feedforward evaluate RUN_DIR``: measure a trained model on a split of its data, or on other
data with the same columns.

By default the run's own data is read again with the run's split fractions, seed and limit, so
evaluating the test split reproduces ``metrics.json``. ``--data`` (with ``--data-dir``,
``--target``) points at other data; its columns are matched to the model's by name and its
labels to the model's classes.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import feedforward as ff
from feedforward.cli.config import OPTIONS, add_options, resolve
from feedforward.cli.data import load_data
from feedforward.cli.rundir import Run, load_run, write_json
from feedforward.cli.train import EVAL_BATCH, final_line, make_loss
from feedforward.utils.data import DataLoader, TensorDataset

__all__ = ["add_parser", "run", "evaluate_run"]

DATA_OPTIONS = ("data", "data_dir", "target", "download", "limit")
SUBSETS = ("test", "valid", "train", "all")


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "evaluate",
        help="measure a trained model on data",
        description=__doc__.strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by train")
    add_options(parser, DATA_OPTIONS)
    parser.add_argument(
        "--subset",
        choices=SUBSETS,
        default="test",
        help="which split to measure; all: every row (default: test)",
    )
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also write the metrics as JSON to PATH ('-': stdout only, as JSON)",
    )
    parser.set_defaults(run=run)
    return parser


def evaluate_run(trained: Run, options: dict[str, Any], subset: str) -> dict[str, Any]:
    """The metrics of ``trained`` on the ``subset`` split of the data ``options`` name."""
    from feedforward.train import Learner

    data = load_data(options, like=trained.meta, whole=subset == "all")
    x, y = data.split(subset)
    x = trained.normalize(x)
    if trained.task == "regression":
        y = y.reshape(-1, 1)
    loader = DataLoader(TensorDataset(ff.from_numpy(x), ff.from_numpy(y)), batch_size=EVAL_BATCH)
    learn = Learner(
        trained.model,
        loader,
        loss_fn=make_loss(trained.meta["loss"]),
        metrics=tuple(trained.meta["metrics"]),
    )
    values = learn.evaluate(loader)
    return {"split": subset, "examples": len(x), **{k: float(v) for k, v in values.items()}}


def run(args: argparse.Namespace) -> int:
    trained = load_run(args.run_dir)
    options = resolve(args, OPTIONS, base=trained.config)
    metrics = evaluate_run(trained, options, args.subset)
    if args.json == "-":
        print(json.dumps(metrics, indent=2))
        return 0
    print(f"{options['data']}: " + final_line(metrics, trained.task))
    if args.json is not None:
        write_json(metrics, Path(args.json))
    return 0
