"""The doctor's report: a list of :class:`Finding`, printable as a table or as JSON."""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Finding", "Report", "SEVERITIES"]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One problem the doctor found.

    Args:
        code: stable identifier, e.g. ``"activation-saturation"`` (see :func:`doctor`).
        severity: ``"error"`` (training will not work), ``"warning"`` (it will work badly) or
            ``"info"``.
        where: the module path (``"net.3"``), parameter (``"net.4.weight"``) or ``"inputs"``
            / ``"loss"`` / ``"optimizer"`` it concerns.
        metric: what ``value`` measures, e.g. ``"saturated fraction"``.
        value: the measured figure.
        op: how it crossed the threshold: ``">"`` or ``"<"``.
        threshold: the threshold it crossed (from :mod:`feedforward.diagnostics.thresholds`).
        explanation: what is wrong and why it matters, in one or two sentences.
        fix: a concrete change that makes the finding go away.
        suggestion: the fix's numbers, machine-readable (e.g. ``{"lr": 0.003}``), when it
            has any.
    """

    code: str
    severity: str
    where: str
    metric: str
    value: float
    op: str
    threshold: float
    explanation: str
    fix: str
    suggestion: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"Finding: severity must be one of {SEVERITIES}, got {self.severity!r}"
            )
        if self.op not in (">", "<"):
            raise ValueError(f"Finding: op must be '>' or '<', got {self.op!r}")

    @property
    def measured(self) -> str:
        """``"saturated fraction 0.94"``."""
        return f"{self.metric} {_fmt(self.value)}"

    @property
    def crossed(self) -> str:
        """``"> 0.4"``."""
        return f"{self.op} {_fmt(self.threshold)}"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict, non-finite numbers as the strings ``"nan"`` / ``"inf"``."""
        return {k: _json_number(v) for k, v in asdict(self).items()}


def _fmt(x: float) -> str:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, int) or float(x).is_integer() and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.3g}"


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)  # JSON has no NaN / Infinity: "nan", "inf", "-inf"
    if isinstance(v, dict):
        return {k: _json_number(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_number(x) for x in v]
    return v


_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass
class Report:
    """What :func:`~feedforward.diagnostics.doctor` found, worst first.

    Attributes:
        findings: the findings, sorted by severity (errors first).
        summary: the run's key figures (initial loss, uninformative loss, final loss, steps,
            optimizer, batch size, ...).
        thresholds: the thresholds used, as a dict.

    ``str(report)`` is :meth:`to_table`; :meth:`to_json` gives the same as JSON.
    """

    findings: list[Finding] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=lambda f: _RANK[f.severity])

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    # queries ------------------------------------------------------------------------------

    @property
    def codes(self) -> set[str]:
        """The codes present."""
        return {f.code for f in self.findings}

    def get(self, code: str) -> list[Finding]:
        """The findings with this code."""
        return [f for f in self.findings if f.code == code]

    def by_severity(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self.by_severity("error")

    @property
    def warnings(self) -> list[Finding]:
        return self.by_severity("warning")

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def healthy(self) -> bool:
        """No error and no warning (info findings allowed)."""
        return not self.errors and not self.warnings

    # output -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        counts = {s: len(self.by_severity(s)) for s in SEVERITIES}
        return {
            "findings": [f.to_dict() for f in self.findings],
            "counts": counts,
            "summary": _json_number(self.summary),
            "thresholds": _json_number(self.thresholds),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON (strict: non-finite numbers become strings)."""
        return json.dumps(self.to_dict(), indent=indent)

    def headline(self) -> str:
        n = {s: len(self.by_severity(s)) for s in SEVERITIES}
        plural = {"error": "errors", "warning": "warnings", "info": "info"}
        parts = [f"{n[s]} {plural[s] if n[s] != 1 else s}" for s in SEVERITIES]
        return "doctor: " + ", ".join(parts)

    def to_table(self, width: int = 100) -> str:
        """A readable table: one row per finding with the why and the fix wrapped below it."""
        lines = [self.headline()]
        for key, value in self.summary.items():
            lines.append(f"  {key}: {_fmt(value) if isinstance(value, float) else value}")
        if not self.findings:
            lines.append("no findings: nothing looks wrong.")
            return "\n".join(lines)
        cols = ("severity", "code", "where", "measured", "threshold")
        rows = [(f.severity, f.code, f.where, f.measured, f.crossed) for f in self.findings]
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines += ["", fmt.format(*(c.upper() for c in cols))]
        lines.append("  ".join("-" * w for w in widths))
        indent = " " * (widths[0] + 2)
        for f, row in zip(self.findings, rows):
            lines.append(fmt.format(*row).rstrip())
            for label, text in (("why", f.explanation), ("fix", f.fix)):
                lines += textwrap.wrap(
                    f"{label}: {text}",
                    width=width,
                    initial_indent=indent,
                    subsequent_indent=indent + "     ",
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_table()
