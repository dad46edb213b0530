"""Directional validation: every structural lever moves the outputs the way the article says.

Each test runs two arms of a scenario with the same seed and the same replication indices, so
they share their random numbers (common random numbers, docs/explanation/design.md, section 3), and looks at the
per-replication paired differences. A direction is asserted only as "the mean paired difference
is beyond Z standard errors on the predicted side": a test passes when the effect is clearly
there, fails when it is absent or reversed. Everything is deterministic (fixed seed), so a
failure is a change in the model, not bad luck.

Levers are run over 24 months with 12 replications; the bundled variants in scenarios/ are run
over their own 36-month horizon with 16 replications, because their effects on health and
renewal need a contract term to show. Where the model disagrees with the article and the reason
is known, the test checks what the model does and an xfail test records the article's
prediction (see the reasons).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# imported from their modules rather than the package root, so the file does not depend on how
# the package root re-exports them
from orgsim.engine import run_replication
from orgsim.experiments import simulate
from orgsim.scenario.loader import load_scenario

pytestmark = pytest.mark.slow

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASE = "series-a.yaml"
SEED = 20260
LEVER_HORIZON, LEVER_REPS = 24, 12
VARIANT_HORIZON, VARIANT_REPS = 36, 16
WORKERS = 2
Z = 3.0  # standard errors a paired difference must clear


# ---- arms -------------------------------------------------------------------------------------


class Arm:
    """One scenario run with the test seed; per-replication arrays, ordered by replication."""

    def __init__(self, file: str, horizon: int, reps: int, overrides: dict[str, Any]):
        self.sc = load_scenario(SCENARIOS / file, overrides={"horizon_months": horizon, **overrides})
        self.reps = reps
        self.res = simulate(self.sc, replications=reps, seed=SEED, workers=WORKERS)
        self._raw: list | None = None
        self._logged: list = []

    def kpi(self, key: str) -> np.ndarray:
        return self.res.kpis.sort_values("replication")[key].to_numpy(dtype=float)

    def funnel(self, key: str) -> np.ndarray:
        return self.res.funnel.sort_values("replication")[key].to_numpy(dtype=float)

    def stage(self, stage: str, key: str) -> np.ndarray:
        st = self.res.stages
        return st[st.stage == stage].sort_values("replication")[key].to_numpy(dtype=float)

    def replications(self) -> list:
        """The replications `simulate` ran, in order."""
        return sorted(self.res.replications, key=lambda r: r.replication)

    def last_month(self, metric: str) -> np.ndarray:
        return np.array([r.monthly[metric][-1] for r in self.replications()])

    def raw(self) -> list:
        """Raw records: their funnels count lost opportunities, which `Results` does not keep."""
        if self._raw is None:
            self._raw = [run_replication(self.sc, SEED, r) for r in range(self.reps)]
        return self._raw

    def logged(self, activity: str, role: str, reps: int) -> np.ndarray:
        """Rows of an event-log activity done by a role, in each of the first `reps` replications."""
        if len(self._logged) < reps:
            self._logged = [run_replication(self.sc, SEED, r, events=True) for r in range(reps)]
        recs = self._logged[:reps]
        return np.array([sum(row[2] == activity and row[6] == role for row in rec.events) for rec in recs], dtype=float)

    def counter(self, key: str) -> np.ndarray:
        """A counter per replication, from the replications `simulate` already ran."""
        return np.array([rec.counters[key] for rec in self.replications()], dtype=float)

    def win_rate(self) -> np.ndarray:
        """Won / decided opportunities."""
        return np.array(
            [rec.funnel["won"] / (rec.funnel["won"] + rec.funnel["lost.opportunity"]) for rec in self.raw()]
        )


_ARMS: dict[str, Arm] = {}


def _arm(file: str, horizon: int, reps: int, overrides: dict[str, Any]) -> Arm:
    key = json.dumps([file, horizon, reps, overrides], sort_keys=True)
    if key not in _ARMS:
        _ARMS[key] = Arm(file, horizon, reps, overrides)
    return _ARMS[key]


def lever(**overrides: Any) -> Arm:
    """series-a over 24 months with dotted-path overrides (`__` stands for `.`)."""
    return _arm(BASE, LEVER_HORIZON, LEVER_REPS, {k.replace("__", "."): v for k, v in overrides.items()})


def variant(file: str) -> Arm:
    return _arm(file, VARIANT_HORIZON, VARIANT_REPS, {})


# ---- paired differences -----------------------------------------------------------------------


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, int]:
    """Mean and standard error of the per-replication differences a - b (undefined pairs dropped)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    d = d[np.isfinite(d)]
    n = d.size
    assert n >= 2, "need at least two replications where both arms are defined"
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(n)), n


