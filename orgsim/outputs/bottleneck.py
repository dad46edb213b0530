"""When a stage is called the bottleneck, the one rule every report applies (terminal, plots,
report.html): the thresholds, `is_bottleneck`, and the stages of a run document (`run --json`)
where work waits longest and that are the bottleneck. `orgsim.outputs.text` re-exports them."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BOTTLENECK_UTILISATION",
    "BOTTLENECK_WAIT_HOURS",
    "NEGLIGIBLE_WAIT_HOURS",
    "bottleneck",
    "is_bottleneck",
    "longest_wait",
]

# A mean wait shorter than this (3 minutes) is no queue: work is picked up as it arrives. Every
# report (terminal, plots, report.html) marks a stage's wait only above it.
NEGLIGIBLE_WAIT_HOURS = 0.05


# A stage is called a bottleneck only when its work waits at least this long on average AND its
# people are at least this busy (issue 15): a busy team whose work waits minutes holds nothing up,
# and a long wait with people to spare may come from a rule (a cap on open deals) rather than from
# people. Long tasks in a small pool also wait at moderate utilisation (notebook 01), so every
# report still shows the longest wait (terminal `<- longest`, the red line of the plots, the
# report's "Work waits longest at"). `orgsim report --bottleneck-wait-hours/--bottleneck-utilisation`
# changes both for report.html.
BOTTLENECK_WAIT_HOURS = 4.0
BOTTLENECK_UTILISATION = 0.85


def is_bottleneck(
    wait_hours: float,
    utilization: float,
    min_wait_hours: float = BOTTLENECK_WAIT_HOURS,
    busy: float = BOTTLENECK_UTILISATION,
) -> bool:
    """The rule every report applies: a mean wait and a utilisation both at or above their thresholds."""
    return wait_hours >= max(min_wait_hours, NEGLIGIBLE_WAIT_HOURS) and utilization >= busy


def longest_wait(doc: dict[str, Any]) -> str | None:
    """The stage where work waits longest on average (None when nothing waits noticeably)."""
    waits = {name: (st["mean_wait_hours"]["mean"] or 0.0) for name, st in doc["stages"].items()}
    if not waits:
        return None
    name = max(waits, key=lambda n: waits[n])
    return name if waits[name] >= NEGLIGIBLE_WAIT_HOURS else None


def bottleneck(doc: dict[str, Any]) -> str | None:
    """Of the stages above both thresholds (`is_bottleneck`), the one where work waits longest; None
    when no stage is above both."""
    waits = {
        name: st["mean_wait_hours"]["mean"] or 0.0
        for name, st in doc["stages"].items()
        if is_bottleneck(st["mean_wait_hours"]["mean"] or 0.0, st["utilization"]["mean"] or 0.0)
    }
    return max(waits, key=lambda n: waits[n]) if waits else None
