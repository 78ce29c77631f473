"""A careful hand-written NumPy training step: the floor a NumPy library can hope to reach.

Used by ``train_step.py`` as a third contestant on the workloads it covers (Linear + ReLU layers,
cross-entropy, SGD or Adam: tiny, mnist-small, mnist-mid). Everything a general library cannot
do is done here: every buffer is made once and written with ``out=``; the parameters and their
gradients are views into two flat vectors, so the optimizer step is a few NumPy calls for the
whole model with no gathering; nothing is checked and no graph is kept.
"""

from __future__ import annotations

import numpy as np


class HandMLP:
    """Linear layers with ReLU between, cross-entropy on class indices, SGD or Adam."""

    def __init__(self, spec: dict, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        sizes, batch = spec["sizes"], spec["batch"]
        shapes = [s for i, o in zip(sizes, sizes[1:]) for s in ((o, i), (o,))]
        total = sum(int(np.prod(s)) for s in shapes)
        self.flat = np.empty(total, np.float32)
        self.flat_grad = np.zeros(total, np.float32)
        self.params, self.grads, start = [], [], 0
        for shape in shapes:
            stop = start + int(np.prod(shape))
            self.params.append(self.flat[start:stop].reshape(shape))
            self.grads.append(self.flat_grad[start:stop].reshape(shape))
            start = stop
        for i, fan_in in enumerate(sizes[:-1]):  # nn.Linear's default: U(-1/sqrt(fan_in), ..)
            bound = 1 / np.sqrt(fan_in)
            for p in self.params[2 * i : 2 * i + 2]:
                p[...] = rng.uniform(-bound, bound, p.shape)
        self.x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
        self.y = rng.integers(0, sizes[-1], batch)
        self.rows = np.arange(batch)
        self.acts = [np.empty((batch, o), np.float32) for o in sizes[1:]]  # layer outputs
        self.deltas = [np.empty((batch, o), np.float32) for o in sizes[1:]]
        self.opt, self.lr = spec["opt"], spec["lr"]
        self.m = np.zeros(total, np.float32)
        self.v = np.zeros(total, np.float32)
        self.tmp = np.empty(total, np.float32)
        self.t = 0

    def step(self) -> float:
        ws, bs = self.params[::2], self.params[1::2]
        gws, gbs = self.grads[::2], self.grads[1::2]
        h = self.x
        for i, (w, b, out) in enumerate(zip(ws, bs, self.acts)):
            np.dot(h, w.T, out=out)
            out += b
            if i < len(ws) - 1:
                np.maximum(out, 0, out=out)
            h = out
        z = self.acts[-1]  # logits, turned into softmax in place
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        sums = z.sum(axis=1)
        loss = float(np.log(sums).mean() - np.log(z[self.rows, self.y]).mean())
        z /= sums[:, None]
        z[self.rows, self.y] -= 1
        z *= 1 / len(self.y)  # d loss / d logits
        delta = z
        for i in range(len(ws) - 1, -1, -1):
            below = self.acts[i - 1] if i else self.x
            np.dot(delta.T, below, out=gws[i])
            np.add.reduce(delta, axis=0, out=gbs[i])
            if i:
                back = self.deltas[i - 1]
                np.dot(delta, ws[i], out=back)
                back *= below > 0  # ReLU's derivative
                delta = back
        self._update()
        return loss

    def _update(self) -> None:
        p, g = self.flat, self.flat_grad
        if self.opt == "SGD":
            np.multiply(g, self.lr, out=self.tmp)
            p -= self.tmp
            return
        self.t += 1
        b1, b2, eps, tmp = 0.9, 0.999, 1e-8, self.tmp
        self.m *= b1
        np.multiply(g, 1 - b1, out=tmp)
        self.m += tmp
        self.v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp /= np.sqrt(1 - b2**self.t)
        tmp += eps
        np.divide(self.m, tmp, out=tmp)
        tmp *= self.lr / (1 - b1**self.t)
        p -= tmp


def supports(spec: dict) -> bool:
    return spec["loss"] == "ce" and not spec.get("batchnorm") and not spec.get("dropout")


def make_step(spec: dict):
    return HandMLP(spec).step