def assert_higher(a: np.ndarray, b: np.ndarray, what: str) -> None:
    mean, se, n = paired(a, b)
    assert mean > 0 and mean > Z * se, (
        f"{what}: expected an increase, paired difference {mean:.4g} (se {se:.3g}, n={n}) "
        f"is not beyond {Z:g} standard errors"
    )


def assert_lower(a: np.ndarray, b: np.ndarray, what: str) -> None:
    mean, se, n = paired(a, b)
    assert mean < 0 and -mean > Z * se, (
        f"{what}: expected a decrease, paired difference {mean:.4g} (se {se:.3g}, n={n}) "
        f"is not beyond {Z:g} standard errors"
    )


# ---- structural levers (24 months) -------------------------------------------------------------


def test_more_sdrs_shorten_the_qualification_wait():
    base, more = lever(), lever(roles__sdr__headcount=8)
    assert_lower(
        more.stage("sdr", "mean_wait_hours"), base.stage("sdr", "mean_wait_hours"), "sdr mean wait, 8 vs 4 SDRs"
    )


def test_more_aes_shorten_the_sales_wait():
    base, more = lever(), lever(roles__ae__headcount=10)
    assert_lower(
        more.stage("sales", "mean_wait_hours"), base.stage("sales", "mean_wait_hours"), "sales mean wait, 10 vs 6 AEs"
    )


def test_fewer_implementers_lengthen_implementation_waits_and_lower_health():
    base, fewer = lever(), lever(roles__implementer__headcount=1)
    assert_higher(
        fewer.stage("implementation", "mean_wait_hours"),
        base.stage("implementation", "mean_wait_hours"),
        "implementation mean wait, 1 vs 3 implementers",
    )
    assert_higher(
        fewer.counter("mean_onboarding_wait_days"),
        base.counter("mean_onboarding_wait_days"),
        "onboarding wait days, 1 vs 3 implementers",
    )
    assert_lower(fewer.kpi("health_rate"), base.kpi("health_rate"), "health_rate, 1 vs 3 implementers")


@pytest.mark.parametrize(
    "change",
    [{"roles__csm__book_size": 5}, {"roles__csm__headcount": 0}],
    ids=["book_size_5", "no_csm_at_start"],
)
def test_less_csm_coverage_lowers_health_and_renewals(change):
    base, thin = lever(), lever(**change)
    assert_lower(thin.kpi("health_rate"), base.kpi("health_rate"), f"health_rate with {change}")
    assert_lower(thin.kpi("logo_renewal_rate"), base.kpi("logo_renewal_rate"), f"logo_renewal_rate with {change}")
    # the article's point: health is the stricter goal, so it falls below activity
    assert np.all(thin.kpi("health_rate") <= thin.kpi("activity_rate"))


