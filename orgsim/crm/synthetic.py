"""A small synthetic CRM export with a known answer, for showing censoring bias (tests and docs).

`synthetic_deals` makes deals created at a steady rate up to an as-of date. Each deal is
eventually won with probability `win_rate`; won deals are decided after a gamma-distributed time
with mean `won_cycle_mean`, lost deals after one with mean `lost_cycle_mean` (longer: buyers say
yes sooner than they say no). A deal whose decision falls after as-of is open. The creation
window is chosen so that the expected share of open deals is `open_share` (a third by default).

Counting won / (won + lost) among closed deals then over-states the win rate, since the open
deals are mostly slow ones and slow ones are mostly lost; a censoring-aware estimate recovers it.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

__all__ = ["synthetic_deals"]

SOURCES = ("paid", "content", "outbound", "referral")


def synthetic_deals(
    n: int = 3000,
    win_rate: float = 0.3,
    won_cycle_mean: float = 30.0,
    lost_cycle_mean: float = 90.0,
    open_share: float = 1 / 3,
    cycle_cv: float = 0.5,
    acv_mean: float = 10000.0,
    acv_cv: float = 0.5,
    segment: str = "smb",
    as_of: str | _dt.date = "2026-06-30",
    seed: int = 0,
) -> pd.DataFrame:
    """Deals in the generic CRM layout, with the truth in ``attrs``.

    Args:
        n: deals.
        win_rate: the probability that a deal is eventually won (the truth to recover).
        won_cycle_mean, lost_cycle_mean: mean days from creation to a win, to a loss (gamma).
        open_share: the expected share of deals still open at `as_of`.
        cycle_cv: coefficient of variation of both cycle distributions.
        acv_mean, acv_cv: the deal value (lognormal); every deal has one, as in a CRM.
        segment: the value of the `segment` column.
        as_of: the export date; nothing is dated after it.
        seed: the random seed (same seed, same deals).

    Returns:
        A DataFrame with the columns `deal_id, segment, source, created_date, closed_date, outcome,
        amount` (ISO dates, `closed_date` empty while open). ``attrs["truth"]`` holds `win_rate`,
        `won_cycle_mean`, `lost_cycle_mean`, `cycle_mean` (of all deals), `acv_mean`,
        `open_share` (expected) and `window_days` (how far back deals were created);
        ``attrs["as_of"]`` the date.
    """
    from scipy import optimize, stats

    if not 0.0 < open_share < 1.0:
        raise ValueError(f"open_share must be between 0 and 1 (got {open_share})")
    if not 0.0 <= win_rate <= 1.0:
        raise ValueError(f"win_rate must be between 0 and 1 (got {win_rate})")
    shape = 1.0 / cycle_cv**2
    won_t = stats.gamma(shape, scale=won_cycle_mean / shape)
    lost_t = stats.gamma(shape, scale=lost_cycle_mean / shape)

    def truncated_mean(mean: float, w: float) -> float:  # E[min(T, w)] = mean F_{k+1}(w) + w S_k(w), T gamma
        return float(
            mean * stats.gamma.cdf(w, shape + 1, scale=mean / shape) + w * stats.gamma.sf(w, shape, scale=mean / shape)
        )

    def open_at(window: float) -> float:  # P(open) = E[min(T, window)] / window, creation uniform over the window
        mixed = win_rate * truncated_mean(won_cycle_mean, window) + (1 - win_rate) * truncated_mean(
            lost_cycle_mean, window
        )
        return mixed / window - open_share

    window = float(optimize.brentq(open_at, 1e-3, 1e6))
    rng = np.random.default_rng(seed)
    age = rng.uniform(0.0, window, n)  # days from creation to as-of
    won = rng.random(n) < win_rate
    cycle = np.where(won, won_t.rvs(n, random_state=rng), lost_t.rvs(n, random_state=rng))
    sigma = np.sqrt(np.log1p(acv_cv**2))
    amount = rng.lognormal(np.log(acv_mean) - sigma**2 / 2, sigma, n)
    source = rng.choice(np.array(SOURCES), n)
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)  # the end of the as-of day
    created = end - pd.to_timedelta(age, unit="D")
    closed = created + pd.to_timedelta(cycle, unit="D")
    decided = closed < end
    df = pd.DataFrame(
        {
            "deal_id": [f"S{i:06d}" for i in range(1, n + 1)],
            "segment": segment,
            "source": source,
            "created_date": created.strftime("%Y-%m-%d"),
            "closed_date": np.where(decided, closed.strftime("%Y-%m-%d"), ""),
            "outcome": np.where(decided, np.where(won, "won", "lost"), "open"),
            "amount": np.round(amount, 2),
        }
    )
    df = df.sort_values("created_date", kind="stable").reset_index(drop=True)
    df["deal_id"] = [f"S{i:06d}" for i in range(1, n + 1)]  # numbered in order of creation
    df.attrs["truth"] = {
        "win_rate": win_rate,
        "won_cycle_mean": won_cycle_mean,
        "lost_cycle_mean": lost_cycle_mean,
        "cycle_mean": win_rate * won_cycle_mean + (1 - win_rate) * lost_cycle_mean,
        "acv_mean": acv_mean,
        "open_share": open_share,
        "window_days": window,
    }
    df.attrs["as_of"] = pd.Timestamp(as_of).date().isoformat()
    return df
