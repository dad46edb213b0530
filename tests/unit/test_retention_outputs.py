"""Retention outputs on hand-made books: the log (model side), its reduction (metrics), results,
checkpoints, text and report pieces. Accounts are fakes with the attributes the log reads."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from test_metrics import record

from orgsim.experiments.checkpoint import Checkpoint
from orgsim.experiments.results import Results
from orgsim.experiments.retention_summary import cohort_frame, retention_doc, segment_frame
from orgsim.metrics import Replication, reduce
from orgsim.metrics.retention import BAND_LABELS, pooled_curves, reasons, retention, transitions_table
from orgsim.model.retention_log import RetentionLog, cohort_labels
from orgsim.outputs.report_retention import retention_findings, retention_section
from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.loader import load_scenario


@dataclass
class Acc:
    aid: int
    segment: str
    arr: float
    health: float
    term_start: float
    first_start: float


def books() -> tuple[RetentionLog, list[Acc]]:
    """Six months. Start: two smb accounts (1, 2) and one enterprise (3). Month 0: account 4 (smb)
    signs. Month 1: 1 renews (term start moves on), 2 churns. Month 2: 3 contracts 100 -> 80 and
    falls from health 0.95 to 0.45. Month 4: 4 expands 10 -> 15. Month 5: account 5 (enterprise)
    signs."""
    log = RetentionLog(["smb", "enterprise"], horizon_months=6)
    a1 = Acc(1, "smb", 10.0, 0.75, -200.0, -200.0)
    a2 = Acc(2, "smb", 20.0, 0.55, -300.0, -300.0)
    a3 = Acc(3, "enterprise", 100.0, 0.95, -100.0, -100.0)
    log.observe([a1, a2, a3])  # the start
    a4 = Acc(4, "smb", 10.0, 0.75, 5.0, 5.0)
    log.observe([a1, a2, a3, a4])  # end of month 0
    a1.term_start = 40.0
    log.observe([a1, a3, a4])  # month 1: 1 renewed, 2 churned
    a3.arr, a3.health = 80.0, 0.45
    log.observe([a1, a3, a4])  # month 2
    log.observe([a1, a3, a4])  # month 3
    a4.arr = 15.0
    log.observe([a1, a3, a4])  # month 4
    a5 = Acc(5, "enterprise", 50.0, 0.75, 5.5 * MONTH_DAYS, 5.5 * MONTH_DAYS)
    log.observe([a1, a3, a4, a5])  # month 5
    return log, [a1, a2, a3, a4, a5]


def test_cohort_labels():
    assert cohort_labels(6) == ["start", "q1", "q2"]
    assert cohort_labels(7) == ["start", "q1", "q2", "q3"]


def test_log_counts_renewals_churn_contraction_and_expansion_by_segment():
    log, _ = books()
    rec = log.record(cohort_arr={1: 10.0, 2: 20.0, 3: 100.0}, final_arr={1: 10.0, 3: 80.0})
    smb, ent = rec.by_segment["smb"], rec.by_segment["enterprise"]
    assert (smb["renewed"], smb["churned"], smb["churned_arr"]) == (1, 1, 20.0)
    assert (smb["contractions"], smb["expanded_arr"]) == (0, 5.0)
    assert (ent["contractions"], ent["contracted_arr"], ent["renewed"], ent["churned"]) == (1, 20.0, 0, 0)
    assert (smb["cohort_arr"], smb["kept_arr"], smb["final_arr"]) == (30.0, 10.0, 10.0)
    assert (ent["cohort_arr"], ent["kept_arr"], ent["final_arr"]) == (100.0, 80.0, 80.0)


def test_log_cohort_curves():
    log, _ = books()
    rec = log.record({}, {})
    start, q1, q2 = (rec.cohorts.index(c) for c in ("start", "q1", "q2"))
    # the start cohort: 3 accounts observable at ages 0..6; 2 gone from age 2; 3 contracted from age 3
    assert rec.at_risk[start].tolist() == [3] * 7
    assert rec.alive[start].tolist() == [3, 3, 2, 2, 2, 2, 2]
    assert rec.base_arr[start].tolist() == [130.0] * 7
    assert rec.arr[start].tolist() == [130, 130, 110, 90, 90, 90, 90]
    # q1: account 4 (first seen at month 0's end, observation 1): ages 0..5; expanded at age 4, kept capped
    assert rec.at_risk[q1].tolist() == [1] * 6 + [0]
    assert rec.arr[q1].tolist() == [10, 10, 10, 10, 15, 15, 0]
    assert rec.kept_arr[q1].tolist() == [10, 10, 10, 10, 10, 10, 0]
    # q2: account 5, signed in month 5 (the second quarter), seen once
    assert rec.at_risk[q2].tolist() == [1, 0, 0, 0, 0, 0, 0] and rec.base_arr[q2][0] == 50.0


def test_log_health_band_transitions():
    log, _ = books()
    t = log.record({}, {}).transitions
    assert t.shape == (11, 11)
    assert t.sum() == 4 + 3 + 3 + 3 + 3 + 4 + 1  # every account at each month end, plus one churn
    assert t[10, 7] == 2  # new accounts arriving in band 0.7-0.8 (4 and 5)
    assert t[5, 10] == 1  # account 2 churned from band 0.5-0.6
    assert t[9, 4] == 1  # account 3 fell from 0.9-1.0 to 0.4-0.5
    assert t[9, 9] == 2 and t[4, 4] == 3  # account 3 stays up two months, then down three


def test_metrics_retention_and_pooling():
    log, _ = books()
    rec = record()
    rec.retention = log.record({1: 10.0, 2: 20.0, 3: 100.0}, {1: 10.0, 3: 80.0})
    out = retention(rec)
    assert out["by_segment"]["smb"]["logo_renewal_rate"] == 0.5
    assert out["by_segment"]["smb"]["grr"] == pytest.approx(10 / 30)
    assert out["by_segment"]["enterprise"]["logo_renewal_rate"] is None  # no renewal decided
    assert len(out["cohorts"]["q1"]["alive"]) == 6  # trimmed to the observable ages
    json.dumps(out, allow_nan=False)
    curves = pooled_curves([out, out])
    assert curves["start"]["logo_retention"][2] == pytest.approx(2 / 3)
    assert curves["start"]["nrr"][3] == pytest.approx(90 / 130)
    assert curves["q1"]["nrr"][5] == 1.5 and curves["q1"]["grr"][5] == 1.0
    assert curves["q1"]["accounts"] == [1.0] * 6
    assert transitions_table([out, out]).tolist() == out["transitions"]
    assert retention(record()) == {}  # a record without the log


def test_reasons_generic_by_prefix():
    assert reasons({"churned_logos": 4.0}) == {"churn": {"health": 4.0}, "contraction": {}}
    got = reasons({"churned_logos": 5, "churn.health": 3, "churn.floor": 2, "contractions": 1, "contracted_arr": 9})
    assert got == {"churn": {"health": 3.0, "floor": 2.0}, "contraction": {"contractions": 1.0, "contracted_arr": 9.0}}


def reps() -> list[Replication]:
    log, _ = books()
    rec = record()
    rec.retention = log.record({1: 10.0, 2: 20.0, 3: 100.0}, {1: 10.0, 3: 80.0})
    a, b = reduce(rec), reduce(rec)
    b.retention = json.loads(json.dumps(b.retention))
    b.retention["by_segment"]["smb"]["grr"] = 0.5
    return [a, b]


def test_results_json_block_and_tables():
    res = Results(load_scenario("scenarios/reference.yaml"), 1, reps())
    doc = res.to_dict()["retention"]
    assert set(doc) == {"by_segment", "by_cohort", "reasons", "health_transitions"}
    smb = doc["by_segment"]["smb"]
    assert smb["grr"]["mean"] == pytest.approx((1 / 3 + 0.5) / 2) and {"std", "ci95", "n"} <= set(smb["grr"])
    assert doc["reasons"]["churn"]["health"]["mean"] == 6.0  # the hand-made record's churned logos
    assert doc["health_transitions"]["bands"] == list(BAND_LABELS)
    curves = res.cohort_curves()
    assert set(curves["cohort"]) == {"start", "q1", "q2"} and curves["logo_retention"].max() == 1.0
    assert segment_frame(doc)["segment"].tolist() == ["smb", "enterprise"]
    assert cohort_frame({}).empty
    json.dumps(res.to_dict(), allow_nan=False)
    old = Replication(0, 1, {}, {}, {}, {}, 0.0)
    assert old.retention == {} and retention_doc([old]) is None  # replications of old checkpoints


def test_checkpoint_round_trip_and_old_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    cp = Checkpoint(path)
    cp.put("a" * 64, reps(), [])
    back = Checkpoint(path, resume=True).get("a" * 64)
    assert back is not None and back[0][0].retention == reps()[0].retention
    # a line written before retention outputs: read with none
    line = json.loads(path.read_text())
    for r in line["replications"]:
        del r["retention"]
    path.write_text(json.dumps(line) + "\n")
    old = Checkpoint(path, resume=True)
    assert old.get("a" * 64)[0][0].retention == {} and not old.skipped  # type: ignore[index]
    # a tampered one is skipped, not trusted
    line["replications"][0]["retention"] = {"by_segment": {"smb": {"grr": "1; rm -rf"}}}
    path.write_text(json.dumps(line) + "\n")
    bad = Checkpoint(path, resume=True)
    assert bad.skipped and "retention.by_segment.smb.grr is not a number" in bad.skipped[0][1]


def test_report_section_and_findings():
    doc = {"retention": Results(load_scenario("scenarios/reference.yaml"), 1, reps()).to_dict()["retention"]}
    html = retention_section(doc)
    assert "<h2>Retention</h2>" in html and "smb" in html and "health" in html
    found = retention_findings(doc)
    assert any("lowest in smb" in f for f in found)  # smb GRR ~42% against enterprise 80%
    assert any("slip below the healthy threshold" in f for f in found)  # account 3: 1 of 4 healthy moves
    assert retention_section({}) == "" and retention_findings({}) == []
    doc["retention"]["reasons"]["churn"] = {"health": {"mean": 1.0}, "floor": {"mean": 3.0}}
    assert "The main reason for churn is floor: 75% of churned logos." in retention_findings(doc)


def test_real_run_reconciles_with_the_counters():
    """On the bundled series-a: renewals and churn by segment add up to the run's counters, and the
    segments' cohort ARR to the grr/nrr KPIs' cohort."""
    from orgsim.engine import run_replication

    sc = load_scenario("scenarios/series-a.yaml", overrides={"horizon_months": 18})
    rec = run_replication(sc, 3, 0)
    assert rec.retention is not None
    seg = rec.retention.by_segment.values()
    assert sum(d["renewed"] for d in seg) == rec.counters["renewals_done"]
    assert sum(d["churned"] for d in seg) == rec.counters["churned_logos"]
    assert sum(d["cohort_arr"] for d in seg) == pytest.approx(sum(rec.cohort_arr.values()))
    assert sum(d["final_arr"] for d in seg) == pytest.approx(sum(rec.final_arr.get(a, 0) for a in rec.cohort_arr))
    r = rec.retention
    assert r.alive[:, :].sum() == r.transitions[:, :10].sum() + rec.starting_customers  # every observation
    assert np.all(r.alive <= r.at_risk)
