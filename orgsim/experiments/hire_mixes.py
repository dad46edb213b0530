"""Who should I hire next? Every mix of the next N hires, plus no hire, ranked with a stated confidence.

`hire` builds one option per multiset of N hires over the roles given (2 roles, 2 hires: 2 x a,
1 a + 1 b, 2 x b) plus the unchanged scenario (the no-hire baseline: a plan entry needs
count >= 1, so "no hire" is simply the scenario as it is), runs them all with the same seed
(common random numbers) and hands them to the ranking-and-selection procedure of the focus
tournament (`orgsim.experiments.selection.select`, described in `orgsim.experiments.focus_orders`):
every option gets n0 replications, options clearly worse than the leader are dropped at each
look, the rest get more, so the winner comes with a confidence statement.

How a hire enters the model: as requisitions opened in month 1 through `hiring.plan` (one entry
`{month: 1, role: R, count: C}` per role of the mix, added to the scenario's own plan). They are
hired as every hire is - the candidate search (`hiring.time_to_hire_days`), a recruiter's
closing work, then `ramp_months` of ramp, washout and attrition - and paid from the day they
join. That is the decision a founder can take today; `benchmarks/which_hire.py` instead puts an
extra, already ramped person on staff from day one (an upper bound on a hire's effect).

`at_month` M: the scenario is run for M months (`horizon_months: M`), so every KPI is the KPI at
month M - ARR at month 24 is `arr_end` of a 24-month run. The model is causal, so its first M
months are the same whatever the horizon (same seed, same numbers; checked in tests/cli/test_hire.py).
The result type is `orgsim.experiments.hire_result.HireResult`.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from orgsim.experiments.executors import Executor, Progress, using
from orgsim.experiments.focus_orders import _constraints
from orgsim.experiments.hire_result import HireResult, Mix, sensitive_inputs
from orgsim.experiments.results import Results
from orgsim.experiments.runner import ReplicationError
from orgsim.experiments.selection import Rows, parse_delta, select
from orgsim.experiments.stats import KPI_DIRECTION, ExperimentError, check_kpi
from orgsim.experiments.sweep_grid import as_overrides, load_points
from orgsim.scenario import Scenario
from orgsim.scenario.loader import load_scenario

__all__ = ["DEFAULT_AT_MONTH", "DEFAULT_ROLES", "HIRE_DEPARTMENTS", "default_roles", "hire", "mixes", "parse_roles"]

HIRE_DEPARTMENTS = ("sales", "marketing", "service")
# The front-line roles the default considers, in this order, when the scenario has them in a sales,
# marketing or service department (managers and implementers add span and delivery capacity, not
# pipeline or retention: name them with roles=... to include them).
DEFAULT_ROLES = ("ae", "sdr", "se", "csm", "marketer")
DEFAULT_AT_MONTH = 24
DEFAULT_HIRE_N0 = 10
DEFAULT_HIRE_CAP = 30
MAX_OPTIONS = 500


def default_roles(sc: Scenario) -> list[str]:
    """The roles `hire` varies by default: DEFAULT_ROLES the scenario has in HIRE_DEPARTMENTS."""
    return [r for r in DEFAULT_ROLES if r in sc.roles and sc.roles[r].department in HIRE_DEPARTMENTS]


def parse_roles(text: str | Sequence[str] | None, sc: Scenario, source: str | None = None) -> list[str]:
    """ "ae,sdr" (or a list) -> checked role names, in the order given; None -> `default_roles`.
    `source` names the scenario in errors (its file; default its name)."""
    if text is None:
        roles = default_roles(sc)
        if not roles:
            raise ExperimentError(
                f"{source or sc.name} has none of the roles {', '.join(DEFAULT_ROLES)} in a sales, marketing or "
                "service department; name the roles to consider"
            )
        return roles
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text)]
    parts = [p for p in parts if p]
    if not parts:
        raise ExperimentError(f"no role given (got {text!r}); write e.g. ae,sdr,csm")
    for p in parts:
        if p not in sc.roles:
            import difflib

            close = difflib.get_close_matches(p, list(sc.roles), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ExperimentError(f"unknown role {p!r}{hint} (the scenario's roles are {', '.join(sc.roles)})")
    dup = [p for i, p in enumerate(parts) if p in parts[:i]]
    if dup:
        raise ExperimentError(f"role {dup[0]!r} is given twice")
    return parts


def mixes(roles: Sequence[str], n: int) -> list[Mix]:
    """The no-hire baseline `()` first, then every multiset of `n` hires over `roles` (as
    ((role, count), ...) in the roles' order): C(len(roles) + n - 1, n) of them."""
    out: list[Mix] = [()]
    for combo in itertools.combinations_with_replacement(roles, n):
        c = Counter(combo)
        out.append(tuple((r, c[r]) for r in roles if c[r]))
    return out


def hire(
    scenario: str | os.PathLike | Scenario,
    next_n: int,
    *,
    roles: str | Sequence[str] | None = None,
    by: str = "arr_end",
    at_month: int | None = None,
    goal: str | int | None = None,
    minimum: Mapping[str, float] | Sequence[str] | None = None,
    maximum: Mapping[str, float] | Sequence[str] | None = None,
    replications: int = DEFAULT_HIRE_N0,
    batch: int | None = None,
    max_replications: int = DEFAULT_HIRE_CAP,
    alpha: float = 0.05,
    delta: float | str | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    scheduler: Any = None,
    executor: Executor | None = None,
) -> HireResult:
    # Over 60 lines: the checks of many options, then the draw closure `select` calls (it shares the
    # executor and the replications kept per mix), as in `focus`.
    """Rank every mix of the next `next_n` hires (plus no hire) by a KPI at month `at_month`.

    Args:
        scenario: a scenario file or a loaded `Scenario`.
        next_n: how many hires to place (>= 1).
        roles: the roles to hire into ("ae,sdr" or a list); default `default_roles`.
        by: the KPI to rank by (default arr_end: ARR at month `at_month`).
        at_month: the month the KPIs are read at (the run's horizon); default min(24, horizon).
        goal, minimum, maximum, replications, batch, max_replications, alpha, delta: as for `focus`
            (the defaults cap each option at 30 replications so a 36-option question stays short).
        seed, workers, progress, overrides, scheduler, executor: as for `sweep`.
    """
    check_kpi(by, "KPI to rank by")
    if goal is None:
        g = KPI_DIRECTION[by]
        if g == 0:
            raise ExperimentError(f"{by} has no better direction; say whether to maximise or minimise it")
    elif goal in ("max", 1):
        g = 1
    elif goal in ("min", -1):
        g = -1
    else:
        raise ExperimentError(f"goal must be 'max' or 'min' (got {goal!r})")
    if not isinstance(next_n, int) or next_n < 1:
        raise ExperimentError(f"the number of hires must be an integer >= 1 (got {next_n!r})")
    if replications > max_replications:  # as focus, run and compare refuse it
        raise ExperimentError(f"replications ({replications}) exceed max_replications ({max_replications})")
    delta = parse_delta(delta)
    mins, maxs = _constraints(minimum), _constraints(maximum)
    sets = dict(as_overrides(overrides) or {})
    for key in ("horizon_months", "hiring.plan"):
        if key in sets:
            raise ExperimentError(f"{key} is what hire sets (use at_month for the horizon); do not set it")
    base = load_points(scenario, [{}], sets)[0] if isinstance(scenario, Scenario) else load_scenario(scenario, sets)
    if at_month is None:
        at_month = min(DEFAULT_AT_MONTH, base.horizon_months)
    if not isinstance(at_month, int) or not 1 <= at_month <= base.horizon_months:
        raise ExperimentError(f"the month must be between 1 and the horizon, {base.horizon_months} (got {at_month!r})")
    chosen_roles = parse_roles(roles, base, None if isinstance(scenario, Scenario) else str(scenario))
    options = mixes(chosen_roles, next_n)
    if len(options) > MAX_OPTIONS:
        raise ExperimentError(
            f"{len(options) - 1} mixes of {next_n} hires over {len(chosen_roles)} roles is too many (at most "
            f"{MAX_OPTIONS}); name fewer roles or hires"
        )
    seed = base.seed if seed is None else int(seed)
    plan = [req.model_dump(mode="json") for req in base.hiring.plan]
    points = [
        {"horizon_months": at_month, "hiring.plan": plan + [{"month": 1, "role": r, "count": c} for r, c in m]}
        for m in options
    ]
    source: Any = base if isinstance(scenario, Scenario) else scenario
    scs = load_points(source, points, None if isinstance(scenario, Scenario) else sets)
    by_mix = dict(zip(options, scs))
    kept: dict[Mix, list] = {m: [] for m in options}
    done = [0]
    t0 = time.perf_counter()
    with using(executor, workers, scheduler) as ex:

        def draw(need: dict[Mix, range]) -> dict[Mix, Rows]:
            planned = done[0] + sum(len(r) for r in need.values())
            step = (lambda d, t: progress(done[0] + d, planned)) if progress else None  # noqa: E731
            fails: list[dict[str, Any]] = []
            got = ex.run([(m, by_mix[m], seed, r) for m, r in need.items()], step, failures=fails)
            if fails:
                raise ReplicationError(
                    [{**{k: v for k, v in f.items() if k != "key"}, "params": {"hires": dict(f["key"])}} for f in fails]
                )
            done[0] += sum(len(r) for r in need.values())
            for m in need:
                kept[m].extend(got[m])
            return {m: [dict(r.kpis) for r in got[m]] for m in need}

        sel = select(
            options, draw, by, g, mins, maxs, n0=replications, batch=batch, cap=max_replications, alpha=alpha,
            delta=delta,
        )  # fmt: skip
        # the difference to no hire is read over every replication the chosen mix ran: top the baseline up
        if sel.chosen is not None and len(kept[()]) < len(kept[sel.chosen]):
            draw({(): range(len(kept[()]), len(kept[sel.chosen]))})
        label_ = ex.label
    results = {m: Results(by_mix[m], seed, kept[m], executor=label_) for m in options}
    return HireResult(
        scenario=base.name,
        seed=seed,
        by=by,
        goal=g,
        at_month=at_month,
        next_n=next_n,
        roles=chosen_roles,
        options=options,
        selection=sel,
        results=results,
        minimum=mins,
        maximum=maxs,
        alpha=alpha,
        n0=replications,
        batch=replications if batch is None else batch,
        max_replications=max_replications,
        delta=delta,
        runtime_s=time.perf_counter() - t0,
        executor=label_,
        sensitive_to=sensitive_inputs(base, [r for r, _ in sel.chosen or ()]),
    )
