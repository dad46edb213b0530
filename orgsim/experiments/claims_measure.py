"""Running the article's claims (`claims.CLAIMS`) on companies, with verdicts.

`measure` runs every company's arms with common random numbers (one `compare` per company; arms
that turn out to be the same scenario run once) and returns one row per claim and company: the
paired effect (article arm - alternative) with its 95% confidence interval and a verdict:

- **holds**: the CI lies entirely on the predicted side of zero;
- **opposite**: the CI lies entirely on the other side;
- **not detected**: the CI contains zero (or there are too few replications for a CI);
- **not applicable**: the company cannot express one of the arms (the reason is given).

`overall` turns a claim's rows into one verdict over the companies: "holds", "holds only on
...", or "does not hold here (...)".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from orgsim.experiments.claims import CLAIMS, Claim
from orgsim.experiments.comparison import compare
from orgsim.experiments.executors import Executor, using
from orgsim.experiments.stats import paired_difference
from orgsim.scenario import Scenario
from orgsim.scenario.loader import load_scenario_dict, scenario_to_dict

__all__ = ["apply_overrides", "measure", "overall", "verdict"]


def apply_overrides(sc: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """`sc` with dotted-path overrides applied (validated like `--set`); `sc` itself when none."""
    if not overrides:
        return sc
    return load_scenario_dict(scenario_to_dict(sc), overrides=dict(overrides), source=f"{sc.name} (claim arm)")


def verdict(predicted: int, low: float | None, high: float | None, n: int = 2) -> str:
    """holds / opposite / not detected, from a 95% CI of (article - alternative) over n pairs."""
    if low is None or high is None or n < 2:
        return "not detected"
    if low > 0 or high < 0:
        return "holds" if (low > 0) == (predicted > 0) else "opposite"
    return "not detected"


def overall(rows: pd.DataFrame) -> str:
    """One verdict for a claim over the companies' rows (columns company, verdict)."""
    run = rows[rows.verdict != "not applicable"]
    if run.empty:
        return "not measured"
    holds = list(run.company[run.verdict == "holds"])
    if len(holds) == len(run):
        return "holds"
    if holds:
        return f"holds only on {', '.join(holds)}"
    opposite = list(run.company[run.verdict == "opposite"])
    if opposite:
        return f"does not hold here (opposite on {', '.join(opposite)})"
    return "does not hold here (not detected)"


def _arms(sc: Scenario, claims: Sequence[Claim]) -> tuple[list[Scenario], dict[str, tuple[int, int] | str]]:
    """The distinct scenarios a company needs, and for each claim the indices of its two arms
    (or the reason it does not apply)."""
    scs: list[Scenario] = [sc]
    dumps: list[dict] = [sc.model_dump()]
    where: dict[str, tuple[int, int] | str] = {}

    def index(s: Scenario) -> int:
        d = s.model_dump()
        d["name"] = dumps[0]["name"]
        for i, other in enumerate(dumps):
            if {**other, "name": dumps[0]["name"]} == d:
                return i
        scs.append(s)
        dumps.append(s.model_dump())
        return len(scs) - 1

    for c in claims:
        reason = c.applies(sc)
        if reason:
            where[c.key] = reason
            continue
        a = index(apply_overrides(sc, c.article(sc)))
        b = index(apply_overrides(sc, c.alternative(sc)))
        where[c.key] = (a, b) if a != b else "both arms are the same company here"
    return scs, where


def measure(
    companies: Mapping[str, Scenario],
    replications: int | Mapping[str, int],
    seed: int,
    *,
    claims: Sequence[Claim] = CLAIMS,
    workers: int = 1,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Every claim on every company, paired with common random numbers.

    Args:
        companies: name -> scenario.
        replications: per company (a mapping) or the same for all.
        seed: one seed for every arm of a company (common random numbers).
        claims, workers, executor: what to run and where.

    Returns:
        One row per claim and company: claim, company, kpi, predicted, n, article_mean,
        alternative_mean, mean, ci95_low, ci95_high (of article - alternative), verdict, note.
    """
    rows = []
    with using(executor, workers) as ex:
        for company, sc in companies.items():
            reps = replications[company] if isinstance(replications, Mapping) else int(replications)
            scs, where = _arms(sc, claims)
            named = {f"arm{i}": s for i, s in enumerate(scs)}
            cmp = compare(named, replications=reps, seed=seed, executor=ex) if len(scs) > 1 else None
            for c in claims:
                row: dict[str, Any] = {"claim": c.key, "company": company, "kpi": c.kpi, "predicted": c.predicted}
                w = where[c.key]
                if isinstance(w, str) or cmp is None:
                    rows.append({**row, "n": 0, "verdict": "not applicable", "note": str(w)})
                    continue
                art, alt = cmp.arms[w[0]].values(c.kpi), cmp.arms[w[1]].values(c.kpi)
                d = paired_difference(art, alt)
                lo, hi = d["ci95"]
                rows.append(
                    {
                        **row,
                        "n": d["n"],
                        "article_mean": _mean(art),
                        "alternative_mean": _mean(alt),
                        "mean": d["mean"],
                        "ci95_low": lo,
                        "ci95_high": hi,
                        "verdict": verdict(c.predicted, lo, hi, d["n"]),
                        "note": "",
                    }
                )
    return pd.DataFrame(rows)


def _mean(values: Sequence[float | None]) -> float | None:
    x = [v for v in values if v is not None]
    return sum(x) / len(x) if x else None
