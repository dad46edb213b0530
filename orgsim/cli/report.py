"""`orgsim report DIR`: rebuild report.html and the plots from the files of a run or experiment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from orgsim.cli.common import CONTEXT
from orgsim.cli.options import debug_option, sensitivity_option
from orgsim.scenario.errors import UsageError


@click.command(context_settings=CONTEXT)
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option(
    "--bottleneck-wait-hours",
    type=click.FloatRange(min=0),
    default=4.0,
    show_default=True,
    metavar="H",
    help="A run's stage is called the bottleneck only when its mean wait is at least H hours ...",
)
@click.option(
    "--bottleneck-utilisation",
    type=click.FloatRange(0, 1),
    default=0.85,
    show_default=True,
    metavar="U",
    help="... and its people are busy at least this share of their time (0-1).",
)
@sensitivity_option(
    "A run's report names the top-ranked inputs of this JSON of `orgsim sensitivity ... --json FILE` for "
    "each KPI it ranks [default: the ranking `orgsim run --sensitivity` kept in manifest.json, else a line "
    "saying how to rank them]."
)
@debug_option
def report(
    directory: Path,
    bottleneck_wait_hours: float = 4.0,
    bottleneck_utilisation: float = 0.85,
    sensitivity_file: Path | None = None,
) -> None:
    """Regenerate report.html and plots/*.png in a run or experiment directory.

    Reads only the files `orgsim run --out DIR` wrote there (summary.json, monthly.csv,
    stages.csv, funnel.csv, manifest.json; counters.csv when present) — or, in a directory of
    `orgsim compare`, `sweep`, `focus`, `sensitivity` or `optimize --out DIR`, its JSON result, CSV tables
    and manifest.json
    — and rewrites the plots and the self-contained HTML report (images embedded, no network
    needed) atomically. Exits 2 when DIR is not such a directory. The findings of a run are
    ranked (cash, then what stops growth, then the rest) with a severity each; the two
    --bottleneck options set when a stage is called the bottleneck (both must hold). --sensitivity
    adds "What these numbers rest on": the inputs `orgsim sensitivity` ranked highest (for this
    report only; summary.json keeps the findings of the run).

    \b
    Examples:
      orgsim run scenarios/series-a.yaml --out runs/series-a --quiet
      orgsim report runs/series-a
      orgsim report runs/series-a --bottleneck-wait-hours 24 --bottleneck-utilisation 0.7
      orgsim report out/no-sdr             # written by orgsim compare ... --out out/no-sdr
      orgsim report runs/series-a --sensitivity sens.json   # from orgsim sensitivity ... --json sens.json
    """
    from orgsim.outputs.report import write_report
    from orgsim.outputs.report_experiments import (
        experiment_command,
        write_report as write_experiment_report,
    )
    from orgsim.outputs.report_optimize import is_optimize_dir, write_report as write_optimize_report
    from orgsim.outputs.report_sensitivity import is_sensitivity_dir, write_report as write_sensitivity_report

    ranked = None
    if sensitivity_file is not None:
        from orgsim.experiments.top_inputs import measured_all

        ranked = measured_all(sensitivity_file)  # a bad file: exit 2 naming it, before anything is written
    if ranked is not None and (
        is_optimize_dir(directory) or is_sensitivity_dir(directory) or experiment_command(directory)
    ):
        raise UsageError(f"--sensitivity {sensitivity_file}: only for the directory of `orgsim run --out DIR`")
    try:
        if is_optimize_dir(directory):
            paths = write_optimize_report(directory)
        elif is_sensitivity_dir(directory):
            paths = write_sensitivity_report(directory)
        else:
            if experiment_command(directory):
                paths = write_experiment_report(directory)
            else:
                thresholds = {"min_wait_hours": bottleneck_wait_hours, "busy": bottleneck_utilisation}
                paths = write_report(directory, thresholds=thresholds, sensitivity=ranked)
                _warn_other_scenario(directory, ranked)
    except OSError as e:
        raise UsageError(f"cannot write the report in {directory}: {e.strerror or e}") from None
    html_path = next((p for p in paths if p.name == "report.html"), directory / "report.html")
    n = len(paths) - 1
    click.echo(f"wrote {html_path} and {n} plot{'s' if n != 1 else ''} in {directory / 'plots'}")


def _warn_other_scenario(directory: Path, ranked: dict[str, Any] | None) -> None:
    """A ranking of another scenario's (or horizon's) inputs: a warning on stderr (the report says it
    too), as in `orgsim hire`."""
    if ranked is None:
        return
    import json

    from orgsim.outputs.report_inputs import mismatches

    try:
        summary = json.loads((directory / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for text in mismatches(ranked, summary.get("scenario"), summary.get("horizon_months")):
        click.echo(f"warning: {text}", err=True)
