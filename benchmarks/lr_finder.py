"""Does the LR finder's suggestion train as well as a grid search? Fashion-MNIST, Adam.

    python benchmarks/lr_finder.py [--data fashion-mnist] [--epochs 5] [--json F]

Trains the MLP 784-256-128-10 (Adam, batch 128) with ``feedforward train --lr auto`` and with
each lr in {1e-4, 3e-4, 1e-3, 3e-3, 1e-2}, same seed and data, and reports the test accuracy of
each. The target: the suggestion within 0.5 points of the grid's best.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GRID = ["1e-4", "3e-4", "1e-3", "3e-3", "1e-2"]


def train(lr: str, args: argparse.Namespace, out: Path) -> dict:
    command = [
        sys.executable, "-m", "feedforward", "train", "--data", args.data,
        "--data-dir", str(args.data_dir), "--hidden", "256,128", "--optimizer", "adam",
        "--batch-size", "128", "--epochs", str(args.epochs), "--seed", str(args.seed),
        "--lr", lr, "--out", str(out), "--quiet",
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, text=True)
    metrics = json.loads((out / "metrics.json").read_text())
    used = tomllib.loads((out / "config.toml").read_text()).get("lr", lr)
    return {"lr": float(used), "accuracy": metrics["accuracy"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {lr: train(lr, args, Path(tmp) / lr) for lr in GRID}
        auto = train("auto", args, Path(tmp) / "auto")
    best = max(rows.values(), key=lambda r: r["accuracy"])
    gap = (best["accuracy"] - auto["accuracy"]) * 100
    for lr, r in rows.items():
        print(f"lr {lr:>6}: test accuracy {r['accuracy']:.4f}")
    print(
        f"lr auto ({auto['lr']:.3g}): test accuracy {auto['accuracy']:.4f}; best of the grid "
        f"{best['accuracy']:.4f} at lr {best['lr']:g}: {gap:+.2f} points behind "
        f"({'within' if gap <= 0.5 else 'NOT within'} the 0.5-point target)"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"grid": rows, "auto": auto, "gap_points": gap}, indent=2)
        )


if __name__ == "__main__":
    main()
