"""Metrics against scikit-learn's implementations on random data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import feedforward as ff
from feedforward.train import metrics as M

sk = pytest.importorskip("sklearn.metrics")


def _classification(seed: int, n: int = 200, c: int = 5):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, c)).astype(np.float32)
    targets = rng.integers(0, c, size=n)
    return logits, targets


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_sklearn(seed):
    logits, y = _classification(seed)
    pred = logits.argmax(1)
    p, t = ff.tensor(logits), ff.tensor(y)
    assert M.accuracy(p, t) == pytest.approx(sk.accuracy_score(y, pred), abs=1e-12)
    assert M.precision(p, t) == pytest.approx(
        sk.precision_score(y, pred, average="macro", zero_division=0), abs=1e-12
    )
    assert M.recall(p, t) == pytest.approx(
        sk.recall_score(y, pred, average="macro", zero_division=0), abs=1e-12
    )
    assert M.f1(p, t) == pytest.approx(
        sk.f1_score(y, pred, average="macro", zero_division=0), abs=1e-12
    )
    for k in (1, 2, 3):
        expected = sk.top_k_accuracy_score(y, logits, k=k, labels=np.arange(5))
        assert M.top_k_accuracy(p, t, k) == pytest.approx(expected, abs=1e-12)


@given(
    n=st.integers(1, 60),
    c=st.integers(2, 6),
    seed=st.integers(0, 2**31),
)
@settings(max_examples=40, deadline=None)
def test_macro_averages_match_sklearn_with_missing_classes(n, c, seed):
    """Classes absent from targets or predictions: sklearn's labels and zero_division rules."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, size=n)
    pred = rng.integers(0, c, size=n)
    for ours, theirs in (
        (M.precision, sk.precision_score),
        (M.recall, sk.recall_score),
        (M.f1, sk.f1_score),
    ):
        expected = theirs(y, pred, average="macro", zero_division=0)
        assert ours(pred, y) == pytest.approx(expected, abs=1e-12)
    cm = M.confusion_matrix(pred, y, num_classes=c)
    assert cm.dtype == np.int64 and cm.shape == (c, c)
    np.testing.assert_array_equal(cm, sk.confusion_matrix(y, pred, labels=np.arange(c)))


def test_confusion_matrix_from_logits_has_one_row_per_class():
    logits, y = _classification(7, n=50, c=4)
    cm = M.confusion_matrix(ff.tensor(logits), ff.tensor(y))
    assert cm.dtype == np.int64 and cm.shape == (4, 4)
    np.testing.assert_array_equal(cm, sk.confusion_matrix(y, logits.argmax(1), labels=range(4)))
    assert cm.sum() == 50


def test_binary_logits_threshold_at_zero():
    rng = np.random.default_rng(3)
    logit = rng.normal(size=(40, 1)).astype(np.float32)
    y = rng.integers(0, 2, size=40).astype(np.float32)  # BCE-style float 0/1 targets
    pred = (logit[:, 0] > 0).astype(int)
    assert M.accuracy(logit, y) == pytest.approx(sk.accuracy_score(y, pred))
    assert M.f1(logit, y) == pytest.approx(sk.f1_score(y, pred, average="macro"))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("outputs", [None, 1, 3])
def test_regression_metrics_match_sklearn(seed, outputs):
    rng = np.random.default_rng(seed)
    shape = (80,) if outputs is None else (80, outputs)
    y = rng.normal(size=shape)
    p = (y + rng.normal(scale=0.5, size=shape)).astype(np.float32)
    pt, yt = ff.tensor(p), ff.tensor(y.astype(np.float32))
    y32 = y.astype(np.float32)
    assert M.mse(pt, yt) == pytest.approx(sk.mean_squared_error(y32, p), rel=1e-6)
    assert M.mae(pt, yt) == pytest.approx(sk.mean_absolute_error(y32, p), rel=1e-6)
    assert M.r2(pt, yt) == pytest.approx(sk.r2_score(y32, p), rel=1e-6)


def test_regression_matches_n1_preds_with_n_targets_elementwise():
    """(N, 1) predictions against (N,) targets: compared element by element, not broadcast."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=30)
    p = y[:, None] + 0.1
    assert M.mse(p, y) == pytest.approx(0.01)
    assert M.r2(p, y) == pytest.approx(sk.r2_score(y, p[:, 0]))


def test_r2_constant_target_follows_sklearn():
    y = np.full(10, 3.0)
    assert M.r2(y, y) == sk.r2_score(y, y) == 1.0
    assert M.r2(y + 1, y) == sk.r2_score(y, y + 1) == 0.0


def test_metric_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="accuracy: preds give 3 predictions"):
        M.accuracy(np.zeros((3, 2)), np.zeros(4, dtype=int))
    with pytest.raises(TypeError, match="integer class labels"):
        M.accuracy(np.zeros((3, 2)), np.array([0.5, 1.0, 0.0]))
    with pytest.raises(RuntimeError, match="different numbers of elements"):
        M.mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="k=4"):
        M.top_k_accuracy(np.zeros((3, 3)), np.zeros(3, dtype=int), k=4)
    with pytest.raises(KeyError, match="unknown metric 'acc'"):
        M.get_metric("acc")


def test_registry_and_names():
    assert set(M.METRICS) >= {
        "loss",
        "accuracy",
        "top_k_accuracy",
        "precision",
        "recall",
        "f1",
        "mse",
        "mae",
        "r2",
    }
    name, fn = M.get_metric("top_2_accuracy")
    logits, y = _classification(1)
    assert name == "top_2_accuracy"
    assert fn(logits, y) == M.top_k_accuracy(logits, y, 2)
    assert M.get_metric(M.mae) == ("mae", M.mae)


def test_loss_metric_defaults_by_target_kind():
    logits, y = _classification(2, n=20, c=3)
    expected = ff.nn.functional.cross_entropy(ff.tensor(logits), ff.tensor(y)).item()
    assert M.loss(logits, y) == pytest.approx(expected)
    assert M.loss(np.zeros(4, np.float32), np.ones(4, np.float32)) == pytest.approx(1.0)
