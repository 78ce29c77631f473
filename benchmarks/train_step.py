"""One training step (zero_grad, forward, loss, backward, optimizer step): feedforward vs torch.

    python benchmarks/train_step.py [--workloads tiny,mnist-small-sgd,...] [--repeats 9] [--json F]
    python benchmarks/train_step.py --rss        # peak memory per workload, fresh processes
    python benchmarks/train_step.py --import-time --latency

The six workloads of the performance issue run in one invocation, in interleaved blocks (ff,
torch eager, torch with its fused optimizer, and, where it covers the workload, a careful
hand-written NumPy step from ``handwritten.py``: again and again), each after an untimed warm-up,
so that the noise of a shared machine hits them all alike. Each library runs in a worker process of
its own (``--same-process`` puts both in this one: then each library's idle BLAS/OpenMP threads
spin against the other's, which no user sees). The table gives the median time per step (min-max
and every block in ``--json``) and the ratios ff/torch-eager and ff/torch-fused (below 1:
feedforward is faster), and hand/torch: how fast NumPy itself can go on this machine. A ratio is
the median over rounds of the ratio of the two blocks of that round (``paired_ratio``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import _blas  # benchmarks/_blas.py: run as `python benchmarks/...`
import handwritten
import numpy as np

WORKLOADS = {
    # name: (layer sizes, batch shape, optimizer, options)
    "tiny": dict(sizes=[10, 64, 3], batch=32, opt="Adam", lr=1e-3, loss="ce"),
    "mnist-small-sgd": dict(sizes=[784, 50, 10], batch=64, opt="SGD", lr=0.1, loss="ce"),
    "mnist-small-adam": dict(sizes=[784, 50, 10], batch=64, opt="Adam", lr=1e-3, loss="ce"),
    "mnist-mid": dict(sizes=[784, 256, 128, 10], batch=128, opt="Adam", lr=1e-3, loss="ce"),
    "wide": dict(
        sizes=[784, 1024, 1024, 10],
        batch=256,
        opt="AdamW",
        lr=1e-3,
        loss="ce",
        batchnorm=True,
        dropout=0.2,
    ),
    "ffn": dict(
        sizes=[768, 3072, 768],
        batch=(8, 128),
        opt="Adam",
        lr=1e-4,
        loss="mse",
        dropout=0.1,
        ffn=True,
    ),
}


def build(lib, spec: dict, seed: int = 0):
    """The same model, data and optimizer in feedforward or torch; returns a step function."""
    nn = lib.nn
    lib.manual_seed(seed)
    sizes = spec["sizes"]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        last = i == len(sizes) - 2
        if spec.get("ffn"):
            if not last:
                layers.append(nn.ReLU())
            continue
        if not last:
            if spec.get("batchnorm"):
                layers.append(nn.BatchNorm1d(sizes[i + 1]))
            layers.append(nn.ReLU())
            if spec.get("dropout"):
                layers.append(nn.Dropout(spec["dropout"]))
    if spec.get("ffn"):
        layers.append(nn.Dropout(spec["dropout"]))
    model = nn.Sequential(*layers)
    rng = np.random.default_rng(seed)
    batch = spec["batch"] if isinstance(spec["batch"], tuple) else (spec["batch"],)
    x = lib.tensor(rng.standard_normal((*batch, sizes[0])).astype(np.float32))
    if spec["loss"] == "ce":
        y = lib.tensor(rng.integers(0, sizes[-1], batch))
        loss_fn = nn.CrossEntropyLoss()
    else:
        y = lib.tensor(rng.standard_normal((*batch, sizes[-1])).astype(np.float32))
        loss_fn = nn.MSELoss()
    return model, x, y, loss_fn


def make_step(lib, spec: dict, fused: bool = False):
    model, x, y, loss_fn = build(lib, spec)
    opt_cls = getattr(lib.optim, spec["opt"])
    kwargs = {"lr": spec["lr"]}
    if fused:
        kwargs["fused"] = True
    opt = opt_cls(model.parameters(), **kwargs)
    model.train()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


# After a block, a library's idle BLAS/OpenMP threads keep spinning for a while (torch's libgomp,
# NumPy's OpenBLAS), stealing the cores from whatever runs next; and a library whose threads went
# to sleep is slow for its first calls. So each timed block starts with an untimed run of the same
# step: the other library's threads fall idle while this one's wake up, and each is timed in its
# steady state, as it would run alone.
WARM_S = 0.1


def time_block(step, n: int) -> float:
    warm_until = time.perf_counter() + WARM_S
    while time.perf_counter() < warm_until:
        step()
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


class InProcess:
    """Times the steps of one library in this process."""

    def __init__(self, lib_name: str) -> None:
        self.lib = importlib.import_module(lib_name)
        if lib_name == "torch":
            self.lib.set_num_threads(2)
        self.handwritten = lib_name == "handwritten"
        self.steps: dict = {}

    def time(self, workload: str, fused: bool, n: int) -> float:
        key = (workload, fused)
        if key not in self.steps:
            self.steps.clear()  # one workload at a time: free the last one's model and data
            spec = WORKLOADS[workload]
            self.steps[key] = (
                self.lib.make_step(spec) if self.handwritten else make_step(self.lib, spec, fused)
            )
        return time_block(self.steps[key], n)

    def close(self) -> None:
        self.steps.clear()


def _serve(conn, lib_name: str) -> None:
    runner = InProcess(lib_name)
    while (job := conn.recv()) is not None:
        conn.send(runner.time(*job))


class Worker:
    """One library in a process of its own, timed on request: the blocks still alternate, but
    the other library's idle threads never share its process (users never run both at once)."""

    def __init__(self, lib_name: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, lib_name), daemon=True)
        self.process.start()

    def time(self, workload: str, fused: bool, n: int) -> float:
        self.conn.send((workload, fused, n))
        return self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.process.join()


