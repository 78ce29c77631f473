"""The tutorials' SimpleFFNN: 10 inputs -> 64 hidden (ReLU) -> 3 classes, Adam, cross-entropy.

    python examples/simple_ffnn.py [--epochs 20] [--seed 0]

A synthetic 3-class problem (the class is decided by which of three random directions the input
points furthest along), so it runs offline in a second and the loss visibly falls.
"""

from __future__ import annotations

import argparse

import feedforward as ff
from feedforward import nn


class SimpleFFNN(nn.Module):
    def __init__(self, input_size: int = 10, hidden_size: int = 64, num_classes: int = 3):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def make_data(n: int, directions: ff.Tensor, generator: ff.Generator):
    x = ff.randn(n, 10, generator=generator)
    y = (x @ directions).argmax(dim=1)
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    ff.manual_seed(args.seed)
    g = ff.Generator().manual_seed(args.seed)
    directions = ff.randn(10, 3, generator=g)
    x_train, y_train = make_data(1000, directions, g)
    x_test, y_test = make_data(200, directions, g)

    model = SimpleFFNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = ff.optim.Adam(model.parameters(), lr=1e-3)
    batch_size = 32

    for epoch in range(args.epochs):
        model.train()
        order = ff.randperm(len(x_train), generator=g)
        total = 0.0
        for start in range(0, len(x_train), batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = criterion(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        model.eval()
        with ff.no_grad():
            accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
        print(
            f"epoch {epoch + 1:2d}  train loss {total / len(x_train):.4f}  "
            f"test accuracy {accuracy:.3f}"
        )


if __name__ == "__main__":
    main()
