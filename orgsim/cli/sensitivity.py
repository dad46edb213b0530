"""`orgsim sensitivity`: which assumption matters most for a KPI (Morris or Sobol, with SALib)."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

import click

from orgsim.cli.common import (
    CONTEXT,
    check_kpis,
    check_outputs,
    dask_executor,
    load_one,
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
    quiet_option,
    replications_option,
    scheduler_option,
)
from orgsim.outputs.files import dumps_json
from orgsim.outputs.manifest import experiment_manifest
from orgsim.scenario.errors import UsageError


@click.command("sensitivity", context_settings=CONTEXT)
@click.argument("scenario", metavar="SCENARIO")
@click.option(
    "--params",
    "params",
    multiple=True,
    metavar="KEY=LOW..HIGH",
    help="An input (a dotted scenario key) and its range; repeat for each input (at least two). Integer ends "
    "(roles.sdr.headcount=2..6) sample integers. [default: the scenario's win rates, ACV means, "
    "meetings_per_sdr_month, leads_per_marketer_month, cost_per_lead, mql_to_sql and renewal_curve.typical_health "
    "that it sets, each +-20%, probabilities within 0..1]",
)
@click.option(
    "--method",
    type=click.Choice(["morris", "sobol"]),
    default="morris",
    show_default=True,
    help="morris: screening, trajectories x (inputs + 1) points; sobol: variance shares, samples x (inputs + 2).",
)
@click.option(
    "--kpi", "kpis", multiple=True, metavar="KPI", help="A KPI to rank the inputs for; repeatable [default: arr_end]."
)
@click.option(
    "--trajectories",
    type=click.IntRange(2, 200),
    default=10,
    show_default=True,
    metavar="R",
    help="Morris trajectories.",
)
@click.option(
    "--levels", type=click.IntRange(2, 20), default=4, show_default=True, metavar="P", help="Morris grid levels."
)
@click.option(
    "--samples",
    type=click.IntRange(2, 4096),
    default=64,
    show_default=True,
    metavar="N",
    help="Sobol base samples (a power of 2).",
)
@replications_option("Replications per sample point, averaged.", default=5)
@common_options
@out_option("sensitivity.json (as --json), ranking.csv (per KPI and input), points.csv (per sample point)")
@scheduler_option
@quiet_option
@debug_option
def sensitivity_command(
    scenario: str,
    params: tuple[str, ...],
    method: str,
    kpis: tuple[str, ...],
    trajectories: int,
    levels: int,
    samples: int,
    replications: int,
    seed: int | None,
    workers: int,
    overrides: tuple[str, ...],
    json_file: Path | None,
    out_dir: Path | None,
    scheduler: str | None,
    connect_timeout: float,
    quiet: bool,
) -> None:
    """Rank the assumptions of a scenario by how much they move a KPI.

    Each --params input gets a range; SALib draws sample points over those ranges (Morris
    trajectories by default, Saltelli points for --method sobol). Every point is SCENARIO with
    those values, run with the same seed and replications (common random numbers) and averaged.
    Prints, per --kpi, the inputs most influential first: Morris mu* (mean absolute effect, with
    its 95% CI) and sigma (interactions, non-linearity), or Sobol S1 and ST with 95% CIs; and a
    tornado (each input alone at its low and high end). Needs pip install "orgsim[sensitivity]".

    \b
    Examples:
      orgsim sensitivity scenarios/series-a.yaml --kpi arr_end --kpi cash_min
      orgsim sensitivity scenarios/series-a.yaml --params segments.smb.win_rate=0.2..0.35 \\
          --params lead_sources.outbound.meetings_per_sdr_month=3..7 --params roles.sdr.headcount=2..6
      orgsim sensitivity scenarios/series-a.yaml --method sobol --samples 32 -n 3 --out out/sens
    """
    from orgsim.experiments.sensitivity import default_params, parse_params, sensitivity
    from orgsim.outputs.report_sensitivity import sensitivity_files

    try:
        import SALib  # noqa: F401
    except ImportError:
        raise UsageError('sensitivity needs SALib: pip install "orgsim[sensitivity]"') from None
    check_kpis("--kpi", kpis)
    parsed = parse_params(list(params)) if params else None
    check_outputs({"--json": json_file}, out_dir)
    base = load_one(scenario, overrides)
    remember({base.name: scenario}, overrides)
    if parsed is None:
        parsed = default_params(base)
        if len(parsed) < 2:
            raise UsageError(f"{scenario}: fewer than two of the default inputs are set; name them with --params")
    n_inputs = len(parsed)
    per = trajectories * (n_inputs + 1) if method == "morris" else samples * (n_inputs + 2)
    started, t0 = _dt.datetime.now(_dt.UTC), time.perf_counter()
    total = (per + 2 * n_inputs + 1) * replications
    with dask_executor(scheduler, connect_timeout) as ex, progress_bar(quiet, total) as bar:
        result = sensitivity(
            scenario,  # the file, not `base`: a problem at a sample point names it
            parsed,
            list(kpis) or ["arr_end"],
            method,
            trajectories=trajectories,
            levels=levels,
            samples=samples,
            replications=replications,
            seed=seed,
            workers=workers,
            progress=bar,
            overrides=list(overrides),
            executor=ex,
        )
    text = dumps_json(result.to_dict()) if json_file is not None or out_dir is not None else ""
    files = (
        {}
        if out_dir is None
        else sensitivity_files(
            result,
            text,
            experiment_manifest(
                [scenario],
                [base],
                overrides=overrides,
                seed=result.seed,
                replications=replications,
                workers=workers,
                started=started,
                runtime_s=time.perf_counter() - t0,
                settings={"method": method, "kpis": result.kpis, "params": [p.key for p in parsed], **result.design},
            ),
        )
    )
    write_experiment(json_file, out_dir, text, files)
    if tables_on_stdout(quiet, json_file):
        _render(result)
    report_written(out_dir, quiet)


def _render(result: object) -> None:
    from rich.table import Table

    from orgsim.metrics.registry import KPI_LABELS, fmt, unit_of
    from orgsim.outputs.text import wide_console

    doc = result.to_dict()  # type: ignore[attr-defined]
    console = wide_console(150)
    d = doc["design"]
    console.print(
        f"{doc['method']} sensitivity of {doc['scenario']}: {d['points']} points x {doc['replications']} replications, "
        f"seed {doc['seed']}, {doc['horizon_months']} months"
    )
    for k, block in doc["kpis"].items():
        unit = unit_of(k)
        t = Table(title=f"{KPI_LABELS.get(k, k)}: inputs, most influential first", title_justify="left")
        cols = ["mu*", "95% CI ±", "sigma"] if doc["method"] == "morris" else ["S1", "S1 ±", "ST", "ST ±"]
        for c in ["rank", "input", "range", *cols, "tornado low -> high"]:
            t.add_column(c, justify="left" if c in ("input", "range") else "right", no_wrap=c == "input")
        torn = {r["param"]: r for r in block["tornado"]}
        for i, r in enumerate(block["ranking"]):
            p = doc["params"][r["param"]]
            if doc["method"] == "morris":
                vals = [fmt(r["mu_star"], unit), fmt(r["mu_star_conf"], unit), fmt(r["sigma"], unit)]
            else:
                vals = [f"{r[c]:.2f}" if r[c] is not None else "-" for c in ("S1", "S1_conf", "ST", "ST_conf")]
            tr = torn[r["param"]]
            t.add_row(
                str(i + 1),
                r["param"],
                f"{p['low']:g}..{p['high']:g}",
                *vals,
                f"{fmt(tr['low'], unit)} -> {fmt(tr['high'], unit)}",
            )
        console.print(t)
