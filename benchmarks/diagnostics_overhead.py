"""What leaving the diagnostics on costs: Fashion-MNIST MLP training with and without them.

    python benchmarks/diagnostics_overhead.py                # 6,400 images, 4 rounds
    python benchmarks/diagnostics_overhead.py --n 60000 --rounds 2 --check

The model is the Fashion-MNIST MLP 784-256-128-10 (ReLU, Kaiming-normal weights, zero biases),
trained by a Learner with Adam (lr 1e-3) on batches of 64, once plain and once with
``DiagnosticsCallback(every=10)`` (activation statistics and histograms of all 5 watched
layers, gradient statistics of all 6 parameters, update-to-data ratios: every 10th batch).
Both start from the same weights and see the same batches; the two are run in turns,
``--rounds`` times.

Every batch is timed (CPU time of this process, from the first ``before_batch`` to the last
``after_batch``). The slowdown is estimated from per-batch medians, which a shared machine's
load spikes barely move: ``(9 * unrecorded + recorded) / 10`` against the plain batch. The
slowdown of the total epoch times (best round of each) is printed too, for reference. Target:
under 15%; ``--check`` exits 1 above it.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

import feedforward as ff
from feedforward import nn
from feedforward.datasets import FashionMNIST
from feedforward.diagnostics import DiagnosticsCallback
from feedforward.train import Learner

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets"
TARGET = 15.0  # percent


def load(root: Path, n: int) -> tuple[ff.Tensor, ff.Tensor]:
    """The first ``n`` training images, flattened and standardised (one scalar mean / std)."""
    ds = FashionMNIST(root=root, train=True)
    x = ds.data.numpy()[:n].reshape(n, -1).astype(np.float32) / 255
    x = (x - x.mean()) / x.std()
    return ff.tensor(x), ds.targets[:n]


def make_model(seed: int) -> nn.Sequential:
    ff.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


class BatchClock:
    """Two callbacks around everything else: CPU seconds of each training batch, by step."""

    def __init__(self) -> None:
        self.times: dict[int, float] = {}
        clock = self

        class Start:
            order = -1000

            def before_batch(self, learn) -> None:
                clock.start = time.process_time()

        class Stop:
            order = 1000

            def after_batch(self, learn) -> None:
                if learn.training:
                    clock.times[learn.step - 1] = time.process_time() - clock.start

        self.callbacks = [Start(), Stop()]


def run_epoch(model: nn.Module, data, diagnostics: bool, seed: int) -> tuple[float, dict]:
    """Total CPU seconds of one training epoch, and the seconds of each batch by step."""
    clock = BatchClock()
    callbacks = [DiagnosticsCallback(every=10)] if diagnostics else []
    learn = Learner(copy.deepcopy(model), data, callbacks=callbacks + clock.callbacks, seed=seed,
                    quiet=True)  # fmt: skip
    start = time.process_time()
    learn.fit(1)
    return time.process_time() - start, clock.times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--n", type=int, default=6400, help="training images (default 6400)")
    parser.add_argument("--rounds", type=int, default=4, help="runs of each (default 4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET:g}%%")
    args = parser.parse_args()

    data = load(args.data_dir, args.n)
    model = make_model(args.seed)
    run_epoch(model, (data[0][:2048], data[1][:2048]), True, args.seed)  # warm up
    totals: dict[bool, list[float]] = {False: [], True: []}
    plain, unrecorded, recorded = [], [], []
    for _ in range(args.rounds):
        for diagnostics in (False, True):
            total, times = run_epoch(model, data, diagnostics, args.seed)
            totals[diagnostics].append(total)
            if not diagnostics:
                plain += times.values()
                continue
            for step, seconds in times.items():
                (recorded if step % 10 == 0 else unrecorded).append(seconds)
    base, off, on = (1000 * float(np.median(v)) for v in (plain, unrecorded, recorded))
    slowdown = 100 * ((9 * off + on) / 10 / base - 1)
    total_slowdown = 100 * (min(totals[True]) / min(totals[False]) - 1)
    steps = -(-args.n // 64)
    print(f"Fashion-MNIST MLP 784-256-128-10, {args.n} images ({steps} steps of batch 64), Adam, "
          f"{args.rounds} rounds")  # fmt: skip
    print(f"  median CPU ms per batch: plain {base:.2f}; with diagnostics every 10: "
          f"{off:.2f} unrecorded, {on:.2f} recorded")  # fmt: skip
    print(f"  best epoch CPU s: plain {min(totals[False]):.2f}, diagnostics "
          f"{min(totals[True]):.2f} ({total_slowdown:+.1f}%, load-sensitive)")  # fmt: skip
    print(f"slowdown: {slowdown:+.1f}%  (target < {TARGET:g}%)")
    return 1 if args.check and slowdown >= TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
