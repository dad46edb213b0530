"""Work that no one can do (`orgsim.scenario.stalls`): refused when no one ever can, a warning when
the role is hired only after the work arises or a setting can do nothing. One test per rule, on a
small scenario; the bundled scenarios must have neither."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import simpy

from orgsim.model.clock import Clock
from orgsim.model.workforce import Workforce
from orgsim.rng import Streams
from orgsim.scenario import MONTH_DAYS
from orgsim.scenario.errors import Problem, ScenarioError
from orgsim.scenario.loader import load_scenario, load_scenario_dict
from orgsim.scenario.stalls import first_requisition_month

ROOT = Path(__file__).resolve().parents[2]

BASE: dict = {
    "horizon_months": 24,
    "segments": {
        "smb": {
            "lead_mix": 1.0,
            "acv": 10000,
            "sales_cycle_days": 30,
            "win_rate": 0.2,
            "effort_hours": {"opportunity": 5, "delivery": 4},
        }
    },
    "roles": {
        "ae": {"department": "sales", "headcount": 2},
        "sdr": {"department": "sales", "headcount": 1},
        "csm": {"department": "service", "headcount": 1},
    },
    "lead_sources": {"paid": {"budget_per_month": 20000}},  # a lead source, or the run wins nothing
}


def scenario(**changes: object) -> dict:
    """BASE with dotted-path changes (a value of None deletes the key)."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        *head, last = path.split("__")
        node = data
        for part in head:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def problems(data: dict) -> list[str]:
    try:
        load_scenario_dict(data)
    except ScenarioError as e:
        return [p.render() for p in e.problems]
    return []


def warnings(data: dict) -> list[str]:
    found: list[Problem] = []
    load_scenario_dict(data, warnings=found)
    return [p.render() for p in found]


def test_the_small_scenario_is_clean():
    assert problems(scenario()) == []
    assert warnings(scenario()) == []


