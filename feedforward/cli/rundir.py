"""What a run directory holds, and reading a trained model back from one.

A run directory, as ``feedforward train`` writes it::

    config.toml              the options of the run (enough to run it again)
    model.json               architecture, features, classes, normalisation, format version
    model.safetensors        the trained weights (the model's state_dict, via ff.save)
    checkpoint.safetensors   the best checkpoint during training (model, optimizer, history)
    last.safetensors         the state after the last epoch, for --resume
    history.csv / .json      the per-epoch losses and metrics
    metrics.json             the test metrics
    loss.png, metrics.png, confusion_matrix.png, lr_find.png   plots

``model.safetensors`` holds nothing but the state_dict, so ``safetensors.torch.load_file`` reads
it straight into the same Sequential built with torch (a regression model's last module,
:class:`~feedforward.cli.model.Rescale`, adds two buffers, ``scale`` and ``shift``).
"""

from __future__ import annotations

import datetime
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import feedforward as ff
from feedforward import nn
from feedforward.cli.errors import CLIError
from feedforward.cli.model import build_mlp

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Run",
    "files",
    "new_run_dir",
    "write_model",
    "load_run",
    "read_config",
    "write_json",
]

FORMAT = "feedforward-run"
FORMAT_VERSION = 1

CONFIG = "config.toml"
MODEL_JSON = "model.json"
MODEL = "model.safetensors"
CHECKPOINT = "checkpoint.safetensors"
LAST = "last.safetensors"
HISTORY_CSV = "history.csv"
HISTORY_JSON = "history.json"
METRICS = "metrics.json"
PLOTS = ("loss.png", "metrics.png", "confusion_matrix.png", "lr_find.png")


def files(run_dir: Path) -> dict[str, Path]:
    """The paths of a run directory's files, by short name (``model``, ``config``, ...)."""
    names = {
        "config": CONFIG,
        "model_json": MODEL_JSON,
        "model": MODEL,
        "checkpoint": CHECKPOINT,
        "last": LAST,
        "history_csv": HISTORY_CSV,
        "history_json": HISTORY_JSON,
        "metrics": METRICS,
    }
    names.update({p.removesuffix(".png"): p for p in PLOTS})
    return {key: run_dir / name for key, name in names.items()}


def new_run_dir(out: str | None, overwrite: bool = False) -> Path:
    """The run directory to write: ``out``, or ``runs/<timestamp>`` (made unique); the caller
    creates it (once the data has loaded, so that bad input leaves no empty directory behind).

    Raises:
        CLIError: ``out`` already holds a run and ``overwrite`` is False.
    """
    if out is None:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        path, n = Path("runs") / stamp, 1
        while path.exists():
            n += 1
            path = Path("runs") / f"{stamp}-{n}"
    else:
        path = Path(out).expanduser()
        if path.exists() and not path.is_dir():
            raise CLIError(f"--out {out} exists and is not a directory")
        if not overwrite and any((path / name).exists() for name in (MODEL_JSON, LAST, CONFIG)):
            raise CLIError(
                f"--out {out} already holds a run; use --resume to continue it, "
                f"--overwrite to replace it, or another --out"
            )
    return path


def write_json(obj: Any, path: Path) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_model(run_dir: Path, model: nn.Module, meta: dict[str, Any]) -> None:
    """Save the weights (``model.safetensors``) and the metadata (``model.json``)."""
    ff.save(model.state_dict(), run_dir / MODEL)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feedforward_version": ff.__version__,
        **meta,
    }
    write_json(meta, run_dir / MODEL_JSON)


@dataclass
class Run:
    """A trained model read back from its run directory."""

    path: Path
    meta: dict[str, Any]
    model: nn.Module
    config: dict[str, Any]

    @property
    def task(self) -> str:
        return self.meta["task"]

    @property
    def classes(self) -> list[Any] | None:
        return self.meta.get("classes")

    def normalize(self, x: np.ndarray) -> np.ndarray:
        """Apply the training set's normalisation, stored with the model."""
        norm = self.meta["normalization"]
        mean = np.asarray(norm["mean"], dtype=np.float32)
        std = np.asarray(norm["std"], dtype=np.float32)
        return (x.astype(np.float32) - mean) / std


def read_meta(run_dir: str | Path) -> dict[str, Any]:
    """``model.json`` of a run directory, checked to be one this version reads.

    Raises:
        CLIError: not a directory, not a run directory, or another format version.
    """
    path = Path(run_dir)
    if not path.is_dir():
        raise CLIError(f"{run_dir}: no such run directory")
    meta_path = path / MODEL_JSON
    if not meta_path.is_file():
        raise CLIError(
            f"{run_dir} is not a feedforward run directory (it has no {MODEL_JSON}; "
            f"make one with 'feedforward train --out {run_dir}')"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise CLIError(f"{meta_path} is not valid JSON: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CLIError(f"{meta_path} is not a feedforward run description")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        written = meta.get("feedforward_version", "an unknown version")
        raise CLIError(
            f"{run_dir} was written in run format version {version!r} (feedforward "
            f"{written}); this feedforward ({ff.__version__}) reads version "
            f"{FORMAT_VERSION}"
        )
    missing = [
        k for k in ("task", "architecture", "feature_names", "normalization") if k not in meta
    ]
    if missing:
        raise CLIError(f"{meta_path} lacks {', '.join(missing)}")
    return meta


def read_config(run_dir: str | Path) -> dict[str, Any]:
    """The options a run was trained with (its ``config.toml``)."""
    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise CLIError(f"{run_dir} has no {CONFIG}")
    from feedforward.cli.config import read_toml  # the same checks as for --config files

    try:
        return read_toml(path)
    except tomllib.TOMLDecodeError as e:
        raise CLIError(f"{path} is not valid TOML: {e}") from None


def load_run(run_dir: str | Path) -> Run:
    """Rebuild the trained model of a run directory, in eval mode."""
    path = Path(run_dir)
    meta = read_meta(path)
    weights = path / MODEL
    if not weights.is_file():
        raise CLIError(f"{run_dir} has no {MODEL} (did its training finish?)")
    model = build_mlp(meta["architecture"])
    try:
        model.load_state_dict(ff.load(weights))
    except (RuntimeError, KeyError) as e:
        raise CLIError(f"{weights} does not fit the architecture in {MODEL_JSON}: {e}") from None
    model.eval()
    return Run(path, meta, model, read_config(path))
