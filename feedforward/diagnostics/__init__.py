"""Diagnostics: training statistics from module hooks, their plots, and the doctor.

* :mod:`~feedforward.diagnostics.stats`: :class:`ActivationStats`, :class:`GradientStats`,
  :class:`UpdateRatio` collectors, standalone or as Learner callbacks
  (:class:`DiagnosticsCallback` bundles them, recording every ``every``-th batch).
* :mod:`~feedforward.diagnostics.plots`: the figures (needs the ``plot`` extra; imported on
  first use, so the package itself never needs matplotlib).
* :func:`doctor`: probes a model at initialisation and over a short training run on a copy, and
  returns a :class:`Report` of findings, each with a code, a measured figure, the threshold it
  crossed, an explanation and a fix.
* :mod:`~feedforward.diagnostics.thresholds`: every threshold, with the reasoning.
"""

from feedforward.diagnostics.doctor import CODES, doctor
from feedforward.diagnostics.report import Finding, Report
from feedforward.diagnostics.stats import (
    ActivationRecord,
    ActivationStats,
    DiagnosticsCallback,
    GradientRecord,
    GradientStats,
    UpdateRatio,
    layer_kind,
    watched_modules,
)
from feedforward.diagnostics.thresholds import THRESHOLDS, Thresholds

__all__ = [
    "doctor",
    "CODES",
    "Finding",
    "Report",
    "ActivationRecord",
    "ActivationStats",
    "DiagnosticsCallback",
    "GradientRecord",
    "GradientStats",
    "UpdateRatio",
    "layer_kind",
    "watched_modules",
    "THRESHOLDS",
    "Thresholds",
]
