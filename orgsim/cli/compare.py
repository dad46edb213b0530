"""`orgsim compare`: two or more scenarios on common random numbers, differences paired."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orgsim.cli.common import (
    CONTEXT,
    check_kpis,
    check_outputs,
    dask_executor,
    echo_err,
    load_all,
    precision_settings,
    progress_bar,
    remember,
    report_written,
    tables_on_stdout,
    write_experiment,
)
from orgsim.cli.options import (
    common_options,
    debug_option,
    out_option,
    precision_options,
    quiet_option,
    replications_option,
    scheduler_option,
)
from orgsim.outputs.files import dumps_json
from orgsim.outputs.manifest import experiment_manifest
from orgsim.scenario.errors import UsageError, printable

if TYPE_CHECKING:
    from orgsim.experiments.comparison import Comparison
    from orgsim.scenario.schema import Scenario


@click.command("compare", context_settings=CONTEXT)
@click.argument("scenarios", nargs=-1, required=True, metavar="SCENARIO SCENARIO...")
@replications_option("Paired replications per scenario [default: the first scenario's `replications`].", minimum=2)
@common_options
@out_option(
    "compare.json (as --json), summary.csv (per scenario and KPI), differences.csv (per scenario after "
    "the first and KPI), kpis.csv (per scenario and replication), monthly.csv"
)
@precision_options
@scheduler_option
@quiet_option
@debug_option
def compare_command(
    scenarios: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    json_file: Path | None,
    out_dir: Path | None,
    precision: float | None,
    targets: tuple[str, ...],
    max_replications: int,
    scheduler: str | None,
    connect_timeout: float,
    quiet: bool,
) -> None:
    """Compare two or more scenarios with paired replications.

    Every SCENARIO runs the same replications with the same seed, so they share their random
    numbers (the same leads arrive at the same moments, the same deals need the same effort...)
    and each difference to the first SCENARIO is taken replication by replication. For every KPI
    and scenario it prints the means, the difference with its 95% confidence interval, the paired
    t-test p-value (marked * p<0.05, ** p<0.01, *** p<0.001; † where the Wilcoxon signed-rank
    test disagrees), the probability that the scenario's mean is better and the share of
    replications in which it did better. Higher is better for ARR, customers, retention, cash,
    runway and win rate; lower for cac, cac_payback_months, churned_arr, burn_multiple,
    no_decision_rate and sales_cycle_days.

    \b
    Examples:
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml scenarios/service-first.yaml -n 50
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml --precision 0.01 --json cmp.json
      orgsim compare scenarios/series-a.yaml scenarios/no-sdr.yaml -n 30 --out out/no-sdr
    """
    from orgsim.experiments import compare as run_compare
    from orgsim.outputs.report_experiments import compare_tables, experiment_files
    from orgsim.outputs.text import wide_console
    from orgsim.outputs.text_experiments import render_compare

    if len(scenarios) < 2:
        raise UsageError("compare needs at least two scenarios (the first is the baseline)")
    check_kpis("--target", targets)
    warns: list[list[dict[str, Any]]] = []
    scs = load_all(scenarios, overrides, collect=warns)
    remember({s.name: p for s, p in reversed(list(zip(scs, scenarios)))}, overrides)
    _warn_horizons(scenarios, [s.horizon_months for s in scs])
    check_outputs({"--json": json_file}, out_dir)
    first = scs[0]
    reps = first.replications if replications is None else replications
    started, t0 = _dt.datetime.now(_dt.UTC), time.perf_counter()
    with dask_executor(scheduler, connect_timeout) as ex, progress_bar(quiet, reps * len(scs)) as progress:
        cmp = run_compare(
            scs,
            replications=reps,
            seed=seed,
            workers=workers,
            progress=progress,
            executor=ex,
            precision=precision,
            targets=targets or None,
            max_replications=max_replications,
        )
    if json_file is not None or out_dir is not None:
        text = dumps_json(_document(cmp, scs, scenarios, warns))  # every file is rendered before the first is written
        files = (
            {}
            if out_dir is None
            else experiment_files(
                "compare",
                text,
                compare_tables(cmp),
                experiment_manifest(
                    scenarios,
                    [a.scenario for a in cmp.arms],
                    overrides=overrides,
                    seed=cmp.baseline.seed,
                    replications=cmp.baseline.n,
                    workers=workers,
                    started=started,
                    runtime_s=time.perf_counter() - t0,
                    settings={"baseline": cmp.names[0], **precision_settings(precision, targets, max_replications)},
                ),
            )
        )
        write_experiment(json_file, out_dir, text, files)
    if tables_on_stdout(quiet, json_file):
        render_compare(wide_console(), cmp)
    report_written(out_dir, quiet)  # after the tables: the last line a user sees


def _document(
    cmp: Comparison, scs: list[Scenario], paths: tuple[str, ...], warns: list[list[dict[str, Any]]]
) -> dict[str, Any]:
    """`cmp.to_dict()` with, in every arm, the "warnings" and "findings" of `run --json` for that
    arm's scenario (cash first)."""
    from orgsim.cli.run import cash_warning, run_findings

    doc = cmp.to_dict()
    for res, sc, path, w in zip(cmp.arms, scs, paths, warns, strict=True):
        arm = doc["arms"][res.name]
        arm["warnings"] = [*cash_warning(arm), *w]
        arm["findings"] = run_findings(res, sc, {"scenario_file": path})
    return doc


def _warn_horizons(paths: tuple[str, ...], horizons: list[int]) -> None:
    """Scenarios of different horizons: every KPI is read at its own scenario's last month, so a
    difference mixes the horizon with the structure; say so (stderr, also with --quiet)."""
    if len(set(horizons)) < 2:
        return
    each = ", ".join(f"{printable(p)}: {h} months" for p, h in zip(paths, horizons))
    echo_err(
        f"warning: the scenarios run for different horizons ({each}); every KPI is taken at the end of its "
        f"own scenario's horizon, so the differences mix the horizon with the structure (give them one, "
        f"e.g. --set horizon_months={min(horizons)}, to compare the structure alone)"
    )
