"""Statistics of replications: summaries, paired differences, and which way each KPI is better.

Every interval here is a Student-t 95% confidence interval over replications. A paired difference
is taken replication by replication (the arms share their random numbers), so its variance is
that of the difference, not the sum of two variances. Undefined values (None, NaN) are left out
together with their partner.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from orgsim.metrics.registry import KPI_DIRECTION, KPI_KEYS, NONNEGATIVE_KPIS, PROBABILITY_KPIS
from orgsim.scenario.errors import OrgsimError

__all__ = [
    "KPI_DIRECTION",
    "ExperimentError",
    "check_kpi",
    "describe",
    "describe_kpi",
    "paired_difference",
    "relative_half_width",
    "significant",
    "rank_test_disagrees",
]

SIGNIFICANCE = 0.05


class ExperimentError(OrgsimError, ValueError):
    """An experiment asked for something impossible (unknown KPI, bad --vary, bad order...).

    The CLI prints it without a traceback and exits 2.
    """


def check_kpi(name: str, what: str = "KPI", allowed: Iterable[str] = KPI_KEYS) -> str:
    """`name` if it is a KPI key; else an ExperimentError with a did-you-mean."""
    options = list(allowed)
    if name in options:
        return name
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    hint = (
        f"; did you mean {close[0]!r}? (or one of {', '.join(options)})"
        if close
        else f"; choose from {', '.join(options)}"
    )
    raise ExperimentError(f"unknown {what} {name!r}{hint}")


def _defined(values: Iterable[float | None]) -> np.ndarray:
    return np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)


def describe(values: Sequence[float | None]) -> dict[str, Any]:
    """n, mean, std and 95% CI (Student t) of the defined values; None where undefined. One value
    has a mean but no interval: its CI is [None, None] (shown as "-"), not [mean, mean], which
    would claim certainty; its std is 0."""
    x = _defined(values)
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": None, "std": None, "ci95": [None, None]}
    mean = float(x.mean())
    if n == 1:
        return {"n": 1, "mean": mean, "std": 0.0, "ci95": [None, None]}
    std = float(x.std(ddof=1))
    # Student t's quantile from scipy.special, imported here: scipy.stats.t.ppf calls the same
    # function, and importing scipy.stats would add about 1.4 s to every `orgsim run`
    from scipy.special import stdtrit

    half = float(stdtrit(n - 1, 0.975) * std / math.sqrt(n))
    return {"n": n, "mean": mean, "std": std, "ci95": [mean - half, mean + half]}


def describe_within(
    values: Sequence[float | None], low: float | None = 0.0, high: float | None = None
) -> dict[str, Any]:
    """`describe`, its 95% CI clipped to what the quantity can be: [low, high] (None: unbounded).
    The mean and std are as computed."""
    d = describe(values)
    if d["ci95"][0] is not None:
        lo = -math.inf if low is None else low
        hi = math.inf if high is None else high
        d["ci95"] = [min(max(v, lo), hi) for v in d["ci95"]]
    return d


def describe_kpi(kpi: str, values: Sequence[float | None]) -> dict[str, Any]:
    """`describe` of one KPI's values; for a share (`PROBABILITY_KPIS`: win rate, cash_out...) the 95% CI
    is clipped to [0, 1] - a t-interval around a mean of 0.02 from 10 replications can reach below 0,
    a probability cannot - and for any other KPI that cannot be negative (`NONNEGATIVE_KPIS`: bad
    debt, CAC, counts...) it is clipped below at 0. The mean and std are as computed."""
    if kpi in PROBABILITY_KPIS:
        return describe_within(values, 0.0, 1.0)
    return describe_within(values, 0.0 if kpi in NONNEGATIVE_KPIS else None)


def describe_step(key: str, values: Sequence[float | None]) -> dict[str, Any]:
    """`describe` of a funnel count, a stage's or a role's statistic (arrivals, waits, utilisation,
    headcount, backlog...): none is negative and a utilisation is at most 1, so its 95% CI is clipped
    to that, as a KPI's is (at 2 replications a t-interval of "won" read -48 .. 104)."""
    return describe_within(values, 0.0, 1.0 if key == "utilization" else None)


