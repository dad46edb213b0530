"""The statistics of `orgsim calibrate`: Wilson and Aalen-Johansen win rates, maximum-likelihood fits.

- `wilson`: the closed-deals-only win rate won / decided with its Wilson 95% interval.
- `cumulative_incidence`: lifelines' Aalen-Johansen estimator of P(outcome by day t) with open deals
  right-censored, fitted on the counts per (day, outcome) as weights (exactly the estimator on
  whole-day data, and fast on 100,000 deals); its jitter of tied days is seeded and the global
  NumPy state it uses is restored afterwards.
- `fit_durations` / `fit_amounts`: exponential, gamma and lognormal (the scenario's families with a
  mean and cv) by maximum likelihood, chosen by AIC. Durations are whole days: a decision on day d
  contributes P(d - 0.5 < T <= d + 0.5), a deal open at age c contributes P(T > c) (right
  censoring). The mean's 95% interval comes from the observed information of log(mean).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = ["FAMILIES", "Fit", "WinShare", "cumulative_incidence", "fit_amounts", "fit_durations", "win_share", "wilson"]

FAMILIES = ("exponential", "gamma", "lognormal")
MIN_AT_RISK = 10  # the win rate is read at the last day on which at least this many deals were undecided


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float, float] | None:
    """k successes in n: estimate and Wilson 95% interval (None when n = 0)."""
    if n <= 0:
        return None
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, max(0.0, mid - half), min(1.0, mid + half)


@dataclass
class Incidence:
    """A cumulative incidence curve and its value at `at_days`."""

    curve: pd.DataFrame  # days, estimate, low, high
    at_days: float
    estimate: float
    ci95: tuple[float, float]


def cumulative_incidence(days: np.ndarray, event: np.ndarray, cause: int, seed: int = 0) -> Incidence | None:
    """Aalen-Johansen P(event `cause` by day t); `event` is 0 (open: censored), 1 (won) or 2 (lost)."""
    from lifelines import AalenJohansenFitter

    if len(days) == 0 or not (event == cause).any():
        return None
    agg = pd.DataFrame({"d": days.astype(float), "e": event.astype(int)}).groupby(["d", "e"]).size().reset_index()
    state = np.random.get_state()  # lifelines seeds the global generator to jitter ties
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aj = AalenJohansenFitter(seed=seed).fit(agg["d"], agg["e"], event_of_interest=cause, weights=agg[0])
    finally:
        np.random.set_state(state)
    cif = aj.cumulative_density_.iloc[:, 0].to_numpy()
    ci = aj.confidence_interval_.to_numpy()
    low, high = np.fmin(ci[:, 0], ci[:, 1]), np.fmax(ci[:, 0], ci[:, 1])
    t = aj.cumulative_density_.index.to_numpy()
    curve = pd.DataFrame({"days": t, "estimate": cif, "low": low, "high": high})
    at_risk = aj.event_table["at_risk"].to_numpy()
    finite = np.isfinite(low) & np.isfinite(high)
    ok = np.flatnonzero((at_risk >= MIN_AT_RISK) & finite)
    if not len(ok):  # too few deals for the support rule: the last day with an interval at all
        ok = np.flatnonzero(finite)
    if not len(ok):  # no interval anywhere (a handful of deals): say so with the widest one
        return Incidence(curve, float(round(t[-1])), float(cif[-1]), (0.0, 1.0))
    i = int(ok[-1])
    return Incidence(curve, float(round(t[i])), float(cif[i]), (float(low[i]), float(high[i])))


def _aj(w: np.ndarray, lost: np.ndarray, c: np.ndarray, total: np.ndarray | int) -> tuple[np.ndarray, ...]:
    """Exact Aalen-Johansen on whole days (ties kept: no jitter) over the last axis: at risk, F_won, F_lost."""
    removed = w + lost + c
    at_risk = np.asarray(total)[..., None] - (np.cumsum(removed, axis=-1) - removed)
    h_w = np.divide(w, at_risk, out=np.zeros(w.shape), where=at_risk > 0)
    h_l = np.divide(lost, at_risk, out=np.zeros(w.shape), where=at_risk > 0)
    surv = np.cumprod(1 - h_w - h_l, axis=-1)
    before = np.concatenate([np.ones(surv.shape[:-1] + (1,)), surv[..., :-1]], axis=-1)
    return at_risk, np.cumsum(before * h_w, axis=-1), np.cumsum(before * h_l, axis=-1)


@dataclass
class WinShare:
    """P(won | decided by day `at_days`), open deals censored: F_won / (F_won + F_lost) at that day."""

    estimate: float
    ci95: tuple[float, float]
    at_days: float
    won_by_day: float  # F_won(at_days) itself: a lower bound of the eventual win probability


def win_share(days: np.ndarray, event: np.ndarray, seed: int = 0, boot: int = 500) -> WinShare | None:
    """The win rate the fragment gets: the share of wins among the deals decided by the last day with
    at least `MIN_AT_RISK` undecided deals, from the Aalen-Johansen cumulative incidences of a win and
    of a loss; 95% percentile interval from `boot` bootstrap resamples of the deals (seeded).

    With follow-up long enough for nearly every deal to be decided it is the eventual win
    probability F_won(inf); when won and lost deals take the same time (the scenario's model: one
    cycle, then win or lose) it is that probability at any day, where F_won(t) alone falls short.
    """
    if len(days) == 0 or not (event > 0).any():
        return None
    t, inv = np.unique(days.astype(float), return_inverse=True)
    counts = np.zeros((len(t), 3))
    np.add.at(counts, (inv, event.astype(int)), 1.0)
    c, w, lost = counts[:, 0], counts[:, 1], counts[:, 2]
    at_risk, f_w, f_l = _aj(w, lost, c, len(days))
    ok = np.flatnonzero((at_risk >= MIN_AT_RISK) & (w + lost > 0))
    j = int(ok[-1]) if len(ok) else int(np.flatnonzero(w + lost > 0)[-1])
    est = f_w[j] / (f_w[j] + f_l[j])
    gen = np.random.default_rng([seed, 16])
    draws = gen.multinomial(len(days), counts.ravel() / len(days), size=boot).reshape(boot, len(t), 3).astype(float)
    _, bw, bl = _aj(draws[..., 1], draws[..., 2], draws[..., 0], np.full(boot, len(days)))
    den = bw[:, j] + bl[:, j]
    ratio = np.divide(bw[:, j], den, out=np.full(boot, np.nan), where=den > 0)
    lo, hi = np.nanpercentile(ratio, [2.5, 97.5]) if np.isfinite(ratio).any() else (est, est)
    return WinShare(float(est), (float(min(lo, est)), float(max(hi, est))), float(t[j]), float(f_w[j]))


@dataclass
class Fit:
    """A fitted distribution: the family chosen by AIC and its mean, cv and the mean's 95% interval."""

    dist: str
    mean: float
    cv: float
    mean_ci95: tuple[float, float]
    aic: dict[str, float]
    n: int

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return _frozen(self.dist, math.log(self.mean), math.log(self.cv)).cdf(x)

    def as_dict(self) -> dict:
        return {
            "dist": self.dist,
            "mean": round(self.mean, 2),
            "cv": round(self.cv, 3),
            "mean_ci95": [round(self.mean_ci95[0], 2), round(self.mean_ci95[1], 2)],
            "aic": {k: round(v, 1) for k, v in self.aic.items()},
            "n": self.n,
        }


