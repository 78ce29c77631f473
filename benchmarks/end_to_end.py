"""Fashion-MNIST end to end: feedforward vs torch vs scikit-learn's MLPClassifier, one run.

    python benchmarks/end_to_end.py [--data-dir ../shared/datasets] [--epochs 5] [--json F]

The same job for all three: an MLP 784-256-128-10 with ReLU, Adam (lr 1e-3), batch 128, inputs
scaled by the training set's mean and std, 5 epochs over the 60,000 training images, then
accuracy on the 10,000 test images (ff and torch first run one untimed step on a copy of their
model). Each library runs in a worker process of its own, and the
three run their epochs in turn, so that a noisy machine slows all alike. Reported: seconds per
epoch (the median epoch), test accuracy, and feedforward's speed-up: the median over rounds of
the other library's epoch time over feedforward's epoch in the same round.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import statistics
import time
import warnings
from pathlib import Path

import _blas  # benchmarks/_blas.py: run as `python benchmarks/...`
import numpy as np
from train_step import paired_ratio

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


class LibraryJob:
    """The tutorial loop, written once for both feedforward and torch, one epoch per call."""

    def __init__(self, lib, data, seed: int = 0) -> None:
        x_train, y_train, self.x_test, self.y_test = data
        self.lib = lib
        lib.manual_seed(seed)
        nn = lib.nn
        self.model = nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
        )
        self.opt = lib.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loss_fn = nn.CrossEntropyLoss()
        dataset = lib.utils.data.TensorDataset(lib.tensor(x_train), lib.tensor(y_train))
        self.loader = lib.utils.data.DataLoader(dataset, batch_size=128, shuffle=True)
        self._warm_up(x_train[:128], y_train[:128])

    def _warm_up(self, x, y) -> None:
        """One step on a throwaway copy of the model and optimizer, so that first-use costs
        are not in the first epoch (ff: Numba loading its compiled loops, ~0.5 s; both: BLAS
        threads starting), as torch's import is not. No random numbers are drawn: the real
        model trains exactly as without it."""
        model = copy.deepcopy(self.model)
        opt = self.lib.optim.Adam(model.parameters(), lr=1e-3)
        opt.zero_grad()
        self.loss_fn(model(self.lib.tensor(x)), self.lib.tensor(y)).backward()
        opt.step()

    def epoch(self) -> None:
        model, opt, loss_fn = self.model, self.opt, self.loss_fn
        model.train()
        for xb, yb in self.loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()

    def accuracy(self) -> float:
        self.model.eval()
        with self.lib.no_grad():
            pred = self.model(self.lib.tensor(self.x_test)).argmax(dim=1).numpy()
        return float((pred == self.y_test).mean())


class SklearnJob:
    """scikit-learn's MLPClassifier on the same job; ``partial_fit`` is one epoch of its Adam."""

    def __init__(self, data, seed: int = 0) -> None:
        from sklearn.neural_network import MLPClassifier

        self.x_train, self.y_train, self.x_test, self.y_test = data
        self.clf = MLPClassifier(
            hidden_layer_sizes=(256, 128),
            solver="adam",
            learning_rate_init=1e-3,
            batch_size=128,
            max_iter=1,
            alpha=0.0,
            random_state=seed,
            shuffle=True,
        )

    def epoch(self) -> None:
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.clf.partial_fit(self.x_train, self.y_train, classes=np.arange(10))

    def accuracy(self) -> float:
        return float(self.clf.score(self.x_test, self.y_test))


def make_job(name: str, data_dir: Path):
    """One library's job, data loaded from disk (in the worker process that runs it)."""
    data = load(data_dir)
    if name == "scikit-learn":
        return SklearnJob(data)
    if name == "torch":
        import torch

        torch.set_num_threads(2)
        return LibraryJob(torch, data)
    import feedforward as ff
    import feedforward.utils.data  # noqa: F401  (ff.utils.data in LibraryJob)

    return LibraryJob(ff, data)


def _serve(conn, name: str, data_dir: Path) -> None:
    job = make_job(name, data_dir)
    conn.send("ready")
    while (request := conn.recv()) is not None:
        if request == "epoch":
            start = time.perf_counter()
            job.epoch()
            conn.send(time.perf_counter() - start)
        else:
            conn.send(job.accuracy())


class Worker:
    """One library's job in a process of its own (as train_step.py does: each library's idle
    BLAS/OpenMP threads would otherwise spin against the others', which no user sees)."""

    def __init__(self, name: str, data_dir: Path) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, name, data_dir), daemon=True)
        self.process.start()
        assert self.conn.recv() == "ready"

    def ask(self, request: str):
        self.conn.send(request)
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.process.join()


def run(jobs: dict, epochs: int) -> dict:
    """Epochs of the jobs in turn (ff, torch, scikit-learn, ff, ...), so that the machine's
    noise hits all alike; s/epoch is the median epoch, the speed-up (of the first job) the
    median over rounds of the ratio of two epochs. ``jobs`` maps names to Workers."""
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(epochs):
        for name, job in jobs.items():
            times[name].append(job.ask("epoch"))
    first = next(iter(jobs))
    return {
        name: {
            "s_per_epoch": statistics.median(times[name]),
            "epoch_s": times[name],
            "speed_up": paired_ratio(times[name], times[first]),
            "test_accuracy": job.ask("accuracy"),
        }
        for name, job in jobs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()

    print(_blas.describe())
    jobs = {name: Worker(name, args.data_dir) for name in ("feedforward", "torch", "scikit-learn")}
    results = run(jobs, args.epochs)
    for job in jobs.values():
        job.close()
    print(f"{'':14} {'s/epoch':>8} {'test acc':>9} {'ff speed-up':>12}")
    for name, r in results.items():
        print(f"{name:14} {r['s_per_epoch']:8.2f} {r['test_accuracy']:9.4f} {r['speed_up']:11.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({**results, "blas": _blas.describe()}, indent=2))


if __name__ == "__main__":
    main()
