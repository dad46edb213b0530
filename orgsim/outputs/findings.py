"""A run in words: the headline and the findings of a run report, derived from its data.

Findings are ranked: cash first (does the company run out, when, how low it goes; a short runway;
ratios a failing company leaves undefined), then what stops growth (the scenario's own warnings,
no customer won, the bottleneck in plain sentences: where work waits, since when, what it costs),
then the rest (an unhealthy customer base, retention, what the numbers rest on: `report_inputs`);
each carries a severity (`Finding`). Input is a `RunData` (the files of a run directory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from orgsim.metrics.registry import fmt
from orgsim.outputs.html import ci_range, mean_of
from orgsim.outputs.report_inputs import input_findings
from orgsim.outputs.report_retention import retention_findings
from orgsim.outputs.text import BOTTLENECK_UTILISATION, BOTTLENECK_WAIT_HOURS, NEGLIGIBLE_WAIT_HOURS, is_bottleneck
from orgsim.scenario.severity import severity_rank

if TYPE_CHECKING:
    from orgsim.outputs.report import RunData

__all__ = [
    "BOTTLENECK_UTILISATION",
    "BOTTLENECK_WAIT_HOURS",
    "Finding",
    "cash_findings",
    "findings",
    "headline",
    "is_bottleneck",
    "onset_month",
    "ranked_findings",
]


def _duration(hours: float) -> str:
    if hours < 24:
        return f"{hours:.1f} hour{'' if round(hours, 1) == 1 else 's'}"
    return f"{hours / 24:.1f} day{'' if round(hours / 24, 1) == 1 else 's'}"


def _series_mean(monthly: pd.DataFrame, metric: str) -> pd.Series:
    m = monthly[monthly["metric"] == metric]
    return m.groupby("month")["value"].mean().sort_index()


def onset_month(queue: pd.Series, share: float = 0.8, peak_share: float = 0.2) -> int | None:
    """First month from which the queue stays up: at or above a threshold (`peak_share` of its
    peak, at least one task) that month and in at least `share` of the months after it."""
    if queue.empty or queue.max() <= 0:
        return None
    threshold = max(1.0, peak_share * float(queue.max()))
    up = (queue >= threshold).to_numpy()
    for i, month in enumerate(queue.index):
        if up[i] and up[i:].mean() >= share:
            return int(month)
    return None


def _consequence(stage: str, sc: Mapping[str, Any], run: RunData) -> str:
    own = sc.get("ownership") or {}
    funnel_cfg = sc.get("funnel") or {}
    if stage == "marketing":
        return "leads wait to be reviewed before anyone can call them"
    if stage == "sdr":
        stl = funnel_cfg.get("speed_to_lead")
        who = "AEs" if own.get("qualification") == "ae" else "SDRs"
        if stl:
            return (
                f"MQLs wait for {who} to qualify them, and a lead that waits converts less "
                f"(its chance halves every {stl.get('halflife_hours', 0):g} hours, down to a floor)"
            )
        return f"MQLs wait for {who} to qualify them"
    if stage == "sales":
        work = ["opportunities"]
        if own.get("qualification") == "ae":
            work.insert(0, "qualification")
        by_sales = [seg for seg, s in (sc.get("segments") or {}).items() if s.get("delivered_by") == "sales"]
        if by_sales:
            work.append(f"delivery of {', '.join(by_sales)} deals")
        if (own.get("expansion_by_sales_months") or 0) > 0:
            work.append("early expansions")
        if own.get("renewal") == "ae":
            work.append("renewals")
        return f"AE work ({', '.join(work)}) waits, so deals close later"
    if stage == "presales":
        if own.get("presales_unavailable") == "proceed":
            return (
                f"deals that find no SE free go ahead without one, at "
                f"{funnel_cfg.get('no_presales_win_factor', 0):.0%} of the usual win rate"
            )
        return "deals that need an SE wait for one, which lengthens the sales cycle"
    if stage == "implementation":
        penalty = ((sc.get("customers") or {}).get("health") or {}).get("onboarding_wait_penalty_per_month")
        text = "customers waiting for delivery start with lower health"
        if penalty:
            text += f" (a health score {penalty:g} lower on the 0–1 scale per month waited)"
        if run.counters is not None and "mean_onboarding_wait_days" in run.counters:
            text += (
                f"; across all delivery teams, won deals waited {run.counters['mean_onboarding_wait_days'].mean():.1f} "
                "days on average for someone free to deliver them"
            )
        return text
    if stage == "csm":
        return "account care, expansions and renewals wait; accounts whose care is not done drift towards lower health"
    return "work waits here"


@dataclass(frozen=True)
class Finding:
    """One finding of a run: its severity ("critical", "warning", "info"), its group ("cash",
    "growth", "other": the order findings are listed in) and its sentence."""

    severity: str
    group: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "group": self.group, "text": self.text}


GROUPS = ("cash", "growth", "other")
RUNWAY_WARNING_MONTHS = 12.0  # a runway shorter than a typical fundraise (6-9 months) plus slack


def ranked_findings(
    run: RunData,
    min_wait_hours: float = BOTTLENECK_WAIT_HOURS,
    busy: float = BOTTLENECK_UTILISATION,
    unhealthy: float = 0.1,
) -> list[Finding]:
    """Every finding of a run, cash first (whether it runs out, then the runway and the burn
    multiple), then what stops growth (the scenario's own warnings, no customer won, the bottleneck
    and other waits), then the rest; by severity within those two groups."""
    out = [Finding("critical" if "runs out in" in t else "info" if "never runs out" in t else "warning", "cash", t)
           for t in cash_findings(run.summary)]  # fmt: skip
    out += _runway(run.summary)
    out += _scenario_warnings(run.scenario)
    won = mean_of((run.summary.get("kpis") or {}).get("new_customers"))
    if won is not None and won == 0:
        out.append(Finding("critical", "growth", "No new customer is won in any replication."))
    out += _waits(run, min_wait_hours, busy)
    hr = _series_mean(run.monthly, "health_rate")
    if len(hr) > 1 and hr.iloc[-1] < hr.iloc[0] - 0.05:
        low = int(cast(int, hr.idxmin()))  # the index is the month
        out.append(
            Finding(
                "warning",
                "other",
                f"Customer health slips: the share of healthy accounts falls from {hr.iloc[0]:.0%} to "
                f"{hr.iloc[-1]:.0%} (lowest {hr.min():.0%} in month {low}).",
            )
        )
    below = _unhealthy_sentence(run, unhealthy)
    if below:
        out.append(Finding("warning", "other", below))
    threshold = run.health_thresholds().get("healthy_threshold", 0.6)
    out += [Finding("info", "other", t) for t in retention_findings(run.summary, threshold)]
    rest_on = input_findings(run.manifest, run.summary.get("scenario"), run.summary.get("horizon_months"))
    out += [Finding(sev, "other", t) for sev, t in rest_on]
    # the cash group keeps its order (the answer, whether cash runs out, first); the others by severity
    return sorted(out, key=lambda f: (GROUPS.index(f.group), 0 if f.group == "cash" else severity_rank(f.severity)))


def findings(
    run: RunData,
    min_wait_hours: float = BOTTLENECK_WAIT_HOURS,
    busy: float = BOTTLENECK_UTILISATION,
    unhealthy: float = 0.1,
) -> list[str]:
    """The sentences of `ranked_findings`, in its order."""
    return [f.text for f in ranked_findings(run, min_wait_hours, busy, unhealthy)]


def _runway(summary: Mapping[str, Any]) -> list[Finding]:
    k = summary.get("kpis") or {}
    runway, out_share = mean_of(k.get("runway_months")), mean_of(k.get("cash_out")) or 0.0
    if runway is None or out_share > 0 or runway >= RUNWAY_WARNING_MONTHS:
        return []
    return [
        Finding(
            "warning",
            "cash",
            f"The runway at the end is {runway:.1f} months at the recent burn (mean; 95% CI "
            f"{ci_range(k.get('runway_months'), 'count')}), under {RUNWAY_WARNING_MONTHS:g} months: raising "
            "money takes months.",
        )
    ]


def _scenario_warnings(scenario: Mapping[str, Any]) -> list[Finding]:
    """The warnings of the resolved scenario in the manifest (none without a manifest)."""
    if not scenario:
        return []
    from pydantic import ValidationError

    from orgsim.scenario.schema import Scenario
    from orgsim.scenario.severity import graded_warnings

    try:
        sc = Scenario.model_validate(dict(scenario))
    except (ValidationError, ValueError, TypeError):
        return []  # a manifest from another version: the run's own numbers still speak
    return [
        Finding(sev, "other" if sev == "info" else "growth", f"Scenario: {path}: {msg}.")
        for sev, path, msg in graded_warnings(sc)
    ]


def _waits(run: RunData, min_wait_hours: float, busy: float) -> list[Finding]:
    """The bottleneck (of the stages above both thresholds, the longest wait), the longest wait when
    it is not the bottleneck, and other stages where work waits at least `min_wait_hours`."""
    stages = run.summary.get("stages") or {}
    table = {
        name: {k: mean_of(st.get(k)) or 0.0 for k in ("mean_wait_hours", "p90_wait_hours", "utilization", "arrivals")}
        for name, st in stages.items()
    }
    if not table:
        return []
    out: list[Finding] = []
    above = [
        n for n in table if is_bottleneck(table[n]["mean_wait_hours"], table[n]["utilization"], min_wait_hours, busy)
    ]
    neck = max(above, key=lambda n: table[n]["mean_wait_hours"]) if above else None
    longest = max(table, key=lambda n: table[n]["mean_wait_hours"])
    sc = run.scenario
    ordered = list(dict.fromkeys([*([neck] if neck else []), longest, *table]))
    for name in ordered:
        t = table[name]
        if t["mean_wait_hours"] < NEGLIGIBLE_WAIT_HOURS or (name != longest and t["mean_wait_hours"] < min_wait_hours):
            continue
        onset = onset_month(_series_mean(run.monthly, f"queue.{name}"))
        waits = (
            f"{_duration(t['mean_wait_hours'])} on average (p90 {_duration(t['p90_wait_hours'])}) "
            f"at {t['utilization']:.0%} utilisation"
        )
        if name == neck:
            when = f" from month {onset}" if onset else ""
            tail = "" if onset else " Its queue comes and goes rather than building up."
            text = (
                f"{name.capitalize()} is the bottleneck{when}: work waits {waits}; {_consequence(name, sc, run)}.{tail}"
            )
            out.append(Finding("warning", "growth", text))
        elif name == longest:
            why = (
                f"its people are busy less than {busy:.0%} of their time"
                if t["mean_wait_hours"] >= min_wait_hours
                else f"the wait is under {_duration(min_wait_hours)}"
            )
            when = f", with a queue from month {onset}" if onset else ""
            text = (
                f"Work waits longest at {name}{when}: {waits}; {_consequence(name, sc, run)}. Not called a "
                f"bottleneck: {why} (a bottleneck needs a mean wait of {_duration(min_wait_hours)} and "
                f"{busy:.0%} utilisation)."
            )
            out.append(Finding("warning" if t["mean_wait_hours"] >= min_wait_hours else "info", "growth", text))
        else:
            when = f", with a queue from month {onset}" if onset else ""
            out.append(
                Finding("info", "growth", f"Work also waits at {name}{when}: {waits}; {_consequence(name, sc, run)}.")
            )
    if not out:
        top = max(table, key=lambda n: table[n]["utilization"])
        out.append(
            Finding(
                "info",
                "growth",
                f"No stage makes work wait: every team has spare capacity (the busiest, {top}, "
                f"is busy {table[top]['utilization']:.0%} of its time).",
            )
        )
    for name, t in table.items():
        if t["utilization"] >= busy:
            out.append(
                Finding(
                    "info",
                    "other",
                    f"{name.capitalize()} people are busy {t['utilization']:.0%} of their time: "
                    "little slack to absorb growth or a resignation.",
                )
            )
    return out


def cash_findings(summary: Mapping[str, Any]) -> list[str]:
    """Whether cash runs out (in how many replications, when, how low), always the first finding;
    and a burn multiple left undefined in some replications, which must not flatter the mean."""
    k = summary.get("kpis") or {}
    reps = int(summary.get("replications") or 0)
    if "cash_out" not in k or not reps:
        return []  # a run written before cash-out was measured
    out_share = mean_of(k.get("cash_out")) or 0.0
    lowest = fmt(mean_of(k.get("cash_min")), "money")
    if out_share <= 0:
        where = f"in all {reps} replications" if reps > 1 else "in the one replication"
        lines = [f"Cash never runs out: it stays above zero {where} (lowest month-end cash {lowest}, mean)."]
    else:
        n_out = round(out_share * reps)
        month = mean_of(k.get("cash_out_month"))
        if reps == 1:
            head = "Cash runs out in the one replication" + (f", in month {month:.0f}" if month is not None else "")
        else:
            when = f", first in month {month:.1f} on average (95% CI {ci_range(k.get('cash_out_month'), 'count')})"
            head = f"Cash runs out in {n_out} of {reps} replications{when if month is not None else ''}"
        lines = [
            f"{head}; lowest "
            f"month-end cash {lowest} (mean). From then on the company hires nobody, and without funding it "
            "defaults and stops (`company.default_grace_months`, `company.funding`)."
        ]
    bm = k.get("burn_multiple") or {}
    n_bm = int(bm.get("n", reps))
    if n_bm < reps:
        lines.append(
            f"The burn multiple is undefined in {reps - n_bm} of {reps} replications: they burn cash while ARR "
            f"does not grow, worse than any multiple; its mean ({fmt(mean_of(bm), 'ratio')}) is over the "
            f"other {n_bm} only."
        )
    return lines


def _unhealthy_sentence(run: RunData, share: float) -> str | None:
    """At the last month, the shares of accounts below the active and the healthy threshold
    (1 − the rates, mean over replications with accounts), when at least `share` are not healthy."""
    m = run.monthly
    last = m[m["month"] == m["month"].max()].pivot_table(index="replication", columns="metric", values="value")
    if not {"customers", "health_rate", "activity_rate"} <= set(last.columns):
        return None
    last = last[last["customers"] > 0]
    if last.empty or 1 - last["health_rate"].mean() < share:
        return None
    thr = run.health_thresholds()
    act = f" (health < {thr['active_threshold']:g})" if "active_threshold" in thr else ""
    hea = f" (health < {thr['healthy_threshold']:g})" if "healthy_threshold" in thr else ""
    text = (
        f"By month {int(m['month'].max())}, {1 - last['activity_rate'].mean():.0%} of accounts are below the active "
        f"threshold{act} and {1 - last['health_rate'].mean():.0%} below the healthy threshold{hea}"
    )
    slope = (run.scenario.get("customers") or {}).get("renewal_health_slope")
    if isinstance(slope, (int, float)) and slope > 0:
        text += "; accounts below the healthy threshold renew less often than their segment's renewal rate"
    return text + "."


def headline(run: RunData) -> list[str]:
    """Three or four sentences a founder reads first."""
    s, k = run.summary, run.summary["kpis"]
    horizon = s.get("horizon_months", "?")
    arr = _series_mean(run.monthly, "arr")
    new, exp, churn = (_series_mean(run.monthly, m) for m in ("new_arr", "expansion_arr", "churned_arr"))
    lines = []
    if len(arr):
        start = float(arr.iloc[0] - new.iloc[0] - exp.iloc[0] + churn.iloc[0])
        lines.append(
            f"ARR grows from {fmt(start, 'money')} to {fmt(mean_of(k.get('arr_end')), 'money')} in {horizon} "
            f"months (95% CI {ci_range(k.get('arr_end'), 'money')}), "
            f"winning {mean_of(k.get('new_customers')) or 0:,.0f} new customers."
        )
    lines.append(
        f"Customers renew {fmt(mean_of(k.get('logo_renewal_rate')), 'pct')} of the time; net revenue retention is "
        f"{fmt(mean_of(k.get('nrr')), 'pct')} and CAC is paid back in {_months(k.get('cac_payback_months'))}."
    )
    lines.append(
        f"Cash at the end is {fmt(mean_of(k.get('cash_end')), 'money')}, a runway of "
        f"{_months(k.get('runway_months'))} at the recent burn; headcount ends at "
        f"{mean_of(k.get('headcount_end')) or 0:,.0f} people."
    )
    return lines


def _months(stat: Mapping[str, Any] | None) -> str:
    v = mean_of(stat)
    return "-" if v is None else f"{v:.1f} months"