def paired_ratio(ours: list[float], theirs: list[float]) -> float:
    """The median over rounds of one block's time over the adjacent block's of the other (also
    end_to_end.py's speed-up, over epochs).

    This machine's speed drifts by up to 2x over seconds; the two blocks of a round see the same
    speed, so their ratio is steadier than the ratio of the two medians (in the JSON too)."""
    return statistics.median(a / b for a, b in zip(ours, theirs))


def bench(names, repeats: int, same_process: bool = False) -> list[dict]:
    make = InProcess if same_process else Worker
    libs = ("feedforward", "torch", "handwritten")
    runners = {lib: make(lib) for lib in libs}
    all_variants = {
        "ff": ("feedforward", False),
        "torch": ("torch", False),
        "fused": ("torch", True),
        "hand": ("handwritten", False),
    }
    rows = []
    header = (
        f"{'workload':18} {'ff':>10} {'torch':>10} {'fused':>10} {'hand':>10} {'ff/torch':>9} "
        f"{'ff/fused':>9} {'hand/torch':>10}   (median per step; ratio: median over rounds)"
    )
    print(header)
    for name in names:
        variants = dict(all_variants)
        if not handwritten.supports(WORKLOADS[name]):
            del variants["hand"]

        def block(variant: str, n: int, name: str = name, variants: dict = variants) -> float:
            lib, fused = variants[variant]
            return runners[lib].time(name, fused, n)

        probe = max(block(v, 3) for v in variants)
        n = max(3, int(0.15 / probe))  # ~150 ms blocks
        times = {k: [] for k in variants}
        for _ in range(repeats):
            for k in variants:
                times[k].append(block(k, n))
        med = {k: statistics.median(v) for k, v in times.items()}
        row = {
            "workload": name,
            **{f"{k}_us": med[k] * 1e6 for k in med},
            **{f"{k}_min_max_us": [min(v) * 1e6, max(v) * 1e6] for k, v in times.items()},
            "blocks_us": {k: [t * 1e6 for t in v] for k, v in times.items()},
        }
        for a, b in (("ff", "torch"), ("ff", "fused"), ("hand", "torch")):
            if a in times:
                row[f"{a}/{b}"] = paired_ratio(times[a], times[b])
                row[f"{a}/{b}_of_medians"] = med[a] / med[b]
        hand = f"{'-':>10}"
        hand_ratio = f"{'-':>10}"
        if "hand" in med:
            hand, hand_ratio = _fmt(med["hand"]), f"{row['hand/torch']:10.2f}"
        rows.append(row)
        print(
            f"{name:18} {_fmt(med['ff'])} {_fmt(med['torch'])} {_fmt(med['fused'])} {hand} "
            f"{row['ff/torch']:9.2f} {row['ff/fused']:9.2f} {hand_ratio}",
            flush=True,
        )
    for runner in runners.values():
        runner.close()
    return rows


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:8.0f}us" if seconds < 1e-2 else f"{seconds * 1e3:8.2f}ms"


