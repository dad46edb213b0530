"""Generate docs/explanation/claims.md: the article's claims, measured on each company.

    python docs/_gen/claims.py [--workers 2] [--out docs/explanation/claims.md]

CI runs it before the MkDocs build (.ci/run), so every number on the page comes from this run;
the page is committed too, so the site builds without it. The content is deterministic (no
dates, no run times): the same code gives the same page, whatever the number of workers.

Budget: at most ~5 minutes on 2 cores for the three companies: per company, REPLICATIONS paired
replications of the claims' arms (11 distinct scenarios for series-a) and FOCUS_REPLICATIONS of
each of the 24 focus orders. With 20/20/8 and 6/6/4 (doubled on 2026-11-26 from 10/10/4 and 3/3/2,
for narrower intervals; replications had become about 4x faster than the budget assumed) it took
115 s on the 2-core machine (58 s before). The small options (--companies, --scenarios,
--horizon-months, --replications, --focus-replications) exist for the test that checks the page's
structure against the module.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

import orgsim  # noqa: E402
from orgsim.experiments.claims import ARTICLE_ORDER, CLAIMS  # noqa: E402
from orgsim.experiments.claims_measure import measure, overall  # noqa: E402
from orgsim.experiments.executors import executor  # noqa: E402
from orgsim.experiments.focus_drivers import Tournament, tournament  # noqa: E402
from orgsim.metrics.registry import KPIS, fmt  # noqa: E402

COMPANIES = ["seed-stage", "series-a", "growth-stage"]
SEED = 2026
REPLICATIONS = {"seed-stage": 20, "series-a": 20, "growth-stage": 8}
FOCUS_REPLICATIONS = {"seed-stage": 6, "series-a": 6, "growth-stage": 4}
OUT = ROOT / "docs" / "explanation" / "claims.md"


def _diff(value: float | None, unit: str) -> str:
    """A difference in the KPI's unit: $k for money, percentage points for rates."""
    if value is None or not math.isfinite(value):
        return "-"
    if unit == "money":
        return f"{value / 1e3:+,.0f}k"
    if unit == "pct":
        return f"{value * 100:+.2f} pp"
    return f"{value:+,.1f}"


def _ci(lo: float | None, hi: float | None, unit: str) -> str:
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return "-"
    return f"[{_diff(lo, unit)}, {_diff(hi, unit)}]"


def _num(row: Any, key: str) -> float | None:
    v = row.get(key) if hasattr(row, "get") else None
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def claims_section(rows: pd.DataFrame, companies: list[str]) -> list[str]:
    out = ["## Summary", "", "| claim | against | KPI | verdict |", "|---|---|---|---|"]
    for c in CLAIMS:
        verdict = overall(rows[rows.claim == c.key])
        if c.key == "focus_order":  # one alternative of 23: the tournament below ranks them all
            verdict += " (against this one order; see [the tournament](#focus-tournament) for all 24)"
        out.append(f"| [{c.title}](#{c.key}) | {c.alternative_arm} | `{c.kpi}` | {verdict} |")
    out.append("")
    for c in CLAIMS:
        unit = KPIS[c.kpi].unit
        side = "higher" if c.predicted > 0 else "lower"
        out += [
            f"## {c.title} {{#{c.key}}}",
            "",
            f"*The article:* {c.statement}",
            "",
            f"- article arm: {c.article_arm}",
            f"- alternative: {c.alternative_arm}",
            f"- decided by `{c.kpi}` ({KPIS[c.kpi].label}): predicted {side} in the article arm",
            "",
            "| company | article arm | alternative | effect (article − alternative) | 95% CI | n | verdict |",
            "|---|---:|---:|---:|---|---:|---|",
        ]
        for company in companies:
            r = rows[(rows.claim == c.key) & (rows.company == company)].iloc[0]
            if r.verdict == "not applicable":
                out.append(f"| {company} | | | | | | not applicable: {r.note} |")
                continue
            out.append(
                f"| {company} | {fmt(_num(r, 'article_mean'), unit)} | {fmt(_num(r, 'alternative_mean'), unit)} "
                f"| {_diff(_num(r, 'mean'), unit)} | {_ci(_num(r, 'ci95_low'), _num(r, 'ci95_high'), unit)} "
                f"| {int(r.n)} | {r.verdict} |"
            )
        out += ["", f"**Verdict: {overall(rows[rows.claim == c.key])}.**", ""]
    return out


def _drives(t: Tournament) -> str:
    """One generated sentence: the best first focus against product first, driver by driver."""
    b = t.by_first.set_index("first")
    top = str(b.index[0])
    if top == "product" or "product" not in b.index:
        return f"Orders that start with {top} end with the most ARR on average."
    x, p = b.loc[top], b.loc["product"]
    return (
        f"Orders that start with {top} end with the most ARR on average ({fmt(x.arr_end, 'money')} against "
        f"{fmt(p.arr_end, 'money')} for product first): {x.new_customers - p.new_customers:+,.1f} new customers, "
        f"{x.leads - p.leads:+,.0f} leads, product maturity {x.maturity_end - p.maturity_end:+.3f}, "
        f"AE utilisation {100 * (x.ae_utilization - p.ae_utilization):+.1f} pp, "
        f"health rate {100 * (x.health_rate - p.health_rate):+.1f} pp."
    )