def _frozen(family: str, log_mean: float, log_cv: float):
    mean, cv = math.exp(log_mean), math.exp(log_cv)
    if family == "exponential":
        return stats.expon(scale=mean)
    if family == "gamma":
        k = 1.0 / (cv * cv)
        return stats.gamma(k, scale=mean / k)
    s2 = math.log1p(cv * cv)
    return stats.lognorm(math.sqrt(s2), scale=math.exp(log_mean - s2 / 2))


def _neg_loglik(family: str, theta: np.ndarray, data: dict[str, np.ndarray]) -> float:
    log_cv = 0.0 if family == "exponential" else float(theta[1])
    if not (-8 < theta[0] < 30 and -6 < log_cv < 4):
        return 1e300
    d = _frozen(family, float(theta[0]), log_cv)
    total = 0.0
    if "x" in data:  # exact values (amounts)
        total += float(np.sum(data["w"] * d.logpdf(data["x"])))
    if "lo" in data:  # whole-day events: interval (lo, hi]
        p = d.cdf(data["hi"]) - d.cdf(data["lo"])
        total += float(np.sum(data["we"] * np.log(np.maximum(p, 1e-300))))
    if "c" in data and len(data["c"]):
        total += float(np.sum(data["wc"] * d.logsf(data["c"])))
    return -total if math.isfinite(total) else 1e300