def relative_half_width(values: Sequence[float | None]) -> float:
    """95% CI half-width / |mean|: 0 when every value is the same, inf when undecidable."""
    d = describe(values)
    if d["n"] < 2:
        return math.inf
    half = (d["ci95"][1] - d["ci95"][0]) / 2
    if half == 0:
        return 0.0
    return half / abs(d["mean"]) if d["mean"] else math.inf


def paired_difference(a: Sequence[float | None], b: Sequence[float | None], direction: int = 0) -> dict[str, Any]:
    """a - b, replication by replication, over the replications where both are defined.

    Args:
        a, b: one value per replication (the same replication indices, same seed).
        direction: +1 if higher is better, -1 if lower is better, 0 if neither.

    Returns:
        n, mean, std, ci95 (Student t), p_value (paired t-test, two-sided), p_wilcoxon
        (Wilcoxon signed-rank, two-sided, Pratt's treatment of zero differences), and, when
        `direction` is given, share_better (the share of replications in which a is better
        than b; ties count one half) and prob_better (the probability that a's mean is better
        than b's, from the t distribution of the mean difference: T_{n-1}(direction * mean / se),
        which a flat prior makes a posterior probability).
    """
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
    d = np.array([x - y for x, y in pairs], dtype=float)
    out = describe(d.tolist())
    n = out["n"]
    out["p_value"] = None
    out["p_wilcoxon"] = None
    if n > 1:
        if out["std"] == 0:
            out["p_value"] = 1.0 if out["mean"] == 0 else 0.0
        else:
            from scipy import stats

            out["p_value"] = float(stats.ttest_1samp(d, 0.0).pvalue)
        out["p_wilcoxon"] = _wilcoxon(d)
    if direction:
        signed = direction * d
        out["share_better"] = float(((signed > 0).sum() + 0.5 * (signed == 0).sum()) / n) if n else None
        # one paired difference says nothing about the probability either way
        out["prob_better"] = _prob_better(direction * out["mean"], out["std"], n) if n > 1 else None
    return out


def _wilcoxon(d: np.ndarray) -> float:
    if not np.any(d != 0):
        return 1.0
    # Exact distribution for small samples without zeros or ties; otherwise the normal
    # approximation with tie correction (scipy would fall back to a slow permutation test).
    nonzero = np.abs(d[d != 0])
    exact = d.size <= 50 and nonzero.size == d.size and np.unique(nonzero).size == nonzero.size
    from scipy import stats

    try:
        return float(stats.wilcoxon(d, zero_method="pratt", method="exact" if exact else "approx").pvalue)
    except ValueError:  # too few non-zero differences for the test
        return 1.0


def _prob_better(signed_mean: float, std: float, n: int) -> float:
    if std == 0:
        return 1.0 if signed_mean > 0 else 0.0 if signed_mean < 0 else 0.5
    from scipy.special import stdtr  # Student t's CDF, what scipy.stats.t.cdf calls

    return float(stdtr(n - 1, signed_mean / (std / math.sqrt(n))))


def significant(diff: Mapping[str, Any], alpha: float = SIGNIFICANCE) -> bool:
    """Whether a paired difference's t-test rejects 'no difference' at `alpha`."""
    p = diff.get("p_value")
    return p is not None and p < alpha


def rank_test_disagrees(diff: dict[str, Any], alpha: float = SIGNIFICANCE) -> bool:
    """The t-test and the Wilcoxon signed-rank test disagree about significance at `alpha`."""
    p, w = diff.get("p_value"), diff.get("p_wilcoxon")
    return p is not None and w is not None and (p < alpha) != (w < alpha)