def test_more_paid_budget_brings_more_leads_and_sqls_and_longer_ae_waits():
    # since issue 13's customer side (referrals ~13% of leads) series-a's AEs are the bottleneck: deals already wait
    # 500 hours for an AE, doubling the budget adds 194 hours (se 24; 2026-11-26, after the renewal-rate change;
    # 847 and 262, se 71, when measured earlier) and deal momentum turns the wait into no decisions, so the extra SQLs
    # become few wins (next test)
    base, more = lever(), lever(lead_sources__paid__budget_per_month=100_000)
    assert_higher(more.funnel("leads.paid"), base.funnel("leads.paid"), "paid leads, $100k vs $50k a month")
    assert_higher(more.funnel("leads"), base.funnel("leads"), "leads, $100k vs $50k a month")
    assert_higher(more.funnel("sql"), base.funnel("sql"), "SQLs, $100k vs $50k a month")
    assert_higher(
        more.stage("sales", "mean_wait_hours"), base.stage("sales", "mean_wait_hours"), "AE wait, $100k vs $50k"
    )


def test_article_more_paid_budget_brings_more_wins():
    # holds again on series-a once it turned on founders, collections, the admin span and sales
    # managers: won +23.4 of 244 (se 5.6, 4.1 se; 12 replications, 24 months, seed 20260); after the
    # renewal-rate change of 2026-11-26 +18.3 of 246 (se 5.5, 3.3 se); with issue 13's customer side
    # alone it was +17.5 (se 6.7, 2.6 se): a strict xfail until then
    base, more = lever(), lever(lead_sources__paid__budget_per_month=100_000)
    assert_higher(more.funnel("won"), base.funnel("won"), "won, $100k vs $50k a month")


def test_higher_win_rates_bring_more_new_customers():
    base = lever()
    better = lever(
        segments__smb__win_rate=0.27 * 1.3,
        segments__mid_market__win_rate=0.22 * 1.3,
        segments__enterprise__win_rate=0.20 * 1.3,
    )
    assert_higher(better.kpi("new_customers"), base.kpi("new_customers"), "new_customers, win rates x1.3")


def test_more_engineers_mature_the_product_and_win_more():
    base, more = lever(), lever(roles__engineer__headcount=30)
    assert_higher(
        more.last_month("product_maturity"), base.last_month("product_maturity"), "product maturity, 30 vs 15 engineers"
    )
    assert_higher(more.kpi("new_customers"), base.kpi("new_customers"), "new_customers, 30 vs 15 engineers")


def test_speed_to_lead_costs_sqls_when_qualification_is_slow():
    # three SDRs and none hired: the inbound queue is slow (hours, not minutes)
    slow = {"roles__sdr__headcount": 3, "hiring__growth__mix__sales__sdr": 0}
    on, off = lever(**slow), lever(**slow, funnel__speed_to_lead=None)
    assert np.mean(on.stage("sdr", "mean_wait_hours")) > 2.0, "the scenario should make qualification slow"
    assert_lower(on.funnel("sql"), off.funnel("sql"), "SQLs, speed-to-lead decay on vs off")
    assert_lower(on.kpi("new_customers"), off.kpi("new_customers"), "new_customers, speed-to-lead decay on vs off")


def test_presales_proceed_shortens_the_cycle_but_lowers_the_win_rate():
    # one SE and none hired: presales is scarce. SE work all-or-nothing (presales_coverage off), where
    # `wait` means waiting for a whole SE: series-a rations SE hours instead, so a deal never waits
    # for an SE long and `proceed` no longer shortens the cycle there (-0.79 days, se 0.52; win rate
    # still -0.014, se 0.002; 12 replications, 24 months, seed 20260, 2026-11-26; measured earlier
    # -0.50 days, se 0.43, and -0.015, se 0.002)
    few = {"roles__se__headcount": 1, "hiring__growth__mix__sales__se": 0, "funnel__presales_coverage": None}
    wait, proceed = lever(**few), lever(**few, ownership__presales_unavailable="proceed")
    assert np.all(proceed.counter("presales_skipped") > 0) and np.all(wait.counter("presales_skipped") == 0)
    assert_lower(
        proceed.counter("mean_sales_cycle_days"),
        wait.counter("mean_sales_cycle_days"),
        "sales cycle days, proceed vs wait",
    )
    assert_lower(proceed.win_rate(), wait.win_rate(), "win rate, proceed vs wait")


