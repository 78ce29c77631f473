"""The diagnostics figures: files written, non-empty PNGs, one panel per layer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.image import imread  # noqa: E402

import feedforward as ff  # noqa: E402
from feedforward import nn  # noqa: E402
from feedforward.diagnostics import (
    DiagnosticsCallback,  # noqa: E402
    plots,  # noqa: E402
)


@pytest.fixture(scope="module")
def diag():
    """Diagnostics of a short real training run (Learner) of a tanh + ReLU + BatchNorm MLP."""
    from feedforward.train import Learner

    ff.manual_seed(0)
    x, y = ff.randn(512, 12), ff.randint(0, 3, (512,))
    model = nn.Sequential(
        nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 16), nn.BatchNorm1d(16), nn.ReLU(),
        nn.Linear(16, 3),
    )  # fmt: skip
    diag = DiagnosticsCallback(every=2)
    Learner(model, (x, y), callbacks=[diag], seed=0).fit(2)  # 16 steps: 8 records
    return diag


def panels(fig) -> int:
    return len(fig.axes)


def assert_png(path) -> None:
    assert path.is_file() and path.stat().st_size > 5000
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.01  # something was drawn


def test_activation_histograms_one_panel_per_layer(diag, tmp_path):
    fig = plots.plot_activation_histograms(diag.activations, tmp_path / "a.png")
    assert panels(fig) == 6  # 3 Linear, Tanh, BatchNorm, ReLU
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1].startswith("1 (tanh)") and "sat" in titles[1]
    assert "dead" in titles[4]
    assert_png(tmp_path / "a.png")


def test_colorful_dimension_one_image_per_layer(diag, tmp_path):
    fig = plots.plot_colorful_dimension(diag.activations, tmp_path / "c.png")
    assert panels(fig) == 6
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (40, 8)  # bins x records
    np.testing.assert_allclose(image, np.log1p(diag.activations["0"].histogram_image()))
    assert_png(tmp_path / "c.png")


def test_saturation_and_dead_fraction_over_time(diag, tmp_path):
    fig = plots.plot_saturation(diag.activations, tmp_path / "s.png")
    assert panels(fig) == 2
    sat, dead = fig.axes
    assert [line.get_label() for line in sat.lines] == ["1"]
    assert [line.get_label() for line in dead.lines] == ["4"]
    np.testing.assert_allclose(sat.lines[0].get_ydata(), diag.activations["1"].saturated)
    assert_png(tmp_path / "s.png")


def test_gradient_histograms_one_panel_per_layer_with_parameters(diag, tmp_path):
    fig = plots.plot_gradient_histograms(diag.gradients, tmp_path / "g.png")
    assert panels(fig) == 4  # three Linear and the BatchNorm
    assert_png(tmp_path / "g.png")


def test_update_ratio_lines_with_the_guide(diag, tmp_path):
    fig = plots.plot_update_ratios(diag.updates, tmp_path / "u.png")
    assert panels(fig) == 1
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["0.weight", "2.weight", "5.weight", "guide (-3)"]  # weight matrices only
    guide = fig.axes[0].lines[-1]
    assert set(guide.get_ydata()) == {-3.0}
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), diag.updates.ratios["0.weight"])
    assert_png(tmp_path / "u.png")


def test_save_all_writes_every_figure(diag, tmp_path):
    written = diag.plot(tmp_path / "run")
    assert [p.name for p in written] == list(plots.FIGURES)
    for path in written:
        assert_png(path)


def test_save_all_skips_what_was_not_collected(tmp_path):
    diag = DiagnosticsCallback(every=1, gradients=False, updates=False)
    assert plots.save_all(diag, tmp_path) == []  # nothing recorded yet


def test_the_package_imports_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import feedforward.diagnostics as d\n"
        "from feedforward.diagnostics import plots\n"
        "try:\n    plots.plot_saturation(d.ActivationStats())\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install feedforward[plot]" in out.stdout