@pytest.mark.parametrize("path", sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml")))
def test_bundled_scenarios_have_no_stalls(path):
    found: list[Problem] = []
    sc = load_scenario(ROOT / "scenarios" / path, warnings=found)
    assert found == []
    assert sc.warnings() == []


# ---- refused: work no one can ever do --------------------------------------------------------


def test_mql_review_without_marketers_is_refused():
    (msg,) = problems(scenario(effort_hours={"mql_review": 0.5}))
    assert msg.startswith("effort_hours.mql_review: asks for marketer time per lead but the scenario never has a")
    assert "roles.marketer" in msg and "set it to null" in msg
    staffed = scenario(effort_hours={"mql_review": 0.5}, roles__marketer={"department": "marketing", "headcount": 0})
    assert len(problems(staffed)) == 1  # a marketer role no one is hired into is no better
    staffed["roles"]["marketer"]["headcount"] = 1
    assert problems(staffed) == []


def test_expansion_by_csms_without_csms_is_refused():
    # the case: renewals moved to AEs, no CSM ever, expansion passes to CSMs after 6 months
    data = scenario(ownership={"renewal": "ae"}, roles__csm=None)
    (msg,) = problems(data)
    assert msg.startswith("ownership.expansion_by_sales_months: expansions after 6 months pass from sales to CSMs")
    assert "never has a CSM (roles.csm)" in msg
    assert "expansion_by_sales_months >= 23" in msg  # horizon 24: the last draw is at the start of month 24


def test_expansion_kept_with_sales_or_off_is_not_refused():
    no_csm = {"ownership__renewal": "ae", "roles__csm": None}
    assert problems(scenario(**no_csm, ownership__expansion_by_sales_months=23)) == []
    assert problems(scenario(**no_csm, customers={"expansion": {"monthly_probability": 0}})) == []


def test_a_segments_own_expansion_chance_is_expansion_work_too():
    # the company's chance is 0, but one segment has its own: its expansions still pass to CSMs
    data = scenario(ownership={"renewal": "ae"}, roles__csm=None, customers={"expansion": {"monthly_probability": 0}})
    seg = next(iter(data["segments"]))
    data["segments"][seg]["expansion_monthly_probability"] = 0.05
    (msg,) = problems(data)
    assert msg.startswith("ownership.expansion_by_sales_months: expansions after 6 months pass from sales to CSMs")
    assert msg.endswith(f"monthly_probability and segments.{seg}.expansion_monthly_probability to 0")


def test_starting_customers_reach_the_csms_sooner():
    # customers on the books at the start are up to a term (12 months) old
    data = scenario(
        ownership={"renewal": "ae", "expansion_by_sales_months": 23},
        roles__csm=None,
        company={"starting_customers": {"smb": 10}},
    )
    (msg,) = problems(data)
    assert "expansion_by_sales_months >= 35" in msg


# ---- warnings: work that waits for the first hire ----------------------------------------------


def plan(role: str, month: int) -> dict:
    return {"plan": [{"month": month, "role": role}]}


def test_csms_hired_after_work_arises():
    data = scenario(roles__csm={"department": "service", "headcount": 0}, hiring=plan("csm", 12))
    assert problems(data) == []
    (msg,) = warnings(data)
    assert msg == (
        "roles.csm.headcount: is 0 at the start and the first requisition opens in month 12; until a CSM joins, "
        "renewals (ownership.renewal), expansions after 6 months (ownership.expansion_by_sales_months) wait"
    )


def test_csms_hired_before_their_work_arises_give_no_warning():
    # month 1 + 50 days to hire: before the first expansion (6 months) and renewal (12 months)
    assert warnings(scenario(roles__csm={"department": "service", "headcount": 0}, hiring=plan("csm", 1))) == []


def test_ae_sdr_and_marketer_hired_later():
    data = scenario(
        roles__ae={"department": "sales", "headcount": 0},
        roles__sdr={"department": "sales", "headcount": 0},
        roles__marketer={"department": "marketing", "headcount": 0},
        effort_hours={"mql_review": 0.5},
        hiring={"plan": [{"month": 2, "role": r} for r in ("ae", "sdr", "marketer")]},
    )
    found = warnings(data)  # ordered by line, then path, as problems are
    assert [m.split(":")[0] for m in found] == ["roles.ae.headcount", "roles.marketer.headcount", "roles.sdr.headcount"]
    assert "until an AE joins, opportunities (and every other AE task) (roles.ae) wait" in found[0]
    assert "until a marketer joins, leads to review (effort_hours.mql_review) wait" in found[1]
    assert "until an SDR joins, MQLs to qualify (ownership.qualification) wait" in found[2]


def test_delivery_and_presales_teams_hired_later():
    seg = copy.deepcopy(BASE["segments"]["smb"])
    seg.update(delivered_by="implementation", needs_presales=True)
    seg["effort_hours"]["presales"] = 3
    roles = {"implementer": {"department": "service"}, "se": {"department": "sales"}}
    data = scenario(
        segments={"smb": seg},
        hiring={"plan": [{"month": 3, "role": "implementer"}]},
        **{f"roles__{k}": v for k, v in roles.items()},
    )
    data["hiring"]["plan"].append({"month": 3, "role": "se"})
    found = warnings(data)
    assert "roles.implementer.headcount: is 0 at the start and the first requisition opens in month 3; " in found[0]
    assert "smb deliveries (segments.smb.delivered_by) wait" in found[0]
    assert "until an SE joins, smb deals (segments.smb.needs_presales) wait" in found[1]
    # no delivery task, nothing waits for the implementers
    seg["effort_hours"].pop("delivery")
    assert [m.split(":")[0] for m in warnings(data)] == ["roles.se.headcount"]


def test_growth_plan_that_never_reaches_the_role():
    # the CSMs' department is not in the focus order: the growth plan never hires them
    data = scenario(
        roles__csm={"department": "service", "headcount": 0},
        hiring={
            "growth": {
                "focus_order": ["sales"],
                "hires_per_month": 1,
                "mix": {"sales": {"ae": 1}, "service": {"csm": 1}},
            }
        },
    )
    (msg,) = warnings(data)
    assert msg.startswith("roles.csm.headcount: is 0 at the start and the first requisition is never opened")


# ---- warnings: settings that can do nothing --------------------------------------------------


def test_outbound_without_sdrs():
    data = scenario(
        roles__sdr=None,
        ownership={"qualification": "ae"},
        lead_sources={"outbound": {"sdr_time_share": 0.4, "meetings_per_sdr_month": 5}},
    )
    data["lead_sources"]["paid"] = BASE["lead_sources"]["paid"]
    assert warnings(data) == [
        "lead_sources.outbound.sdr_time_share: outbound books no meetings: the scenario never has an SDR (roles.sdr)"
    ]


def test_content_without_marketers():
    data = scenario(lead_sources__content={"leads_per_marketer_month": 40})
    assert warnings(data) == [
        "lead_sources.content.leads_per_marketer_month: content gives no leads: the scenario never has a marketer "
        "(roles.marketer)"
    ]


def test_presales_that_always_proceeds_without_an_se():
    seg = copy.deepcopy(BASE["segments"]["smb"])
    seg.update(needs_presales=True)
    seg["effort_hours"]["presales"] = 3
    data = scenario(segments={"smb": seg}, ownership={"presales_unavailable": "proceed"})
    (msg,) = warnings(data)
    assert msg.startswith("ownership.presales_unavailable: every deal of smb proceeds without presales")
    assert problems(scenario(segments={"smb": seg})) != []  # 'wait' with no SE is refused (checks._structure)


def test_pods_nothing_uses():
    data = scenario(
        roles__ae={"department": "sales", "headcount": 2, "pods": {"smb": 1.0}},
        roles__sdr={"department": "sales", "headcount": 1, "pods": {"smb": 1.0}},
    )
    assert warnings(data) == [
        "roles.ae.pods: has no effect: ownership.routing is 'round_robin'; pods need 'segment'",
        "roles.sdr.pods: has no effect: only AEs work in segment pods",
    ]
    data["ownership"] = {"routing": "segment"}
    assert warnings(data) == ["roles.sdr.pods: has no effect: only AEs work in segment pods"]


def test_second_recruiting_role_is_ignored():
    data = scenario(
        roles__recruiter={"department": "functional", "headcount": 1, "hires_per_month": 4},
        roles__admin={"department": "functional", "headcount": 1, "hires_per_month": 2},
    )
    assert warnings(data) == [
        "roles.admin.hires_per_month: is ignored: only the first recruiting role (roles.recruiter) closes hires"
    ]


def test_warnings_carry_the_line_and_the_base_file(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(
        "segments:\n  smb: {lead_mix: 1, acv: 1000, sales_cycle_days: 30, win_rate: 0.2,"
        " effort_hours: {opportunity: 5}}\nroles:\n  ae: {department: sales, headcount: 1}\n"
        "  csm: {department: service, headcount: 1}\n  sdr: {department: sales, headcount: 1, pods: {smb: 1}}\n"
        "lead_sources: {paid: {budget_per_month: 1000}}\n"
    )
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nroles:\n  csm: {headcount: 0}\nhiring:\n  plan: [{month: 12, role: csm}]\n")
    found: list[Problem] = []
    load_scenario(child, warnings=found)
    assert [(p.path, p.line) for p in found] == [("roles.sdr.pods", None), ("roles.csm.headcount", 3)]
    # a value written in the base is attributed to it, as problems are
    assert found[0].message == f"has no effect: only AEs work in segment pods (in {base}, line 6)"


# ---- the growth plan as the workforce follows it -----------------------------------------------


@pytest.mark.parametrize(
    "growth",
    [
        {"focus_order": ["sales", "service"], "hires_per_month": 0.5, "months_per_stage": 6},
        {"focus_order": ["service", "sales"], "hires_per_month": 2, "months_per_stage": 3, "focus_share": 1.0},
        {"focus_order": ["sales", "service"], "hires_per_month": 1, "months_per_stage": 4, "focus_share": 1.0},
    ],
)
def test_first_requisition_month_matches_the_workforce(growth):
    g = {**growth, "mix": {"sales": {"ae": 2, "sdr": 1}, "service": {"csm": 1}}}
    sc = load_scenario_dict(scenario(hiring={"growth": g, "attrition_per_year": 0}))
    clock = Clock(simpy.Environment(), near=2 * MONTH_DAYS, end=sc.horizon_days)
    wf = Workforce(clock, sc, Streams(0, 0))
    opened: dict[str, int] = {}
    month = 0
    wf.open_requisition = lambda role: opened.setdefault(role, month)  # type: ignore[method-assign]
    for month in range(sc.horizon_months):
        wf.start_of_month(month, 0.0)
    for role in ("ae", "sdr", "csm"):
        assert first_requisition_month(sc, role) == opened.get(role), role


# ---- warnings: a first scenario that can win nothing (issue 15) ---------------------------------


def test_no_lead_source_at_all():
    # the first scenario: every source left at its default of 0
    data = scenario(lead_sources=None)
    (msg,) = warnings(data)
    assert msg.startswith("lead_sources: no source gives a lead, so the run wins no customers: paid.budget_per_month")
    for field in ("leads_per_marketer_month", "sdr_time_share", "meetings_per_sdr_month", "per_healthy_account_year"):
        assert field in msg
    # any one working source silences it; one that cannot work (no one to refer) does not
    assert warnings(scenario(lead_sources={"referral": {"per_healthy_account_year": 2}})) == [msg]
    referrals = {"referral": {"per_healthy_account_year": 2}}
    referral = scenario(lead_sources=referrals, company={"starting_customers": {"smb": 5}})
    assert warnings(referral) == []
    outbound = scenario(lead_sources={"outbound": {"sdr_time_share": 0.4, "meetings_per_sdr_month": 5}})
    assert warnings(outbound) == []


def test_outbound_meetings_with_no_prospecting_time():
    data = scenario(lead_sources__outbound={"meetings_per_sdr_month": 5})
    assert warnings(data) == [
        "lead_sources.outbound.meetings_per_sdr_month: is 5 but lead_sources.outbound.sdr_time_share is 0, so SDRs "
        "never prospect and outbound books no meetings; give SDRs a share of their time (e.g. 0.4)"
    ]
    data = scenario(lead_sources__outbound={"meetings_per_ae_month": 1.5})
    (msg,) = warnings(data)
    assert msg.startswith("lead_sources.outbound.meetings_per_ae_month: is 1.5 but lead_sources.outbound.ae_time_share")
    assert warnings(scenario(lead_sources__outbound={"meetings_per_ae_month": 1.5, "ae_time_share": 0.1})) == []