def _fit(
    family: str, data: dict[str, np.ndarray], start_mean: float, start_cv: float
) -> tuple[float, np.ndarray, float]:
    x0 = np.array([math.log(start_mean)] if family == "exponential" else [math.log(start_mean), math.log(start_cv)])
    res = optimize.minimize(lambda th: _neg_loglik(family, th, data), x0, method="Nelder-Mead",
                            options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000})  # fmt: skip
    theta = res.x
    # observed information of log(mean), by a central second difference on the profile
    h = 1e-3
    f0 = res.fun
    fp = _neg_loglik(family, theta + np.r_[h, np.zeros(len(theta) - 1)], data)
    fm = _neg_loglik(family, theta - np.r_[h, np.zeros(len(theta) - 1)], data)
    curv = (fp - 2 * f0 + fm) / (h * h)
    if len(theta) == 2:  # Schur complement: the variance of log(mean) with log(cv) free
        e = np.r_[0.0, h]
        fcc = (_neg_loglik(family, theta + e, data) - 2 * f0 + _neg_loglik(family, theta - e, data)) / (h * h)
        fmc = (
            _neg_loglik(family, theta + np.r_[h, h], data)
            - _neg_loglik(family, theta + np.r_[h, -h], data)
            - _neg_loglik(family, theta + np.r_[-h, h], data)
            + _neg_loglik(family, theta + np.r_[-h, -h], data)
        ) / (4 * h * h)
        curv = curv - fmc * fmc / fcc if fcc > 0 else curv
    se = 1 / math.sqrt(curv) if curv > 0 else float("nan")
    return float(f0), theta, se


def _choose(data: dict[str, np.ndarray], n: int, start_mean: float, start_cv: float) -> Fit | None:
    if n < 2 or not (start_mean > 0):
        return None
    start_cv = min(max(start_cv, 0.05), 5.0)
    fits = {f: _fit(f, data, start_mean, start_cv) for f in FAMILIES}
    aic = {f: 2 * (1 if f == "exponential" else 2) + 2 * v[0] for f, v in fits.items()}
    best = min(aic, key=lambda f: aic[f])
    _, theta, se = fits[best]
    mean = math.exp(theta[0])
    cv = 1.0 if best == "exponential" else math.exp(theta[1])
    ci = (mean * math.exp(-1.96 * se), mean * math.exp(1.96 * se)) if math.isfinite(se) else (mean, mean)
    return Fit(best, mean, cv, ci, aic, n)


def fit_durations(days: np.ndarray, decided: np.ndarray) -> Fit | None:
    """Time to decision in whole days; `decided` False = still open at as-of (right-censored)."""
    days = np.asarray(days, dtype=float)
    decided = np.asarray(decided, dtype=bool)
    if decided.sum() < 2:
        return None
    ev = pd.Series(days[decided]).value_counts()
    ce = pd.Series(days[~decided]).value_counts()
    data = {
        "lo": np.maximum(ev.index.to_numpy() - 0.5, 0.0),
        "hi": ev.index.to_numpy() + 0.5,
        "we": ev.to_numpy().astype(float),
        "c": ce.index.to_numpy().astype(float),
        "wc": ce.to_numpy().astype(float),
    }
    x = days[decided]
    return _choose(data, int(len(days)), float(max(x.mean(), 0.5)), float(x.std() / max(x.mean(), 0.5)))


def fit_amounts(x: np.ndarray) -> Fit | None:
    """Deal sizes (positive amounts of won deals), no censoring."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 2:
        return None
    vc = pd.Series(x).value_counts()
    data = {"x": vc.index.to_numpy(), "w": vc.to_numpy().astype(float)}
    return _choose(data, int(len(x)), float(x.mean()), float(x.std() / x.mean()))
