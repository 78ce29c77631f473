"""The example programs run as learners would run them (a subprocess each, small options), and
their pieces agree with torch."""

from __future__ import annotations

import importlib.util
import math
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import feedforward as ff

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MNIST_DIR = ROOT.parent / "shared" / "datasets"


def run_example(name: str, *args: str, timeout: float = 60) -> str:
    """Run ``python examples/NAME.py ARGS`` and return its stdout (failing on a non-zero exit)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def load_example(name: str):
    """Import an example as a module, to test its functions and classes directly."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def floats(pattern: str, text: str) -> list[float]:
    """Every number the pattern's group captures, in order (all groups, for one match)."""
    matches = re.findall(pattern, text)
    if matches and isinstance(matches[0], tuple):
        return [float(v) for match in matches for v in match]
    return [float(m) for m in matches]


# -- transformer_ffn ----------------------------------------------------------------------------


def test_transformer_ffn_keeps_the_shape_and_learns():
    args = ["--batch", "2", "--tokens", "5", "--n-embd", "16", "--steps", "40"]
    out = run_example("transformer_ffn", *args)
    assert "input shape (2, 5, 16) -> output shape (2, 5, 16)" in out
    # 2 * 4 * C^2 weights + (4C + C) biases
    assert f"{2 * 4 * 16 * 16 + 5 * 16} parameters" in out
    losses = floats(r"step +\d+  loss ([\d.]+)", out)
    assert len(losses) == 5  # steps 0, 10, 20, 30 and the last (39)
    assert losses[-1] < 0.9 * losses[0]
    (eval_loss,) = floats(r"eval loss ([\d.]+)", out)
    assert eval_loss < losses[0]


def torch_ffn(block) -> torch.nn.Module:
    """The tutorial's block in torch, with the weights of the feedforward ``block`` copied in."""
    n_embd = block.net[0].in_features
    net = torch.nn.Sequential(
        torch.nn.Linear(n_embd, 4 * n_embd),
        torch.nn.ReLU(),
        torch.nn.Linear(4 * n_embd, n_embd),
        torch.nn.Dropout(block.net[3].p),
    )
    with torch.no_grad():
        for i in (0, 2):
            net[i].weight.copy_(torch.from_numpy(block.net[i].weight.detach().numpy()))
            net[i].bias.copy_(torch.from_numpy(block.net[i].bias.detach().numpy()))
    return net


@pytest.mark.parametrize("shape", [(4, 8, 32), (1, 3, 8), (2, 16)])
def test_transformer_ffn_matches_torch_in_eval_mode(shape):
    ffn = load_example("transformer_ffn")
    ff.manual_seed(0)
    block = ffn.FeedForward(shape[-1], dropout=0.2).eval()
    net = torch_ffn(block).eval()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)

    xf = ff.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yf, yt = block(xf), net(xt)
    assert tuple(yf.shape) == shape
    np.testing.assert_allclose(yf.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)

    # and the same gradients, for the input and for each weight
    (yf**2).sum().backward()
    (yt**2).sum().backward()
    np.testing.assert_allclose(xf.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for i in (0, 2):
        np.testing.assert_allclose(
            block.net[i].weight.grad.numpy(), net[i].weight.grad.numpy(), rtol=1e-4, atol=1e-5
        )


def test_transformer_ffn_dropout_is_active_only_in_training():
    ffn = load_example("transformer_ffn")
    ff.manual_seed(0)
    block = ffn.FeedForward(16, dropout=0.5)
    x = ff.randn(4, 8, 16)
    with ff.no_grad():
        block.eval()
        assert ff.equal(block(x), block(x))
        block.train()
        zeros = (block(x) == 0).float().mean().item()
    assert 0.35 < zeros < 0.65  # about half the activations dropped


# -- mnist_from_scratch -------------------------------------------------------------------------


def test_mnist_hand_written_backward_matches_torch_autograd():
    """The example's forward/backward on random data against torch's own cross-entropy."""
    mnist = load_example("mnist_from_scratch")
    rng = np.random.default_rng(1)
    n, n_in = 37, 20
    x = rng.standard_normal((n, n_in)).astype(np.float32)
    y = rng.integers(0, 10, n)
    weights = [
        rng.standard_normal((n_in, 50)).astype(np.float32) * 0.3,
        rng.standard_normal(50).astype(np.float32) * 0.1,
        rng.standard_normal((50, 10)).astype(np.float32) * 0.3,
        rng.standard_normal(10).astype(np.float32) * 0.1,
    ]
    params = [ff.tensor(w) for w in weights]
    logits, cache = mnist.forward(ff.tensor(x), *params)
    yf = ff.tensor(y)
    grads = mnist.backward(logits, yf, cache, params[2])

    tw = [torch.tensor(w, requires_grad=True) for w in weights]
    t_logits = torch.relu(torch.tensor(x) @ tw[0] + tw[1]) @ tw[2] + tw[3]
    t_loss = torch.nn.functional.cross_entropy(t_logits, torch.tensor(y))
    t_loss.backward()

    assert mnist.cross_entropy(logits, yf).item() == pytest.approx(t_loss.item(), rel=1e-5)
    for g, t in zip(grads, tw):
        np.testing.assert_allclose(g.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_mnist_cross_entropy_is_stable_for_huge_logits():
    mnist = load_example("mnist_from_scratch")
    logits = ff.tensor([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    loss = mnist.cross_entropy(logits, ff.tensor([0, 1]))
    assert loss.item() == pytest.approx(math.log(3) / 2, rel=1e-5)


@pytest.mark.skipif(
    not (MNIST_DIR / "mnist").is_dir(), reason=f"MNIST is not in {MNIST_DIR / 'mnist'}"
)
def test_mnist_from_scratch_runs_checks_its_gradients_and_learns():
    out = run_example("mnist_from_scratch", "--limit", "2000", "--epochs", "1")
    assert "train (2000, 784), valid (2000, 784)" in out
    # normalised with the training statistics
    assert "after normalising: train mean 0.000 std 1.000" in out
    # the written-out cross-entropy agrees with F.cross_entropy
    ours, reference = floats(r"loss ([\d.]+)  \(F.cross_entropy: ([\d.]+)\)", out)
    assert ours == pytest.approx(reference, abs=1e-6)
    (diff,) = floats(r"max abs difference ([\d.e+-]+)", out)
    assert diff < 1e-5
    (before,) = floats(r"validation accuracy before training ([\d.]+)", out)
    (after,) = floats(r"epoch 1 .* validation accuracy ([\d.]+)", out)
    assert before < 0.25  # about chance (0.1) with random weights
    assert after > 0.6  # far above chance after one epoch over 2000 images


def test_mnist_from_scratch_reports_missing_data(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "mnist_from_scratch.py"), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode != 0
    assert "dataset not found" in result.stderr and "download" in result.stderr


# -- char_mlp -----------------------------------------------------------------------------------


def made_up_names(n: int = 300, seed: int = 0) -> list[str]:
    """Names glued from a few syllables: enough structure for a small model to learn."""
    syllables = "an na el la ma ri jo li ka ro sa mi ne ty da ya le vi ar is em ol be th on ia"
    syllables = syllables.split()
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < n:
        names.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))))
    return sorted(names)


