"""A run in words: the headline and the findings of a run report, derived from its data.

Cash first (does the company run out, when, how low it goes; ratios a failing company leaves
undefined), then the bottleneck in plain sentences (where work waits, since when, what it costs),
an unhealthy customer base, and the headline numbers. Input is a `RunData` (the files of a run directory).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from orgsim.metrics.registry import fmt
from orgsim.outputs.html import ci_range, mean_of
from orgsim.outputs.report_retention import retention_findings
from orgsim.outputs.text import NEGLIGIBLE_WAIT_HOURS

if TYPE_CHECKING:
    from orgsim.outputs.report import RunData

__all__ = ["cash_findings", "findings", "headline", "onset_month"]


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


def findings(run: RunData, min_wait_hours: float = 4.0, busy: float = 0.85, unhealthy: float = 0.1) -> list[str]:
    """The bottleneck and other places where work waits, in plain sentences."""
    stages = run.summary.get("stages") or {}
    table = {
        name: {k: mean_of(st.get(k)) or 0.0 for k in ("mean_wait_hours", "p90_wait_hours", "utilization", "arrivals")}
        for name, st in stages.items()
    }
    out: list[str] = cash_findings(run.summary)
    if not table:
        return out
    first_wait = len(out)  # the cash findings come first; then where work waits, or that it does not
    worst = max(table, key=lambda n: table[n]["mean_wait_hours"])
    sc = run.scenario
    ordered = [worst] + [n for n in table if n != worst]
    for name in ordered:
        t = table[name]
        if t["mean_wait_hours"] < NEGLIGIBLE_WAIT_HOURS or (name != worst and t["mean_wait_hours"] < min_wait_hours):
            continue
        onset = onset_month(_series_mean(run.monthly, f"queue.{name}"))
        waits = (
            f"{_duration(t['mean_wait_hours'])} on average (p90 {_duration(t['p90_wait_hours'])}) "
            f"at {t['utilization']:.0%} utilisation"
        )
        if name == worst:
            when = f" from month {onset}" if onset else ""
            tail = "" if onset else " Its queue comes and goes rather than building up."
            out.append(
                f"{name.capitalize()} is the bottleneck{when}: work waits {waits}; {_consequence(name, sc, run)}.{tail}"
            )
        else:
            when = f", with a queue from month {onset}" if onset else ""
            out.append(f"Work also waits at {name}{when}: {waits}; {_consequence(name, sc, run)}.")
    if len(out) == first_wait:
        top = max(table, key=lambda n: table[n]["utilization"])
        out.append(
            f"No stage makes work wait: every team has spare capacity (the busiest, {top}, "
            f"is busy {table[top]['utilization']:.0%} of its time)."
        )
    for name, t in table.items():
        if t["utilization"] >= busy:
            out.append(
                f"{name.capitalize()} people are busy {t['utilization']:.0%} of their time: "
                "little slack to absorb growth or a resignation."
            )
    hr = _series_mean(run.monthly, "health_rate")
    if len(hr) > 1 and hr.iloc[-1] < hr.iloc[0] - 0.05:
        low = int(cast(int, hr.idxmin()))  # the index is the month
        out.append(
            f"Customer health slips: the share of healthy accounts falls from {hr.iloc[0]:.0%} to "
            f"{hr.iloc[-1]:.0%} (lowest {hr.min():.0%} in month {low})."
        )
    below = _unhealthy_sentence(run, unhealthy)
    if below:
        out.append(below)
    out += retention_findings(run.summary, run.health_thresholds().get("healthy_threshold", 0.6))
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
        lines = [
            f"Cash never runs out: it stays above zero in all {reps} replications "
            f"(lowest month-end cash {lowest}, mean)."
        ]
    else:
        n_out = round(out_share * reps)
        month = mean_of(k.get("cash_out_month"))
        when = f", first in month {month:.1f} on average (95% CI {ci_range(k.get('cash_out_month'), 'count')})"
        lines = [
            f"Cash runs out in {n_out} of {reps} replications{when if month is not None else ''}; lowest "
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
