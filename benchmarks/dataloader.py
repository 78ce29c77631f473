"""One epoch of an MNIST-sized TensorDataset: feedforward's DataLoader against torch's.

    python benchmarks/dataloader.py [--epochs 5] [--slow]

(60000, 784) float32 inputs with int64 labels, batch_size=128, shuffle=True. feedforward builds
each batch by indexing the whole arrays with the batch's indices; torch collates the samples one by
one. ``--slow`` also times feedforward's sample-by-sample path (the same data wrapped in a Dataset
that is not a TensorDataset). Prints the median seconds per epoch and the ratio torch / ff.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import feedforward as ff
from feedforward.utils.data import DataLoader, Dataset, TensorDataset

N, FEATURES, BATCH = 60000, 784, 128


def seconds_per_epoch(loader, epochs: int) -> float:
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for _batch in loader:
            pass
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Wrapped(Dataset):
    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--slow", action="store_true", help="also time ff's sample-by-sample path")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, FEATURES), dtype=np.float32)
    y = rng.integers(0, 10, N).astype(np.int64)
    ds = TensorDataset(ff.from_numpy(x), ff.from_numpy(y))
    ours = seconds_per_epoch(DataLoader(ds, batch_size=BATCH, shuffle=True), args.epochs)
    print(f"feedforward (whole-array batches): {ours * 1e3:8.1f} ms/epoch")

    try:
        import torch
        from torch.utils.data import DataLoader as TorchLoader
        from torch.utils.data import TensorDataset as TorchTensorDataset
    except ImportError:
        print("torch is not installed: nothing to compare with")
    else:
        tds = TorchTensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        theirs = seconds_per_epoch(TorchLoader(tds, batch_size=BATCH, shuffle=True), args.epochs)
        print(f"torch DataLoader:                  {theirs * 1e3:8.1f} ms/epoch")
        print(f"ratio torch / feedforward:         {theirs / ours:8.2f}x")

    if args.slow:
        slow = seconds_per_epoch(DataLoader(Wrapped(ds), batch_size=BATCH, shuffle=True), 1)
        print(
            f"feedforward sample by sample:      {slow * 1e3:8.1f} ms/epoch "
            f"({slow / ours:.1f}x the whole-array path)"
        )


if __name__ == "__main__":
    main()