def test_sales_keeping_the_relationship_brings_more_referrals():
    sales, none = lever(), lever(ownership__referral_relationship="none")
    assert_higher(
        sales.funnel("leads.referral"), none.funnel("leads.referral"), "referral leads, relationship sales vs none"
    )


def test_presales_enablement_raises_wins():
    # the article: presales should enable sales; without enablement time the AE uplift is gone
    base, none = lever(), lever(roles__se__enablement_share=0)
    assert_lower(none.kpi("new_customers"), base.kpi("new_customers"), "new_customers, SE enablement 0 vs 15%")


# ---- the bundled variants vs series-a (36 months, their own horizon) ----------------------------


def test_no_sdr_loses_pipeline():
    base, v = variant(BASE), variant("no-sdr.yaml")
    # AEs qualify between deals: leads wait longer for the first call ...
    assert_higher(v.stage("sdr", "mean_wait_hours"), base.stage("sdr", "mean_wait_hours"), "qualification wait, no-sdr")
    # ... so speed to lead costs inbound SQLs; outbound comes only from the AEs' own prospecting
    # (series-a: 30% of their time in months without SDRs), as much as SDRs and AEs book together
    # in series-a (-46 meetings, se 21; 2026-11-26), but it takes AE time from deals
    inbound = lambda a: a.funnel("sql.paid") + a.funnel("sql.content") + a.funnel("sql.referral")  # noqa: E731
    assert_lower(inbound(v), inbound(base), "inbound SQLs, no-sdr")
    assert np.all(v.funnel("leads.outbound") == v.counter("meetings.ae_sourced"))
    assert_lower(v.funnel("sql"), base.funnel("sql"), "SQLs, no-sdr")
    assert_lower(v.kpi("new_customers"), base.kpi("new_customers"), "new_customers, no-sdr")
    assert_lower(v.kpi("arr_end"), base.kpi("arr_end"), "arr_end, no-sdr")
    assert_higher(v.kpi("cac"), base.kpi("cac"), "cac, no-sdr")


def test_sales_delivers_eats_ae_capacity_and_hurts_health():
    base, v = variant(BASE), variant("sales-delivers.yaml")
    assert np.all(v.stage("implementation", "arrivals") == 0)
    assert_higher(v.stage("sales", "utilization"), base.stage("sales", "utilization"), "AE utilisation, sales-delivers")
    assert_higher(
        v.stage("sales", "mean_wait_hours"), base.stage("sales", "mean_wait_hours"), "sales mean wait, sales-delivers"
    )
    assert_higher(
        v.counter("mean_onboarding_wait_days"),
        base.counter("mean_onboarding_wait_days"),
        "onboarding wait, sales-delivers",
    )
    assert_lower(v.kpi("health_rate"), base.kpi("health_rate"), "health_rate, sales-delivers")
    assert_lower(v.kpi("arr_end"), base.kpi("arr_end"), "arr_end, sales-delivers")


@pytest.mark.xfail(
    strict=True,
    reason="model: since series-a turned on founders, collections, the admin span and sales managers, "
    "sales-delivers still lengthens go-live but by +14.5 days (se 5.4, 2.7 standard errors; 16 "
    "replications, 36 months, seed 20260, 2026-11-26; +14.0, se 5.7, when first measured), not "
    "beyond 3; it was clear before",
)
def test_sales_delivers_slows_go_live():
    base, v = variant(BASE), variant("sales-delivers.yaml")
    assert_higher(v.counter("mean_go_live_days"), base.counter("mean_go_live_days"), "go-live days, sales-delivers")


def test_article_sales_delivers_wins_fewer_customers():
    # holds on series-a with every mechanism on: new customers -11.3 (se 3.1; 16 replications, 36
    # months, seed 20260, 2026-11-26; -12.4, se 3.5, when measured earlier). It was -0.3
    # (se 1.1) while AE key-person touches piled up without bound
    # in busy pods (fixed: a touch is not queued again while the last one waits).
    base, v = variant(BASE), variant("sales-delivers.yaml")
    assert_lower(v.kpi("new_customers"), base.kpi("new_customers"), "new_customers, sales-delivers")


