"""Fashion-MNIST end to end: feedforward vs torch vs scikit-learn's MLPClassifier, one run.

    python benchmarks/end_to_end.py [--data-dir ../shared/datasets] [--epochs 5] [--json F]

The same job for all three: an MLP 784-256-128-10 with ReLU, Adam (lr 1e-3), batch 128, inputs
scaled by the training set's mean and std, 5 epochs over the 60,000 training images, then
accuracy on the 10,000 test images. Reported: seconds per epoch and test accuracy.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import _blas  # benchmarks/_blas.py: run as `python benchmarks/...`
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load(data_dir: Path):
    from feedforward.datasets import FashionMNIST

    train, test = FashionMNIST(root=data_dir, train=True), FashionMNIST(root=data_dir, train=False)
    x_train = train.data.numpy().reshape(-1, 784).astype(np.float32) / 255
    x_test = test.data.numpy().reshape(-1, 784).astype(np.float32) / 255
    mean, std = x_train.mean(), x_train.std()
    return (
        (x_train - mean) / std,
        train.targets.numpy(),
        (x_test - mean) / std,
        test.targets.numpy(),
    )


def run_library(lib, data, epochs: int, seed: int = 0) -> dict:
    """The tutorial loop, written once for both feedforward and torch."""
    x_train, y_train, x_test, y_test = data
    lib.manual_seed(seed)
    nn = lib.nn
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    dataset = lib.utils.data.TensorDataset(lib.tensor(x_train), lib.tensor(y_train))
    loader = lib.utils.data.DataLoader(dataset, batch_size=128, shuffle=True)
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with lib.no_grad():
        pred = model(lib.tensor(x_test)).argmax(dim=1).numpy()
    return {"s_per_epoch": seconds / epochs, "test_accuracy": float((pred == y_test).mean())}


def run_sklearn(data, epochs: int, seed: int = 0) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    x_train, y_train, x_test, y_test = data
    clf = MLPClassifier(
        hidden_layer_sizes=(256, 128),
        solver="adam",
        learning_rate_init=1e-3,
        batch_size=128,
        max_iter=epochs,
        alpha=0.0,
        random_state=seed,
        shuffle=True,
        tol=0,
        n_iter_no_change=epochs + 1,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x_train, y_train)
    seconds = time.perf_counter() - start
    return {"s_per_epoch": seconds / epochs, "test_accuracy": float(clf.score(x_test, y_test))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()

    import torch

    import feedforward as ff
    import feedforward.utils.data  # noqa: F401  (ff.utils.data in run_library)

    torch.set_num_threads(2)
    print(_blas.describe())
    data = load(args.data_dir)
    results = {
        "feedforward": run_library(ff, data, args.epochs),
        "torch": run_library(torch, data, args.epochs),
        "scikit-learn": run_sklearn(data, args.epochs),
    }
    base = results["feedforward"]["s_per_epoch"]
    print(f"{'':14} {'s/epoch':>8} {'test acc':>9} {'ff speed-up':>12}")
    for name, r in results.items():
        print(
            f"{name:14} {r['s_per_epoch']:8.2f} {r['test_accuracy']:9.4f} "
            f"{r['s_per_epoch'] / base:11.2f}x"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({**results, "blas": _blas.describe()}, indent=2))


if __name__ == "__main__":
    main()