def peak_rss(names) -> list[dict]:
    """Each workload in a fresh process per library: peak resident memory after 20 steps."""
    rows = []
    print(f"{'workload':18} {'ff MiB':>8} {'torch MiB':>10}")
    for name in names:
        row = {"workload": name}
        for lib in ("feedforward", "torch"):
            here = os.path.dirname(os.path.abspath(__file__))
            code = (
                f"import resource, sys; sys.path.insert(0, {here!r}); import train_step as b; "
                f"import {lib} as lib; s = b.make_step(lib, b.WORKLOADS[{name!r}]); "
                "[s() for _ in range(20)]; "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
            )
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            row[lib] = int(out.stdout.split()[-1]) / 1024
        rows.append(row)
        print(f"{name:18} {row['feedforward']:8.0f} {row['torch']:10.0f}", flush=True)
    return rows


def import_time(runs: int = 5) -> dict:
    """Median wall time of `import X` in fresh interpreters."""
    result = {}
    for mod in ("numpy", "feedforward", "torch"):
        times = []
        for _ in range(runs):
            code = (
                f"import time; t = time.perf_counter(); import {mod}; "
                "print(time.perf_counter() - t)"
            )
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            times.append(float(out.stdout))
        result[mod] = statistics.median(times)
        print(f"import {mod:12} {result[mod]:.3f} s")
    return result


def latency(repeats: int = 2000) -> dict:
    """Single-sample inference with a 784-256-128-10 MLP, in eval/inference mode."""
    import torch

    import feedforward as ff

    torch.set_num_threads(2)
    result = {}
    for name, lib in (("ff", ff), ("torch", torch)):
        model, x, _, _ = build(lib, WORKLOADS["mnist-mid"])
        model.eval()
        sample = x[:1]
        with lib.inference_mode():
            for _ in range(100):
                model(sample)
            start = time.perf_counter()
            for _ in range(repeats):
                model(sample)
        result[name] = (time.perf_counter() - start) / repeats * 1e6
    print(
        f"single-sample latency: ff {result['ff']:.1f} us, torch {result['torch']:.1f} us, "
        f"ratio {result['ff'] / result['torch']:.2f}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="time both libraries in this process instead of one worker each",
    )
    parser.add_argument("--rss", action="store_true", help="peak memory per workload")
    parser.add_argument("--import-time", action="store_true")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--json", help="write all figures to this file")
    args = parser.parse_args()
    names = [n for n in args.workloads.split(",") if n]
    figures = {"blas": _blas.describe()}
    print(figures["blas"])
    if args.rss:
        figures["peak_rss_mib"] = peak_rss(names)
    if args.import_time:
        figures["import_s"] = import_time()
    if args.latency:
        figures["latency_us"] = latency()
    if not (args.rss or args.import_time or args.latency):
        figures["train_step"] = bench(names, args.repeats, args.same_process)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)


if __name__ == "__main__":
    main()
