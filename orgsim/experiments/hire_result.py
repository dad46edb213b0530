"""The result of `orgsim hire`: options ranked, the recommendation sentence, the inputs it rests on.

`sensitive_inputs` is the rule of thumb used until `orgsim sensitivity` has ranked the assumptions
(`hire --sensitivity FILE` names its top-ranked ones instead, `HireResult.use_sensitivity`): it
lists, for the roles of the winning mix, the scenario inputs that role's value is made of
(`ROLE_INPUTS`, those the scenario has), so a founder knows which guesses the answer rests on and
what to pass to `orgsim sensitivity SCENARIO --params KEY=LOW..HIGH`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from orgsim.experiments.results import Results
from orgsim.experiments.selection import Selection, mean_of
from orgsim.experiments.stats import describe_kpi, paired_difference
from orgsim.experiments.top_inputs import rule_of_thumb
from orgsim.metrics.registry import KPI_KEYS, KPI_LABELS, KPI_UNITS
from orgsim.scenario import Scenario

__all__ = ["ROLE_INPUTS", "HireResult", "Mix", "mix_label", "sensitive_inputs"]

Mix = tuple[tuple[str, int], ...]  # ((role, count), ...); () is the no-hire baseline

# Inputs each role's contribution is made of ({segment} expands to each of the scenario's segments).
ROLE_INPUTS: dict[str, tuple[str, ...]] = {
    "sdr": (
        "lead_sources.outbound.meetings_per_sdr_month",
        "lead_sources.outbound.sdr_time_share",
        "roles.sdr.ramp_months",
        "funnel.sql_to_opportunity",
    ),
    "ae": (
        "segments.{segment}.win_rate",
        "roles.ae.ramp_months",
        "roles.ae.washout_probability",
        "lead_sources.outbound.meetings_per_ae_month",
    ),
    "se": ("funnel.no_presales_win_factor", "funnel.enablement_max_uplift", "roles.se.enablement_share"),
    "csm": ("segments.{segment}.renewal_rate", "roles.csm.book_size", "roles.csm.arr_per_csm"),
    "marketer": (
        "lead_sources.content.leads_per_marketer_month",
        "lead_sources.content.returns_exponent",
        "lead_sources.content.mql_rate",
    ),
    "implementer": ("segments.{segment}.go_live_days",),
}
COMMON_INPUTS = ("hiring.time_to_hire_days", "roles.{role}.annual_cost")
_SHORT = {"ae": "AE", "sdr": "SDR", "se": "SE", "csm": "CSM"}


def sensitive_inputs(sc: Scenario, roles: list[str]) -> list[str]:
    """The scenario inputs the value of hiring `roles` rests on (those the scenario sets or defaults)."""
    data = sc.model_dump(mode="json")
    out: list[str] = []
    for role in roles:
        for pattern in (*ROLE_INPUTS.get(role, ()), *COMMON_INPUTS):
            keys = [pattern.format(segment=s, role=role) for s in sc.segments] if "{segment}" in pattern else []
            for key in keys or [pattern.format(role=role)]:
                if key not in out and _has(data, key):
                    out.append(key)
    return out


def _has(data: Any, key: str) -> bool:
    for part in key.split("."):
        if not isinstance(data, dict) or data.get(part) is None:
            return False
        data = data[part]
    return True


def mix_label(mix: Mix) -> str:
    """((sdr, 2), (ae, 1)) -> "2 SDRs and 1 AE"; () -> "no hire"."""
    if not mix:
        return "no hire"
    parts = [f"{c} {_SHORT.get(r, r)}{'s' if c > 1 else ''}" for r, c in mix]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _signed(x: float, unit: str, scale: float, suffix: str) -> str:
    if unit == "pct":
        return f"{x * 100:+.1f} pp"
    if unit == "money":
        text = f"{x / scale:+,.{2 if scale == 1e6 and abs(x) < 1e7 else 0}f}"
        return f"{text[0]}${text[1:]}{suffix}"
    return f"{x:+.3g}"


def diff_words(d: dict[str, Any], unit: str) -> tuple[str, str]:
    """A paired difference as ("+$0.62M", "[+$0.41M, +$0.83M]"); rates in percentage points."""
    m, (lo, hi) = d["mean"], d["ci95"]
    if m is None:
        return "undefined", ""
    big = max(abs(v) for v in (m, lo, hi) if v is not None)
    scale, suffix = (1e6, "M") if big >= 1e6 else (1e3, "k") if big >= 1e3 else (1.0, "")
    ci = "" if lo is None else f"[{_signed(lo, unit, scale, suffix)}, {_signed(hi, unit, scale, suffix)}]"
    return _signed(m, unit, scale, suffix), ci


@dataclass(repr=False)
class HireResult:
    """Every mix of the next N hires, and no hire, ranked by one KPI at month `at_month`."""

    scenario: str
    seed: int
    by: str
    goal: int
    at_month: int
    next_n: int
    roles: list[str]
    options: list[Mix]
    selection: Selection[Mix]
    results: dict[Mix, Results]
    minimum: dict[str, float]
    maximum: dict[str, float]
    alpha: float
    n0: int
    batch: int
    max_replications: int
    delta: float | str | None = None
    runtime_s: float = 0.0
    executor: str = ""
    sensitive_to: list[str] = field(default_factory=list)
    # where sensitive_to comes from: `top_inputs.rule_of_thumb` or `top_inputs.measured` (hire --sensitivity)
    sensitivity: dict[str, Any] = field(default_factory=dict)

    def use_sensitivity(self, info: dict[str, Any]) -> None:
        """Name the inputs of a measured ranking (`top_inputs.measured`) instead of the rule of thumb."""
        self.sensitivity = info
        self.sensitive_to = list(info["inputs"])

    @property
    def sensitivity_info(self) -> dict[str, Any]:
        """Where `sensitive_to` comes from: a measured ranking, or the rule of thumb and how to measure one."""
        return self.sensitivity or rule_of_thumb(self.sensitive_to)

    def __repr__(self) -> str:
        chosen = mix_label(self.chosen) if self.chosen is not None else "none"
        return f"<HireResult {self.scenario} next {self.next_n} by {self.by}: {chosen}>"

    @property
    def chosen(self) -> Mix | None:
        return self.selection.chosen

    @property
    def replications_used(self) -> int:
        return sum(r.n for r in self.results.values())

    def ranked(self) -> list[Mix]:
        """Options best first: chosen, then the survivors, eliminated, infeasible; by mean within."""
        group = {"chosen": 0, "contender": 1, "within delta": 1, "identical": 1, "eliminated": 2, "infeasible": 3}

        def key(m: Mix) -> tuple:
            mean = mean_of(self.results[m].values(self.by))
            return (group.get(self.selection.status.get(m, ""), 4), -math.inf if mean is None else -self.goal * mean)

        return sorted(self.options, key=key)

    def versus_baseline(self, mix: Mix, kpi: str | None = None) -> dict[str, Any]:
        """mix - no hire, paired over the replications both ran: n, mean, ci95."""
        kpi = kpi or self.by
        a, b = self.results[mix].values(kpi), self.results[()].values(kpi)
        n = min(len(a), len(b))
        d = paired_difference(a[:n], b[:n])
        return {"n": d["n"], "mean": d["mean"], "ci95": list(d["ci95"])}

    def ranking(self) -> pd.DataFrame:
        """One row per option, best first: rank, hires, status, feasible, replications, mean and 95%
        CI of the KPI, the paired difference to no hire with its CI, the constraint KPIs' means."""
        rows = []
        for rank, m in enumerate(self.ranked(), start=1):
            d, v = describe_kpi(self.by, self.results[m].values(self.by)), self.versus_baseline(m)
            row: dict[str, Any] = {
                "rank": rank,
                "hires": mix_label(m),
                "status": self.selection.status.get(m, ""),
                "feasible": self.selection.status.get(m) != "infeasible",
                "replications": self.results[m].n,
                "mean": d["mean"],
                "ci95_low": d["ci95"][0],
                "ci95_high": d["ci95"][1],
                "diff_mean": v["mean"] if m else 0.0,
                "diff_ci95_low": v["ci95"][0] if m else 0.0,
                "diff_ci95_high": v["ci95"][1] if m else 0.0,
                "note": self.selection.reasons.get(m, ""),
            }
            for kpi in dict.fromkeys([*self.minimum, *self.maximum, "cash_out"]):
                row[kpi] = mean_of(self.results[m].values(kpi))
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def goal_words(self) -> str:
        """ "ARR at month 24" for arr_end, else the KPI's label at the month."""
        name = "ARR" if self.by == "arr_end" else KPI_LABELS.get(self.by, self.by)
        return f"{name} at month {self.at_month}"

    @property
    def recommendation(self) -> str:
        """The answer in one sentence with 95% CIs, e.g. "Hire 2 SDRs and 1 AE: +$0.6M ARR at month
        24 [+0.4, +0.8] over no hire; cash runs out in 3% of futures"."""
        unit = KPI_UNITS.get(self.by, "count")
        if self.chosen is None:
            why = "; ".join(f"{mix_label(m)}: {r}" for m, r in self.selection.reasons.items() if not m)
            return f"No option meets the constraints, not even hiring no one ({why})."
        cash_words = self._cash_words(self.chosen)
        if not self.chosen:
            rivals = [m for m in self.ranked() if m and self.selection.status.get(m) != "infeasible"]
            point, ci = diff_words(self.versus_baseline(rivals[0]), unit) if rivals else ("", "")
            best = (
                f"; the best mix, {mix_label(rivals[0])}, gives {point} {self.goal_words} {ci}"
                if rivals
                else "; every mix breaks the constraints"
            )
            return f"Hire no one yet: no mix of {self.next_n} hires does better on {self.goal_words}{best}{cash_words}."
        d = self.versus_baseline(self.chosen)
        point, ci = diff_words(d, unit)
        return (
            f"Hire {mix_label(self.chosen)}: {point} {self.goal_words} {ci} over no hire "
            f"(paired, {d['n']} replications){cash_words}."
        )

    def _cash_words(self, mix: Mix) -> str:
        """ "; cash runs out in P% of futures", and when it does, the month it first does (the mean over
        the futures that run out) beside no hire's: whether the hire brings the day forward."""
        cash = mean_of(self.results[mix].values("cash_out"))
        if cash is None:
            return ""
        words = f"; cash runs out in {cash * 100:.0f}% of futures"
        month = mean_of(self.results[mix].values("cash_out_month"))
        if month is None:
            return words
        words += f", first in month {month:.1f} on average"
        if mix and () in self.results:
            base = mean_of(self.results[()].values("cash_out_month"))
            words += f" (no hire: {'never' if base is None else f'month {base:.1f}'})"
        return words

    @property
    def statement(self) -> str:
        """The confidence statement of the selection, in words."""
        sel, conf, k = self.selection, f"{(1 - self.alpha) * 100:g}%", len(self.options)
        better = "higher" if self.goal > 0 else "lower"
        if self.chosen is None:
            return "No option meets the constraints."
        how = (
            f"sequential elimination, one-sided paired tests at {sel.alpha_each:.2g} each "
            f"({k - 1} rivals x {sel.looks} looks)"
        )
        survivors = [m for m in self.options if sel.status.get(m) in ("chosen", "contender", "within delta")]
        if sel.stopped_by_delta:
            return (
                f"With at least {conf} confidence no other of the {k} options has a mean {self.by} more than "
                f"{self.delta} {better} than {mix_label(self.chosen)} ({how})."
            )
        if len(survivors) == 1:
            return (
                f"With at least {conf} confidence no other of the {k} options has a {better} mean {self.by} "
                f"than {mix_label(self.chosen)} ({how})."
            )
        return (
            f"With at least {conf} confidence the best of the {k} options is one of these {len(survivors)}, which "
            f"{self.max_replications} replications each could not separate: "
            f"{'; '.join(mix_label(m) for m in survivors)}. {mix_label(self.chosen)} has the best sample mean ({how})."
        )

    def _option(self, rec: dict[Any, Any], m: Mix) -> dict[str, Any]:
        res = self.results[m]
        return {
            "hires": dict(m),
            "rank": int(rec["rank"]),
            "feasible": bool(rec["feasible"]),
            "status": rec["status"],
            "replications": res.n,
            "difference_to_baseline": None if not m else self.versus_baseline(m),
            # as in `run --json`: n, mean, std and the 95% CI, clipped where the KPI cannot go
            "kpis": {k: describe_kpi(k, res.values(k)) for k in KPI_KEYS},
        }

    def to_dict(self) -> dict[str, Any]:
        """`hire --json`: options best first (the no-hire option has "hires": {}), the baseline, the
        recommendation; then the settings, the confidence statement and the inputs it rests on."""
        order = self.ranked()
        recs = self.ranking().to_dict(orient="records")
        options = [self._option(rec, m) for rec, m in zip(recs, order)]
        return {
            "options": options,
            "baseline": options[order.index(())],
            "recommendation": self.recommendation,
            "statement": self.statement,
            "sensitive_to": self.sensitive_to,
            "sensitivity": self.sensitivity_info,
            "scenario": self.scenario,
            "seed": self.seed,
            "next": self.next_n,
            "roles": self.roles,
            "by": self.by,
            "goal": "max" if self.goal > 0 else "min",
            "at_month": self.at_month,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "alpha": self.alpha,
            "n0": self.n0,
            "batch": self.batch,
            "max_replications": self.max_replications,
            "delta": self.delta,
            "rounds": self.selection.rounds,
            "replications_used": self.replications_used,
            "runtime_s": self.runtime_s,
        }
