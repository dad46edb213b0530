"""The shareable report of a run: one self-contained `report.html` and the plots as PNG files.

Works from what `orgsim run --out DIR` writes — `summary.json`, `monthly.csv`, `stages.csv`,
`funnel.csv`, `manifest.json` (and `counters.csv` when present) — so `orgsim report DIR` can
regenerate it later from the files alone; `run --out` hands it the same tables in memory.
The HTML embeds its images as base64 PNG and its CSS inline: no network, no JavaScript. Every
piece of text that comes from data is escaped with `html.escape`.

Sections: headline, findings (the bottleneck in plain sentences, derived from the data), KPIs
with 95% CIs, the plots, the scenario in words (org chart, ownership rules, growth plan,
segments, lead sources), funnel and stage tables, and the manifest.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping

import pandas as pd

from orgsim.outputs import plots
from orgsim.scenario.errors import UsageError
from orgsim.metrics.registry import FUNNEL_KEYS, KPIS, fmt
from orgsim.outputs.text import NEGLIGIBLE_WAIT_HOURS

__all__ = [
    "PLOT_FILES", "REPORT_FILE", "RunData", "findings", "headline", "load_run", "parquet_files", "render_html",
    "report_files", "write_report",
]

REPORT_FILE = "report.html"
PLOT_NAMES = ("arr_fan", "arr_bridge", "funnel", "headcount_cost", "bottlenecks", "health", "health_distribution",
              "cash_runway")
PLOT_FILES = tuple(f"plots/{n}.png" for n in PLOT_NAMES)
PLOT_CAPTIONS = {
    "arr_fan": "ARR at the end of each month. The line is the median replication; the band holds the middle "
               "80% of replications — the spread you should plan for.",
    "arr_bridge": "Where the ending ARR comes from: starting ARR plus new deals plus expansion minus churn "
                  "(means over replications).",
    "funnel": "Left: how many leads, MQLs, SQLs, opportunities and won deals the company makes, with the share "
              "that reaches each next step. Right: which lead source feeds each step.",
    "headcount_cost": "Left: people by department. Right: monthly cost (people by department, paid marketing, "
                      "overhead, cost of goods sold) against monthly revenue; the gap is the operating burn.",
    "bottlenecks": "Where work waits for a free person. Left: tasks waiting at each month's end; middle: the "
                   "wait per task; right: how busy each stage's people are. The bottleneck is drawn in red.",
    "health": "Left: share of active accounts that are healthy (renew and expand more) and active at all, "
              "with product maturity. Right: active customers.",
    "health_distribution": "How health is spread over the active accounts. Left: the share of accounts in each tenth "
                           "of the 0–1 health score, month by month (mean over replications); the lines are the "
                           "share below the active and the healthy threshold. Right: accounts per health band at "
                           "the last month (mean; the whisker holds the middle 80% of replications).",
    "cash_runway": "Cash in the bank, the monthly net burn (costs minus collections) and the runway it "
                   "leaves: months of cash at the burn of the last three months.",
}
NEEDED = ("summary.json", "monthly.csv", "stages.csv", "funnel.csv")


@dataclass
class RunData:
    """Everything a report is made from: the files of a run directory, as data."""

    summary: dict[str, Any]
    monthly: pd.DataFrame
    stages: pd.DataFrame
    funnel: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    counters: pd.DataFrame | None = None

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved scenario from the manifest ({} when there is no manifest)."""
        return self.manifest.get("scenario") or {}

    def role_departments(self) -> dict[str, str]:
        return {r: v.get("department", "other") for r, v in (self.scenario.get("roles") or {}).items()}

    def health_thresholds(self) -> dict[str, float]:
        """The scenario's healthy_threshold and active_threshold ({} when the manifest lacks them)."""
        c = self.scenario.get("customers") or {}
        return {k: float(c[k]) for k in ("healthy_threshold", "active_threshold") if isinstance(c.get(k), (int, float))}


