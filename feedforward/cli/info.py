"""``feedforward info RUN_DIR``: what a run directory holds: the model (printed as torch prints
it), its parameter count, the data it was trained on, its training and its test metrics."""

from __future__ import annotations

import argparse
import json
from typing import Any

from feedforward.cli import rundir
from feedforward.cli.model import count_parameters

__all__ = ["add_parser", "run", "describe"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "info", help="describe a run directory", description=__doc__.strip()
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by train")
    parser.set_defaults(run=run)
    return parser


def describe(trained: rundir.Run) -> str:
    """The text ``feedforward info`` prints."""
    meta = trained.meta
    total, trainable = count_parameters(trained.model)
    classes = meta.get("classes")
    norm = meta["normalization"]
    splits = meta.get("splits", {})
    lines = [
        f"run: {trained.path}  (feedforward {meta.get('feedforward_version')}, run format "
        f"{meta['format_version']})",
        f"data: {meta.get('data')}: {len(meta['feature_names'])} features"
        + (
            f", {splits.get('train')} train / {splits.get('valid')} valid / "
            f"{splits.get('test')} test"
            if splits
            else ""
        ),
        f"task: {meta['task']}, target {meta.get('target_name')!r}"
        + (f", {len(classes)} classes: {_short(classes)}" if classes else ""),
        "inputs: standardised with the training set's "
        + (
            "per-feature mean and std"
            if norm.get("per_feature")
            else f"mean {norm['mean'][0]:.4g} and std {norm['std'][0]:.4g}"
        ),
        f"loss: {meta.get('loss')}",
        "model:",
        repr(trained.model),
        f"parameters: {total:,} ({trainable:,} trainable)",
    ]
    lines += _training(trained)
    return "\n".join(lines)


def _short(items: list[Any], limit: int = 12) -> str:
    shown = [str(c) for c in items[:limit]]
    return ", ".join(shown) + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


def _training(trained: rundir.Run) -> list[str]:
    lines = []
    history_path = trained.path / rundir.HISTORY_JSON
    if history_path.is_file():
        history = json.loads(history_path.read_text(encoding="utf-8"))
        records = history.get("epochs", []) if isinstance(history, dict) else history
        if records:
            last = records[-1]
            lines.append(
                f"training: {len(records)} epochs; last: "
                + ", ".join(
                    f"{k} {v:.4g}"
                    for k, v in last.items()
                    if k not in ("epoch", "time") and isinstance(v, int | float)
                )
            )
    metrics_path = trained.path / rundir.METRICS
    if metrics_path.is_file():
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        values = ", ".join(
            f"{k} {v:.4g}" for k, v in metrics.items() if k not in ("split", "examples")
        )
        lines.append(
            f"{metrics.get('split', 'test')} metrics: {values} ({metrics.get('examples')} examples)"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    print(describe(rundir.load_run(args.run_dir)))
    return 0