@pytest.fixture
def words_file(tmp_path) -> Path:
    path = tmp_path / "names.txt"
    path.write_text("\n".join(made_up_names()) + "\n")
    return path


def samples_of(out: str) -> list[str]:
    return [line[2:] for line in out.split("samples:\n", 1)[1].splitlines()]


def test_char_mlp_trains_from_uniform_and_samples_names(words_file):
    letters = set("".join(made_up_names()))
    args = (str(words_file), "--steps", "300", "--samples", "12", "--seed", "3")
    out = run_example("char_mlp", *args)

    assert f"vocabulary of {len(letters) + 1}: .{''.join(sorted(letters))}" in out
    initial, uniform = floats(r"initial loss ([\d.]+) \(uniform guess: ln\(\d+\) = ([\d.]+)", out)
    assert uniform == pytest.approx(math.log(len(letters) + 1), abs=1e-4)
    assert abs(initial - uniform) < 0.5  # thanks to the scaled-down last layer
    (train_loss,) = floats(r"train loss ([\d.]+)", out)
    (val_loss,) = floats(r"val loss ([\d.]+)", out)
    assert train_loss < initial - 0.5
    assert math.isfinite(val_loss)

    samples = samples_of(out)
    assert len(samples) == 12
    assert all(set(s) <= letters for s in samples)  # letters only: '.' ends a sample
    assert sum(len(s) for s in samples) > 0

    # the same seed gives the same run, another seed other samples
    assert run_example("char_mlp", *args) == out
    other = run_example("char_mlp", *args[:-1], "4")
    assert samples_of(other) != samples


def test_char_mlp_dataset_and_vocab():
    cm = load_example("char_mlp")
    stoi, itos = cm.build_vocab(["emma", "ava"])
    assert stoi == {".": 0, "a": 1, "e": 2, "m": 3, "v": 4}
    assert all(itos[i] == ch for ch, i in stoi.items())
    X, Y = cm.build_dataset(["emma"], stoi, block_size=3)
    contexts = ["".join(itos[i] for i in row) for row in X.tolist()]
    targets = "".join(itos[i] for i in Y.tolist())
    assert contexts == ["...", "..e", ".em", "emm", "mma"]
    assert targets == "emma."


def test_char_mlp_init_follows_the_lesson():
    cm = load_example("char_mlp")
    ff.manual_seed(0)
    vocab, block, n_embd, n_hidden = 27, 3, 10, 400
    model = cm.make_model(vocab, block, n_embd, n_hidden)
    hidden, last = model[2], model[5]
    assert hidden.bias is None
    fan_in = n_embd * block
    # Kaiming normal with tanh's gain 5/3
    assert hidden.weight.std().item() == pytest.approx((5 / 3) / math.sqrt(fan_in), rel=0.05)
    # the default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) scaled by 0.1, and no bias
    assert last.weight.abs().max().item() <= 0.1 / math.sqrt(n_hidden)
    assert last.weight.std().item() == pytest.approx(0.1 / math.sqrt(3 * n_hidden), rel=0.05)
    assert ff.equal(last.bias, ff.zeros(vocab))
    # and the first prediction is close to uniform
    x = ff.randint(0, vocab, (64, block))
    with ff.no_grad():
        probs = ff.nn.functional.softmax(model(x), dim=1)
    assert (probs - 1 / vocab).abs().max().item() < 0.5 / vocab


def test_char_mlp_rejects_a_too_short_word_list(tmp_path):
    path = tmp_path / "three.txt"
    path.write_text("ann\nbob\ncid\n")
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "char_mlp.py"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode != 0
    assert "three.txt: need at least 10 words" in result.stderr