def test_csm_expansion_moves_expansion_work_from_aes_to_csms():
    # Expansions are counted in the event log by who did them. All CSM tasks do not rise measurably
    # in series-a (+20, se 36), because care tasks, most of a CSM's arrivals, fall by 85 (se 68)
    # while expansion work rises by 125 (se 6.6; 16 replications, 36 months, seed 20260,
    # 2026-11-26). All AE tasks (every kind, so deals and touches add noise) fall by about 40, which
    # took 48 replications to show (-37.7, se 10.3), so the AEs' side is counted as the CSMs' is:
    # their expansion tasks, from the same logged replications: -57.8 (se 4.0; CSMs +60.5, se 6.8;
    # 6 replications, 36 months, seed 20260, 2026-11-27).
    base, v = variant(BASE), variant("csm-expansion.yaml")
    n = 6  # replications with an event log: the CSMs' effect is ~17 standard errors at 16
    expansions = [a.logged("Expansion opportunity", "csm", n) for a in (v, base)]
    assert_higher(*expansions, "CSM expansions, csm-expansion")
    by_aes = [a.logged("Expansion opportunity", "ae", n) for a in (v, base)]
    assert_lower(*by_aes, "AE expansions, csm-expansion")
    assert_higher(v.stage("csm", "mean_wait_hours"), base.stage("csm", "mean_wait_hours"), "CSM wait, csm-expansion")


@pytest.mark.xfail(
    strict=True,
    reason="model: who owns expansion only decides whose queue the task waits in (success.py _expand); "
    "CSM queues are shorter than AE queues in series-a, so expansion is if anything slightly higher. "
    "With customers.relationship on (series-a), a CSM's monthly care builds its relationship faster "
    "than the seller's decays, so the article's effect does not appear (tests/validation/test_relationships.py).",
)
def test_article_csm_expansion_expands_less():
    base, v = variant(BASE), variant("csm-expansion.yaml")
    assert_lower(v.kpi("expansion_arr"), base.kpi("expansion_arr"), "expansion_arr, csm-expansion")


def test_sales_renewals_move_renewal_work_to_aes():
    base, v = variant(BASE), variant("sales-renewals.yaml")
    assert_higher(v.stage("sales", "arrivals"), base.stage("sales", "arrivals"), "AE tasks, sales-renewals")
    assert_higher(v.stage("sales", "utilization"), base.stage("sales", "utilization"), "AE utilisation, sales-renewals")
    assert_lower(v.stage("csm", "arrivals"), base.stage("csm", "arrivals"), "CSM tasks, sales-renewals")


def test_article_sales_renewals_renew_less():
    # reproduced since series-a ranks AE work (ownership.priorities.ae: renewals last, AEs are paid on
    # new ARR): AE-owned renewals wait behind deals, start after term end and lose
    # late_renewal_penalty_per_month (success.py _renewal_worked, _decide_renewal); logo renewal
    # -7.8 pp (se 0.96, 16 replications, 36 months, seed 20260, 2026-11-26; with FIFO AEs -5.3 pp, se
    # 0.73; measured earlier -3.4 pp, se 0.8, and -1.0 pp, se 0.5). It was a
    # strict xfail while AEs worked first come, first served with slack (~50% utilised).
    base, v = variant(BASE), variant("sales-renewals.yaml")
    assert_lower(v.kpi("logo_renewal_rate"), base.kpi("logo_renewal_rate"), "logo_renewal_rate, sales-renewals")


def test_service_first_grows_slower_than_product_first():
    base, v = variant(BASE), variant("service-first.yaml")
    assert_lower(
        v.last_month("product_maturity"), base.last_month("product_maturity"), "product maturity, service-first"
    )
    assert_lower(v.funnel("sql"), base.funnel("sql"), "SQLs, service-first")
    assert_lower(v.kpi("new_customers"), base.kpi("new_customers"), "new_customers, service-first")
    assert_lower(v.kpi("arr_end"), base.kpi("arr_end"), "arr_end, service-first")
