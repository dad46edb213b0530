"""Workforce alone: requisitions become people, who are announced to whoever registered."""

from __future__ import annotations

from model_fakes import make_scenario, world

from orgsim.model.workforce import Workforce


def test_a_hire_joins_after_the_search_and_is_announced():
    clock, streams = world()
    sc = make_scenario(
        hiring={"time_to_hire_days": {"dist": "fixed", "value": 10.0}, "plan": [{"month": 1, "role": "ae", "count": 2}]}
    )
    wf = Workforce(clock, sc, streams)
    log = []
    wf.on_join("ae", lambda p: log.append(("joined", p.role, p.pid, clock.now)))
    wf.on_join("sdr", lambda p: log.append(("wrong role", p.pid)))
    wf.start_of_month(0, arr=0.0)
    assert wf.requisitions_open == 2
    clock.env.run()
    assert log == [("joined", "ae", 2, 10.0), ("joined", "ae", 3, 10.0)]  # pid 1 was on staff at the start
    assert (wf.pools["ae"].headcount, wf.hires, wf.requisitions_open) == (3, 2, 0)


def test_a_recruiter_closes_the_hire_after_the_search():
    clock, streams = world()
    sc = make_scenario(
        roles={"recruiter": {"department": "functional", "headcount": 1, "hires_per_month": 1.0}},
        hiring={
            "time_to_hire_days": {"dist": "fixed", "value": 10.0},
            "plan": [{"month": 1, "role": "ae", "count": 2}],
        },
    )
    wf = Workforce(clock, sc, streams)
    log = []
    wf.on_join("ae", lambda p: log.append(round(clock.now, 6)))
    wf.start_of_month(0, arr=0.0)
    clock.env.run()
    month = 365.25 / 12  # one hire a month: the recruiter closes them a month apart
    assert log == [round(month, 6), round(2 * month, 6)]
