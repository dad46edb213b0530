"""Round trip: orgsim's own deals, exported mid-horizon in every CRM layout and calibrated, recover the truth.

The data: one replication of series-a (seed 1) over 36 months, 2026-01-01 to 2028-12-31, exported
as of 2027-06-30, the middle of the horizon: 906 deals, 143 of them open (enterprise: 43 of 107).
Each of the five layouts is written by `orgsim.crm.export_crm` and read back by `orgsim calibrate`
with its `--format` and the column that carries the segment (`--map Type=segment` for Salesforce,
`pipeline` for HubSpot, `pipeline_id` for Pipedrive, `product` for sales_pipeline.csv; generic has
`segment`).

The truth is `orgsim.crm.truth(scenario, events, as_of=AS_OF)`: the deals the export holds (created
by the end of the as-of day) with their outcomes from the FULL, uncensored log, so also the deals
decided after as-of (none of them is still open at the end of the horizon: checked). Per segment:

- win rate = won / decided among those deals: the realised probability that a deal created before
  as-of is eventually won. Calibrate's censoring-aware estimate, F_won(t*) / (F_won(t*) + F_lost(t*))
  from the Aalen-Johansen incidences at the last well-supported day t*, targets P(won | decided
  within t* days of creation), which is this probability because in the model a deal's outcome does
  not depend on how long it took (checked loosely below: won and lost deals take similar times).
  It is NOT the scenario's `win_rate` key: the model multiplies it by product maturity, enablement
  and presales factors (series-a's enterprise key is 0.20; the realised rate here is 0.18);
- cycle = mean days from creation to decision of those deals, whenever decided. Calibrate fits the
  time to decision by maximum likelihood with the open deals right-censored at their age on as-of;
  the mean of the deals closed by as-of is biased short (checked below for enterprise);
- ACV = mean amount of those deals that were won, whenever won. Calibrate sees only the deals won
  by as-of; the model's ACV does not depend on when a deal closes.

Estimates and truth come from the same deals, so they share sampling noise and a 95% CI should
cover the truth more often than 95% of the time; a miss means bias. Seeds 2 and 4 also covered all
nine truths; seed 3 missed mid_market's cycle (truth 102.1 days, CI 105.0-111.0): its AEs were the
bottleneck for a year, mid_market cycles rose from 77 to 127 days and fell back to 81, and one
distribution fitted to the whole period cannot follow that (the "past team's capacity" and "change
over time" limits in docs/how-to/calibrate.md).

What the layouts cannot carry: amounts of lost and open deals (the model draws an ACV only on a
win; sales_pipeline.csv writes 0 for a lost deal), so ACV rests on won deals only and amount bands
could not place lost deals (hence the segment column); HubSpot's closedate of an open deal is a
default guess (the end of its creation month), which calibrate ignores and counts; the
sales_pipeline layout dates a deal from `engage_date`, when an AE took it, not its creation.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("lifelines")

from orgsim import cli  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "series-a.yaml"
HORIZON = {"horizon_months": 36}
SEED = 1
AS_OF = "2027-06-30"
LAYOUTS = {  # --format: (column holding the segment, files to calibrate)
    "salesforce": ("Type", ["Opportunity.csv", "OpportunityHistory.csv"]),
    "hubspot": ("pipeline", ["deals.csv"]),
    "pipedrive": ("pipeline_id", ["deals.csv"]),
    "generic": ("segment", ["deals.csv", "stage_history.csv"]),
    "sales-pipeline": ("product", ["sales_pipeline.csv"]),
}
SEGMENTS = ["smb", "mid_market", "enterprise"]


@pytest.fixture(scope="module")
def trip(tmp_path_factory):
    """Simulate once, export in each layout, calibrate each: the truth, the snapshot and the JSONs."""
    import orgsim
    from orgsim.crm import deals_from_events, export_crm, truth

    sc = orgsim.load_scenario(str(SCENARIO), overrides=HORIZON)
    events = orgsim.simulate(sc, replications=1, seed=SEED, workers=1, events=True).events
    tmp = tmp_path_factory.mktemp("round-trip")
    cals = {}
    for fmt, (column, files) in LAYOUTS.items():
        export_crm(events, fmt, tmp / fmt, as_of=AS_OF)
        args = ["calibrate", *[str(tmp / fmt / f) for f in files], "--format", fmt, "--as-of", AS_OF]
        if column != "segment":
            args += ["--map", f"{column}=segment"]
        assert cli.main([*args, "--json", str(tmp / f"{fmt}.json")]) == 0, fmt
        cals[fmt] = json.loads((tmp / f"{fmt}.json").read_text())
    snapshot = deals_from_events(events, AS_OF).deals
    full = deals_from_events(events, None).deals
    return truth(sc, events, as_of=AS_OF), snapshot, cals, full[full["deal_id"].isin(snapshot["deal_id"])]


def test_the_export_is_mid_horizon_and_the_truth_complete(trip):
    t, snap, _, _ = trip
    assert list(snap.columns[:3]) == ["deal_id", "segment", "source"]
    assert t["n_deals"].to_dict() == snap.groupby("segment").size().to_dict()
    assert (t["n_open"] == 0).all()  # every deal of the export is decided by the end of the log
    open_share = (snap["outcome"] == "open").groupby(snap["segment"]).mean()
    assert (snap["outcome"] == "open").mean() > 0.12 and open_share["enterprise"] > 0.3  # many still open
    assert (t.loc[SEGMENTS, "n_won"] + t.loc[SEGMENTS, "n_lost"] >= 100).all()


@pytest.mark.parametrize("fmt", list(LAYOUTS))
def test_calibration_recovers_the_truth_within_its_cis(trip, fmt):
    t, _, cals, _ = trip
    segs = cals[fmt]["segments"]
    assert sorted(segs) == sorted(SEGMENTS)
    missed = []
    for seg in SEGMENTS:
        s, true = segs[seg], t.loc[seg]
        assert s["n_deals"] == true["n_deals"], (fmt, seg)
        for name, ci, value in (
            ("win rate", s["win_rate"]["ci95"], true["win_rate"]),
            ("cycle mean", s["sales_cycle_days"]["mean_ci95"], true["cycle_days_mean"]),
            ("ACV mean", s["acv"]["mean_ci95"], true["acv_mean"]),
        ):
            if not ci[0] <= value <= ci[1]:
                missed.append(f"{seg} {name}: truth {value:.4g} outside {ci}")
    assert not missed, f"{fmt}: " + "; ".join(missed)


def test_the_layouts_agree(trip):
    """The four layouts dated from creation give the same estimates; sales_pipeline.csv (dated from
    engage_date) the same win counts and the same won amounts."""
    _, _, cals, _ = trip
    keys = ("n_deals", "n_open", "n_won", "n_lost", "win_rate", "sales_cycle_days", "acv")
    base = {seg: {k: s[k] for k in keys} for seg, s in cals["generic"]["segments"].items()}
    for fmt in ("salesforce", "hubspot", "pipedrive"):
        assert {seg: {k: s[k] for k in keys} for seg, s in cals[fmt]["segments"].items()} == base, fmt
    for seg, s in cals["sales-pipeline"]["segments"].items():
        assert (s["n_won"], s["n_lost"], s["n_open"]) == (base[seg]["n_won"], base[seg]["n_lost"], base[seg]["n_open"])
        assert s["acv"]["mean"] == pytest.approx(base[seg]["acv"]["mean"], rel=1e-4)


def test_what_the_layouts_cannot_carry_is_counted(trip):
    _, snap, cals, _ = trip
    n_lost, n_open = int((snap["outcome"] == "lost").sum()), int((snap["outcome"] == "open").sum())

    def counts(fmt: str) -> dict[str, int]:
        return {w["key"]: w["count"] for w in cals[fmt]["data_quality"]["warnings"]}

    for fmt in ("salesforce", "hubspot", "pipedrive", "generic"):  # no amount on lost and open deals
        assert counts(fmt)["missing_amount"] == n_lost + n_open, fmt
    assert counts("sales-pipeline")["missing_amount"] == n_open  # a lost deal's close_value is 0 there
    assert counts("hubspot")["open_closedate_ignored"] == n_open  # the default guess, ignored


def test_censoring_matters_here(trip):
    """What ignoring the open deals would give, on the same export: enterprise's closed deals' mean
    cycle is far below the truth (and below calibrate's CI), and so is P(won by day t*) alone."""
    t, snap, cals, full = trip
    ent = snap[(snap["segment"] == "enterprise") & (snap["outcome"] != "open")]
    closed_only_days = ((ent["closed"].dt.normalize() - ent["created"].dt.normalize()).dt.days).mean()
    s = cals["generic"]["segments"]["enterprise"]
    assert closed_only_days < s["sales_cycle_days"]["mean_ci95"][0]
    assert closed_only_days < t.loc["enterprise", "cycle_days_mean"] - 20  # 196 days against 224
    assert s["won_by_day"]["estimate"] < t.loc["enterprise", "win_rate"] - 0.03
    # in the model won and lost deals take similar times (the premise of the win share; in the full log
    # smb 35 and 36 days, mid_market 70 and 64, enterprise 206 and 228), unlike the synthetic set's 30 and 90
    days = (full["closed"] - full["created"]).dt.total_seconds() / 86400
    by = days.groupby([full["segment"], full["outcome"]]).mean().unstack()
    assert ((by["won"] - by["lost"]).abs() < 0.15 * by["lost"]).all(), by