def focus_section(results: dict[str, Tournament | str]) -> list[str]:
    out = [
        "## The focus tournament {#focus-tournament}",
        "",
        "Every order of the growth plan's four departments (24), each with the same replications and "
        "common random numbers, ranked by mean ARR at the end (`orgsim focus --method equal`). "
        "The decomposition averages, over the orders that start with each department, what they end with.",
        "",
    ]
    for company, t in results.items():
        out += [f"### {company}", ""]
        if isinstance(t, str):
            out += [f"Not run: {t}.", ""]
            continue
        n = len(t.ranking)
        out.append(f"The article's order ({' > '.join(t.article)}) ranks **{t.article_rank} of {n}**.")
        if t.versus_best is not None:
            v = t.versus_best
            out.append(
                f"Against the best order ({v['best']}): {_diff(v['mean'], 'money')} "
                f"{_ci(v['ci95'][0], v['ci95'][1], 'money')} ARR at the end (paired, n = {v['n']})."
            )
        out += ["", "| rank | order | ARR at end | 95% CI | n |", "|---:|---|---:|---|---:|"]
        article = " > ".join(t.article)
        for _, r in t.ranking.iterrows():
            if r["rank"] <= 3 or r.order == article:
                ci = f"[{fmt(r.ci95_low, 'money')}, {fmt(r.ci95_high, 'money')}]" if r.n > 1 else "-"
                name = f"**{r.order}**" if r.order == article else r.order
                out.append(f"| {r['rank']} | {name} | {fmt(r['mean'], 'money')} | {ci} | {r.n} |")
        out += [
            "",
            "What the orders end with, by first focus:",
            "",
            "| first focus | orders | ARR at end | new customers | leads | product maturity | AE utilisation "
            "| health rate |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for _, r in t.by_first.iterrows():
            out.append(
                f"| {r['first']} | {r.orders} | {fmt(r.arr_end, 'money')} | {r.new_customers:,.1f} | {r.leads:,.0f} "
                f"| {r.maturity_end:.3f} | {100 * r.ae_utilization:.1f}% | {100 * r.health_rate:.1f}% |"
            )
        out += ["", _drives(t)]
        out += [""] + [f"Note: {note}." for note in t.notes] + ([""] if t.notes else [])
    return out


def render(
    rows: pd.DataFrame,
    focus: dict[str, Tournament | str],
    companies: list[str],
    missing: list[str],
    reps: dict[str, int],
    focus_reps: dict[str, int],
    horizons: dict[str, int],
    command: str,
) -> str:
    head = [
        "# The article's claims, measured",
        "",
        "<!-- Generated by docs/_gen/claims.py: do not edit; CI regenerates this page. -->",
        "",
        f"*Generated by `{command}`; do not edit by hand.* Seed {SEED}, common random numbers. "
        "Per company: "
        + "; ".join(
            f"{c}: {horizons[c]} months, {reps[c]} paired replications per claim, {focus_reps[c]} per focus order"
            for c in companies
        )
        + ".",
        "",
        "Each claim of the [article](../about-the-article.md) is a paired experiment on each company: the "
        "article's choice against a sensible alternative, both built from the company's own scenario "
        "(`orgsim/experiments/claims.py` lists the overrides). The effect is the mean paired difference "
        "(article − alternative) of the deciding KPI with its 95% confidence interval (Student t over the "
        "replications). A claim **holds** on a company when the interval lies on the predicted side of "
        "zero, is **opposite** when it lies on the other side, and is **not detected** when it contains "
        'zero; with few replications "not detected" means the effect, if any, is smaller than the '
        "interval, not that it is zero. Over the companies a claim *holds*, *holds only on* some, or "
        "*does not hold here*. A verdict says what these mechanisms, with these numbers, do — not "
        "whether the article is right (see [validation](validation.md) for the mechanisms' measured "
        "directions on series-a with more replications).",
        "",
    ]
    for company in missing:
        head += [
            f'!!! note "{company} not measured"',
            f"    `scenarios/{company}.yaml` is not in this tree, so {company} is skipped.",
            "",
        ]
    return "\n".join(head + claims_section(rows, companies) + focus_section(focus)).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--companies", default=",".join(COMPANIES), help="comma-separated scenario names")
    p.add_argument("--scenarios", type=Path, default=ROOT / "scenarios", help="folder of <company>.yaml")
    p.add_argument("--horizon-months", type=int, default=None, help="override every company's horizon")
    p.add_argument("--replications", type=int, default=None, help="override every company's replications")
    p.add_argument("--focus-replications", type=int, default=None)
    a = p.parse_args(argv)
    wanted = [c for c in a.companies.split(",") if c]
    companies = [c for c in wanted if (a.scenarios / f"{c}.yaml").exists()]
    missing = [c for c in wanted if c not in companies]
    over = {"horizon_months": a.horizon_months} if a.horizon_months else None
    scs = {c: orgsim.load_scenario(a.scenarios / f"{c}.yaml", overrides=over) for c in companies}
    reps = {c: a.replications or REPLICATIONS.get(c, 10) for c in companies}
    freps = {c: a.focus_replications or FOCUS_REPLICATIONS.get(c, 2) for c in companies}
    with executor(a.workers) as ex:
        rows = measure(scs, reps, SEED, executor=ex)
        focus: dict[str, Tournament | str] = {}
        for c, sc in scs.items():
            reason = next(
                (r.note for r in rows.itertuples() if r.company == c and r.claim == "focus_order" and r.note), ""
            )
            focus[c] = reason or tournament(sc, tuple(ARTICLE_ORDER), freps[c], SEED, executor=ex)
    args = sys.argv[1:] if argv is None else argv
    command = " ".join(["python docs/_gen/claims.py", *args])
    page = render(rows, focus, companies, missing, reps, freps, {c: s.horizon_months for c, s in scs.items()}, command)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
