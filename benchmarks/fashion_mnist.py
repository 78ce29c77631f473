"""The command line's main job on real data: ``feedforward train`` vs the same model in torch.

    python benchmarks/fashion_mnist.py                  # Fashion-MNIST (target test acc >= 0.875)
    python benchmarks/fashion_mnist.py --data mnist     # MNIST (target >= 0.975)
    python benchmarks/fashion_mnist.py --json out.json --runs-dir /tmp/bench

The model is an MLP 784-256-128-10 (ReLU, Kaiming-normal weights, zero biases), trained with
Adam (lr 1e-3) on mini-batches of 128 for 5 epochs on all 60,000 training images (``--split
1,0``: no validation split), then measured on the 10,000 test images. feedforward runs as the
``feedforward train`` command in a subprocess (wall time includes reading the data, writing the
run directory and the plots); torch gets the very same arrays (read and standardised by
feedforward's CLI data code: one scalar mean/std from the training images) and the same
initialisation, batch size, shuffling per epoch and number of steps, in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"
TARGETS = {"fashion-mnist": 0.875, "mnist": 0.975}
HIDDEN = (256, 128)


def run_feedforward(args: argparse.Namespace, out: Path) -> dict:
    """``feedforward train`` in a subprocess; its test accuracy, wall and training time."""
    command = [
        sys.executable, "-m", "feedforward", "train",
        "--data", args.data, "--data-dir", str(args.data_dir),
        "--hidden", ",".join(map(str, HIDDEN)), "--optimizer", "adam", "--lr", "1e-3",
        "--batch-size", "128", "--epochs", str(args.epochs), "--split", "1,0",
        "--seed", str(args.seed), "--out", str(out), "--quiet",
    ]  # fmt: skip
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    )
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"feedforward train failed:\n{result.stdout}\n{result.stderr}")
    match = re.search(r"^test accuracy: ([0-9.]+)", result.stdout, re.MULTILINE)
    if match is None:
        raise SystemExit(f"no test accuracy in the output of feedforward train:\n{result.stdout}")
    history = json.loads((out / "history.json").read_text())["epochs"]
    metrics = json.loads((out / "metrics.json").read_text())
    return {
        "accuracy": metrics["accuracy"],
        "printed": float(match.group(1)),
        "wall_s": wall,
        "train_s": sum(r["time"] for r in history),
    }


def load_arrays(args: argparse.Namespace):
    """The train and test arrays exactly as ``feedforward train`` prepares them."""
    from feedforward.cli.config import OPTIONS
    from feedforward.cli.data import fit_normalizer, load_data

    options = {name: option.default for name, option in OPTIONS.items()}
    options.update(data=args.data, data_dir=str(args.data_dir), split=[1.0, 0.0], seed=args.seed)
    data = load_data(options)
    normalizer = fit_normalizer(data)
    return (
        normalizer.transform(data.train[0]),
        data.train[1],
        normalizer.transform(data.test[0]),
        data.test[1],
    )


def run_torch(args: argparse.Namespace) -> dict:
    """The same MLP, optimizer, batches and epochs in torch."""
    import torch

    start = time.perf_counter()
    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in load_arrays(args))
    torch.manual_seed(args.seed)
    sizes = (x_train.shape[1], *HIDDEN, 10)
    layers: list[torch.nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(n_in, n_out)
        last = i == len(sizes) - 2
        torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="linear" if last else "relu")
        torch.nn.init.zeros_(linear.bias)
        layers += [linear] if last else [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    train_start = time.perf_counter()
    for _ in range(args.epochs):
        model.train()
        for rows in torch.randperm(len(x_train), generator=generator).split(128):
            loss = loss_fn(model(x_train[rows]), y_train[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
    train_s = time.perf_counter() - train_start
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).double().mean().item()
    return {
        "accuracy": accuracy,
        "wall_s": time.perf_counter() - start,
        "train_s": train_s,
        "threads": torch.get_num_threads(),
        "version": torch.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(TARGETS), default="fashion-mnist")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=SHARED,
        help=f"folder holding mnist/ and fashion-mnist/ (default: {SHARED})",
    )
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-torch", action="store_true", help="only run feedforward")
    parser.add_argument("--runs-dir", type=Path, help="keep the run directory here")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    if not (args.data_dir / args.data).is_dir():
        raise SystemExit(f"no {args.data}/ in {args.data_dir}; give --data-dir")

    with tempfile.TemporaryDirectory() as tmp:
        runs = args.runs_dir or Path(tmp)
        results = {"feedforward": run_feedforward(args, runs / f"{args.data}-{args.seed}")}
    if not args.no_torch:
        results["torch"] = run_torch(args)

    target = TARGETS[args.data]
    print(
        f"{args.data}: MLP 784-{'-'.join(map(str, HIDDEN))}-10, Adam lr 1e-3, batch 128, "
        f"{args.epochs} epochs, 60000 train / 10000 test images, seed {args.seed}"
    )
    print(f"{'':<14}{'test acc':>9}{'target':>8}{'train':>10}{'wall':>10}")
    for name, r in results.items():
        label = name if name == "feedforward" else f"torch {r['version'].split('+')[0]}"
        verdict = "ok" if r["accuracy"] >= target else "BELOW"
        print(
            f"{label:<14}{r['accuracy']:>9.4f}{target:>8.3f}{r['train_s']:>9.1f}s"
            f"{r['wall_s']:>9.1f}s  {verdict}"
        )
    if "torch" in results:
        ratio = results["feedforward"]["train_s"] / results["torch"]["train_s"]
        print(
            f"training time ratio feedforward/torch: {ratio:.2f} "
            f"(torch on {results['torch']['threads']} threads)"
        )
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {"data": args.data, "epochs": args.epochs, "target": target, **results}, indent=2
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
