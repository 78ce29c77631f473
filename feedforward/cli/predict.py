"""``feedforward predict RUN_DIR INPUT``: predictions of a trained model for new inputs.

INPUT is a ``.csv`` file with a header row (the model's feature columns, matched by name when the
header has them all, so extra columns such as the target are ignored; else by position) or a
``.npy`` array of shape (N, features), or (N, H, W) images for a model trained on images. The
inputs are standardised with the statistics stored with the model.

The output CSV has one row per input: for classification the predicted label and one probability
column per class (``p_<label>``); for regression the predicted value.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

import feedforward as ff
from feedforward.cli.data import read_features
from feedforward.cli.rundir import load_run
from feedforward.cli.train import EVAL_BATCH

__all__ = ["add_parser", "run", "predict_outputs"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "predict",
        help="predict with a trained model",
        description=__doc__.strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory written by train")
    parser.add_argument("input", metavar="INPUT", help="inputs: a .csv (with header) or .npy")
    parser.add_argument(
        "--out",
        metavar="PATH",
        default="-",
        help="where to write the predictions CSV (default: '-', stdout)",
    )
    parser.set_defaults(run=run)
    return parser


def predict_outputs(model: Any, x: np.ndarray) -> np.ndarray:
    """The model's outputs for normalised inputs, in batches, without building a graph."""
    model.eval()
    outputs = []
    with ff.no_grad():
        for start in range(0, len(x), EVAL_BATCH):
            outputs.append(model(ff.from_numpy(x[start : start + EVAL_BATCH])).numpy())
    width = outputs[0].shape[1] if outputs else 1
    return np.concatenate(outputs) if outputs else np.zeros((0, width), np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _rows(outputs: np.ndarray, classes: list[Any] | None) -> tuple[list[str], list[list[Any]]]:
    if classes is None:
        return ["prediction"], [[f"{v:.7g}"] for v in outputs[:, 0]]
    probs = _softmax(outputs.astype(np.float64))
    header = ["prediction"] + [f"p_{c}" for c in classes]
    rows = [
        [classes[int(i)]] + [f"{p:.6f}" for p in row] for i, row in zip(probs.argmax(axis=1), probs)
    ]
    return header, rows


def run(args: argparse.Namespace) -> int:
    trained = load_run(args.run_dir)
    meta = trained.meta
    shape = tuple(meta["image_shape"]) if meta.get("image_shape") else None
    x = read_features(args.input, meta["feature_names"], shape)
    outputs = predict_outputs(trained.model, trained.normalize(x))
    header, rows = _rows(outputs, trained.classes)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.out == "-":
        sys.stdout.write(text.getvalue())
    else:
        Path(args.out).write_text(text.getvalue(), encoding="utf-8")
        print(f"wrote {len(rows)} predictions to {args.out}", file=sys.stderr)
    return 0
