"""The terminal output of `orgsim hire`: the answer, the confidence statement, the ranking, the inputs."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.text import Text

from orgsim.metrics.registry import fmt, unit_of
from orgsim.outputs.text import ci_text, diff_text, table

__all__ = ["render_hire", "rests_on"]


def rests_on(info: dict[str, Any]) -> str:
    """The inputs the answer rests on, and whether the ranking was measured or is a rule of thumb."""
    if info.get("kind") == "measured":
        score = info.get("score", "mu_star")
        ranked = ", ".join(
            f"{r['param']} ({score} {r[score]:.3g})" if isinstance(r.get(score), (int, float)) else r["param"]
            for r in info.get("ranking", [])
        )
        return (
            f"the answer is most sensitive to: {ranked} (measured: {info.get('method')} ranking of {info.get('kpi')} "
            f"in {info.get('file')}, over the horizon of that analysis)"
        )
    return f"the answer rests on: {', '.join(info.get('inputs', []))} ({info.get('note', '')})"


def _v(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def render_hire(console: Console, result: Any) -> None:
    """Print a `HireResult`: header, ranking (mean, CI, paired difference to no hire), answer, statement."""
    unit = unit_of(result.by)
    head = Text()
    head.append(result.scenario, style="bold")
    head.append(
        f": {len(result.options) - 1} mixes of the next {result.next_n} hires over {', '.join(result.roles)}, and no "
        f"hire, ranked by {result.by} at month {result.at_month}; seed {result.seed}, {result.runtime_s:.1f} s wall, "
        f"{result.executor}"
    )
    console.print(head, soft_wrap=True)
    t = table(f"Options by mean {result.by} at month {result.at_month} (95% CI); vs no hire is paired")
    for name, justify in (("#", "right"), ("hires", "left"), ("status", "left"), ("reps", "right")):
        t.add_column(name, justify=justify, no_wrap=name == "hires")  # type: ignore[arg-type]
    for name in ("mean", "95% CI", "vs no hire", "95% CI"):
        t.add_column(name, justify="right")
    extra = [k for k in dict.fromkeys([*result.minimum, *result.maximum, "cash_out"]) if k != result.by]
    for k in extra:
        t.add_column(f"mean {k}", justify="right")
    for row in result.ranking().to_dict(orient="records"):
        status = row["status"] + (f" ({row['note']})" if row["note"] else "")
        base = row["hires"] == "no hire"
        cells = [
            str(row["rank"]),
            row["hires"],
            status,
            str(row["replications"]),
            fmt(_v(row["mean"]), unit),
            ci_text({"ci95": [_v(row["ci95_low"]), _v(row["ci95_high"])]}, unit),
            "" if base else diff_text(_v(row["diff_mean"]), unit),
            ""
            if base
            else f"{diff_text(_v(row['diff_ci95_low']), unit)} .. {diff_text(_v(row['diff_ci95_high']), unit)}",
            *(fmt(_v(row.get(k)), unit_of(k)) for k in extra),
        ]
        t.add_row(*cells, style="bold" if row["status"] == "chosen" else None)
    console.print(t)
    console.print(Text(""))
    console.print(Text.assemble(("answer: ", "bold"), result.recommendation), soft_wrap=True, highlight=False)
    console.print(result.statement, soft_wrap=True, highlight=False)
    if result.sensitive_to:
        console.print(rests_on(result.sensitivity_info), soft_wrap=True, highlight=False)
    console.print(
        f"replications: {result.replications_used:,} in {len(result.selection.rounds)} looks", highlight=False
    )
