"""The result of a focus-order tournament: ranking, chosen order, confidence statement, cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgsim.experiments.results import Results, frame_html
from orgsim.experiments.selection import Selection, indifference_zone, mean_of
from orgsim.experiments.stats import describe_kpi, paired_difference
from orgsim.metrics.registry import KPI_KEYS

__all__ = ["FocusResult", "Order", "label"]

Order = tuple[str, ...]


def label(order: Order) -> str:
    """An order as people read it: "product > sales > marketing > service"."""
    return " > ".join(order)


@dataclass(repr=False)
class FocusResult:
    """The focus-order tournament: ranking, chosen order, confidence statement and cost."""

    scenario: str
    seed: int
    by: str
    goal: int
    orders: list[Order]
    selection: Selection[Order]
    results: dict[Order, Results]
    minimum: dict[str, float]
    maximum: dict[str, float]
    alpha: float
    n0: int
    batch: int
    max_replications: int
    sequential: bool
    runtime_s: float = 0.0
    executor: str = ""
    notes: list[str] = field(default_factory=list)
    delta: float | str | None = None
    resumed: int = 0  # batches of replications read back from a checkpoint instead of run
    checkpoint_skipped: str | None = None  # lines of the checkpoint that were not data, if any

    def __repr__(self) -> str:
        chosen = " > ".join(self.chosen) if self.chosen else "none"
        return f"<FocusResult {self.scenario} by {self.by}: chosen {chosen}, {self.replications_used} replications>"

    @property
    def chosen(self) -> Order | None:
        return self.selection.chosen

    @property
    def replications_used(self) -> int:
        return sum(len(v) for v in self.selection.rows.values())

    @property
    def equal_allocation(self) -> int:
        """Replications equal allocation would need: every order as many as the winner got."""
        n = max((len(v) for v in self.selection.rows.values()), default=0)
        return n * len(self.orders)

    @property
    def saving(self) -> float:
        eq = self.equal_allocation
        return 1 - self.replications_used / eq if eq else 0.0

    def _ranked(self) -> list[Order]:
        def key(o: Order) -> tuple:
            st = self.selection.status.get(o, "")
            group = {
                "chosen": 0,
                "contender": 1,
                "within delta": 1,
                "ranked": 1,
                "identical": 1,
                "eliminated": 2,
                "infeasible": 3,
            }.get(st, 4)
            m = mean_of(self.results[o].values(self.by))
            return (group, -math.inf if m is None else -self.goal * m)

        return sorted(self.orders, key=key)

    def ranking(self) -> pd.DataFrame:
        """One row per order, best first: rank, order, status, replications, mean and 95% CI of
        the KPI, the paired difference to the chosen order with its 95% CI (over the
        replications both have), the look at which it left, and the constraint KPIs' means."""
        chosen = self.chosen
        rows = []
        for rank, o in enumerate(self._ranked(), start=1):
            res = self.results[o]
            d = describe_kpi(self.by, res.values(self.by))
            row: dict[str, Any] = {
                "rank": rank,
                "order": label(o),
                "status": self.selection.status.get(o, ""),
                "replications": res.n,
                "mean": d["mean"],
                "ci95_low": d["ci95"][0],
                "ci95_high": d["ci95"][1],
            }
            if chosen is not None and o != chosen:
                c = self.results[chosen]
                m = min(res.n, c.n)
                diff = paired_difference(res.values(self.by)[:m], c.values(self.by)[:m])
                row.update(
                    diff_n=diff["n"],
                    diff_mean=diff["mean"],
                    diff_ci95_low=diff["ci95"][0],
                    diff_ci95_high=diff["ci95"][1],
                )
            else:
                row.update(diff_n=None, diff_mean=0.0 if o == chosen else None, diff_ci95_low=None, diff_ci95_high=None)
            row["left_at_look"] = self.selection.round_out.get(o)
            row["note"] = self.selection.reasons.get(o) or (
                f"same numbers as {label(self.selection.same_as[o])}" if o in self.selection.same_as else ""
            )
            for kpi in [*self.minimum, *self.maximum]:
                row[kpi] = mean_of(res.values(kpi))
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def statement(self) -> str:
        """The confidence statement, in words."""
        sel, conf = self.selection, f"{(1 - self.alpha) * 100:g}%"
        k = len(self.orders)
        cons = ""
        if self.minimum or self.maximum:
            parts = [f"mean {kpi} >= {v:g}" for kpi, v in self.minimum.items()] + [
                f"mean {kpi} <= {v:g}" for kpi, v in self.maximum.items()
            ]
            cons = f" among the orders whose {' and '.join(parts)}"
        better = "highest" if self.goal > 0 else "lowest"
        if self.chosen is None:
            return (
                "No order satisfies the constraints"
                + (f" ({', '.join(sel.reasons.values())})" if sel.reasons else "")
                + "."
            )
        if not self.sequential:
            return (
                f"{label(self.chosen)} has the {better} mean {self.by} of {k} orders{cons}, each run "
                f"{self.n0} replications (equal allocation; no selection guarantee is claimed)."
            )
        survivors = [o for o in self.orders if sel.status.get(o) in ("chosen", "contender", "within delta")]
        halves = " / 2" if self.delta is not None else ""
        how = (
            f"sequential elimination, one-sided tests at alpha{halves} = {self.alpha:g}{halves} / ({k - 1} rivals x "
            f"{sel.looks} looks) = {sel.alpha_each:.2g}"
        )
        if sel.stopped_by_delta:
            chosen_mean = mean_of(self.results[self.chosen].values(self.by))
            zone = indifference_zone(self.delta, chosen_mean) if self.delta is not None else None
            shown = "-" if zone is None else f"{zone:,.0f}" if abs(zone) >= 1000 else f"{zone:.4g}"
            unit_zone = shown + (f" ({self.delta} of its mean)" if isinstance(self.delta, str) else "")
            return (
                f"{label(self.chosen)} has the {better} mean {self.by}{cons}: with at least {conf} confidence "
                f"no other of the {k} orders has a mean more than {unit_zone} {'higher' if self.goal > 0 else 'lower'} "
                f"({_others(len(survivors) - 1)} within that indifference zone; {how})."
            )
        if len(survivors) == 1:
            return (
                f"{label(self.chosen)} has the {better} mean {self.by}{cons}: with at least {conf} confidence "
                f"no other of the {k} orders has a {'higher' if self.goal > 0 else 'lower'} mean ({how})."
            )
        return (
            f"With at least {conf} confidence the order with the {better} mean {self.by}{cons} is one of "
            f"these {len(survivors)}, which {self.max_replications} replications each could not separate: "
            f"{'; '.join(label(o) for o in survivors)}. {label(self.chosen)} has the {better} sample mean ({how})."
        )

    def to_dict(self) -> dict[str, Any]:
        """`focus --json`: settings, chosen order, statement, cost and the ranking."""
        rk = self.ranking()
        orders = []
        for rec in rk.to_dict(orient="records"):
            rec = {k: _clean(v) for k, v in rec.items()}
            o = tuple(rec["order"].split(" > "))
            res = self.results[o]
            orders.append(
                {
                    "rank": int(rec["rank"]),
                    "order": list(o),
                    "status": rec["status"],
                    "replications": res.n,
                    "left_at_look": None if rec["left_at_look"] is None else int(rec["left_at_look"]),
                    "note": rec["note"],
                    "kpis": {k: describe_kpi(k, res.values(k)) for k in KPI_KEYS},
                    "difference_to_chosen": None
                    if rec.get("diff_ci95_low") is None
                    else {
                        "n": int(rec["diff_n"]),
                        "mean": rec["diff_mean"],
                        "ci95": [rec["diff_ci95_low"], rec["diff_ci95_high"]],
                    },
                }
            )
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "by": self.by,
            "goal": "max" if self.goal > 0 else "min",
            "minimum": self.minimum,
            "maximum": self.maximum,
            "method": "sequential" if self.sequential else "equal",
            "alpha": self.alpha,
            "alpha_each": self.selection.alpha_each,
            "looks": self.selection.looks,
            "n0": self.n0,
            "batch": self.batch,
            "max_replications": self.max_replications,
            "delta": self.delta,
            "stopped_by_delta": self.selection.stopped_by_delta,
            "chosen": list(self.chosen) if self.chosen else None,
            "statement": self.statement,
            "replications_used": self.replications_used,
            "equal_allocation": self.equal_allocation,
            "saving": self.saving,
            "rounds": self.selection.rounds,
            "notes": self.notes,
            "runtime_s": self.runtime_s,
            "orders": orders,
        }

    def _repr_html_(self) -> str:
        return f"<h4>orgsim focus orders: {self.scenario}</h4><p>{self.statement}</p>" + frame_html(self.ranking())


def _others(n: int) -> str:
    return "no other order left" if n == 0 else f"{n} other order{'s' if n != 1 else ''} left"


def _clean(v: Any) -> Any:
    """NaN (pandas' missing value) -> None, numpy scalars -> Python."""
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        v = v.item()
    return None if isinstance(v, float) and not math.isfinite(v) else v
