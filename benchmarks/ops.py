"""Per-op overhead: feedforward vs torch on small tensors, side by side in one run.

    python benchmarks/ops.py [--repeats 7] [--json out.json]

Each case runs as interleaved blocks (ff, torch, ff, torch, ...) so machine noise hits both
alike; the table shows the median time per call and the ratio ff/torch (below 1: ff is faster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import _blas  # benchmarks/_blas.py: run as `python benchmarks/...`
import numpy as np
import torch

import feedforward as ff


def cases(lib):
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((32, 10)).astype(np.float32))
    b = lib.tensor(rng.standard_normal((32, 10)).astype(np.float32))
    x = lib.tensor(rng.standard_normal((64, 784)).astype(np.float32))
    w = lib.tensor(rng.standard_normal((784, 50)).astype(np.float32))
    wg = lib.tensor(rng.standard_normal((10, 10)).astype(np.float32), requires_grad=True)

    def graph():  # 3 ops forward + backward
        loss = (a @ wg).relu().sum()
        loss.backward()

    return {
        "add (32, 10)": lambda: a + b,
        "matmul (64, 784) @ (784, 50)": lambda: x @ w,
        "relu (32, 10)": lambda: a.relu(),
        "3-op graph fwd+bwd (32,10)@(10,10)": graph,
    }


WARM_S = 0.05  # an untimed run first: the other library's threads fall idle, this one's wake up


def per_call(fn, n: int) -> float:
    warm_until = time.perf_counter() + WARM_S
    while time.perf_counter() < warm_until:
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    torch.set_num_threads(2)
    ff_cases, torch_cases = cases(ff), cases(torch)
    print(_blas.describe())
    rows = []
    print(f"{'case':38} {'ff us':>9} {'torch us':>9} {'ff/torch':>9}")
    for name in ff_cases:
        f, t = ff_cases[name], torch_cases[name]
        n = max(10, int(0.02 / max(per_call(f, 20), per_call(t, 20), 1e-7)))  # ~20 ms blocks
        ft, tt = [], []
        for _ in range(args.repeats):
            ft.append(per_call(f, n))
            tt.append(per_call(t, n))
        fm, tm = statistics.median(ft) * 1e6, statistics.median(tt) * 1e6
        rows.append(
            {
                "case": name,
                "ff_us": fm,
                "torch_us": tm,
                "ratio": fm / tm,
                "ff_min_max_us": [min(ft) * 1e6, max(ft) * 1e6],
                "torch_min_max_us": [min(tt) * 1e6, max(tt) * 1e6],
            }
        )
        print(f"{name:38} {fm:9.2f} {tm:9.2f} {fm / tm:9.2f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
