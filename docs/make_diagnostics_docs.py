"""Regenerate docs/doctor_example.txt and docs/activation_histograms.png from real runs.

    python docs/make_diagnostics_docs.py [--data-dir ../shared/datasets]

The patient is a Fashion-MNIST MLP 784-256-128-128-10 with tanh activations whose weights were
drawn from N(0, 1) (no fan-in scaling), trained with plain SGD at lr 0.5. The doctor's report on
it goes to doctor_example.txt; the activation histograms of the same network after a short
Learner run with DiagnosticsCallback go to activation_histograms.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import feedforward as ff
from feedforward import nn
from feedforward.datasets import FashionMNIST
from feedforward.diagnostics import DiagnosticsCallback, doctor
from feedforward.diagnostics.plots import plot_activation_histograms
from feedforward.train import Learner

DOCS = Path(__file__).resolve().parent
SHARED = DOCS.parent.parent / "shared" / "datasets"
LR = 20


class MLP(nn.Module):
    def __init__(self, sizes=(784, 256, 128, 128, 10)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(a, b)
            nn.init.normal_(linear.weight)  # the bug: std 1 instead of ~1/sqrt(fan_in)
            nn.init.zeros_(linear.bias)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def patient(seed: int = 0) -> MLP:
    ff.manual_seed(seed)
    return MLP()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    args = parser.parse_args()
    ds = FashionMNIST(root=args.data_dir, train=True)
    n = 6000
    x = ds.data.numpy()[:n].reshape(n, -1).astype(np.float32) / 255
    x = ff.tensor((x - x.mean()) / x.std())
    y = ds.targets[:n]

    model = patient()
    optimizer = ff.optim.SGD(model.parameters(), lr=LR)
    report = doctor(model, (x, y), nn.CrossEntropyLoss(), optimizer, steps=50)
    text = (
        ">>> report = doctor(model, (x, y), nn.CrossEntropyLoss(), optimizer)\n"
        ">>> print(report)\n" + report.to_table(width=96) + "\n"
    )
    (DOCS / "doctor_example.txt").write_text(text, encoding="utf-8")
    print(text)

    diag = DiagnosticsCallback(every=10)
    Learner(patient(), (x, y), callbacks=[diag], seed=0, quiet=True).fit(1)
    plot_activation_histograms(diag.activations, DOCS / "activation_histograms.png", record=0)
    print(f"wrote {DOCS / 'doctor_example.txt'} and {DOCS / 'activation_histograms.png'}")


if __name__ == "__main__":
    main()