def load_run(directory: str | Path) -> RunData:
    """Read a run directory written by `orgsim run --out`; UsageError names what is missing."""
    d = Path(directory)
    if not d.is_dir():
        raise UsageError(f"{d}: no such directory (give the DIR of `orgsim run --out DIR`)")
    missing = [n for n in NEEDED if not (d / n).is_file()]
    if missing:
        raise UsageError(f"{d}: missing {', '.join(missing)}; is this a directory written by `orgsim run --out`?")

    def read_json(name: str) -> dict[str, Any]:
        try:
            doc = json.loads((d / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UsageError(f"{d / name}: cannot read it as JSON: {e}") from None
        if not isinstance(doc, dict):
            raise UsageError(f"{d / name}: expected a JSON object")
        return doc

    def read_csv(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        try:
            df = pd.read_csv(d / name)
        except (OSError, ValueError) as e:
            raise UsageError(f"{d / name}: cannot read it as CSV: {e}") from None
        lacking = [c for c in columns if c not in df.columns]
        if lacking:
            raise UsageError(f"{d / name}: missing column(s) {', '.join(lacking)}")
        return df

    summary = read_json("summary.json")
    for key in ("kpis", "stages", "funnel"):
        if not isinstance(summary.get(key), dict):
            raise UsageError(f"{d / 'summary.json'}: has no {key!r} block; was it written by `orgsim run`?")
    return RunData(
        summary=summary,
        monthly=read_csv("monthly.csv", ("replication", "month", "metric", "value")),
        stages=read_csv("stages.csv", ("replication", "stage", "mean_wait_hours", "p90_wait_hours", "utilization")),
        funnel=read_csv("funnel.csv", ("replication", *FUNNEL_KEYS)),
        manifest=read_json("manifest.json") if (d / "manifest.json").is_file() else {},
        counters=pd.read_csv(d / "counters.csv") if (d / "counters.csv").is_file() else None,
    )


# ---- words from data -------------------------------------------------------------------------


def _mean(stat: Mapping[str, Any] | None) -> float | None:
    v = (stat or {}).get("mean")
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


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
            return (f"MQLs wait for {who} to qualify them, and a lead that waits converts less "
                    f"(its chance halves every {stl.get('halflife_hours', 0):g} hours, down to a floor)")
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
            return (f"deals that find no SE free go ahead without one, at "
                    f"{funnel_cfg.get('no_presales_win_factor', 0):.0%} of the usual win rate")
        return "deals that need an SE wait for one, which lengthens the sales cycle"
    if stage == "implementation":
        penalty = ((sc.get("customers") or {}).get("health") or {}).get("onboarding_wait_penalty_per_month")
        text = "customers waiting for delivery start with lower health"
        if penalty:
            text += f" (a health score {penalty:g} lower on the 0–1 scale per month waited)"
        if run.counters is not None and "mean_onboarding_wait_days" in run.counters:
            text += (f"; across all delivery teams, won deals waited {run.counters['mean_onboarding_wait_days'].mean():.1f} "
                     "days on average for someone free to deliver them")
        return text
    if stage == "csm":
        return "account care, expansions and renewals wait; accounts whose care is not done drift towards lower health"
    return "work waits here"


def findings(run: RunData, min_wait_hours: float = 4.0, busy: float = 0.85, unhealthy: float = 0.1) -> list[str]:
    """The bottleneck and other places where work waits, in plain sentences."""
    stages = run.summary.get("stages") or {}
    table = {
        name: {k: _mean(st.get(k)) or 0.0 for k in ("mean_wait_hours", "p90_wait_hours", "utilization", "arrivals")}
        for name, st in stages.items()
    }
    out: list[str] = []
    if not table:
        return out
    worst = max(table, key=lambda n: table[n]["mean_wait_hours"])
    sc = run.scenario
    ordered = [worst] + [n for n in table if n != worst]
    for name in ordered:
        t = table[name]
        if t["mean_wait_hours"] < NEGLIGIBLE_WAIT_HOURS or (name != worst and t["mean_wait_hours"] < min_wait_hours):
            continue
        onset = onset_month(_series_mean(run.monthly, f"queue.{name}"))
        waits = (f"{_duration(t['mean_wait_hours'])} on average (p90 {_duration(t['p90_wait_hours'])}) "
                 f"at {t['utilization']:.0%} utilisation")
        if name == worst:
            when = f" from month {onset}" if onset else ""
            tail = "" if onset else " Its queue comes and goes rather than building up."
            out.append(f"{name.capitalize()} is the bottleneck{when}: work waits {waits}; "
                       f"{_consequence(name, sc, run)}.{tail}")
        else:
            when = f", with a queue from month {onset}" if onset else ""
            out.append(f"Work also waits at {name}{when}: {waits}; {_consequence(name, sc, run)}.")
    if not out:
        top = max(table, key=lambda n: table[n]["utilization"])
        out.append(f"No stage makes work wait: every team has spare capacity (the busiest, {top}, "
                   f"is busy {table[top]['utilization']:.0%} of its time).")
    for name, t in table.items():
        if t["utilization"] >= busy:
            out.append(f"{name.capitalize()} people are busy {t['utilization']:.0%} of their time: little slack to absorb growth "
                       "or a resignation.")
    hr = _series_mean(run.monthly, "health_rate")
    if len(hr) > 1 and hr.iloc[-1] < hr.iloc[0] - 0.05:
        low = int(hr.idxmin())
        out.append(f"Customer health slips: the share of healthy accounts falls from {hr.iloc[0]:.0%} to "
                   f"{hr.iloc[-1]:.0%} (lowest {hr.min():.0%} in month {low}).")
    below = _unhealthy_sentence(run, unhealthy)
    if below:
        out.append(below)
    cash = run.monthly[run.monthly["metric"] == "cash"].groupby("month")["value"].median().sort_index()
    if len(cash) and (cash < 0).any():
        out.append(f"Cash runs out in month {int(cash[cash < 0].index[0])} in the median replication.")
    return out


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
    text = (f"By month {int(m['month'].max())}, {1 - last['activity_rate'].mean():.0%} of accounts are below the active "
            f"threshold{act} and {1 - last['health_rate'].mean():.0%} below the healthy threshold{hea}")
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
        lines.append(f"ARR grows from {fmt(start, 'money')} to {fmt(_mean(k.get('arr_end')), 'money')} in {horizon} "
                     f"months (95% CI {_ci(k.get('arr_end'), 'money')}), winning {_mean(k.get('new_customers')) or 0:,.0f} "
                     f"new customers.")
    lines.append(f"Customers renew {fmt(_mean(k.get('logo_renewal_rate')), 'pct')} of the time; net revenue retention is "
                 f"{fmt(_mean(k.get('nrr')), 'pct')} and CAC is paid back in {_months(k.get('cac_payback_months'))}.")
    lines.append(f"Cash at the end is {fmt(_mean(k.get('cash_end')), 'money')}, a runway of "
                 f"{_months(k.get('runway_months'))} at the recent burn; headcount ends at "
                 f"{_mean(k.get('headcount_end')) or 0:,.0f} people.")
    return lines


def _months(stat: Mapping[str, Any] | None) -> str:
    v = _mean(stat)
    return "-" if v is None else f"{v:.1f} months"


def _ci(stat: Mapping[str, Any] | None, unit: str) -> str:
    lo, hi = (stat or {}).get("ci95") or (None, None)
    if lo is None or hi is None:
        return "-"
    return f"{fmt(lo, unit)} – {fmt(hi, unit)}"


def _dist_mean(d: Any) -> float | None:
    if isinstance(d, (int, float)):
        return float(d)
    if not isinstance(d, Mapping):
        return None
    kind = d.get("dist")
    if kind == "fixed":
        return d.get("value") if d.get("value") is not None else d.get("mean")
    if kind == "uniform":
        return (d["low"] + d["high"]) / 2
    if kind == "triangular":
        return (d["low"] + d["mode"] + d["high"]) / 3
    if kind == "empirical":
        vals, w = d.get("values") or [], d.get("weights") or [1.0] * len(d.get("values") or [])
        return sum(v * x for v, x in zip(vals, w)) / sum(w) if vals and sum(w) else None
    return d.get("mean")


# ---- HTML ------------------------------------------------------------------------------------

E = html.escape
CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{margin:0 0 4px;font-size:28px} h2{margin-top:36px;border-bottom:2px solid #e3e6ea;padding-bottom:4px}
h3{margin:20px 0 8px}
.sub{color:#666;margin:0 0 16px} .lead p{font-size:17px;margin:6px 0}
.findings li{margin:6px 0} .findings li.worst{font-weight:600;color:#a33}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{padding:4px 10px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f0f2f5} tr.worst td{background:#fbeaea;font-weight:600}
figure{margin:18px 0 28px} figure img{max-width:100%;height:auto;border:1px solid #e3e6ea}
figcaption{color:#555;font-size:14px;margin-top:4px}
.org{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.dept{border:1px solid #cfd5dc;border-top:6px solid var(--c);border-radius:6px;padding:8px 12px;min-width:170px;flex:1}
.dept h4{margin:0 0 4px;text-transform:capitalize} .dept .n{color:#555;font-size:13px;margin-bottom:4px}
.dept ul{margin:0;padding-left:18px;font-size:14px}
ul.rules li{margin:4px 0}
pre{background:#f6f7f9;padding:12px;overflow-x:auto;font-size:12px;max-height:480px}
details summary{cursor:pointer;color:#335}
footer{color:#777;font-size:13px;margin-top:32px}
"""


def _table(head: list[str], rows: list[list[str]], numeric: Collection[int] = (), classes: list[str] | None = None) -> str:
    """An HTML table; cells are escaped here."""
    th = "".join(f'<th class="num">{E(h)}</th>' if i in numeric else f"<th>{E(h)}</th>" for i, h in enumerate(head))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{E(classes[r])}"' if classes and classes[r] else ""
        tds = "".join(f'<td class="num">{E(c)}</td>' if i in numeric else f"<td>{E(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _kpi_section(run: RunData) -> str:
    reps = run.summary.get("replications", 0)
    rows = []
    for k, spec in KPIS.items():
        st = run.summary["kpis"].get(k)
        if st is None:
            continue
        n = st.get("n", reps)
        rows.append([spec.label, k, spec.format(_mean(st)), _ci(st, spec.unit),
                     f"{n}/{reps}" if isinstance(n, int) and n < reps else "", spec.definition])
    note = ("<p class=\"sub\">Mean over replications with its 95% confidence interval (Student t). "
            "n shows where a KPI was undefined in some replications (e.g. CAC with no new customer).</p>")
    return "<h2>KPIs</h2>" + note + _table(["KPI", "key", "mean", "95% CI", "n", "definition"], rows, {2, 3, 4})


def _org_chart(run: RunData) -> str:
    roles = run.scenario.get("roles") or {}
    if not roles:
        return "<p>No resolved scenario in manifest.json: the organisation is unknown.</p>"
    end_month = run.monthly["month"].max()
    last = run.monthly[run.monthly["month"] == end_month]
    by_dept: dict[str, list[tuple[str, dict]]] = {}
    for role, r in roles.items():
        by_dept.setdefault(r.get("department", "other"), []).append((role, r))
    cards = []
    for dept in [d for d in plots.DEPARTMENTS if d in by_dept] + sorted(set(by_dept) - set(plots.DEPARTMENTS)):
        start = sum(int(r.get("headcount", 0)) for _, r in by_dept[dept])
        items, end_total = [], 0.0
        for role, r in by_dept[dept]:
            end = last[last["metric"] == f"headcount.{role}"]["value"].mean()
            end = float(end) if pd.notna(end) else float(r.get("headcount", 0))
            end_total += end
            items.append(f"<li>{E(role)}: {int(r.get('headcount', 0))} → {end:.0f}"
                         f" <span class=\"sub\">({E(fmt(r.get('annual_cost', 0), 'money'))}/yr)</span></li>")
        color = plots.DEPARTMENT_COLORS.get(dept, plots.NEUTRAL)
        cards.append(f'<div class="dept" style="--c:{E(color)}"><h4>{E(dept)}</h4>'
                     f'<div class="n">{start} people at the start → {end_total:.0f} at month {int(end_month)}</div>'
                     f"<ul>{''.join(items)}</ul></div>")
    return ("<h3>Organisation</h3><p class=\"sub\">Headcount by department and role: at the start → mean at "
            f"the end of the horizon, with the annual cost of one person.</p><div class=\"org\">{''.join(cards)}</div>")


def _ownership(sc: Mapping[str, Any]) -> list[str]:
    own = sc.get("ownership") or {}
    roles = sc.get("roles") or {}
    out = []
    if own.get("qualification") == "ae":
        out.append("AEs qualify marketing-qualified leads themselves (MQL → SQL); there is no SDR step.")
    else:
        out.append("SDRs qualify marketing-qualified leads (MQL → SQL) and book outbound meetings.")
    routing = own.get("routing")
    if routing == "segment":
        pods = (roles.get("ae") or {}).get("pods") or {}
        split = ", ".join(f"{k} {v:.0%}" for k, v in pods.items())
        out.append("SQLs go to AEs by segment (pods" + (f": {split} of AEs" if split else "") + ").")
    elif routing == "least_loaded":
        out.append("SQLs go to the AE with the fewest open opportunities.")
    else:
        out.append("SQLs go to AEs in turn (round robin).")
    ae_cap = (roles.get("ae") or {}).get("max_open_opportunities")
    if ae_cap:
        out.append(f"An AE works at most {ae_cap} open opportunities at a time; further SQLs wait for a slot.")
    delivered: dict[str, list[str]] = {}
    for seg, s in (sc.get("segments") or {}).items():
        delivered.setdefault(s.get("delivered_by", "sales"), []).append(seg)
    who = {"sales": "the AE who sold them", "implementation": "the implementation team", "csm": "CSMs"}
    for team, segs in delivered.items():
        names = " and ".join([", ".join(segs[:-1]), segs[-1]] if len(segs) > 1 else segs)
        out.append(f"Deals in {names} are delivered by {who.get(team, team)}.")
    months = own.get("expansion_by_sales_months", 0)
    out.append(f"Sales owns expansion for the first {months:g} months of a new contract; customer success after that.")
    out.append("CSMs run renewals." if own.get("renewal", "csm") == "csm" else "AEs run renewals.")
    if own.get("referral_relationship") == "sales":
        boost = ((sc.get("lead_sources") or {}).get("referral") or {}).get("relationship_boost", 1)
        out.append(f"Sales keeps the key-person relationship after the sale, which multiplies referrals by {boost:g}.")
    else:
        out.append("Nobody keeps the key-person relationship after the sale (no referral boost).")
    if own.get("presales_unavailable") == "proceed":
        out.append("A deal that needs presales and finds no SE free goes ahead without one, at a lower win rate.")
    else:
        out.append("A deal that needs presales waits until an SE is free.")
    return out


def _growth(sc: Mapping[str, Any]) -> list[str]:
    h = sc.get("hiring") or {}
    out = []
    g = h.get("growth")
    if g and g.get("hires_per_month"):
        order = g.get("focus_order") or []
        if g.get("arr_milestones"):
            ms = [f"{d} at ARR ≥ {fmt(m, 'money')}" for d, m in zip(order[1:], g["arr_milestones"])]
            stages = f"{order[0]} first, then " + ", then ".join(ms) if order else ""
        else:
            n = g.get("months_per_stage") or 0
            stages = ", then ".join(f"{d} (from month {int(i * n) + 1})" for i, d in enumerate(order))
        out.append(f"Growth plan: {g['hires_per_month']:g} hires a month; each stage sends {g.get('focus_share', 0):.0%} "
                   f"of hires to its focus department: {stages}.")
        for dept, mix in (g.get("mix") or {}).items():
            total = sum(mix.values()) or 1
            out.append(f"Hires for {dept}: " + ", ".join(f"{r} {v / total:.0%}" for r, v in mix.items()) + ".")
    plan = h.get("plan") or []
    if plan:
        out.append("Planned requisitions: " + "; ".join(f"month {p['month']}: +{p.get('count', 1)} {p['role']}" for p in plan) + ".")
    if not out:
        out.append("No hiring beyond backfill: the organisation keeps its starting headcount.")
    tth = _dist_mean(h.get("time_to_hire_days"))
    attr = h.get("attrition_per_year") or {}
    extra = f"; annual attrition {attr.get('default', 0):.0%}" + "".join(
        f", {r} {v:.0%}" for r, v in attr.items() if r != "default")
    if tth is not None:
        out.append(f"A hire takes {tth:.0f} days on average{extra}; leavers are "
                   f"{'backfilled' if h.get('backfill', True) else 'not replaced'}.")
    return out


def _scenario_section(run: RunData) -> str:
    sc = run.scenario
    parts = ["<h2>The scenario in words</h2>"]
    if sc.get("description"):
        parts.append(f"<p>{E(str(sc['description']).strip())}</p>")
    parts.append(_org_chart(run))
    if sc:
        parts.append("<h3>Who owns what</h3><ul class=\"rules\">" + "".join(f"<li>{E(x)}</li>" for x in _ownership(sc)) + "</ul>")
        parts.append("<h3>Hiring and growth</h3><ul class=\"rules\">" + "".join(f"<li>{E(x)}</li>" for x in _growth(sc)) + "</ul>")
        rows = []
        for seg, s in (sc.get("segments") or {}).items():
            rows.append([seg, f"{s.get('lead_mix', 0):.0%}", fmt(_dist_mean(s.get("acv")), "money"),
                         f"{_dist_mean(s.get('sales_cycle_days')) or 0:.0f} days", f"{s.get('win_rate', 0):.0%}",
                         "yes" if s.get("needs_presales") else "no", str(s.get("delivered_by", "")),
                         f"{s.get('renewal_rate', 0):.0%}"])
        parts.append("<h3>Customer segments</h3>" + _table(
            ["segment", "lead mix", "mean ACV", "sales cycle", "win rate", "presales", "delivered by", "renewal rate"],
            rows, {1, 2, 3, 4, 7}))
        ls = sc.get("lead_sources") or {}
        paid, content = ls.get("paid") or {}, ls.get("content") or {}
        out_b, ref = ls.get("outbound") or {}, ls.get("referral") or {}
        src = [f"Paid: {fmt(paid.get('budget_per_month', 0), 'money')} a month at {fmt(paid.get('cost_per_lead', 0), 'money')} per lead.",
               f"Content: {content.get('leads_per_marketer_month', 0):g} leads per marketer a month.",
               f"Outbound: SDRs spend {out_b.get('sdr_time_share', 0):.0%} of their time prospecting, "
               f"booking {out_b.get('meetings_per_sdr_month', 0):g} meetings each a month.",
               f"Referrals: {ref.get('per_healthy_account_year', 0):g} per healthy account a year."]
        parts.append("<h3>Lead sources</h3><ul class=\"rules\">" + "".join(f"<li>{E(x)}</li>" for x in src) + "</ul>")
    return "".join(parts)


def _funnel_stage_tables(run: RunData) -> str:
    f = run.summary.get("funnel") or {}
    rows, prev = [], None
    for k in FUNNEL_KEYS:
        m = _mean(f.get(k))
        conv = fmt(m / prev, "pct") if prev and m is not None else ""
        rows.append([k, fmt(m), _ci(f.get(k), "count"), conv])
        prev = m
    out = "<h2>Funnel and stages</h2>" + _table(["step", "mean", "95% CI", "from the step before"], rows, {1, 2, 3})
    stages = run.summary.get("stages") or {}
    worst = max(stages, key=lambda n: _mean(stages[n].get("mean_wait_hours")) or 0.0) if stages else None
    if worst and not (_mean(stages[worst].get("mean_wait_hours")) or 0) > 0:
        worst = None
    rows, classes = [], []
    for name, st in stages.items():
        rows.append([name, fmt(_mean(st.get("arrivals"))), fmt(_mean(st.get("completed"))),
                     fmt(_mean(st.get("mean_wait_hours")), "hours"), fmt(_mean(st.get("p90_wait_hours")), "hours"),
                     fmt(_mean(st.get("utilization")), "pct"), "bottleneck" if name == worst else ""])
        classes.append("worst" if name == worst else "")
    out += _table(["stage", "tasks arrived", "completed", "mean wait (h)", "p90 wait (h)", "utilisation", ""],
                  rows, {1, 2, 3, 4, 5}, classes)
    return out


def _manifest_section(run: RunData) -> str:
    m = run.manifest
    if not m:
        return "<h2>Manifest</h2><p>No manifest.json in the run directory.</p>"
    keys = ["orgsim_version", "scenario_file", "scenario_sha256", "overrides", "seed", "replications", "workers",
            "created_utc", "runtime_s", "python", "files"]
    rows = [[k, (", ".join(map(str, m[k])) or "(none)") if isinstance(m[k], list) else str(m[k])] for k in keys if k in m]
    resolved = json.dumps(m.get("scenario", {}), indent=2, ensure_ascii=False)
    return ("<h2>Manifest</h2><p class=\"sub\">What produced these numbers; the same seed and scenario give the "
            "same results.</p>" + _table(["field", "value"], rows)
            + f"<details><summary>Resolved scenario (every value, defaults included)</summary><pre>{E(resolved)}</pre></details>")


def render_html(run: RunData, images: Mapping[str, bytes]) -> str:
    """The report as one HTML string; `images` maps plot name -> PNG bytes (embedded as data: URIs)."""
    s = run.summary
    name = str(s.get("scenario", "scenario"))
    sub = (f"{s.get('replications', '?')} replications · seed {s.get('seed', '?')} · {s.get('horizon_months', '?')} months"
           + (f" · created {run.manifest['created_utc']}" if run.manifest.get("created_utc") else "")
           + (f" · orgsim {run.manifest['orgsim_version']}" if run.manifest.get("orgsim_version") else ""))
    figs = []
    for key, png in images.items():
        data = base64.b64encode(png).decode("ascii")
        figs.append(f'<figure><img alt="{E(key.replace("_", " "))}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{E(PLOT_CAPTIONS.get(key, ''))}</figcaption></figure>")
    body = [
        f"<h1>{E(name)}</h1><p class=\"sub\">{E(sub)}</p>",
        "<section class=\"lead\">" + "".join(f"<p>{E(x)}</p>" for x in headline(run)) + "</section>",
        "<h2>Findings</h2><ul class=\"findings\">" + "".join(
            ('<li class="worst">' if " is the bottleneck" in x else "<li>") + f"{E(x)}</li>" for x in findings(run)) + "</ul>",
        _kpi_section(run),
        "<h2>Plots</h2>" + "".join(figs),
        _scenario_section(run),
        _funnel_stage_tables(run),
        _manifest_section(run),
        "<footer>Made by orgsim, a discrete-event simulation of a SaaS company's customer value chain. "
        "Every number is an average over simulated replications of the scenario above, not a forecast.</footer>",
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{E(name)} — orgsim report</title><style>{CSS}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def report_files(run: RunData, dpi: int = 100) -> dict[str, bytes]:
    """plots/*.png and report.html for a run, as bytes by relative path (nothing written)."""
    figures = plots.run_figures(run.monthly, run.stages, run.funnel, run.role_departments(), **run.health_thresholds())
    images = {name: plots.png_bytes(fig, dpi=dpi) for name, fig in figures.items()}
    files = {f"plots/{name}.png": png for name, png in images.items()}
    files[REPORT_FILE] = render_html(run, images).encode("utf-8")
    return files


def parquet_files(tables: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """`name.parquet` bytes for each table when pyarrow is installed; {} when it is not."""
    if importlib.util.find_spec("pyarrow") is None:
        return {}
    out = {}
    for name, df in tables.items():
        buf = io.BytesIO()
        df.to_parquet(buf, index=False, engine="pyarrow")
        out[f"{name}.parquet"] = buf.getvalue()
    return out


def write_report(directory: str | Path, dpi: int = 100) -> list[Path]:
    """Regenerate report.html and plots/*.png in a run directory, atomically; returns the paths."""
    from orgsim.outputs.files import write_bytes_atomic

    d = Path(directory)
    files = report_files(load_run(d), dpi=dpi)  # everything rendered before anything is written
    (d / "plots").mkdir(exist_ok=True)
    return [write_bytes_atomic(d / rel, data) for rel, data in files.items()]
