"""The question `orgsim optimize` asks: the search space (`--vary`), the goal and the constraints.

`--vary KEY=SPEC` takes a dotted scenario key, as `--set` does, and one of:

- `LOW..HIGH` - integers when both ends are written as integers (`roles.ae.headcount=2..8`),
  real numbers otherwise (`hiring.growth.hires_per_month=0.5..3`); both ends included;
- `LOW..HIGH:STEP` - on a grid of that step (`lead_sources.paid.budget_per_month=20000..100000:10000`);
- `A|B|C` - a choice between values, each read as YAML, in the order given
  (`hiring.growth.focus_order=[sales,product,marketing,service]|[product,sales,marketing,service]`).

`--constraint KPI<=VALUE` or `KPI>=VALUE` bounds the mean of a KPI over a plan's replications
(`cash_out<=0.05`, `runway_months>=12`). `--goal KPI` maximises or minimises the KPI in its better
direction (`KPI:max` / `KPI:min` to say which). Nothing here runs a simulation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orgsim.experiments.stats import KPI_DIRECTION, ExperimentError, check_kpi
from orgsim.scenario.overrides import unusable
from orgsim.scenario.yamlmap import parse_path, parse_yaml, show

__all__ = ["Constraint", "Dim", "parse_constraints", "parse_goal", "parse_space"]

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*(?::\s*({_NUM})\s*)?$")
_INT = re.compile(r"[+-]?\d+")
_VARY_HELP = (
    "write KEY=LOW..HIGH (integers when both ends are), KEY=LOW..HIGH:STEP or KEY=A|B|C, e.g. roles.ae.headcount=2..8"
)
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w]*)\s*(<=|>=|=<|=>)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Dim:
    """One dimension of the search space: a scenario key and its range or choices."""

    key: str
    kind: str  # "int", "float" or "categorical"
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    choices: tuple[str, ...] = ()  # categorical: the texts as written (Optuna stores these)

    def value(self, suggested: Any) -> Any:
        """The scenario value for what Optuna suggested (a categorical text is read as YAML)."""
        if self.kind == "categorical":
            return parse_yaml(str(suggested)).data
        if self.kind == "int":
            return int(suggested)
        return float(f"{float(suggested):.10g}")

    def contains(self, value: Any) -> str | None:
        """The Optuna value of a scenario value that lies in this dimension, else None (as text for choices)."""
        if self.kind == "categorical":
            return next((c for c in self.choices if parse_yaml(c).data == value), None)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if not self.low <= value <= self.high:
            return None
        if self.kind == "int" and int(value) != value:
            return None
        if self.step is not None and abs((value - self.low) / self.step - round((value - self.low) / self.step)) > 1e-9:
            return None
        return value  # type: ignore[return-value]

    def describe(self) -> dict[str, Any]:
        """For JSON and manifests."""
        if self.kind == "categorical":
            return {"type": "categorical", "choices": [parse_yaml(c).data for c in self.choices]}
        out: dict[str, Any] = {"type": self.kind, "low": self._n(self.low), "high": self._n(self.high)}
        if self.step is not None:
            out["step"] = self._n(self.step)
        return out

    def spec(self) -> str:
        """The --vary text that gives this dimension back."""
        if self.kind == "categorical":
            return f"{self.key}={'|'.join(self.choices)}"
        step = f":{self._n(self.step)}" if self.step is not None else ""
        return f"{self.key}={self._n(self.low)}..{self._n(self.high)}{step}"

    def _n(self, x: float | None) -> int | float | None:
        return int(x) if x is not None and self.kind == "int" else x


def _dim(spec: str) -> Dim:
    if not isinstance(spec, str) or "=" not in spec:
        raise ExperimentError(f"--vary {spec!r}: {_VARY_HELP}")
    key, raw = (s.strip() for s in spec.split("=", 1))
    if not key:
        raise ExperimentError(f"--vary {spec!r}: no key before '='; {_VARY_HELP}")
    if parse_path(key) is None:
        raise ExperimentError(f"--vary {key}: not a dotted scenario key such as roles.ae.headcount")
    if not raw:
        raise ExperimentError(f"--vary {key}: nothing after '='; {_VARY_HELP}")
    m = _RANGE.match(raw)
    if m:
        ends = m.group(1), m.group(2)
        integer = all(_INT.fullmatch(e) for e in ends) and (m.group(3) is None or _INT.fullmatch(m.group(3)))
        lo, hi = float(ends[0]), float(ends[1])
        step = float(m.group(3)) if m.group(3) is not None else None
        if not all(math.isfinite(x) for x in (lo, hi, step or 1.0)):
            raise ExperimentError(f"--vary {key}: range {raw!r}: its ends and step must be finite numbers")
        if hi <= lo:
            raise ExperimentError(f"--vary {key}: range {raw!r} must go up (LOW < HIGH)")
        if step is not None and (step <= 0 or step > hi - lo):
            raise ExperimentError(f"--vary {key}: range {raw!r}: the step must be > 0 and at most HIGH - LOW")
        return Dim(key, "int" if integer else "float", lo, hi, step)
    if ".." in raw and "|" not in raw:
        raise ExperimentError(f"--vary {key}: {raw!r} is not a range of numbers LOW..HIGH; {_VARY_HELP}")
    if "|" not in raw:
        raise ExperimentError(f"--vary {key}: {raw!r} is one value; {_VARY_HELP} (a fixed value goes in --set)")
    texts = [t.strip() for t in raw.split("|")]
    values = []
    for t in texts:
        if not t:
            raise ExperimentError(f"--vary {key}: an empty choice in {raw!r} (two '|' in a row, or one at an end?)")
        doc = parse_yaml(t)
        if doc.error or doc.problems:
            why = doc.error[0] if doc.error else doc.problems[0][1]
            raise ExperimentError(f"--vary {key}: choice {show(t)} {unusable(why)}")
        if doc.data in values:
            raise ExperimentError(f"--vary {key}: choice {t!r} is given twice")
        values.append(doc.data)
    return Dim(key, "categorical", choices=tuple(texts))


def parse_space(specs: Sequence[str]) -> list[Dim]:
    """`--vary` texts -> dimensions, in the order given; ExperimentError naming the bad one."""
    out: list[Dim] = []
    for spec in specs:
        d = _dim(spec)
        if any(o.key == d.key for o in out):
            raise ExperimentError(f"--vary {d.key} is given twice")
        out.append(d)
    if not out:
        raise ExperimentError("optimize needs at least one --vary KEY=LOW..HIGH")
    return out


def parse_goal(text: str) -> tuple[str, int]:
    """`arr_end` (its better direction), `cac:min` or `headcount_end:max` -> (KPI, +1 or -1)."""
    kpi, _, way = text.strip().partition(":")
    check_kpi(kpi.strip(), "KPI")
    kpi = kpi.strip()
    if way:
        if way.strip() not in ("max", "min"):
            raise ExperimentError(f"{text!r}: write KPI, KPI:max or KPI:min")
        return kpi, 1 if way.strip() == "max" else -1
    direction = KPI_DIRECTION[kpi]
    if direction == 0:
        raise ExperimentError(f"{kpi} has no better direction; write {kpi}:max or {kpi}:min")
    return kpi, direction


@dataclass(frozen=True)
class Constraint:
    """`kpi <= bound` or `kpi >= bound` on a plan's mean."""

    kpi: str
    op: str  # "<=" or ">="
    bound: float

    def violation(self, mean: float | None) -> float:
        """Optuna's convention: > 0 infeasible (by how much), <= 0 feasible; an undefined mean is infeasible."""
        if mean is None or not math.isfinite(mean):
            return 1.0
        return mean - self.bound if self.op == "<=" else self.bound - mean

    @property
    def text(self) -> str:
        return f"{self.kpi}{self.op}{self.bound:g}"


def parse_constraints(texts: Sequence[str]) -> list[Constraint]:
    """`cash_out<=0.05`, `runway_months>=12` -> Constraints; ExperimentError naming a bad one."""
    out = []
    for text in texts:
        m = _CONSTRAINT.match(text) if isinstance(text, str) else None
        if not m:
            raise ExperimentError(f"{text!r}: write KPI<=VALUE or KPI>=VALUE, e.g. cash_out<=0.05 or runway_months>=12")
        kpi, op, raw = m.group(1), m.group(2), m.group(3)
        check_kpi(kpi, "KPI")
        try:
            bound = float(raw)
        except ValueError:
            raise ExperimentError(f"{text!r}: {raw!r} is not a number") from None
        if not math.isfinite(bound):
            raise ExperimentError(f"{text!r}: the bound must be finite")
        out.append(Constraint(kpi, "<=" if op in ("<=", "=<") else ">=", bound))
    return out
