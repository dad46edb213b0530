"""The focus tournament read for the article's claim: where its order ranks, and why.

`tournament` runs every growth-stage focus order of a company with equal replications and common
random numbers (`focus(method="equal")`) and returns the ranking by ending ARR, the article's
order's rank and its paired difference to the best order, and a decomposition by the first
focus department: what the orders that start with product, sales, marketing or service end with
(ARR, customers, leads, product maturity, AE utilisation, health rate), averaged over their
orders and replications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from orgsim.experiments.executors import Executor
from orgsim.experiments.focus_orders import focus
from orgsim.experiments.focus_result import Order, label
from orgsim.experiments.results import Results
from orgsim.experiments.stats import describe, paired_difference
from orgsim.scenario import Scenario

__all__ = ["Tournament", "tournament"]


@dataclass
class Tournament:
    """A company's focus tournament, summarised.

    Attributes:
        ranking: one row per order, best mean ARR first: rank, order, n, mean, ci95_low, ci95_high.
        article: the article's order; article_rank its rank (1-based) of len(ranking).
        versus_best: paired difference article - best order (n, mean, ci95), None when the
            article's order is the best.
        by_first: one row per first focus department: orders, arr_end, new_customers, leads,
            maturity_end, ae_utilization, health_rate (means over its orders' replications).
        notes: the tournament's notes (e.g. stages the horizon does not reach).
    """

    ranking: pd.DataFrame
    article: Order
    article_rank: int
    versus_best: dict[str, Any] | None
    by_first: pd.DataFrame
    notes: list[str]


def _drivers(res: Results) -> dict[str, float]:
    k = res.kpis
    m = res.monthly
    maturity = m[(m.metric == "product_maturity") & (m.month == m.month.max())]["value"].mean()
    st = res.stages
    return {
        "arr_end": float(k.arr_end.mean()),
        "new_customers": float(k.new_customers.mean()),
        "leads": float(res.funnel["leads"].mean()),
        "maturity_end": float(maturity),
        "ae_utilization": float(st[st.stage == "sales"]["utilization"].mean()),
        "health_rate": float(k.health_rate.mean()),
    }


def tournament(
    sc: Scenario,
    article: Order,
    replications: int,
    seed: int,
    *,
    workers: int = 1,
    executor: Executor | None = None,
) -> Tournament:
    """Every focus order of `sc`, `replications` each, ranked by ending ARR (see module doc)."""
    fr = focus(
        sc, by="arr_end", method="equal", replications=replications, seed=seed, workers=workers, executor=executor
    )
    rows = []
    for o in fr.orders:
        d = describe(fr.results[o].values("arr_end"))
        rows.append(
            {"order": label(o), "n": d["n"], "mean": d["mean"], "ci95_low": d["ci95"][0], "ci95_high": d["ci95"][1]}
        )
    # ties keep the tournament's order (the permutations' order), so the ranking is deterministic
    ranking = pd.DataFrame(rows).sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)
    ranking.insert(0, "rank", range(1, len(ranking) + 1))
    best = next(o for o in fr.orders if label(o) == ranking.loc[0, "order"])
    rank = int(ranking.loc[ranking.order == label(article), "rank"].iloc[0])
    vs = None
    if best != article:
        d = paired_difference(fr.results[article].values("arr_end"), fr.results[best].values("arr_end"))
        vs = {"best": label(best), "n": d["n"], "mean": d["mean"], "ci95": d["ci95"]}
    firsts: dict[str, list[dict[str, float]]] = {}
    for o in fr.orders:
        firsts.setdefault(o[0], []).append(_drivers(fr.results[o]))
    by_first = pd.DataFrame(
        [{"first": dept, "orders": len(v), **pd.DataFrame(v).mean().to_dict()} for dept, v in firsts.items()]
    )
    by_first = by_first.sort_values("arr_end", ascending=False, kind="stable").reset_index(drop=True)
    return Tournament(ranking, article, rank, vs, by_first, list(fr.notes))
