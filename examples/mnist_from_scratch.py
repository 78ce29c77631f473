"""A 784-50-10 MLP on MNIST from raw tensors, with the backward pass written by hand.

    python examples/mnist_from_scratch.py [--epochs 3] [--limit N] [--data-dir DIR] [--download]

The fast.ai "from the foundations" and Karpathy "backprop ninja" lessons, in one program:

1. flatten the images and normalise them with the TRAINING set's mean and std (the validation
   set gets the same numbers: it must look like the data the model was trained on);
2. Kaiming (He) init, w = randn(fan_in, fan_out) * sqrt(2 / fan_in), so the activations keep a
   steady scale through the ReLU;
3. the forward pass by hand: x @ w1 + b1, ReLU, @ w2 + b2, then log-softmax and the
   cross-entropy written out;
4. the backward pass by hand with the chain rule, checked against autograd's gradients;
5. a few epochs of plain minibatch SGD using only the hand-written gradients.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import feedforward as ff
import feedforward.nn.functional as F
from feedforward.datasets import MNIST

# The repository's sibling folder ../shared/datasets, wherever the program is run from.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"
N_HIDDEN, N_CLASSES = 50, 10


def load_data(data_dir: Path, download: bool, limit: int | None):
    """MNIST as flat float vectors, normalised with the training set's mean and std."""
    train = MNIST(root=data_dir, train=True, download=download)
    valid = MNIST(root=data_dir, train=False, download=download)
    x_train, y_train = train.data[:limit], train.targets[:limit]
    x_valid, y_valid = valid.data[:limit], valid.targets[:limit]
    # (N, 28, 28) uint8 -> (N, 784) float32
    x_train = x_train.reshape(len(x_train), -1).float()
    x_valid = x_valid.reshape(len(x_valid), -1).float()
    # One mean and one std over all training pixels; reuse them for validation.
    mean, std = x_train.mean(), x_train.std()
    x_train, x_valid = (x_train - mean) / std, (x_valid - mean) / std
    print(f"train {tuple(x_train.shape)}, valid {tuple(x_valid.shape)}")
    # Train is exactly (0, 1) now; validation only roughly, as it should be (new data).
    for name, x in [("train", x_train), ("valid", x_valid)]:
        print(f"after normalising: {name} mean {x.mean().item():.3f} std {x.std().item():.3f}")
    return x_train, y_train, x_valid, y_valid


def kaiming(fan_in: int, fan_out: int, generator: ff.Generator) -> ff.Tensor:
    """He init: ReLU zeroes half its inputs, so double the variance 1/fan_in to keep the scale."""
    return ff.randn(fan_in, fan_out, generator=generator) * math.sqrt(2 / fan_in)


def forward(x: ff.Tensor, w1, b1, w2, b2):
    """The model by hand; returns the logits and the activations the backward pass needs."""
    z1 = x @ w1 + b1  # (n, 50) pre-activations
    h1 = z1.clamp_min(0.0)  # ReLU
    logits = h1 @ w2 + b2  # (n, 10)
    return logits, (x, z1, h1)


def cross_entropy(logits: ff.Tensor, y: ff.Tensor) -> ff.Tensor:
    """Mean of -log softmax(logits)[y]; the max is subtracted first so exp() cannot overflow."""
    m = logits.max(dim=1, keepdim=True).values
    log_sum_exp = m + (logits - m).exp().sum(dim=1, keepdim=True).log()
    log_probs = logits - log_sum_exp
    return -log_probs[ff.arange(len(y)), y].mean()


def backward(logits: ff.Tensor, y: ff.Tensor, cache, w2: ff.Tensor):
    """Gradients of the mean cross-entropy wrt w1, b1, w2, b2, by the chain rule."""
    x, z1, h1 = cache
    n = len(y)
    # d loss / d logits = (softmax - one_hot(y)) / n: the probabilities, minus 1 at the target.
    exp = (logits - logits.max(dim=1, keepdim=True).values).exp()
    probs = exp / exp.sum(dim=1, keepdim=True)
    dlogits = (probs - F.one_hot(y, N_CLASSES).float()) / n
    # logits = h1 @ w2 + b2: each weight's gradient is (its input)^T @ (the output's gradient)
    dw2 = h1.T @ dlogits
    db2 = dlogits.sum(dim=0)  # b2 was broadcast over the batch, so its gradient is summed
    dh1 = dlogits @ w2.T
    # h1 = relu(z1): the gradient flows only where the unit was active
    dz1 = dh1 * (z1 > 0).float()
    # z1 = x @ w1 + b1
    dw1 = x.T @ dz1
    db1 = dz1.sum(dim=0)
    return dw1, db1, dw2, db2


def check_gradients(x: ff.Tensor, y: ff.Tensor, params: list[ff.Tensor]) -> float:
    """Compare the hand-written gradients with autograd's; returns the largest difference."""
    params = [p.detach().requires_grad_() for p in params]
    logits, cache = forward(x, *params)
    loss = cross_entropy(logits, y)
    print(f"loss {loss.item():.6f}  (F.cross_entropy: {F.cross_entropy(logits, y).item():.6f})")
    loss.backward()
    with ff.no_grad():  # our backward must not itself be recorded by autograd
        grads = backward(logits, y, cache, params[2])
    worst = 0.0
    for name, p, g in zip(["w1", "b1", "w2", "b2"], params, grads):
        diff = (p.grad - g).abs().max().item()
        print(f"  {name} {str(tuple(p.shape)):10s} max |hand - autograd| = {diff:.2e}")
        worst = max(worst, diff)
    print(f"max abs difference {worst:.2e}")
    return worst


def accuracy(x: ff.Tensor, y: ff.Tensor, params: list[ff.Tensor]) -> float:
    logits, _ = forward(x, *params)
    return (logits.argmax(dim=1) == y).float().mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--download", action="store_true", help="fetch MNIST if missing")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    x_train, y_train, x_valid, y_valid = load_data(args.data_dir, args.download, args.limit)
    g = ff.Generator().manual_seed(args.seed)
    n_in = x_train.shape[1]
    params = [
        kaiming(n_in, N_HIDDEN, g),
        ff.zeros(N_HIDDEN),
        kaiming(N_HIDDEN, N_CLASSES, g),
        ff.zeros(N_CLASSES),
    ]

    print("\nChecking the hand-written backward against autograd on 1000 training images:")
    worst = check_gradients(x_train[:1000], y_train[:1000], params)
    if not worst < 1e-5:
        raise SystemExit(f"the hand-written gradients differ from autograd's by {worst:.2e}")

    # Training needs no autograd at all: the parameters are plain tensors (requires_grad=False)
    # and we update them in place with our own gradients.
    print(f"\nvalidation accuracy before training {accuracy(x_valid, y_valid, params):.4f}")
    n = len(x_train)
    for epoch in range(args.epochs):
        order = ff.randperm(n, generator=g)  # a new shuffle each epoch
        total = 0.0
        for start in range(0, n, args.batch_size):
            idx = order[start : start + args.batch_size]
            xb, yb = x_train[idx], y_train[idx]
            logits, cache = forward(xb, *params)
            total += cross_entropy(logits, yb).item() * len(idx)
            grads = backward(logits, yb, cache, params[2])
            for p, grad in zip(params, grads):
                p -= args.lr * grad  # plain SGD
        print(
            f"epoch {epoch + 1}  train loss {total / n:.4f}  "
            f"validation accuracy {accuracy(x_valid, y_valid, params):.4f}"
        )


if __name__ == "__main__":
    main()
